"""A search page verifies what it shows, its attachments and notices read once for the page (issue 12).

Each item shown is verified against its binding — attachments and the originator's notices
included — and a page reads those for all its items in one statement each, not two per item
(a round trip each on PostgreSQL: most of a page's statements). Tampering with either still
makes that item damaged and leaves the rest of the page shown.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import delete
from support_search import create_report, search_node

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, Node, SearchFilters
from accord.store import AttachmentRow, ItemNoticeRow
from support_sql import recorded_statements

EVERYTHING = SearchFilters()


@pytest.fixture
def jpn(make_node: Callable[..., Node], node_database_url: str) -> Node:
    return search_node(make_node, node_database_url)


def _page_items(node: Node, tmp_path: Path) -> tuple[str, str, list[str]]:
    """A report with an attachment, a downgraded one (a notice) and four plain ones, all holding 독도."""
    note = tmp_path / "sweep.txt"
    note.write_text("radar sweep", encoding="utf-8")
    content = ItemContent(ItemKind.REPORT, "報告", "독도 레이더", "x")
    attached = node.items.create(
        NewItem(content, LabelRequest("秘", ["KOR"]), Precedence.ROUTINE, attachments=[note]), actor="sato"
    ).id
    downgraded = create_report(node, "독도 경비", secret=True)
    node.notices.downgrade(downgraded, to="秘", reason="no longer sensitive", actor="sato")
    plain = [create_report(node, f"독도 보고 {n}") for n in range(4)]
    return attached, downgraded, plain


def _reads(statements: list[str], table: str) -> int:
    return sum(f"FROM {table} " in s or s.endswith(f"FROM {table}") for s in statements)


@pytest.mark.parametrize("limit", [2, 6])
def test_a_page_reads_attachments_and_notices_once_whatever_its_size(
    jpn: Node, tmp_path: Path, limit: int
) -> None:
    attached, downgraded, plain = _page_items(jpn, tmp_path)
    with recorded_statements(jpn) as seen:
        page = jpn.items.search.search("독도", actor="sato", filters=EVERYTHING, limit=limit)
    assert page.total == 6
    assert len(page.hits) == limit
    assert not page.damaged
    assert _reads(seen, "attachments") == 1
    assert _reads(seen, "item_notices") == 1
    if limit == 6:
        views = {h.view.id: h.view for h in page.hits}
        assert set(views) == {attached, downgraded, *plain}
        assert [a.name for a in views[attached].attachments] == ["sweep.txt"]
        assert views[downgraded].marking.originator.classification == "秘"  # the notice was read


def test_a_tampered_attachment_or_notice_damages_its_item_only(jpn: Node, tmp_path: Path) -> None:
    attached, downgraded, plain = _page_items(jpn, tmp_path)
    with jpn.ctx.db.transaction() as session:
        session.get_one(AttachmentRow, (attached, 0)).size += 1
        session.execute(delete(ItemNoticeRow).where(ItemNoticeRow.item_id == downgraded))
    page = jpn.items.search.search("독도", actor="sato", filters=EVERYTHING, limit=10)
    assert {d.id for d in page.damaged} == {attached, downgraded}
    assert {h.view.id for h in page.hits} == set(plain)

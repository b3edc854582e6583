"""Each search index row holds its item's created time (revision 0019, issue 12).

A one-token page is sought among the newest items, and on SQLite the text index is read from
the lowest chunk id of theirs up (``store._search_ids``); that floor is read from the rows'
``created_at``. So every path that writes index rows must copy the item's time, the
migration must fill it for the rows already there, ``check`` must see a row that disagrees,
and the floor must be the one found through the items.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from support_search import create_report, search_node, undo_0019

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, Node, SearchFilters
from accord.store import ItemRow, SearchDocRow
from accord.store._search_ids import _FLOOR
from support_sql import recorded_statements
from support_trio import Loopback

EVERYTHING = SearchFilters()


@pytest.fixture
def jpn(make_node: Callable[..., Node], node_database_url: str) -> Node:
    return search_node(make_node, node_database_url)


def _times(node: Node) -> list[tuple[str, str, str]]:
    """(item, the rows' time, the item's time) of every index row; its item is held."""
    with node.ctx.db.transaction(read_only=True) as session:
        query = select(SearchDocRow.item_id, SearchDocRow.created_at, ItemRow.created_at).join(
            ItemRow, ItemRow.id == SearchDocRow.item_id, isouter=True
        )
        return [(str(i), str(row), str(item)) for i, row, item in session.execute(query)]


def _assert_in_step(node: Node, step: str) -> None:
    times = _times(node)
    assert times, step
    assert [(i, row) for i, row, _ in times] == [(i, item) for i, _, item in times], step
    assert node.items.search.check().agrees, step


def test_every_path_that_writes_index_rows_copies_the_items_created_time(
    jpn: Node, clock: Any, tmp_path: Path
) -> None:
    # The clock moves between the steps: a row given the time it is written, not its item's,
    # is seen (the translation, the relabels and the rebuild all come later than the items).
    items = []
    for n in range(4):
        clock.advance(seconds=10)
        items.append(create_report(jpn, f"발사 보고 {n}", secret=n % 2 == 0))
    _assert_in_step(jpn, "created")
    clock.advance(seconds=10)
    path = tmp_path / "ja.txt"
    path.write_text("ミサイル発射", encoding="utf-8")
    jpn.custody.translate(items[0], path=path, lang="ja", actor="sato")
    _assert_in_step(jpn, "translated")
    assert {row for i, row, _ in _times(jpn) if i == items[0]} == {_created(jpn, items[0])}
    clock.advance(seconds=10)
    jpn.notices.downgrade(items[2], to="秘", reason="no longer sensitive", actor="sato")
    jpn.notices.downgrade(items[1], to=None, declassify=True, reason="public", actor="sato")
    _assert_in_step(jpn, "relabelled")
    clock.advance(seconds=10)
    jpn.custody.destroy(items[3], method="crypto-erase", witness="tanaka", actor="sato")
    _assert_in_step(jpn, "destroyed")
    assert jpn.items.search.index().rebuild(batch=2) == 3
    _assert_in_step(jpn, "rebuilt")
    assert {i for i, _, _ in _times(jpn)} == set(items[:3])


def _created(node: Node, item_id: str) -> str:
    with node.ctx.db.transaction(read_only=True) as session:
        return str(session.scalar(select(ItemRow.created_at).where(ItemRow.id == item_id)))


def test_a_received_items_rows_hold_its_created_time(federation: Any) -> None:
    jpn, kor = federation.jpn, federation.kor
    label = LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement=federation.agreement_id)
    for n in range(3):  # a batch: one statement for the rows of every item
        content = ItemContent(ItemKind.REPORT, f"弾道ミサイル {n}", "Launch.", "DPRK-MISSILE")
        item = jpn.items.create(NewItem(content, label, Precedence.ROUTINE), actor="sato").id
        jpn.sending.send(item, to="KOR", actor="sato")
    for peer, lane in jpn.delivery.peers_with_pending():
        jpn.delivery.deliver_once(peer, lane, Loopback(kor))
    assert len({i for i, _, _ in _times(kor)}) == 3
    _assert_in_step(kor, "received")


def test_migration_0019_fills_the_created_time_of_the_rows_already_there(
    jpn: Node, clock: Any, tmp_path: Path
) -> None:
    items = []
    for n in range(5):
        clock.advance(seconds=1)
        items.append(create_report(jpn, f"発射 {n} radar", secret=n == 4))
    path = tmp_path / "ko.txt"
    path.write_text("발사", encoding="utf-8")
    jpn.custody.translate(items[0], path=path, lang="ko", actor="sato")
    queries = [(q, a) for q in ("発射", "발사", "radar") for a in ("sato", "suzuki")]
    before = [_page(jpn, q, a) for q, a in queries]
    with jpn.ctx.db.engine.begin() as connection:  # the index as revision 0018 left it
        undo_0019(connection)
    jpn.ctx.db.migrate()
    _assert_in_step(jpn, "migrated")
    assert [_page(jpn, q, a) for q, a in queries] == before


def _page(node: Node, query: str, actor: str) -> tuple[list[str], int]:
    return node.items.search.matching_ids(query, actor=actor, filters=SearchFilters(), limit=2)


def _floors(session: Session) -> list[tuple[int | None, int | None]]:
    """For each item's time as a window's edge: (floor from the items, floor from the rows' times)."""
    through_items, from_rows = [], []
    for edge in session.scalars(select(ItemRow.created_at).distinct()):
        newest = select(ItemRow.id).where(ItemRow.created_at >= edge)
        through_items.append(
            session.scalar(select(func.min(SearchDocRow.id)).where(SearchDocRow.item_id.in_(newest)))
        )
        if session.get_bind().dialect.name == "sqlite":  # the statement _windowed runs
            from_rows.append(session.scalar(text(_FLOOR), {"edge": edge}))
        else:
            from_rows.append(
                session.scalar(select(func.min(SearchDocRow.id)).where(SearchDocRow.created_at >= edge))
            )
    return list(zip(through_items, from_rows, strict=True))


def test_the_windows_floor_from_the_rows_times_is_the_one_found_through_the_items(
    jpn: Node, clock: Any, tmp_path: Path
) -> None:
    # Rows out of age order: a translation of the oldest item made last (the newest rows),
    # and a rebuild that numbers the rows oldest first after items sharing a time.
    items = []
    for n in range(8):
        if n % 3:
            clock.advance(seconds=1)
        items.append(create_report(jpn, f"미사일 {n}", secret=n % 2 == 1))
    path = tmp_path / "ja.txt"
    path.write_text("ミサイル", encoding="utf-8")
    jpn.custody.translate(items[0], path=path, lang="ja", actor="sato")
    for step in ("written", "rebuilt"):
        with jpn.ctx.db.transaction(read_only=True) as session:
            floors = _floors(session)
        assert len(floors) == 6, step
        assert all(old == new and new is not None for old, new in floors), (step, floors)
        jpn.items.search.index().rebuild(batch=3)


def test_a_page_whose_newest_items_have_several_rows_each_is_the_head_of_the_whole_list(
    jpn: Node, clock: Any, tmp_path: Path
) -> None:
    # On PostgreSQL a window's edge is the k-th newest *row*'s time (store._search_ids): the
    # newest items' translations make the newest rows a few items' only, so a window holds
    # fewer items than asked, comes up short and widens — and must still give the head.
    items = []
    for n in range(14):
        clock.advance(seconds=1)
        items.append(create_report(jpn, f"발사 {n}", secret=n % 4 == 3))
    for item in items[-3:]:
        for lang in ("ko", "en", "zh", "fr"):
            path = tmp_path / f"{lang}.txt"
            path.write_text(f"발사 {lang}", encoding="utf-8")
            jpn.custody.translate(item, path=path, lang=lang, actor="sato")
    for actor in ("sato", "suzuki"):
        whole, total = jpn.items.search.matching_ids("발사", actor=actor, filters=EVERYTHING, limit=100)
        assert total == len(whole) == (14 if actor == "sato" else 11)
        assert whole == sorted(whole, key=lambda i: (_created(jpn, i), i), reverse=True)
        for limit in range(1, 6):
            with recorded_statements(jpn) as seen:
                page = jpn.items.search.matching_ids(
                    "발사", actor=actor, filters=SearchFilters(), limit=limit
                )
            assert page == (whole[:limit], total), (actor, limit)
            if jpn.ctx.db.dialect == "postgresql":  # the window was read, its edge from the rows
                assert any("FROM search_docs ORDER BY search_docs.created_at DESC" in s for s in seen)

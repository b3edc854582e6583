"""Listings never report a withheld item as damaged, even when its access key is tampered or missing (Art. 7;
regression)."""

from __future__ import annotations

from sqlalchemy import delete

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, SearchFilters
from accord.store import ItemRow
from accord.store._tables import AccessKeyRow  # type: ignore[attr-defined]


def _secret(pair):
    """A 極秘 item with need-to-know DPRK-MISSILE: suzuki (秘, no NTK) may not read it."""
    return pair.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Denied title", "Body.", "DPRK-MISSILE"),
            LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], agreement=pair.agreement_id),
            Precedence.FLASH,
        ),
        actor="sato",
    )


def _readable(pair):
    return pair.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Open title", "Body.", "x"),
            LabelRequest("秘", ["KOR"]),
            Precedence.ROUTINE,
        ),
        actor="suzuki",
    )


def test_baseline_denied_item_is_not_listed(pair):
    denied = _secret(pair)
    _readable(pair)
    listing = pair.jpn.items.listing(actor="suzuki")
    assert denied.id not in [v.id for v in listing.views]
    assert denied.id not in [d.id for d in listing.damaged]


def test_tampered_access_key_reports_denied_item_as_damaged(pair):
    denied = _secret(pair)
    ok = _readable(pair)
    with pair.jpn.ctx.db.transaction() as s:
        permissive = s.get_one(ItemRow, ok.id).access_key
        s.get_one(ItemRow, denied.id).access_key = permissive  # point it at a readable shape
    listing = pair.jpn.items.listing(actor="suzuki")
    print("damaged:", listing.damaged)
    assert denied.id not in [d.id for d in listing.damaged], "denied item's id/precedence shown to suzuki"
    assert [v.id for v in listing.views] == [ok.id]
    assert listing.total == 1, "the denied item is counted in suzuki's total"


def test_tampered_access_key_neither_shows_nor_counts_the_denied_item_in_a_search(pair):
    denied = _secret(pair)
    ok = _readable(pair)
    with pair.jpn.ctx.db.transaction() as s:
        permissive = s.get_one(ItemRow, ok.id).access_key
        s.get_one(ItemRow, denied.id).access_key = permissive
    # One word (counted per class from the index) and two (counted with the page's rows).
    for query in ("title", "title body"):
        page = pair.jpn.items.search.search(query, actor="suzuki", filters=SearchFilters())
        assert [h.view.id for h in page.hits] == [ok.id], query
        assert denied.id not in [d.id for d in page.damaged], "denied item's id shown to suzuki"
        assert page.total == 1, f"the denied item is counted in suzuki's total for {query!r}"
    # sato, whom the stored marking lets read it, is told it is damaged.
    page = pair.jpn.items.search.search("title", actor="sato", filters=SearchFilters())
    assert [d.id for d in page.damaged] == [denied.id]


def test_missing_access_keys_row_reports_denied_item_as_damaged(pair):
    denied = _secret(pair)
    _readable(pair)
    with pair.jpn.ctx.db.transaction() as s:
        key = s.get_one(ItemRow, denied.id).access_key
        s.execute(delete(AccessKeyRow).where(AccessKeyRow.digest == key))
    pair.jpn.items.access_shapes.clear()  # a fresh process
    listing = pair.jpn.items.listing(actor="suzuki")
    print("damaged:", listing.damaged)
    assert denied.id not in [d.id for d in listing.damaged], "denied item's id/precedence shown to suzuki"

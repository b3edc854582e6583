"""Listings never report a withheld item as damaged, even when its access key is tampered or missing (Art. 7;
regression)."""

from __future__ import annotations

from sqlalchemy import delete

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem
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

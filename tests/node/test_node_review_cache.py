"""Regression (independent review): the process-wide access-view cache suppresses the access_keys insert
for another database."""

from __future__ import annotations

import accord.node.holdings._items as items_mod
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest


def _make(node, actor):
    return node.items.create(
        actor=actor,
        content=ItemContent(ItemKind.REPORT, "t", "b", "p"),
        label=LabelRequest("秘", ["KOR"]),
        precedence=Precedence.ROUTINE,
    )


def test_second_database_in_process_misses_its_access_key(make_node):
    items_mod._access_views.clear()
    a, b = make_node("JPN", "jpn-a"), make_node("JPN", "jpn-b")
    for n in (a, b):
        n.users.add("sato", role="officer", clearance="極秘", ntk=[], actor="authority")
    _make(a, "sato")
    a.items.listing(actor="sato")  # caches the shape's digest process-wide
    made = _make(b, "sato")  # keep_access_key skips the insert in b's database
    assert [v.id for v in b.items.listing(actor="sato").views] == [made.id]  # works from the cache
    items_mod._access_views.clear()  # restart, or the cache reaching 20,000 shapes
    listing = b.items.listing(actor="sato")
    print(listing.damaged)
    assert [v.id for v in listing.views] == [made.id], "b's item is now 'damaged' forever"

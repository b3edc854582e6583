"""The parsed access-key shapes are kept per node: a node's cache never stands in for another node's
database (regression: a process-wide cache once suppressed the access_keys insert of a second node),
and the cache keeps no more than its bound."""

from __future__ import annotations

from sqlalchemy import select

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser
from accord.node.holdings._access_keys import AccessShapes
from accord.store import ItemRow


def _make(node, actor):
    return node.items.create(
        NewItem(ItemContent(ItemKind.REPORT, "t", "b", "p"), LabelRequest("秘", ["KOR"]), Precedence.ROUTINE),
        actor=actor,
    )


def test_second_database_in_process_misses_its_access_key(make_node):
    a, b = make_node("JPN", "jpn-a"), make_node("JPN", "jpn-b")
    for n in (a, b):
        n.users.add(NewUser("sato", role="officer", clearance="極秘", ntk=[]), actor="authority")
    _make(a, "sato")
    a.items.listing(actor="sato")  # caches the shape's digest process-wide
    made = _make(b, "sato")  # keep_access_key skips the insert in b's database
    assert [v.id for v in b.items.listing(actor="sato").views] == [made.id]  # works from the cache
    b.items.access_shapes.clear()  # restart, or the cache reaching its bound
    listing = b.items.listing(actor="sato")
    print(listing.damaged)
    assert [v.id for v in listing.views] == [made.id], "b's item is now 'damaged' forever"


def test_two_nodes_in_one_process_do_not_share_parsed_shapes(make_node):
    a, b = make_node("JPN", "jpn-a"), make_node("JPN", "jpn-b")
    for n in (a, b):
        n.users.add(NewUser("sato", role="officer", clearance="極秘", ntk=[]), actor="authority")
    _make(a, "sato")
    a.items.listing(actor="sato")  # a parses its one shape
    assert len(a.items.access_shapes) == 1
    assert len(b.items.access_shapes) == 0, "b's cache holds what a's listing parsed"
    made = _make(b, "sato")
    assert [v.id for v in b.items.listing(actor="sato").views] == [made.id]
    assert len(b.items.access_shapes) == 1
    assert a.items.access_shapes is not b.items.access_shapes


def test_the_shape_cache_keeps_no_more_than_its_bound(make_node):
    node = make_node("JPN", "jpn-a")
    node.users.add(NewUser("sato", role="officer", clearance="極秘", ntk=[]), actor="authority")
    for level, parties in (("秘", ["KOR"]), ("極秘", ["KOR"]), ("秘", [])):
        node.items.create(
            NewItem(
                ItemContent(ItemKind.REPORT, "t", "b", "p"), LabelRequest(level, parties), Precedence.ROUTINE
            ),
            actor="sato",
        )
    shapes = AccessShapes(limit=2)
    with node.ctx.db.transaction(read_only=True) as session:
        digests = set(session.scalars(select(ItemRow.access_key)))
        assert len(digests) == 3
        assert set(shapes.views(session, digests)) == digests  # every shape answered
        assert len(shapes) == 2  # the oldest forgotten
        assert set(shapes.views(session, digests)) == digests  # and parsed again when asked
    assert len(shapes) == 2

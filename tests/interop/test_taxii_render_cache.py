"""The TAXII pages' memo of rendered STIX objects never decides and never serves a stale item (issue 13)."""

from __future__ import annotations

import json
from typing import Any

from support_interop import make_launch

from accord.interop._stix_cache import RenderedItems
from accord.interop._stix_codec import item_objects
from accord.interop._taxii_views import PageRequest, TaxiiViews, taxii_time
from accord.node import UNSAFE_FAST_PASSWORD_HASHING, NewUser, Node


def _views(federation: Any) -> tuple[TaxiiViews, Any]:
    views = TaxiiViews(federation.jpn)
    collection = next(c for c in views.collections() if c.agreement == federation.agreement_id)
    return views, collection


def _item_objects(views: TaxiiViews, collection: Any, actor: str) -> list[Any]:
    """The objects of ``actor``'s pages that carry item data (markings, reports, locations)."""
    objects = views.page(collection, actor, PageRequest()).objects
    return [o.obj for o in objects if o.obj["type"] in ("marking-definition", "report", "location")]


def test_rendered_objects_are_those_of_the_view_and_bounded(federation: Any) -> None:
    jpn = federation.jpn
    ids = [make_launch(jpn, federation.agreement_id, title=f"Launch {n}") for n in range(3)]
    views = jpn.items.views_of(ids, actor=None).views
    rendered = RenderedItems(limit=2)
    for view in views:
        kept = rendered.objects(view)
        assert [obj for obj, _ in kept] == item_objects(view)
        assert [json.loads(text) for _, text in kept] == item_objects(view)
    assert len(rendered) == 2  # the least recently used was dropped
    again = rendered.objects(views[2])
    assert rendered.objects(views[2]) is again  # kept: not rendered a second time


def test_a_page_that_opened_an_item_before_it_was_forgotten_does_not_keep_it(federation: Any) -> None:
    """The race of two requests: page A reads the epoch and opens the item in a snapshot from
    before its destruction; request B forgets the item; A's rendering is served to A but not
    kept (else a destroyed item's content would stay in memory until evicted)."""
    jpn = federation.jpn
    (view,) = jpn.items.views_of([make_launch(jpn, federation.agreement_id)], actor=None).views
    rendered = RenderedItems()
    since = rendered.epoch()  # page A, before its snapshot
    rendered.forget({view.id})  # request B, after the item was destroyed
    served = rendered.objects(view, since)
    assert [obj for obj, _ in served] == item_objects(view)
    assert view.id not in rendered.item_ids()
    assert rendered.objects(view, rendered.epoch()) is not served  # a later page keeps it again
    assert view.id in rendered.item_ids()


def test_a_reader_never_receives_what_another_person_had_rendered(federation: Any) -> None:
    jpn = federation.jpn
    make_launch(jpn, federation.agreement_id)  # 極秘, DPRK-MISSILE
    jpn.users.add(NewUser("ito", role="analyst", clearance="秘", ntk=["DPRK-MISSILE"]), actor="authority")
    views, collection = _views(federation)
    assert [o["type"] for o in _item_objects(views, collection, "sato")].count("report") == 1
    # sato's page rendered (and kept) the item: ito, under its classification, still gets none of it.
    assert _item_objects(views, collection, "ito") == []


def test_a_downgraded_item_is_served_as_it_now_is_not_as_it_was_rendered(federation: Any) -> None:
    jpn = federation.jpn
    item = make_launch(jpn, federation.agreement_id)
    views, collection = _views(federation)

    def report(served_by: TaxiiViews) -> Any:
        (found,) = [o for o in _item_objects(served_by, collection, "sato") if o["type"] == "report"]
        return found

    before = report(views)
    federation.clock.advance(seconds=1)
    jpn.notices.downgrade(item, to="秘", reason="Source declassified in part", actor="sato")
    after = report(views)
    # Its markings changed (new marking-definition ids): rendered again, as a fresh server renders it.
    assert after["object_marking_refs"] != before["object_marking_refs"]
    assert after == report(TaxiiViews(jpn))


def test_a_destroyed_item_is_not_served_though_it_was_rendered(federation: Any) -> None:
    jpn = federation.jpn
    make_launch(jpn, federation.agreement_id, title="Kept")
    federation.clock.advance(seconds=1)  # arrivals in this order
    gone = make_launch(jpn, federation.agreement_id, title="Destroyed")
    jpn.users.add(NewUser("mori", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority")
    views, collection = _views(federation)

    def reports() -> list[object]:
        return [o["name"] for o in _item_objects(views, collection, "sato") if o["type"] == "report"]

    assert reports() == ["Kept", "Destroyed"]
    federation.clock.advance(seconds=1)
    jpn.custody.destroy(gone, method="crypto-erase", witness="mori", actor="sato")
    assert reports() == ["Kept"]


def _another_process(federation: Any) -> Node:
    """A second Node on JPN's home: what `accord item destroy` from the CLI is while a server runs."""
    jpn = federation.jpn
    return Node.open(jpn.ctx.home.root, clock=federation.clock, password_hashing=UNSAFE_FAST_PASSWORD_HASHING)


def test_nothing_of_an_item_destroyed_in_another_process_stays_kept(federation: Any) -> None:
    jpn = federation.jpn
    kept = make_launch(jpn, federation.agreement_id, title="Kept")
    federation.clock.advance(seconds=1)
    gone = make_launch(jpn, federation.agreement_id, title="Destroyed")
    jpn.users.add(NewUser("mori", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority")
    views, collection = _views(federation)
    assert [o["name"] for o in _item_objects(views, collection, "sato") if o["type"] == "report"] == [
        "Kept",
        "Destroyed",
    ]
    assert views._rendered.item_ids() == {kept, gone}  # both rendered, content included
    federation.clock.advance(seconds=1)
    other = _another_process(federation)
    try:
        other.custody.destroy(gone, method="crypto-erase", witness="mori", actor="sato")
    finally:
        other.close()
    # The next request (by anyone, even for a page that would not show it) drops it first.
    assert _item_objects(views, collection, "mori") != []
    assert views._rendered.item_ids() == {kept}
    assert not any(
        "Destroyed" in text for kept_objects in views._rendered._kept.values() for _, text in kept_objects
    )


def test_a_running_server_serves_the_new_markings_of_an_item_downgraded_elsewhere(federation: Any) -> None:
    jpn = federation.jpn
    item = make_launch(jpn, federation.agreement_id)
    views, collection = _views(federation)

    def served(by: TaxiiViews, request: PageRequest | None = None) -> dict[str, Any]:
        return {o.id: o.obj for o in by.page(collection, "sato", request or PageRequest()).objects}

    before = served(views)
    last = taxii_time(views.page(collection, "sato", PageRequest()).objects[-1].date_added)
    federation.clock.advance(seconds=1)
    other = _another_process(federation)
    try:
        other.notices.downgrade(item, to="秘", reason="Source declassified in part", actor="sato")
    finally:
        other.close()
    after = served(views)
    fresh = served(TaxiiViews(jpn))
    assert after != before
    assert after == fresh  # every object a fresh server serves, the new marking-definitions included
    (report,) = [o for o in after.values() if o["type"] == "report"]
    assert all(ref in after for ref in report["object_marking_refs"])
    # Its objects come again after the collection's last one, for clients polling added_after.
    again = served(views, PageRequest(added_after=last))
    assert report["id"] in again
    assert all(ref in again for ref in report["object_marking_refs"])

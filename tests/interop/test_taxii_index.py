"""The node's arrivals and own views that the TAXII index is kept with (issue 13)."""

from __future__ import annotations

from typing import Any

from support_interop import make_launch

from accord.interop._taxii_views import PageRequest, TaxiiViews
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser
from accord.store import read_events


def test_arrivals_in_order_since_a_time(federation: Any) -> None:
    jpn = federation.jpn
    first = make_launch(jpn, federation.agreement_id, title="First")
    federation.clock.advance(seconds=1)
    second = make_launch(jpn, federation.agreement_id, title="Second")
    arrived = jpn.items.arrivals()
    assert [i for i, _ in arrived] == [first, second]
    assert [i for i, _ in jpn.items.arrivals(since=arrived[1][1])] == [second]
    assert jpn.items.counts().stored == 2
    views = jpn.items.views_of([second, "jpn-missing", first], actor=None).views
    assert [v.id for v in views] == [second, first]
    jpn.users.add(NewUser("ito", role="officer", clearance="極秘", ntk=[]), actor="authority")
    assert jpn.items.views_of([first], actor="ito").views == []
    assert [v.id for v in jpn.items.views_of([first], actor="sato").views] == [first]


def test_index_is_strictly_increasing_and_filters_per_person(federation: Any) -> None:
    jpn = federation.jpn
    for n in range(3):  # the same arrival time: the index steps by a microsecond
        make_launch(jpn, federation.agreement_id, title=f"Launch {n}")
    jpn.users.add(NewUser("ito", role="officer", clearance="極秘", ntk=[]), actor="authority")
    views = TaxiiViews(jpn)
    collection = next(c for c in views.collections() if c.agreement == federation.agreement_id)

    def page(actor: str, limit: int | None = None) -> Any:
        return views.page(collection, actor, PageRequest(limit=limit))

    everything = page("sato").objects
    added = [o.date_added for o in everything]
    assert added == sorted(set(added))
    reports = [o.obj["name"] for o in everything if o.obj["type"] == "report"]
    assert sorted(reports) == [f"Launch {n}" for n in range(3)]  # one arrival time: by item id
    # ito needs DPRK-MISSILE for every launch: only the objects that carry no item data.
    assert {o.obj["type"] for o in page("ito").objects} == {"identity", "extension-definition"}
    short = page("ito", limit=1)
    assert (len(short.objects), short.more) == (1, True)


def _report(jpn: Any, agreement_id: str, title: str) -> str:
    """A report at 秘, DPRK-MISSILE, under the agreement."""
    content = ItemContent(ItemKind.REPORT, title, "本文", "Assessment of DPRK missile activity")
    label = LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement=agreement_id)
    return str(jpn.items.create(NewItem(content, label, Precedence.ROUTINE), actor="sato").id)


def _events(jpn: Any) -> list[Any]:
    with jpn.ctx.db.transaction() as session:
        return list(read_events(session))


def test_a_page_is_one_journal_event_naming_what_was_shown_and_withheld(federation: Any) -> None:
    jpn, agreement = federation.jpn, federation.agreement_id

    def made(item_id: str) -> str:
        federation.clock.advance(seconds=1)  # arrivals in this order
        return item_id

    secret = [made(make_launch(jpn, agreement, title="Top 1"))]  # 極秘: over ito's clearance
    shown = [made(_report(jpn, agreement, "Report 1"))]
    secret.append(made(make_launch(jpn, agreement, title="Top 2")))
    later = [made(_report(jpn, agreement, f"Report {n}")) for n in (2, 3)]
    jpn.users.add(NewUser("ito", role="analyst", clearance="秘", ntk=["DPRK-MISSILE"]), actor="authority")
    views = TaxiiViews(jpn)
    collection = next(c for c in views.collections() if c.agreement == agreement)
    before = len(_events(jpn))
    # The 5 publisher objects and the 3 of the first report ito may read.
    page = views.page(collection, "ito", PageRequest(limit=8))
    assert page.more
    assert {o.obj.get("name") for o in page.objects if o.obj["type"] == "report"} == {"Report 1"}
    (event,) = _events(jpn)[before:]
    assert (event.action, event.actor, event.outcome) == ("item.list", "ito", "ok")
    assert event.detail["permitted"] == shown  # what was opened, not what was only decided
    assert secret[0] in event.detail["withheld"]
    assert set(event.detail["withheld"]) <= set(secret)
    # The rest: the next page, one more event; a short page is the end.
    rest = views.page(collection, "ito", PageRequest(limit=8, next_token=page.next))
    assert not rest.more
    assert len(rest.objects) == 6
    (event,) = _events(jpn)[before + 1 :]
    assert event.detail["permitted"] == later


def test_the_index_takes_in_what_arrives_after_a_page(federation: Any) -> None:
    jpn = federation.jpn
    make_launch(jpn, federation.agreement_id, title="Before")
    views = TaxiiViews(jpn)
    collection = next(c for c in views.collections() if c.agreement == federation.agreement_id)

    def names() -> list[object]:
        objects = views.page(collection, "sato", PageRequest()).objects
        return [o.obj["name"] for o in objects if o.obj["type"] == "report"]

    assert names() == ["Before"]
    assert names() == ["Before"]  # nothing stored since: the index is not refreshed
    federation.clock.advance(seconds=1)
    make_launch(jpn, federation.agreement_id, title="After")
    assert names() == ["Before", "After"]


def test_counts_name_the_items_whose_state_changed(federation: Any) -> None:
    jpn = federation.jpn
    first = make_launch(jpn, federation.agreement_id, title="First")
    second = make_launch(jpn, federation.agreement_id, title="Second")
    jpn.users.add(NewUser("mori", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority")
    start = jpn.items.counts()
    assert (start.stored, start.changed) == (2, {})
    assert jpn.items.counts(start.changes).changed is None  # nothing changed: the count alone
    federation.clock.advance(seconds=1)
    jpn.notices.downgrade(first, to="秘", reason="Source declassified in part", actor="sato")
    downgraded = jpn.items.counts(start.changes)
    assert downgraded.changes > start.changes
    assert downgraded.changed == {first: 1}
    jpn.compromise.report([second], actual=True, circumstances="Lost in transit.", actor="mori")
    assert jpn.items.counts(downgraded.changes).changed == {first: 1, second: 1}
    jpn.custody.destroy(first, method="crypto-erase", witness="mori", actor="sato")
    destroyed = jpn.items.counts()
    assert (destroyed.stored, destroyed.changed) == (2, {first: 2, second: 1})  # rows are never deleted

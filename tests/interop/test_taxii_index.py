"""The node's arrivals and own views that the TAXII index is kept with (issue 13)."""

from __future__ import annotations

from typing import Any

from support_interop import make_launch

from accord.interop._taxii_views import PageRequest, TaxiiViews
from accord.node import NewUser


def test_arrivals_in_order_since_a_time(federation: Any) -> None:
    jpn = federation.jpn
    first = make_launch(jpn, federation.agreement_id, title="First")
    federation.clock.advance(seconds=1)
    second = make_launch(jpn, federation.agreement_id, title="Second")
    arrived = jpn.items.arrivals()
    assert [i for i, _ in arrived] == [first, second]
    assert [i for i, _ in jpn.items.arrivals(since=arrived[1][1])] == [second]
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

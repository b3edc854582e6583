"""Reading the journal (issue 10, item 17): who may, filters, paging, and the read journalled."""

from __future__ import annotations

import pytest
from support_node import Pair, events, refused

from accord.errors import InvalidInput, NotFound, PolicyDenied
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import JournalFilter, LabelRequest, NewItem, NewUser, Node


def _report(node: Node) -> str:
    made = node.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "KN-23 launch assessment", "Trajectory.", "DPRK-MISSILE"),
            LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], agreement="JPN-KOR-GSOMIA-2016"),
            Precedence.PRIORITY,
        ),
        actor="sato",
    )
    return made.id


def _withheld_from_suzuki(node: Node, item: str) -> None:
    with pytest.raises(NotFound):
        node.items.show(item, actor="suzuki")


def test_an_officer_reads_why_a_read_was_refused(pair: Pair) -> None:
    item = _report(pair.jpn)
    _withheld_from_suzuki(pair.jpn, item)
    page = pair.jpn.journal.listing(actor="sato", where=JournalFilter(refusals=True, item_id=item))
    (event,) = page.events
    assert (event.actor, event.action, event.outcome, event.item_id) == (
        "suzuki",
        "item.read",
        "refused",
        item,
    )
    reason = str(event.detail["reason"])
    assert "needs clearance 極秘 or higher" in reason
    assert "(Art. 7)" in reason
    assert page.next_after is None
    # The journal holds metadata, never content.
    everything = pair.jpn.journal.listing(actor="sato", limit=1000)
    assert "KN-23" not in repr([e.to_dict() for e in everything.events])


@pytest.mark.parametrize("reader", ["sato", "ito", "yamada"], ids=["officer", "auditor", "authority"])
def test_officers_auditors_and_the_authority_may_read_it(pair: Pair, reader: str) -> None:
    pair.jpn.users.add(NewUser("yamada", role="authority", clearance="秘", ntk=[]), actor="authority")
    assert pair.jpn.journal.listing(actor=reader).events
    assert pair.jpn.journal.show(1, actor=reader).action == "node.init"


def test_an_analyst_may_not_and_the_refusal_is_journalled(pair: Pair) -> None:
    with refused(pair.jpn, PolicyDenied, "analyst role may not read the journal", action="journal.read"):
        pair.jpn.journal.listing(actor="suzuki")
    assert "officer, authority and auditor" in str(events(pair.jpn)[-1].detail["reason"])
    with refused(pair.jpn, PolicyDenied, "analyst role may not read the journal", action="journal.read"):
        pair.jpn.journal.show(1, actor="suzuki")
    # Denied before anything else is looked at: a bad filter changes nothing to the answer.
    with refused(pair.jpn, PolicyDenied, "may not read the journal", action="journal.read"):
        pair.jpn.journal.listing(actor="suzuki", limit=0)


def test_every_read_is_journalled_with_what_was_asked(pair: Pair) -> None:
    page = pair.jpn.journal.listing(actor="ito", where=JournalFilter(action="user.*"), limit=2)
    last = events(pair.jpn)[-1]
    assert (last.actor, last.action, last.outcome) == ("ito", "journal.read", "ok")
    assert last.detail == {"action": "user.*", "after": 0, "limit": 2, "shown": len(page.events)}
    pair.jpn.journal.show(3, actor="ito")
    assert events(pair.jpn)[-1].detail == {"seq": 3}


def test_filters_select_by_actor_action_item_time_and_outcome(pair: Pair) -> None:
    item = _report(pair.jpn)
    pair.jpn.ctx.clock.advance(hours=2)  # type: ignore[attr-defined]
    _withheld_from_suzuki(pair.jpn, item)
    everything = events(pair.jpn)

    def listed(where: JournalFilter) -> list[int]:
        # Every read is journalled: compare with the events before the first read.
        page = pair.jpn.journal.listing(actor="sato", where=where, limit=1000)
        return [e.seq for e in page.events if e.seq <= everything[-1].seq]

    assert listed(JournalFilter(actor="suzuki")) == [e.seq for e in everything if e.actor == "suzuki"]
    assert listed(JournalFilter(action="user.add")) == [e.seq for e in everything if e.action == "user.add"]
    users = [e.seq for e in everything if e.action.startswith("user.")]
    assert listed(JournalFilter(action="user.*")) == users
    assert users
    assert listed(JournalFilter(item_id=item)) == [e.seq for e in everything if e.item_id == item]
    later = everything[-1].at
    assert listed(JournalFilter(since=later)) == [e.seq for e in everything if e.at >= later]
    assert listed(JournalFilter(until=later)) == [e.seq for e in everything if e.at < later]
    day = later[:10]
    assert listed(JournalFilter(since=day, until="2999-01-01")) == [e.seq for e in everything if e.at >= day]
    assert listed(JournalFilter(refusals=True)) == [e.seq for e in everything if e.outcome == "refused"]
    assert listed(JournalFilter(actor="suzuki", refusals=True, item_id=item)) == [everything[-1].seq]
    assert listed(JournalFilter(actor="nobody")) == []
    # A prefix is literal text, not a pattern: "%" and "_" match only themselves.
    assert listed(JournalFilter(action="%.*")) == []


def test_pages_follow_one_another_in_seq_order_and_stay_stable(pair: Pair) -> None:
    seen: list[int] = []
    after = 0
    added = 0
    while True:
        where = JournalFilter(actor="authority")
        page = pair.jpn.journal.listing(actor="sato", where=where, after=after, limit=3)
        seen += [e.seq for e in page.events]
        if page.next_after is None:
            break
        after = page.next_after
        if added < 2:
            # Events appended while paging come at the end: no event is skipped or repeated.
            pair.jpn.users.add(
                NewUser(f"new{added}", role="analyst", clearance="秘", ntk=[]), actor="authority"
            )
            added += 1
    assert seen == [e.seq for e in events(pair.jpn) if e.actor == "authority"]
    assert len(seen) > 6
    assert [e.actor for e in events(pair.jpn) if e.seq in seen[-2:]] == ["authority", "authority"]
    assert events(pair.jpn)[-1].action == "journal.read"


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"limit": 0}, "a page holds 1 to 1000 events, not 0"),
        ({"limit": 1001}, "a page holds 1 to 1000 events, not 1001"),
        ({"after": -1}, "after must be a journal seq"),
        ({"where": JournalFilter(since="yesterday")}, "--since 'yesterday': give a date"),
        ({"where": JournalFilter(until="2026-11-25T09:00:00")}, "--until .*RFC 3339 time with a zone"),
        ({"where": JournalFilter(since="2026-11-26", until="2026-11-25")}, "is not before --until"),
        ({"where": JournalFilter(actor="")}, "--actor must be 1 to 200 characters"),
        ({"where": JournalFilter(item_id="x" * 201)}, "--item must be 1 to 200 characters"),
    ],
    ids=["limit-0", "limit-1001", "after-negative", "since-words", "until-no-zone", "since-after-until",
         "empty-actor", "long-item"],
)  # fmt: skip
def test_bad_requests_are_refused_and_journalled(pair: Pair, kwargs: dict[str, object], match: str) -> None:
    with refused(pair.jpn, InvalidInput, match, action="journal.read"):
        pair.jpn.journal.listing(actor="sato", **kwargs)  # type: ignore[arg-type]


def test_showing_an_event_that_does_not_exist_is_not_found(pair: Pair) -> None:
    with refused(pair.jpn, NotFound, "no journal event 99999", action="journal.read"):
        pair.jpn.journal.show(99999, actor="sato")

"""The dashboard's figures (node.dashboard): counted in SQL, per local day, never a withheld item.

JPN sends KOR two reports a day apart, each receipted after a delay; a third waits in the
outbox; KOR refuses a malformed transmission. Days are Seoul's and Tokyo's (UTC+9): the fixed
clock's 09:00 UTC is 18:00 there, and 15:00 UTC is the next local day.
"""

from __future__ import annotations

import contextlib
import re
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import event

from accord.errors import AccordError, InvalidInput, NotFound
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser
from accord.store import read_events
from support_federation import Loopback

SEOUL = ZoneInfo("Asia/Seoul")
DAYS = 3


def _report(federation: Any, level: str, ntk: list[str], precedence: Precedence) -> str:
    return federation.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, f"Report {level}", "Text.", "Assessment"),
            LabelRequest(level, ["KOR"], ntk, agreement=federation.agreement_id),
            precedence,
        ),
        actor="sato",
    ).id


def _deliver(federation: Any) -> None:
    jpn = federation.jpn
    for peer, lane in jpn.delivery.peers_with_pending():
        jpn.delivery.deliver_once(peer, lane, Loopback(federation.kor))


@pytest.fixture
def exchanged(federation: Any) -> Any:
    """Day 1: a FLASH 極秘 report receipted after 2 min; day 2: a ROUTINE 秘 one after 10 min,
    and a PRIORITY one left pending; then a refused transmission at KOR."""
    jpn, kor, clock = federation.jpn, federation.kor, federation.clock
    kor.users.add(
        NewUser("park", role="analyst", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    jpn.users.add(NewUser("ito", role="auditor", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority")
    jpn.users.add(NewUser("suzuki", role="officer", clearance="秘", ntk=[]), actor="authority")
    flash = _report(federation, "極秘", ["DPRK-MISSILE"], Precedence.FLASH)
    jpn.sending.send(flash, to="KOR", actor="sato")
    clock.advance(minutes=2)
    _deliver(federation)
    clock.advance(days=1)
    routine = _report(federation, "秘", [], Precedence.ROUTINE)
    jpn.sending.send(routine, to="KOR", actor="sato")
    clock.advance(minutes=10)
    _deliver(federation)
    pending = _report(federation, "秘", [], Precedence.PRIORITY)
    jpn.sending.send(pending, to="KOR", actor="sato")
    with contextlib.suppress(AccordError):
        kor.receiving.receive_transmission(b"not a transmission")
    return federation


def test_an_officer_sees_every_figure_of_the_exchange(exchanged: Any) -> None:
    jpn, kor = exchanged.jpn, exchanged.kor
    sent = jpn.dashboard.figures(actor="sato", days=DAYS, zone=SEOUL)
    assert sent.days == (date(2026, 11, 24), date(2026, 11, 25), date(2026, 11, 26))
    assert sent.utc_offset == "+0900"
    assert [(s.party, s.counts) for s in sent.sent or ()] == [("KOR", (0, 1, 2))]
    assert sent.received == ()
    latency = {s.precedence: s for s in sent.latency or ()}
    assert list(latency) == [Precedence.FLASH, Precedence.ROUTINE]  # FLASH first; none receipted at PRIORITY
    assert latency[Precedence.FLASH].receipted == (0, 1, 0)
    assert latency[Precedence.FLASH].p50 == (None, pytest.approx(120, abs=0.01), None)
    assert latency[Precedence.ROUTINE].p99 == (None, None, pytest.approx(600, abs=0.01))
    assert [(p.party, p.lane, p.pending) for p in sent.pending or ()] == [("KOR", "priority", 1)]
    assert sent.refusals == ()
    assert sent.refusals_total == 0

    received = kor.dashboard.figures(actor="kim", days=DAYS, zone=SEOUL)
    assert [(s.party, s.counts) for s in received.received] == [("JPN", (0, 1, 1))]
    assert received.sent == ()
    assert received.pending == ()
    assert received.refusals_total == 1
    assert ("exchange.reject", 1) in [(r.reason, r.refused) for r in received.journal_refusals or ()]
    (refusal,) = received.refusals or ()
    assert refusal.refused == 1
    assert refusal.reason


def test_an_officer_counts_only_the_envelopes_of_items_they_may_read(exchanged: Any) -> None:
    # suzuki (秘, no need to know) may not read the FLASH 極秘 report: its envelope, its
    # receipt and its latency are left out, as from the outbox page.
    figures = exchanged.jpn.dashboard.figures(actor="suzuki", days=DAYS, zone=SEOUL)
    assert [(s.party, s.counts) for s in figures.sent or ()] == [("KOR", (0, 0, 2))]
    assert [s.precedence for s in figures.latency or ()] == [Precedence.ROUTINE]
    assert [(p.lane, p.pending) for p in figures.pending or ()] == [("priority", 1)]


def test_an_analyst_sees_only_what_arrived_that_they_may_read(exchanged: Any) -> None:
    kor = exchanged.kor
    park = kor.dashboard.figures(actor="park", days=DAYS, zone=SEOUL)
    assert [(s.party, s.counts) for s in park.received] == [("JPN", (0, 1, 1))]
    assert (park.sent, park.latency, park.pending, park.refusals) == (None, None, None, None)
    assert park.journal_refusals is None  # an analyst's role does not read the journal
    # lee (대외비, no need to know) may read neither report: no count reveals them.
    lee = kor.dashboard.figures(actor="lee", days=DAYS, zone=SEOUL)
    assert lee.received == ()
    assert lee.to_dict()["received"] == []
    assert lee.to_dict()["sent"] is None
    with kor.ctx.db.transaction(read_only=True) as session:
        (event,) = [e for e in read_events(session) if e.action == "dashboard.read" and e.actor == "lee"]
    assert event.detail["permitted"] == []
    assert event.detail["withheld"] or event.detail["withheld_shapes"]  # the journal keeps why


def test_an_auditor_is_not_shown_the_dissemination_record_but_the_journal_refusals(exchanged: Any) -> None:
    kor = exchanged.kor
    kor.users.add(NewUser("oh", role="auditor", clearance="군사Ⅱ급비밀", ntk=[]), actor="authority")
    journal = kor.dashboard.figures(actor="oh", days=DAYS, zone=SEOUL).journal_refusals
    assert [(r.reason, r.refused) for r in journal or ()] == [("exchange.reject", 1)]
    figures = exchanged.jpn.dashboard.figures(actor="ito", days=DAYS, zone=SEOUL)
    assert figures.received == ()
    assert (figures.sent, figures.latency, figures.pending, figures.refusals) == (None, None, None, None)


def test_the_window_is_cut_at_local_midnight(exchanged: Any) -> None:
    # In UTC the clock's days are the 25th (09:00) and the 26th (09:12): the FLASH report
    # is a day later than in Seoul's days.
    utc = exchanged.kor.dashboard.figures(actor="kim", days=2, zone=ZoneInfo("UTC"))
    assert utc.days == (date(2026, 11, 25), date(2026, 11, 26))
    assert [(s.party, s.counts) for s in utc.received] == [("JPN", (1, 1))]
    later = exchanged.kor.dashboard.figures(actor="kim", days=1, zone=SEOUL)
    assert [(s.party, s.counts) for s in later.received] == [("JPN", (1,))]


def test_a_day_of_a_daylight_saving_change_is_one_day(federation: Any) -> None:
    # New York's clocks went back on 2026-11-01: that day had 25 hours.
    federation.clock.now = federation.clock.now.replace(month=11, day=2)
    figures = federation.kor.dashboard.figures(actor="kim", days=3, zone=ZoneInfo("America/New_York"))
    assert figures.days == tuple(date(2026, 10, 31) + timedelta(days=n) for n in range(3))


def test_the_window_and_the_person_are_checked(federation: Any) -> None:
    with pytest.raises(InvalidInput):
        federation.kor.dashboard.figures(actor="kim", days=0)
    with pytest.raises(InvalidInput):
        federation.kor.dashboard.figures(actor="kim", days=93)
    with pytest.raises(NotFound):
        federation.kor.dashboard.figures(actor="nobody")


@pytest.mark.parametrize(("party", "officer"), [("kor", "kim"), ("jpn", "suzuki")])
def test_every_statement_reads_an_index(exchanged: Any, party: str, officer: str) -> None:
    # Each statement an officer's figures run, explained by SQLite: none scans a whole table,
    # whether nothing is withheld (kim: no join) or something is (suzuki: the items joined).
    kor = getattr(exchanged, party)
    statements: list[tuple[str, Any]] = []

    def keep(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "WITH")) and "GROUP BY" in statement.upper():
            statements.append((statement, parameters))

    event.listen(kor.ctx.db.engine, "before_cursor_execute", keep)
    try:
        kor.dashboard.figures(actor=officer, days=30, zone=SEOUL)
    finally:
        event.remove(kor.ctx.db.engine, "before_cursor_execute", keep)
    plans = {}
    with kor.ctx.db.engine.connect() as conn:
        for statement, parameters in statements:
            plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters).all()
            plans[statement] = [str(row[-1]) for row in plan]
    tables = {
        "items": "ix_items_received",
        "outbox": "ix_outbox_exchange",
        "quarantine": "ix_quarantine_at",
        "journal": "ix_journal_refusals",
    }
    used = " ".join(" ".join(p) for p in plans.values())
    for index in tables.values():
        assert index in used
    if officer == "suzuki":
        # The join looks each envelope's item up by id (covering ix_items_search once the
        # planner has statistics: ANALYZE, which a search reindex runs).
        assert re.search(r"SEARCH items USING (COVERING )?INDEX \w+ \(id=\?\)", used)
    for statement, plan in plans.items():
        scans = [step for step in plan if step.startswith("SCAN ") and " INDEX" not in step]
        assert [s for s in scans if s.split()[1] in tables] == [], (statement, plan)

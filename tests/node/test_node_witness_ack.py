"""Ledger alarms are acknowledged with a finding: who, when, why; journalled (issue 10, item 20)."""

from __future__ import annotations

import pytest
from support_node import events, refused

from accord.errors import Conflict, InvalidInput, NotFound, PolicyDenied
from accord.exchange import CHECKPOINT_PURPOSE, CheckpointStatement, SignedCheckpoint
from accord.items import Precedence
from accord.ledger import Checkpoint
from accord.node import NewUser
from accord.node.core import Act
from accord.node.transfer import Outgoing
from accord.node.transfer._control import NO_ITEM
from support_trio import Trio


def _fork(trio: Trio) -> int:
    """JPN shows KOR two roots for one size: KOR raises a fork alarm; its id."""
    held = trio.jpn.ledger.seal() or trio.jpn.ledger.latest_checkpoint()
    assert held is not None
    trio.jpn.witness.publish()
    trio.deliver()
    cp = held.checkpoint
    forged = Checkpoint("jpn-mod", cp.size, b"\x09" * 32, cp.timestamp)
    signed = SignedCheckpoint(forged, trio.jpn.ctx.keys.sign(CHECKPOINT_PURPOSE, forged.statement()))
    statement = CheckpointStatement(signed.checkpoint, signed.signature, cp.size, ())
    now = trio.jpn.ctx.now()
    with trio.jpn.ctx.db.transaction() as session:
        trio.jpn.sending.enqueue(
            session,
            Outgoing(
                kind="checkpoint",
                card=trio.jpn.parties.card(session, "kor-mnd"),
                agreement=trio.jpn.agreements.any_in_force_with(session, "KOR", now),
                precedence=Precedence.ROUTINE,
                item_id=NO_ITEM,
                payload=statement.to_bytes(),
            ),
            Act("test", now),
        )
    trio.deliver(trio.jpn)
    [alarm] = trio.kor.witness.alarms()
    assert alarm["status"] == "open"
    assert alarm["acknowledged"] is None
    return int(str(alarm["id"]))


def test_an_officer_acknowledges_an_alarm_with_a_finding(trio: Trio) -> None:
    alarm_id = _fork(trio)
    before = trio.kor.witness.alarms()[0]
    trio.clock.advance(minutes=5)  # type: ignore[attr-defined]
    acked = trio.kor.witness.acknowledge_alarm(
        alarm_id, finding="  JPN restored jpn-mod from a backup; their CSIRT confirmed.  ", actor="kim"
    )
    [listed] = trio.kor.witness.alarms()
    assert listed == acked
    assert listed["status"] == "acknowledged"
    assert listed["acknowledged"] == {
        "by": "kim",
        "at": "2026-11-25T09:05:00.000000Z",
        "finding": "JPN restored jpn-mod from a backup; their CSIRT confirmed.",
    }
    # The evidence is untouched.
    assert {k: listed[k] for k in ("held", "presented", "reason", "detected_at")} == {
        k: before[k] for k in ("held", "presented", "reason", "detected_at")
    }
    last = events(trio.kor)[-1]
    assert (last.actor, last.action, last.outcome) == ("kim", "ledger.alarm.ack", "ok")
    assert last.detail == {
        "alarm_id": alarm_id,
        "origin": "jpn-mod",
        "kind": "fork",
        "finding": "JPN restored jpn-mod from a backup; their CSIRT confirmed.",
    }


def test_the_authority_may_acknowledge_but_not_an_analyst_or_an_auditor(trio: Trio) -> None:
    alarm_id = _fork(trio)
    trio.kor.users.add(NewUser("lee", role="analyst", clearance="대외비", ntk=[]), actor="authority")
    trio.kor.users.add(NewUser("park", role="auditor", clearance="대외비", ntk=[]), actor="authority")
    trio.kor.users.add(NewUser("choi", role="authority", clearance="대외비", ntk=[]), actor="authority")
    for who, role in (("lee", "analyst"), ("park", "auditor")):
        with refused(
            trio.kor,
            PolicyDenied,
            f"the {role} role may not acknowledge a ledger alarm",
            action="ledger.alarm.ack",
        ):
            trio.kor.witness.acknowledge_alarm(alarm_id, finding="Looked at it.", actor=who)
    assert trio.kor.witness.alarms()[0]["status"] == "open"
    trio.kor.witness.acknowledge_alarm(alarm_id, finding="Reported to the MND CSIRT.", actor="choi")
    assert trio.kor.witness.alarms()[0]["acknowledged"]["by"] == "choi"  # type: ignore[index]


def test_an_alarm_is_acknowledged_once(trio: Trio) -> None:
    alarm_id = _fork(trio)
    trio.kor.witness.acknowledge_alarm(alarm_id, finding="Backup restore at JPN.", actor="kim")
    with refused(trio.kor, Conflict, "already acknowledged by kim at 2026-11-25T", action="ledger.alarm.ack"):
        trio.kor.witness.acknowledge_alarm(alarm_id, finding="Again.", actor="kim")
    assert trio.kor.witness.alarms()[0]["acknowledged"]["finding"] == "Backup restore at JPN."  # type: ignore[index]


@pytest.mark.parametrize(
    ("alarm", "finding", "error", "match"),
    [
        (None, "   ", InvalidInput, "a finding is 1 to 4000 characters"),
        (None, "x" * 4001, InvalidInput, "a finding is 1 to 4000 characters"),
        (999, "Checked.", NotFound, "no ledger alarm 999"),
    ],
    ids=["blank-finding", "long-finding", "no-such-alarm"],
)
def test_bad_acknowledgements_are_refused_and_journalled(
    trio: Trio, alarm: int | None, finding: str, error: type[Exception], match: str
) -> None:
    alarm_id = _fork(trio) if alarm is None else alarm
    with refused(trio.kor, error, match, action="ledger.alarm.ack"):  # type: ignore[arg-type]
        trio.kor.witness.acknowledge_alarm(alarm_id, finding=finding, actor="kim")

"""Witnessing alarms: the evidence of a fork, a rollback, a split view or a missing proof (Arts. 8, 18).

:func:`raise_alarm` keeps both signed checkpoints — the one held and the one presented —
as evidence (``witness_alarms``), journals ``ledger.fork`` (outcome ``alarm``) and logs an
error for the officers. The evidence is never changed afterwards. An alarm stays **open**
until an officer or the authority acknowledges it with a finding
(:meth:`AlarmBook.acknowledge`, a duty the decision point grants by role): who, when and
the finding are kept (``witness_alarm_acks``) and journalled (``ledger.alarm.ack``).

A checkpoint of this node's own ledger that it never signed, shown by a partner, is
logged by :func:`own_fork`: another copy of this node, or an older state of it, signed a
history of its own.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.canonical import canonical_json, loads_object
from accord.errors import Conflict, InvalidInput, NotFound
from accord.exchange import SignedCheckpoint
from accord.items import AlarmState
from accord.limits import MAX_NUMBER, bounded_number
from accord.node.core._context import NodeContext
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act, Principal
from accord.node.holdings._access import AccessService
from accord.node.registry._users import UserService
from accord.policy import Duty
from accord.store import NewEvent, WitnessAlarmAckRow, WitnessAlarmRow, append_event, format_stamp

__all__ = [
    "FINDING_MAX",
    "AlarmBook",
    "Discrepancy",
    "alarm_view",
    "evidence",
    "own_fork",
    "raise_alarm",
    "signed_json",
]

log = logging.getLogger("accord.witness")

FINDING_MAX: Final = 4000
"""The longest finding an alarm is acknowledged with, in characters."""


def signed_json(signed: SignedCheckpoint) -> str:
    """A signed checkpoint as kept for evidence: its canonical JSON."""
    return canonical_json(signed.to_dict()).decode("utf-8")


def evidence(text: str) -> SignedCheckpoint:
    """A signed checkpoint kept by :func:`signed_json` (the signature is not checked here).

    Raises:
        InvalidInput: the text is not a signed checkpoint.
    """
    return SignedCheckpoint.from_dict(loads_object(text, "a checkpoint held"))


def own_fork(reason: str) -> None:
    """Log that a partner holds a checkpoint of this node's ledger that this node never signed."""
    log.error(
        "LEDGER FORK of this node: %s; another copy of this node, or an older state of it, "
        "signed a history of its own (accord ledger verify; compare with the partners)",
        reason,
    )


@dataclass(frozen=True)
class Discrepancy:
    """Two signed checkpoints of one ledger that cannot both be honest, and why.

    Attributes:
        kind: ``fork``, ``rollback`` or ``no-proof``.
        reason: What the two disagree about, for the officer.
        held: The checkpoint this node held (or demanded a proof from).
        presented: The checkpoint the message presented.
    """

    kind: str
    reason: str
    held: SignedCheckpoint
    presented: SignedCheckpoint


def raise_alarm(session: Session, sender: str, message_id: str, found: Discrepancy, now: datetime) -> int:
    """Keep both checkpoints as the evidence of an alarm, journal and log it; return its id.

    ``sender`` and ``message_id`` name the message that showed the discrepancy.
    """
    kind, reason, held, presented = found.kind, found.reason, found.held, found.presented
    origin = presented.checkpoint.origin
    row = WitnessAlarmRow(
        origin=origin,
        kind=kind,
        reason=reason,
        held_json=signed_json(held),
        presented_json=signed_json(presented),
        message_id=message_id,
        detected_at=format_stamp(now),
    )
    session.add(row)
    session.flush()
    append_event(
        session,
        NewEvent(
            at=now,
            actor=Principal.peer(sender).journal_name,
            action="ledger.fork",
            outcome="alarm",
            detail={
                "origin": origin,
                "kind": kind,
                "reason": reason,
                "message_id": message_id,
                "held": held.to_dict(),
                "presented": presented.to_dict(),
            },
        ),
    )
    log.error("LEDGER %s of %s: %s (accord ledger alarms)", kind.upper(), origin, reason)
    return row.id


def alarm_view(row: WitnessAlarmRow, ack: WitnessAlarmAckRow | None) -> dict[str, object]:
    """An alarm as ``accord ledger alarms`` shows it: open or acknowledged, with both checkpoints."""
    return {
        "id": row.id,
        "origin": row.origin,
        "kind": row.kind,
        "reason": row.reason,
        "detected_at": row.detected_at,
        "message_id": row.message_id,
        "status": AlarmState.OPEN if ack is None else AlarmState.ACKNOWLEDGED,
        "acknowledged": None
        if ack is None
        else {"by": ack.acknowledged_by, "at": ack.acknowledged_at, "finding": ack.finding},
        "held": json.loads(row.held_json),
        "presented": json.loads(row.presented_json),
    }


class AlarmBook:
    """Lists the alarms and lets an officer or the authority acknowledge one with a finding."""

    def __init__(self, ctx: NodeContext, users: UserService, access: AccessService) -> None:
        """Serve the node behind ``ctx``; ``access`` decides who may acknowledge."""
        self._ctx = ctx
        self._users = users
        self._access = access

    def alarms(self) -> list[dict[str, object]]:
        """Every fork or rollback detected, newest first, with both signed checkpoints.

        Each says whether it is ``open`` or ``acknowledged`` (then who, when, the finding).
        """
        with self._ctx.db.transaction(read_only=True) as session:
            rows = session.execute(
                select(WitnessAlarmRow, WitnessAlarmAckRow)
                .outerjoin(WitnessAlarmAckRow, WitnessAlarmAckRow.alarm_id == WitnessAlarmRow.id)
                .order_by(WitnessAlarmRow.id.desc())
            ).all()
            return [alarm_view(row, ack) for row, ack in rows]

    def acknowledge(self, alarm_id: int, *, finding: str, actor: str) -> dict[str, object]:
        """Acknowledge an open alarm; see :meth:`WitnessService.acknowledge_alarm` (same ``Raises``)."""
        with self._ctx.work(actor, "ledger.alarm.ack", detail={"alarm_id": alarm_id}) as session:
            bounded_number(alarm_id, "an alarm id", least=-MAX_NUMBER)  # before SQL: 64-bit integers
            self._access.require_duty(self._users.get_in(session, actor), Duty.ACKNOWLEDGE_ALARM)
            text = finding.strip()
            if not text or len(text) > FINDING_MAX:
                raise InvalidInput(f"a finding is 1 to {FINDING_MAX} characters: say what was found and done")
            row = session.get(WitnessAlarmRow, alarm_id)
            if row is None:
                raise NotFound(f"no ledger alarm {alarm_id} (accord ledger alarms lists them)")
            done = session.get(WitnessAlarmAckRow, alarm_id)
            if done is not None:
                raise Conflict(
                    f"ledger alarm {alarm_id} was already acknowledged by {done.acknowledged_by} "
                    f"at {done.acknowledged_at}"
                )
            now = self._ctx.now()
            ack = WitnessAlarmAckRow(
                alarm_id=alarm_id, acknowledged_by=actor, acknowledged_at=format_stamp(now), finding=text
            )
            session.add(ack)
            journal_done(
                session,
                Act(actor, now),
                "ledger.alarm.ack",
                detail={"alarm_id": alarm_id, "origin": row.origin, "kind": row.kind, "finding": text},
            )
            session.flush()
            return alarm_view(row, ack)

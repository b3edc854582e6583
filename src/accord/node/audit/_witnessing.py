"""Witnessing a partner's ledger: keep its checkpoints, check each extends the last (Arts. 8, 18).

A partner offers its checkpoint in a ``checkpoint`` statement, whose signature the
receiving handler has checked with the partner's pinned keys
(:meth:`~._witness_incoming.WitnessIncoming.checkpoint`). :meth:`Witnessing.witness`
then compares it, in the write transaction, with the checkpoint held from that origin:

- none held, or a larger one the proof shows extends it: it keeps the new one and returns a
  ``countersignature`` (:class:`~accord.exchange.Countersignature`);
- the same checkpoint again: nothing at all (no journal row, no countersignature);
- the same size with another root, a larger one the proof does not extend, or a smaller
  one that is not older: a **fork or rollback** alarm (:func:`~._alarms.raise_alarm`); the
  one held is kept;
- a larger one proven from another size than the one held: the proof from the one held is
  demanded of the origin (:meth:`~._demands.Demands.demand`);
- a smaller, older one (delayed on the way): nothing but the journal;
- the answer to a proof we demanded settles that demand (:meth:`~._demands.Demands.answered`).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from accord.canonical import format_time, parse_time
from accord.errors import VerificationFailed
from accord.exchange import CheckpointStatement, Countersignature, EnvelopeHeader, SignedCheckpoint
from accord.node.audit._alarms import Discrepancy, evidence, raise_alarm, signed_json
from accord.node.audit._demands import Demands
from accord.node.audit._partners import ACTOR, Partners
from accord.node.core._principal import Act, Principal
from accord.store import NewEvent, WitnessSeenRow, append_event, format_stamp

__all__ = ["Witnessing"]


class Witnessing:
    """Compares a partner's checkpoint with the one held, keeps and countersigns it, or raises an alarm."""

    def __init__(self, partners: Partners, demands: Demands) -> None:
        """Countersign through ``partners``; demand proofs and settle them with ``demands``."""
        self._partners = partners
        self._demands = demands

    def witness(
        self, session: Session, header: EnvelopeHeader, statement: CheckpointStatement, now: datetime
    ) -> None:
        """Witness a checkpoint statement whose signature was checked (see the module docstring)."""
        new = statement.checkpoint
        presented = SignedCheckpoint(new, statement.signature)
        if self._demands.answered(session, header, statement, now):
            _journal(session, header, "ok", {"origin": new.origin, "size": new.size, "proven": True}, now)
            return
        row = session.get(WitnessSeenRow, new.origin)
        if row is None:
            self._keep(session, None, presented, now)
            self._countersign(session, header, presented, now)
            _journal(session, header, "ok", {**_detail(statement), "first": True}, now)
            return
        self._against_held(session, header, statement, row, now)

    def _against_held(
        self,
        session: Session,
        header: EnvelopeHeader,
        statement: CheckpointStatement,
        row: WitnessSeenRow,
        now: datetime,
    ) -> None:
        """Compare a statement with the checkpoint held from its origin (``row``)."""
        new = statement.checkpoint
        presented = SignedCheckpoint(new, statement.signature)
        held = evidence(row.signed_json)
        old = held.checkpoint
        detail = {**_detail(statement), "held_size": old.size}
        sender, message_id = header.sender, header.message_id
        if new.size == old.size:
            if new.root != old.root:
                reason = f"two roots for size {new.size}"
                raise_alarm(session, sender, message_id, Discrepancy("fork", reason, held, presented), now)
            # The same checkpoint again: witnessed already; nothing is written (issue 10).
            return
        if new.size < old.size:
            if parse_time(new.timestamp) < parse_time(old.timestamp):
                _journal(session, header, "stale", detail, now)  # delayed on the way
                return
            reason = f"size {new.size} at {new.timestamp} after size {old.size} at {old.timestamp}"
            raise_alarm(session, sender, message_id, Discrepancy("rollback", reason, held, presented), now)
            return
        if statement.previous_size != old.size:
            # Larger, but proven from another size than the one we hold (issue 10: a forked
            # copy of the origin proves from what it believes we hold). Demand the proof
            # from ours; a proof that fails or does not come is an alarm (check_overdue).
            self._demands.demand(session, held, presented, source=sender, now=now)
            return
        try:
            statement.check_extends(old)
        except VerificationFailed as exc:
            reason = f"size {new.size} does not extend size {old.size}: {exc}"
            raise_alarm(session, sender, message_id, Discrepancy("fork", reason, held, presented), now)
            return
        self._keep(session, row, presented, now)
        self._countersign(session, header, presented, now)
        _journal(session, header, "ok", detail, now)

    @staticmethod
    def _keep(session: Session, row: WitnessSeenRow | None, signed: SignedCheckpoint, now: datetime) -> None:
        cp = signed.checkpoint
        if row is None:
            row = WitnessSeenRow(origin=cp.origin)
            session.add(row)
        row.size, row.root, row.time = cp.size, cp.root.hex(), cp.timestamp
        row.signed_json = signed_json(signed)
        row.received_at = format_stamp(now)

    def _countersign(
        self, session: Session, header: EnvelopeHeader, signed: SignedCheckpoint, now: datetime
    ) -> None:
        ctx = self._partners.ctx
        counter = Countersignature.make(
            ctx.keys,
            witness=ctx.config.node_id,
            checkpoint=signed.checkpoint,
            signed_at=format_time(now),
        )
        partners = self._partners
        card = partners.parties.card(session, header.sender)
        agreement = partners.agreements.get_in(session, header.agreement_id)
        partners.send(session, counter, card, agreement, Act(ACTOR, now))


def _detail(statement: CheckpointStatement) -> dict[str, object]:
    """What the journal says of a statement witnessed."""
    new = statement.checkpoint
    return {
        "origin": new.origin,
        "size": new.size,
        "root": new.root.hex(),
        "previous_size": statement.previous_size,
    }


def _journal(
    session: Session, header: EnvelopeHeader, outcome: str, detail: dict[str, object], now: datetime
) -> None:
    append_event(
        session,
        NewEvent(
            at=now,
            actor=Principal.peer(header.sender).journal_name,
            action="ledger.witness",
            outcome=outcome,
            detail={**detail, "message_id": header.message_id},
        ),
    )

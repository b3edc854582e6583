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

What needs no write lock is done before it (issue 14: the write lock was held 6-11 ms of CPU
while a partner's checkpoint was witnessed, and FLASH work waited): :meth:`Witnessing.foresee`
reads the held checkpoint in the receiver's snapshot and, if the statement would be kept
there, checks its consistency proof and makes the countersignature. :meth:`Witnessing.witness`
then decides everything again from the checkpoint held when it has the lock, in the same order;
it takes from the foresight only what depends on nothing but the statement and the checkpoint
the foresight was made against — the proof's verdict and the countersignature — and only if
that is still the checkpoint held (another statement of the same batch, or of another
transmission, may have replaced it meanwhile); otherwise it checks and signs again itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accord.canonical import format_time, parse_time
from accord.errors import VerificationFailed
from accord.exchange import CheckpointStatement, Countersignature, EnvelopeHeader, SignedCheckpoint
from accord.ledger import Checkpoint
from accord.node.audit._alarms import Discrepancy, evidence, raise_alarm, signed_json
from accord.node.audit._demands import Demands
from accord.node.audit._partners import ACTOR, Partners
from accord.node.core._principal import Act, Principal
from accord.store import NewEvent, WitnessSeenRow, append_event, format_stamp

__all__ = ["Foreseen", "Witnessing"]


@dataclass(frozen=True)
class Foreseen:
    """A statement's witnessing prepared before the write lock (:meth:`Witnessing.foresee`).

    Valid only while the checkpoint held from its origin is still ``held`` (its signed JSON as
    stored; None: none held): then the statement's proof extends it, and ``countersignature``
    is what this node signs.
    """

    held: str | None
    countersignature: Countersignature


class Witnessing:
    """Compares a partner's checkpoint with the one held, keeps and countersigns it, or raises an alarm."""

    def __init__(self, partners: Partners, demands: Demands) -> None:
        """Countersign through ``partners``; demand proofs and settle them with ``demands``."""
        self._partners = partners
        self._demands = demands

    def foresee(self, snapshot: Session, statement: CheckpointStatement, now: datetime) -> Foreseen | None:
        """Before the write lock: if the statement would be kept against the checkpoint the
        ``snapshot`` holds, check its proof and make the countersignature; else None."""
        new = statement.checkpoint
        row = snapshot.get(WitnessSeenRow, new.origin)
        if row is not None:
            old = evidence(row.signed_json).checkpoint
            if new.size <= old.size or statement.previous_size != old.size:
                return None
            try:
                statement.check_extends(old)
            except VerificationFailed:
                return None  # the alarm is raised in the write transaction, as before
        return Foreseen(None if row is None else row.signed_json, self._countersignature(new, now))

    def witness(
        self,
        session: Session,
        header: EnvelopeHeader,
        statement: CheckpointStatement,
        now: datetime,
        foreseen: Foreseen | None = None,
    ) -> None:
        """Witness a checkpoint statement whose signature was checked (see the module docstring)."""
        new = statement.checkpoint
        presented = SignedCheckpoint(new, statement.signature)
        if self._demands.answered(session, header, statement, now):
            _journal(session, header, "ok", {"origin": new.origin, "size": new.size, "proven": True}, now)
            return
        row = session.get(WitnessSeenRow, new.origin)
        if foreseen is not None and foreseen.held != (None if row is None else row.signed_json):
            foreseen = None  # made against a checkpoint no longer held: check and sign here
        if row is None:
            self._keep(session, None, presented, now)
            self._countersign(session, header, presented, now, foreseen)
            _journal(session, header, "ok", {**_detail(statement), "first": True}, now)
            return
        self._against_held(session, header, statement, now, foreseen)

    def _against_held(
        self,
        session: Session,
        header: EnvelopeHeader,
        statement: CheckpointStatement,
        now: datetime,
        foreseen: Foreseen | None,
    ) -> None:
        """Compare a statement with the checkpoint held from its origin; ``foreseen`` (made
        against this very checkpoint) stands for the proof's check and the signing."""
        new = statement.checkpoint
        row = session.get_one(WitnessSeenRow, new.origin)  # loaded by witness(): no query
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
            if foreseen is None:
                statement.check_extends(old)
        except VerificationFailed as exc:
            reason = f"size {new.size} does not extend size {old.size}: {exc}"
            raise_alarm(session, sender, message_id, Discrepancy("fork", reason, held, presented), now)
            return
        self._keep(session, row, presented, now)
        self._countersign(session, header, presented, now, foreseen)
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

    def _countersignature(self, checkpoint: Checkpoint, now: datetime) -> Countersignature:
        ctx = self._partners.ctx
        return Countersignature.make(
            ctx.keys, witness=ctx.config.node_id, checkpoint=checkpoint, signed_at=format_time(now)
        )

    def _countersign(
        self,
        session: Session,
        header: EnvelopeHeader,
        signed: SignedCheckpoint,
        now: datetime,
        foreseen: Foreseen | None,
    ) -> None:
        counter = (
            foreseen.countersignature
            if foreseen is not None
            else self._countersignature(signed.checkpoint, now)
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

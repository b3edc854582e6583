"""Proofs demanded of an origin, and gossip between witnesses: catching a split view (Arts. 8, 18).

A witness that is shown a larger checkpoint proven from another size than the one it
holds, or told by a fellow witness of a checkpoint its own does not match, cannot settle
it alone: it **demands** the consistency proof from the origin (:meth:`Demands.demand`, a
``proof-request``, ``witness_demands``). The answer settles it (:meth:`Demands.answered`);
a proof that fails is a fork alarm, and one that does not come — the origin refused the
request, or received it :data:`PROOF_DEADLINE` ago and did not answer — is a ``no-proof``
alarm with both signed checkpoints (:meth:`Demands.check_overdue`; issue 10: a forked copy
of a node cannot prove that its branch extends the other).

Witnesses tell each other the latest checkpoint they hold of every other node
(:meth:`Demands.tell`, ``gossip``; RFC 9162 §8.3). One that differs from ours at the same
size is a fork alarm — a *split view*: the origin showed two partners two histories — and
a smaller one is related to ours by a proof demanded of the origin
(:meth:`Demands.compare_gossip`).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.canonical import parse_time
from accord.errors import NotFound, VerificationFailed
from accord.exchange import CheckpointStatement, EnvelopeHeader, Gossip, ProofRequest, SignedCheckpoint
from accord.items import OutboxState
from accord.ledger import verify_consistency
from accord.node.audit._alarms import AlarmBook, Discrepancy, evidence, raise_alarm, signed_json
from accord.node.audit._partners import ACTOR, Partners
from accord.node.core._principal import Act
from accord.node.transfer._delivery import backed_off
from accord.store import (
    NewEvent,
    OutboxRepository,
    WitnessDemandRow,
    WitnessGossipRow,
    WitnessSeenRow,
    append_event,
    format_stamp,
)

__all__ = ["PROOF_DEADLINE", "Demands"]

PROOF_DEADLINE: Final = timedelta(minutes=10)
"""How long after the origin received a ``proof-request`` its proof may take: then it is missing."""


class Demands:
    """Demands consistency proofs of origins, gossips with fellow witnesses, and alarms on what fails."""

    def __init__(self, partners: Partners, alarms: AlarmBook) -> None:
        """Reach the partners through ``partners``; list the alarms raised with ``alarms``."""
        self._partners = partners
        self._alarms = alarms

    # --- demands ---------------------------------------------------------------------------

    def demand(
        self,
        session: Session,
        base: SignedCheckpoint,
        target: SignedCheckpoint,
        *,
        source: str,
        now: datetime,
    ) -> bool:
        """Ask ``target``'s origin for PROOF(base.size, target.size), once; False if it cannot be asked."""
        origin = target.checkpoint.origin
        if _demanded(session, origin, base.checkpoint.size, target.checkpoint.size):
            return True
        try:
            card = self._partners.parties.card(session, origin)
            agreement = self._partners.agreements.any_in_force_with(session, card.party, now)
        except NotFound:
            return False
        request = ProofRequest(target.checkpoint, base.checkpoint.size)
        sent = self._partners.send(session, request, card, agreement, Act(ACTOR, now))
        session.add(
            WitnessDemandRow(
                origin=origin,
                from_size=base.checkpoint.size,
                to_size=target.checkpoint.size,
                from_json=signed_json(base),
                to_json=signed_json(target),
                source=source,
                message_id=sent.message_id,
                demanded_at=format_stamp(now),
            )
        )
        append_event(
            session,
            NewEvent(
                at=now,
                actor=ACTOR,
                action="ledger.witness",
                outcome="demand",
                detail={
                    "origin": origin,
                    "from_size": base.checkpoint.size,
                    "size": target.checkpoint.size,
                    "source": source,
                    "message_id": sent.message_id,
                },
            ),
        )
        return True

    def check_overdue(self) -> list[dict[str, object]]:
        """Raise the alarms of consistency proofs demanded that did not come.

        A proof is missing when the origin refused the request, or received it
        :data:`PROOF_DEADLINE` ago and has not answered: a ``no-proof`` alarm with both
        signed checkpoints. A request still on its way is waited for.

        Returns:
            The alarms raised (as :meth:`AlarmBook.alarms` lists them).

        Raises:
            StorageError: the database failed.
        """
        ctx = self._partners.ctx
        raised: list[int] = []
        with ctx.db.transaction() as session:
            now = ctx.now()
            outbox = OutboxRepository(session)
            for demand in session.scalars(select(WitnessDemandRow).order_by(WitnessDemandRow.id)).all():
                sent = outbox.get(demand.message_id)
                if sent is None or sent.status == OutboxState.PENDING:
                    continue
                if sent.status == OutboxState.REJECTED:
                    why = "refused the request"
                elif sent.receipted_at is not None and parse_time(sent.receipted_at) + PROOF_DEADLINE <= now:
                    why = f"received the request at {sent.receipted_at} and has not answered"
                else:
                    continue
                reason = (
                    f"no proof that size {demand.to_size} extends size {demand.from_size}: "
                    f"{demand.origin} {why}"
                )
                base, target = evidence(demand.from_json), evidence(demand.to_json)
                raised.append(
                    raise_alarm(
                        session,
                        demand.origin,
                        demand.message_id,
                        Discrepancy("no-proof", reason, base, target),
                        now,
                    )
                )
                session.delete(demand)
        if not raised:  # the usual case, every publish round: no need to list every alarm
            return []
        return [a for a in self._alarms.alarms() if a["id"] in raised]

    def answered(
        self, session: Session, header: EnvelopeHeader, statement: CheckpointStatement, now: datetime
    ) -> bool:
        """Check a statement against a proof we demanded of it; True if that settled it."""
        new = statement.checkpoint
        demand = session.scalars(
            select(WitnessDemandRow).where(
                WitnessDemandRow.origin == new.origin,
                WitnessDemandRow.from_size == statement.previous_size,
                WitnessDemandRow.to_size == new.size,
            )
        ).first()
        if demand is None:
            return False
        base, target = evidence(demand.from_json), evidence(demand.to_json)
        presented = SignedCheckpoint(new, statement.signature)
        session.delete(demand)
        if target.checkpoint.root != new.root:
            reason = f"two roots for size {new.size}"
            raise_alarm(
                session, header.sender, header.message_id, Discrepancy("fork", reason, target, presented), now
            )
            return True
        try:
            if base.checkpoint.size > 0:
                verify_consistency(
                    base.checkpoint.size, new.size, base.checkpoint.root, new.root, statement.proof
                )
        except VerificationFailed as exc:
            reason = f"size {new.size} does not extend size {base.checkpoint.size}: {exc}"
            raise_alarm(
                session, header.sender, header.message_id, Discrepancy("fork", reason, base, presented), now
            )
            return True
        held = session.get(WitnessSeenRow, new.origin)
        # The demand was ours (held -> larger): the normal course keeps it; a gossiped one is settled.
        return held is None or held.size >= new.size

    # --- gossip ----------------------------------------------------------------------------

    def tell(self, session: Session, peer: str, agreement: Agreement, actor: str, now: datetime) -> bool:
        """Tell ``peer`` the checkpoints we hold of other nodes that it was not told yet."""
        told = {
            row.origin: row.size
            for row in session.scalars(select(WitnessGossipRow).where(WitnessGossipRow.peer == peer))
        }
        fresh = [
            seen
            for seen in session.scalars(select(WitnessSeenRow).order_by(WitnessSeenRow.origin))
            if seen.origin != peer and told.get(seen.origin) != seen.size
        ]
        if not fresh or backed_off(session, peer, "gossip", now):
            return False
        held = [evidence(seen.signed_json) for seen in fresh]
        gossip = Gossip(self._partners.ctx.config.node_id, tuple((s.checkpoint, s.signature) for s in held))
        card = self._partners.parties.card(session, peer)
        self._partners.send(session, gossip, card, agreement, Act(actor, now))
        for seen in fresh:
            row = session.get(WitnessGossipRow, (peer, seen.origin))
            if row is None:
                session.add(WitnessGossipRow(peer=peer, origin=seen.origin, size=seen.size))
            else:
                row.size = seen.size
        return True

    def compare_gossip(
        self, session: Session, header: EnvelopeHeader, told: SignedCheckpoint, now: datetime
    ) -> None:
        """Compare a checkpoint a fellow witness holds with ours of the same origin (a split view?)."""
        cp = told.checkpoint
        row = session.get(WitnessSeenRow, cp.origin)
        if row is None or row.size < cp.size:
            return
        held = evidence(row.signed_json)
        if row.size == cp.size:
            if row.root != cp.root.hex():
                reason = f"split view: {header.sender} holds another root for size {cp.size}"
                raise_alarm(
                    session, header.sender, header.message_id, Discrepancy("fork", reason, held, told), now
                )
            return
        self.demand(session, told, held, source=header.sender, now=now)


def _demanded(session: Session, origin: str, from_size: int, to_size: int) -> bool:
    """Whether PROOF(from_size, to_size) of ``origin``'s ledger is demanded already (and open)."""
    found = session.scalar(
        select(WitnessDemandRow.id).where(
            WitnessDemandRow.origin == origin,
            WitnessDemandRow.from_size == from_size,
            WitnessDemandRow.to_size == to_size,
        )
    )
    return found is not None

"""Witnessing: partners keep, check and countersign each other's ledger checkpoints.

One node's ledger shows every change to what it sealed, but not the loss of its newest
events together with their tree nodes and checkpoints, nor a history rewritten and signed
again (``docs/ledger.md``). Its partners do: each keeps the last checkpoint it accepted
from the node and accepts a new one only with a consistency proof from it (RFC 9162
§2.1.4; the gossip of RFC 9162 §8.3).

* :meth:`WitnessService.publish` (the worker calls it at most every
  :data:`PUBLISH_SECONDS`; ``accord ledger publish`` at once) offers our latest signed
  checkpoint to every pinned partner node with an agreement in force, when it is newer
  than the last we offered that node, in a ``checkpoint`` envelope
  (:class:`~accord.exchange.CheckpointStatement`) with the proof from the largest size the
  partner countersigned (0 the first time).
* The partner (:meth:`WitnessService.incoming_checkpoint`) checks the origin's signature
  with its pinned keys, then, against the checkpoint it holds from that origin:

  - none held, or the same checkpoint again, or a larger one the proof shows extends it:
    it keeps the new one and returns a ``countersignature`` (:class:`~accord.exchange.Countersignature`);
  - the same size with another root, a larger one the proof does not extend, or a smaller
    one that is not older: a **fork or rollback**. It keeps the one it held, stores both
    signed checkpoints as evidence (``witness_alarms``), journals ``ledger.fork`` (outcome
    ``alarm``) with both, and logs an error for the officers;
  - a larger one whose proof starts from another size than the one held: it **demands**
    the proof from the one it holds (a ``proof-request``, :class:`~accord.exchange.ProofRequest`;
    ``witness_demands``). The origin answers with that checkpoint and the proof; a proof
    that fails is a fork alarm, and one that does not come — the origin refused the
    request, or received it :data:`PROOF_DEADLINE` ago and did not answer — is a
    ``no-proof`` alarm with both signed checkpoints (issue 10: a forked copy of a node
    cannot prove that its branch extends the other);
  - a smaller, older one (delayed on the way): nothing but the journal;
  - the same checkpoint again: nothing at all (no journal row, no countersignature).

* Witnesses tell each other (:meth:`WitnessService.publish`, ``gossip``) the latest
  checkpoint they hold of every other node; one that differs from ours at the same size
  is a fork alarm (a *split view*: the origin showed two partners two histories), a
  smaller one is related to ours by a proof demanded of the origin, as above.
* The origin answers a ``proof-request`` for a checkpoint it signed
  (:meth:`WitnessService.incoming_proof_request`); one for a checkpoint it never signed
  — or a countersignature of one — means that another copy of this node, or an older
  state of it, signed a history of its own: it is refused and logged as an error.

* The origin (:meth:`WitnessService.incoming_countersignature`) checks the witness's
  signature and that it signed this very checkpoint, and keeps it.
* An idle pair rests: a checkpoint is offered only when the ledger holds something new
  besides the witnessing itself (:data:`~._control.WITNESS_ACTIONS`); a partner that keeps
  refusing them is offered the next only after a back-off (``background_backoff``).

A checkpoint whose signature does not verify, or a countersignature of a checkpoint we
never signed, is refused like any bad envelope (quarantined with the reason).

An alarm stays **open** until an officer or the authority acknowledges it with a finding
(:meth:`WitnessService.acknowledge_alarm`, a duty the decision point grants by role):
who, when and the finding are kept (``witness_alarm_acks``) and journalled
(``ledger.alarm.ack``); the evidence is never changed.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.canonical import canonical_json, format_time, loads_object, parse_time
from accord.errors import Conflict, InvalidInput, NotFound, PolicyDenied, VerificationFailed
from accord.exchange import CheckpointStatement, Countersignature, EnvelopeHeader, Gossip, ProofRequest
from accord.items import Precedence
from accord.ledger import MerkleTree, verify_consistency
from accord.node.audit._checkpoints import SignedCheckpoint
from accord.node.audit._ledger import LedgerService
from accord.node.core._context import NodeContext
from accord.node.holdings._access import AccessService
from accord.node.originator._consents import ConsentService
from accord.node.registry._agreements import AgreementService
from accord.node.registry._parties import PartyService
from accord.node.registry._users import UserService
from accord.node.transfer._control import NO_ITEM, WITNESS_ACTIONS, Incoming, about_no_item
from accord.node.transfer._delivery import backed_off
from accord.node.transfer._sending import SendingService
from accord.policy import Duty
from accord.store import (
    JournalRow,
    LedgerCheckpointRow,
    OutboxRow,
    PartyRow,
    SqlHashStore,
    WitnessAlarmAckRow,
    WitnessAlarmRow,
    WitnessCountersignatureRow,
    WitnessDemandRow,
    WitnessGossipRow,
    WitnessPublishedRow,
    WitnessSeenRow,
    append_event,
    format_stamp,
)

__all__ = ["FINDING_MAX", "PROOF_DEADLINE", "PUBLISH_SECONDS", "WitnessService"]

log = logging.getLogger("accord.witness")

PUBLISH_SECONDS: Final = 10.0
"""How often, at most, the worker offers a new checkpoint to the partners."""
PROOF_DEADLINE: Final = timedelta(minutes=10)
"""How long after the origin received a ``proof-request`` its proof may take: then it is missing."""
_ACTOR: Final = "witness"
_NO_ITEM_MARK: Final = "LEDGER CHECKPOINT - NOT CMI"
FINDING_MAX: Final = 4000
"""The longest finding an alarm is acknowledged with, in characters."""


def _signed_json(signed: SignedCheckpoint) -> str:
    return canonical_json(signed.to_dict()).decode("utf-8")


def _signed(text: str) -> SignedCheckpoint:
    return SignedCheckpoint.from_dict(loads_object(text, "a checkpoint held"))


def _has_news(session: Session, since: int, size: int) -> bool:
    """Whether leaves ``[since, size)`` hold anything but the witnessing itself."""
    news = session.scalar(
        select(JournalRow.seq)
        .where(
            JournalRow.leaf >= since,
            JournalRow.leaf < size,
            JournalRow.action.not_in(WITNESS_ACTIONS),
            (JournalRow.item_id.is_(None)) | (JournalRow.item_id != NO_ITEM),
        )
        .limit(1)
    )
    return news is not None


def _own_fork(reason: str) -> None:
    log.error(
        "LEDGER FORK of this node: %s; another copy of this node, or an older state of it, "
        "signed a history of its own (accord ledger verify; compare with the partners)",
        reason,
    )


class WitnessService:
    """Offers our checkpoints to partners, witnesses theirs, and raises fork alarms."""

    def __init__(
        self,
        ctx: NodeContext,
        parties: PartyService,
        agreements: AgreementService,
        consents: ConsentService,
        sending: SendingService,
        ledger: LedgerService,
        users: UserService,
        access: AccessService,
    ) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx
        self._parties = parties
        self._agreements = agreements
        self._consents = consents
        self._sending = sending
        self._ledger = ledger
        self._users = users
        self._access = access

    # --- the origin ----------------------------------------------------------------------

    def publish(self, *, actor: str = _ACTOR) -> list[str]:
        """Offer our latest checkpoint to every partner node that has not been offered it.

        A partner is offered a checkpoint only when the leaves since the last one it was
        offered hold something besides the witnessing itself, and not while it is backed
        off for refusing them. The same call gossips what we hold of other nodes to every
        partner whose copy of it is out of date, and raises the alarms of proofs demanded
        that did not come (:data:`PROOF_DEADLINE`).

        Returns:
            The node ids it was offered to (none when the ledger has not grown).

        Raises:
            StorageError: the database failed.
        """
        self.check_demands()
        latest = self._ledger.latest_checkpoint()
        size = 0 if latest is None else latest.checkpoint.size
        me = self._ctx.config
        told: list[str] = []
        gossiped: list[str] = []
        with self._ctx.work(actor, "ledger.publish", detail={"size": size}) as session:
            now = self._ctx.now()
            rows = session.scalars(select(PartyRow).order_by(PartyRow.node_id)).all()
            for row in rows:
                if row.node_id == me.node_id or row.party == me.party:
                    continue
                try:
                    agreement = self._agreements.any_in_force_with(session, row.party, now)
                except NotFound:
                    continue  # no agreement in force: nothing is exchanged with that party
                if self._gossip(session, row.node_id, agreement, actor, now):
                    gossiped.append(row.node_id)
                if latest is None:
                    continue  # nothing sealed yet: nothing of ours to offer
                checkpoint = latest.checkpoint
                published = session.get(WitnessPublishedRow, row.node_id)
                since = 0 if published is None else published.size
                if since >= checkpoint.size or not _has_news(session, since, checkpoint.size):
                    continue
                if backed_off(session, row.node_id, "checkpoint", now):
                    continue
                basis = session.scalar(
                    select(func.max(WitnessCountersignatureRow.size)).where(
                        WitnessCountersignatureRow.witness == row.node_id,
                        WitnessCountersignatureRow.size <= checkpoint.size,
                    )
                )
                previous = int(basis or 0)
                proof = MerkleTree(SqlHashStore(session)).consistency_proof(previous, checkpoint.size)
                statement = CheckpointStatement(checkpoint, latest.signature, previous, tuple(proof))
                self._sending.enqueue(
                    session,
                    kind="checkpoint",
                    card=self._parties.card(session, row.node_id),
                    agreement=agreement,
                    precedence=Precedence.ROUTINE,
                    item_id=NO_ITEM,
                    payload=statement.to_bytes(),
                    actor=actor,
                    now=now,
                )
                if published is None:
                    session.add(
                        WitnessPublishedRow(
                            peer=row.node_id, size=checkpoint.size, published_at=format_stamp(now)
                        )
                    )
                else:
                    published.size, published.published_at = checkpoint.size, format_stamp(now)
                told.append(row.node_id)
            if told or gossiped:
                append_event(
                    session,
                    at=now,
                    actor=actor,
                    action="ledger.publish",
                    outcome="ok",
                    detail={
                        "size": size,
                        "root": None if latest is None else latest.checkpoint.root.hex(),
                        "to": told,
                        "gossip_to": gossiped,
                    },
                )
        return told

    def _gossip(self, session: Session, peer: str, agreement: object, actor: str, now: datetime) -> bool:
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
        held = [_signed(seen.signed_json) for seen in fresh]
        gossip = Gossip(self._ctx.config.node_id, tuple((s.checkpoint, s.signature) for s in held))
        self._sending.enqueue(
            session,
            kind="gossip",
            card=self._parties.card(session, peer),
            agreement=agreement,  # type: ignore[arg-type]
            precedence=Precedence.ROUTINE,
            item_id=NO_ITEM,
            payload=gossip.to_bytes(),
            actor=actor,
            now=now,
        )
        for seen in fresh:
            row = session.get(WitnessGossipRow, (peer, seen.origin))
            if row is None:
                session.add(WitnessGossipRow(peer=peer, origin=seen.origin, size=seen.size))
            else:
                row.size = seen.size
        return True

    def incoming_countersignature(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str, now: datetime
    ) -> Incoming:
        """Check a partner's countersignature of one of our checkpoints (receiver's snapshot).

        Raises:
            InvalidInput: malformed, or about another node's ledger.
            PolicyDenied: the witness is not the sender.
            VerificationFailed: not signed by the sender, or a checkpoint we never signed.
        """
        counter = Countersignature.parse(plaintext)
        checkpoint = counter.checkpoint
        if counter.witness != header.sender:
            raise PolicyDenied("a node sends only its own countersignatures")
        if checkpoint.origin != self._ctx.config.node_id:
            raise InvalidInput(f"a countersignature of the ledger of {checkpoint.origin}, not of this node")
        _, keys = self._parties.signer(session, header.sender)
        counter.verify(keys)
        ours = session.get(LedgerCheckpointRow, checkpoint.size)
        if ours is None or (ours.root, ours.time) != (checkpoint.root.hex(), checkpoint.timestamp):
            reason = (
                f"{header.sender} countersigns a checkpoint of size {checkpoint.size} this node never signed"
            )
            _own_fork(reason)
            raise VerificationFailed(reason)

        def apply(session: Session, now: datetime) -> None:
            exists = session.scalar(
                select(WitnessCountersignatureRow.id).where(
                    WitnessCountersignatureRow.witness == counter.witness,
                    WitnessCountersignatureRow.size == checkpoint.size,
                )
            )
            if exists is None:
                session.add(
                    WitnessCountersignatureRow(
                        witness=counter.witness,
                        size=checkpoint.size,
                        root=checkpoint.root.hex(),
                        signed_at=counter.signed_at,
                        countersignature_json=counter.to_bytes().decode("utf-8"),
                        received_at=format_stamp(now),
                    )
                )
            append_event(
                session,
                at=now,
                actor=f"peer:{header.sender}",
                action="ledger.countersigned",
                outcome="ok",
                detail={"witness": counter.witness, "size": checkpoint.size, "root": checkpoint.root.hex()},
            )

        return self._incoming(apply, now)

    # --- the witness ---------------------------------------------------------------------

    def incoming_checkpoint(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str, now: datetime
    ) -> Incoming:
        """Check a partner's checkpoint statement in the receiver's snapshot.

        The signature is checked here; the comparison with the checkpoint held runs when
        it is applied, in the write transaction (two statements may come in one batch).

        Raises:
            InvalidInput: malformed.
            PolicyDenied: the checkpoint is not of the sender's ledger.
            VerificationFailed: not signed by the sender's pinned keys.
        """
        statement = CheckpointStatement.parse(plaintext)
        if statement.checkpoint.origin != header.sender:
            raise PolicyDenied("a node offers only its own ledger's checkpoints")
        _, keys = self._parties.signer(session, header.sender)
        statement.verify(keys)

        def apply(session: Session, now: datetime) -> None:
            self._witness(session, header, statement, now)

        return self._incoming(apply, now)

    def incoming_proof_request(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str, now: datetime
    ) -> Incoming:
        """Answer a witness that demands a consistency proof to one of our checkpoints.

        The answer is a ``checkpoint`` statement of that checkpoint, with its signature as
        stored, and the proof from the size asked.

        Raises:
            InvalidInput: malformed, about another node's ledger, or a size beyond ours.
            VerificationFailed: a checkpoint this node never signed (logged as an error: a
                copy of this node, or an older state of it, signed a history of its own).
        """
        request = ProofRequest.parse(plaintext)
        checkpoint = request.checkpoint
        if checkpoint.origin != self._ctx.config.node_id:
            raise InvalidInput(f"a proof request about the ledger of {checkpoint.origin}, not of this node")
        ours = session.get(LedgerCheckpointRow, checkpoint.size)
        if ours is None or (ours.root, ours.time) != (checkpoint.root.hex(), checkpoint.timestamp):
            reason = (
                f"{header.sender} asks for a proof to a checkpoint of size {checkpoint.size} "
                "this node never signed"
            )
            _own_fork(reason)
            raise VerificationFailed(reason)
        signed = SignedCheckpoint.from_row(ours)

        def apply(session: Session, now: datetime) -> None:
            proof = MerkleTree(SqlHashStore(session)).consistency_proof(request.from_size, checkpoint.size)
            statement = CheckpointStatement(checkpoint, signed.signature, request.from_size, tuple(proof))
            self._sending.enqueue(
                session,
                kind="checkpoint",
                card=self._parties.card(session, header.sender),
                agreement=self._agreements.get_in(session, header.agreement_id),
                precedence=Precedence.ROUTINE,
                item_id=NO_ITEM,
                payload=statement.to_bytes(),
                actor=_ACTOR,
                now=now,
            )
            append_event(
                session,
                at=now,
                actor=f"peer:{header.sender}",
                action="ledger.consistency",
                outcome="ok",
                detail={"to": header.sender, "from_size": request.from_size, "size": checkpoint.size},
            )

        return self._incoming(apply, now)

    def incoming_gossip(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str, now: datetime
    ) -> Incoming:
        """Compare what a fellow witness holds of other nodes' ledgers with what we hold.

        A checkpoint of a node we do not pin is passed over. One of the same size as ours
        with another root is a fork alarm (a split view); a smaller one must be extended by
        ours, and the proof is demanded of its origin; a larger one is the sender's to
        check against ours (we gossip ours to it). Nothing is written when all agree.

        Raises:
            InvalidInput: malformed.
            PolicyDenied: the witness is not the sender.
            VerificationFailed: a checkpoint is not signed by the node it names (or, of
                this node's own ledger, one it never signed: logged as an error).
        """
        gossip = Gossip.parse(plaintext)
        if gossip.witness != header.sender:
            raise PolicyDenied("a node gossips only what it holds itself")
        me = self._ctx.config.node_id
        checked: list[SignedCheckpoint] = []
        for checkpoint, signature in gossip.checkpoints:
            signed = SignedCheckpoint(checkpoint, signature)
            try:
                _, keys = self._parties.signer(session, checkpoint.origin)
            except NotFound:
                continue  # a node we do not know: nothing to compare with
            signed.verify(keys)
            if checkpoint.origin == me:
                ours = session.get(LedgerCheckpointRow, checkpoint.size)
                if ours is None or ours.root != checkpoint.root.hex():
                    reason = (
                        f"{header.sender} holds a checkpoint of size {checkpoint.size} this node never signed"
                    )
                    _own_fork(reason)
                    raise VerificationFailed(reason)
                continue
            checked.append(signed)

        def apply(session: Session, now: datetime) -> None:
            for signed in checked:
                self._compare_gossip(session, header, signed, now)

        return self._incoming(apply, now)

    def _compare_gossip(
        self, session: Session, header: EnvelopeHeader, told: SignedCheckpoint, now: datetime
    ) -> None:
        cp = told.checkpoint
        row = session.get(WitnessSeenRow, cp.origin)
        if row is None or row.size < cp.size:
            return
        held = _signed(row.signed_json)
        if row.size == cp.size:
            if row.root != cp.root.hex():
                reason = f"split view: {header.sender} holds another root for size {cp.size}"
                self._alarm(session, header.sender, header.message_id, "fork", reason, held, told, now)
            return
        self._demand(session, told, held, source=header.sender, now=now)

    def _demand(
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
        open_demand = session.scalar(
            select(WitnessDemandRow.id).where(
                WitnessDemandRow.origin == origin,
                WitnessDemandRow.from_size == base.checkpoint.size,
                WitnessDemandRow.to_size == target.checkpoint.size,
            )
        )
        if open_demand is not None:
            return True
        try:
            card = self._parties.card(session, origin)
            agreement = self._agreements.any_in_force_with(session, card.party, now)
        except NotFound:
            return False
        sent = self._sending.enqueue(
            session,
            kind="proof-request",
            card=card,
            agreement=agreement,
            precedence=Precedence.ROUTINE,
            item_id=NO_ITEM,
            payload=ProofRequest(target.checkpoint, base.checkpoint.size).to_bytes(),
            actor=_ACTOR,
            now=now,
        )
        session.add(
            WitnessDemandRow(
                origin=origin,
                from_size=base.checkpoint.size,
                to_size=target.checkpoint.size,
                from_json=_signed_json(base),
                to_json=_signed_json(target),
                source=source,
                message_id=sent.message_id,
                demanded_at=format_stamp(now),
            )
        )
        append_event(
            session,
            at=now,
            actor=_ACTOR,
            action="ledger.witness",
            outcome="demand",
            detail={
                "origin": origin,
                "from_size": base.checkpoint.size,
                "size": target.checkpoint.size,
                "source": source,
                "message_id": sent.message_id,
            },
        )
        return True

    def check_demands(self) -> list[dict[str, object]]:
        """Raise the alarms of consistency proofs demanded that did not come.

        A proof is missing when the origin refused the request, or received it
        :data:`PROOF_DEADLINE` ago and has not answered: a ``no-proof`` alarm with both
        signed checkpoints. A request still on its way is waited for.

        Returns:
            The alarms raised (as :meth:`alarms` lists them).

        Raises:
            StorageError: the database failed.
        """
        raised: list[int] = []
        with self._ctx.db.transaction() as session:
            now = self._ctx.now()
            for demand in session.scalars(select(WitnessDemandRow).order_by(WitnessDemandRow.id)).all():
                sent = session.get(OutboxRow, demand.message_id)
                if sent is None or sent.status == "pending":
                    continue
                if sent.status == "rejected":
                    why = "refused the request"
                elif sent.receipted_at is not None and parse_time(sent.receipted_at) + PROOF_DEADLINE <= now:
                    why = f"received the request at {sent.receipted_at} and has not answered"
                else:
                    continue
                reason = (
                    f"no proof that size {demand.to_size} extends size {demand.from_size}: "
                    f"{demand.origin} {why}"
                )
                base, target = _signed(demand.from_json), _signed(demand.to_json)
                raised.append(
                    self._alarm(
                        session, demand.origin, demand.message_id, "no-proof", reason, base, target, now
                    )
                )
                session.delete(demand)
        return [a for a in self.alarms() if a["id"] in raised]

    def _answered(
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
        base, target = _signed(demand.from_json), _signed(demand.to_json)
        presented = SignedCheckpoint(new, statement.signature)
        session.delete(demand)
        if target.checkpoint.root != new.root:
            reason = f"two roots for size {new.size}"
            self._alarm(session, header.sender, header.message_id, "fork", reason, target, presented, now)
            return True
        try:
            if base.checkpoint.size > 0:
                verify_consistency(
                    base.checkpoint.size, new.size, base.checkpoint.root, new.root, statement.proof
                )
        except VerificationFailed as exc:
            reason = f"size {new.size} does not extend size {base.checkpoint.size}: {exc}"
            self._alarm(session, header.sender, header.message_id, "fork", reason, base, presented, now)
            return True
        held = session.get(WitnessSeenRow, new.origin)
        # The demand was ours (held -> larger): the normal course keeps it; a gossiped one is settled.
        return held is None or held.size >= new.size

    def _witness(
        self, session: Session, header: EnvelopeHeader, statement: CheckpointStatement, now: datetime
    ) -> None:
        new = statement.checkpoint
        presented = SignedCheckpoint(new, statement.signature)
        if self._answered(session, header, statement, now):
            self._journal(
                session, header, "ok", {"origin": new.origin, "size": new.size, "proven": True}, now
            )
            return
        row = session.get(WitnessSeenRow, new.origin)
        detail: dict[str, object] = {
            "origin": new.origin,
            "size": new.size,
            "root": new.root.hex(),
            "previous_size": statement.previous_size,
        }
        if row is None:
            self._keep(session, None, presented, now)
            self._countersign(session, header, presented, now)
            self._journal(session, header, "ok", {**detail, "first": True}, now)
            return
        held = _signed(row.signed_json)
        old = held.checkpoint
        detail["held_size"] = old.size
        sender, message_id = header.sender, header.message_id
        if new.size == old.size:
            if new.root != old.root:
                self._alarm(
                    session,
                    sender,
                    message_id,
                    "fork",
                    f"two roots for size {new.size}",
                    held,
                    presented,
                    now,
                )
            # The same checkpoint again: witnessed already; nothing is written (issue 10).
            return
        if new.size < old.size:
            if parse_time(new.timestamp) < parse_time(old.timestamp):
                self._journal(session, header, "stale", detail, now)  # delayed on the way
                return
            reason = f"size {new.size} at {new.timestamp} after size {old.size} at {old.timestamp}"
            self._alarm(session, sender, message_id, "rollback", reason, held, presented, now)
            return
        if statement.previous_size != old.size:
            # Larger, but proven from another size than the one we hold (issue 10: a forked
            # copy of the origin proves from what it believes we hold). Demand the proof
            # from ours; a proof that fails or does not come is an alarm (check_demands).
            self._demand(session, held, presented, source=sender, now=now)
            return
        try:
            statement.check_extends(old)
        except VerificationFailed as exc:
            reason = f"size {new.size} does not extend size {old.size}: {exc}"
            self._alarm(session, sender, message_id, "fork", reason, held, presented, now)
            return
        self._keep(session, row, presented, now)
        self._countersign(session, header, presented, now)
        self._journal(session, header, "ok", detail, now)

    def _keep(
        self, session: Session, row: WitnessSeenRow | None, signed: SignedCheckpoint, now: datetime
    ) -> None:
        cp = signed.checkpoint
        if row is None:
            row = WitnessSeenRow(origin=cp.origin)
            session.add(row)
        row.size, row.root, row.time = cp.size, cp.root.hex(), cp.timestamp
        row.signed_json = _signed_json(signed)
        row.received_at = format_stamp(now)

    def _countersign(
        self, session: Session, header: EnvelopeHeader, signed: SignedCheckpoint, now: datetime
    ) -> None:
        counter = Countersignature.make(
            self._ctx.keys,
            witness=self._ctx.config.node_id,
            checkpoint=signed.checkpoint,
            signed_at=format_time(now),
        )
        self._sending.enqueue(
            session,
            kind="countersignature",
            card=self._parties.card(session, header.sender),
            agreement=self._agreements.get_in(session, header.agreement_id),
            precedence=Precedence.ROUTINE,
            item_id=NO_ITEM,
            payload=counter.to_bytes(),
            actor=_ACTOR,
            now=now,
        )

    def _alarm(
        self,
        session: Session,
        sender: str,
        message_id: str,
        kind: str,
        reason: str,
        held: SignedCheckpoint,
        presented: SignedCheckpoint,
        now: datetime,
    ) -> int:
        origin = presented.checkpoint.origin
        row = WitnessAlarmRow(
            origin=origin,
            kind=kind,
            reason=reason,
            held_json=_signed_json(held),
            presented_json=_signed_json(presented),
            message_id=message_id,
            detected_at=format_stamp(now),
        )
        session.add(row)
        session.flush()
        append_event(
            session,
            at=now,
            actor=f"peer:{sender}",
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
        )
        log.error("LEDGER %s of %s: %s (accord ledger alarms)", kind.upper(), origin, reason)
        return row.id

    @staticmethod
    def _journal(
        session: Session, header: EnvelopeHeader, outcome: str, detail: dict[str, object], now: datetime
    ) -> None:
        append_event(
            session,
            at=now,
            actor=f"peer:{header.sender}",
            action="ledger.witness",
            outcome=outcome,
            detail={**detail, "message_id": header.message_id},
        )

    def _incoming(self, apply: Callable[[Session, datetime], None], now: datetime) -> Incoming:
        """The receipt of a message about no item (see :func:`._control.about_no_item`)."""
        me = self._ctx.config
        return about_no_item(me.scheme, me.node_id, _NO_ITEM_MARK, apply, now)

    # --- views ---------------------------------------------------------------------------

    def witnesses(self) -> list[dict[str, object]]:
        """Per partner node: its checkpoint we hold, what we offered it, what it countersigned."""
        me = self._ctx.config.node_id
        with self._ctx.db.transaction(read_only=True) as session:
            nodes = [
                n for n in session.scalars(select(PartyRow.node_id).order_by(PartyRow.node_id)) if n != me
            ]
            out: list[dict[str, object]] = []
            for node in nodes:
                seen = session.get(WitnessSeenRow, node)
                published = session.get(WitnessPublishedRow, node)
                last = session.scalars(
                    select(WitnessCountersignatureRow)
                    .where(WitnessCountersignatureRow.witness == node)
                    .order_by(WitnessCountersignatureRow.size.desc())
                    .limit(1)
                ).first()
                count = session.scalar(
                    select(func.count())
                    .select_from(WitnessCountersignatureRow)
                    .where(WitnessCountersignatureRow.witness == node)
                )
                alarms = session.scalar(
                    select(func.count()).select_from(WitnessAlarmRow).where(WitnessAlarmRow.origin == node)
                )
                out.append(
                    {
                        "node": node,
                        "seen": None
                        if seen is None
                        else {
                            "size": seen.size,
                            "root": seen.root,
                            "time": seen.time,
                            "at": seen.received_at,
                        },
                        "published": None
                        if published is None
                        else {"size": published.size, "at": published.published_at},
                        "countersigned": None
                        if last is None
                        else {"size": last.size, "signed_at": last.signed_at, "at": last.received_at},
                        "countersignatures": int(count or 0),
                        "alarms": int(alarms or 0),
                    }
                )
            return out

    def countersignatures(self, witness: str | None = None) -> list[Countersignature]:
        """The countersignatures partners returned for our checkpoints, newest first.

        Raises:
            InvalidInput: a stored countersignature is malformed (tampering).
        """
        with self._ctx.db.transaction(read_only=True) as session:
            query = select(WitnessCountersignatureRow).order_by(WitnessCountersignatureRow.id.desc())
            if witness is not None:
                query = query.where(WitnessCountersignatureRow.witness == witness)
            return [Countersignature.parse(row.countersignature_json) for row in session.scalars(query)]

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
            return [_alarm_view(row, ack) for row, ack in rows]

    def acknowledge_alarm(self, alarm_id: int, *, finding: str, actor: str) -> dict[str, object]:
        """Acknowledge an open alarm with a finding: who, when and why are kept and journalled.

        The evidence (both signed checkpoints) stays as it was; an acknowledged alarm is
        closed and cannot be acknowledged again.

        Raises:
            NotFound: no such user, or no alarm ``alarm_id``.
            PolicyDenied: ``actor``'s role may not acknowledge alarms (officers and the authority may).
            InvalidInput: the finding is empty or longer than :data:`FINDING_MAX` characters.
            Conflict: the alarm was already acknowledged.
        """
        with self._ctx.work(actor, "ledger.alarm.ack", detail={"alarm_id": alarm_id}) as session:
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
            append_event(
                session,
                at=now,
                actor=actor,
                action="ledger.alarm.ack",
                outcome="ok",
                detail={"alarm_id": alarm_id, "origin": row.origin, "kind": row.kind, "finding": text},
            )
            session.flush()
            return _alarm_view(row, ack)


def _alarm_view(row: WitnessAlarmRow, ack: WitnessAlarmAckRow | None) -> dict[str, object]:
    return {
        "id": row.id,
        "origin": row.origin,
        "kind": row.kind,
        "reason": row.reason,
        "detected_at": row.detected_at,
        "message_id": row.message_id,
        "status": "open" if ack is None else "acknowledged",
        "acknowledged": None
        if ack is None
        else {"by": ack.acknowledged_by, "at": ack.acknowledged_at, "finding": ack.finding},
        "held": json.loads(row.held_json),
        "presented": json.loads(row.presented_json),
    }

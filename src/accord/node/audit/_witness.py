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
  partner countersigned (0 the first time) (:mod:`._offering`).
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
    request, or received it :data:`~._demands.PROOF_DEADLINE` ago and did not answer — is a
    ``no-proof`` alarm with both signed checkpoints (issue 10: a forked copy of a node
    cannot prove that its branch extends the other);
  - a smaller, older one (delayed on the way): nothing but the journal;
  - the same checkpoint again: nothing at all (no journal row, no countersignature)

  (:mod:`._witnessing`).

* Witnesses tell each other (:meth:`WitnessService.publish`, ``gossip``) the latest
  checkpoint they hold of every other node; one that differs from ours at the same size
  is a fork alarm (a *split view*: the origin showed two partners two histories), a
  smaller one is related to ours by a proof demanded of the origin, as above
  (:mod:`._demands`).
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
(``ledger.alarm.ack``); the evidence is never changed (:mod:`._alarms`).

:class:`WitnessService` is the façade: the composition root registers its ``incoming_*``
handlers for the four witnessing messages, and the worker calls :meth:`~WitnessService.publish`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.errors import InvalidInput, NotFound, VerificationFailed
from accord.exchange import (
    CheckpointStatement,
    Countersignature,
    EnvelopeHeader,
    Gossip,
    ProofRequest,
    SignedCheckpoint,
)
from accord.items import Precedence
from accord.ledger import MerkleTree
from accord.node.audit._alarms import AlarmBook
from accord.node.audit._alarms import own_fork as _own_fork
from accord.node.audit._checkpoint_rows import checkpoint_from_row
from accord.node.audit._demands import Demands
from accord.node.audit._ledger import LedgerService
from accord.node.audit._offering import Offering
from accord.node.audit._partners import ACTOR as _ACTOR
from accord.node.audit._partners import Partners
from accord.node.audit._witnessing import Witnessing
from accord.node.transfer._control import (
    NO_ITEM,
    Entry,
    Incoming,
    about_no_item,
    authored_by,
    handle,
    require_author,
    signed_by,
    verify_signed,
)
from accord.node.transfer._services import ServiceBase, Services
from accord.store import (
    LedgerCheckpointRow,
    SqlHashStore,
    WitnessCountersignatureRow,
    format_stamp,
)

__all__ = ["PUBLISH_SECONDS", "WitnessService"]

PUBLISH_SECONDS: Final = 10.0
"""How often, at most, the worker offers a new checkpoint to the partners."""
_NO_ITEM_MARK: Final = "LEDGER CHECKPOINT - NOT CMI"


class WitnessService(ServiceBase):
    """Offers our checkpoints to partners, witnesses theirs, and raises fork alarms (the façade)."""

    def __init__(self, services: Services, ledger: LedgerService) -> None:
        """Serve the node behind ``services.ctx``."""
        super().__init__(services)
        partners = Partners(services.ctx, services.parties, services.agreements, services.sending)
        self._alarms = AlarmBook(services.ctx, services.users, services.access)
        self._demands = Demands(partners, self._alarms)
        self._witnessing = Witnessing(partners, self._demands)
        self._offering = Offering(partners, ledger, self._demands)

    # --- the origin ----------------------------------------------------------------------

    def publish(self, *, actor: str = _ACTOR) -> list[str]:
        """Offer our latest checkpoint to every partner node that has not been offered it.

        A partner is offered a checkpoint only when the leaves since the last one it was
        offered hold something besides the witnessing itself, and not while it is backed
        off for refusing them. The same call gossips what we hold of other nodes to every
        partner whose copy of it is out of date, and raises the alarms of proofs demanded
        that did not come (:data:`~._demands.PROOF_DEADLINE`).

        Returns:
            The node ids it was offered to (none when the ledger has not grown).

        Raises:
            StorageError: the database failed.
        """
        return self._offering.publish(actor=actor)

    def incoming_countersignature(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str, now: datetime
    ) -> Incoming:
        """Check a partner's countersignature of one of our checkpoints (receiver's snapshot).

        Raises:
            InvalidInput: malformed, or about another node's ledger.
            PolicyDenied: the witness is not the sender.
            VerificationFailed: not signed by the sender, or a checkpoint we never signed.
        """
        me = self._ctx.config.node_id

        def authenticate(counter: Countersignature) -> None:
            require_author(
                header,
                sender_party,
                node=counter.witness,
                denial="a node sends only its own countersignatures",
            )
            if counter.checkpoint.origin != me:
                raise InvalidInput(
                    f"a countersignature of the ledger of {counter.checkpoint.origin}, not of this node"
                )
            verify_signed(session, self._parties.signer, header, counter)

        def check(counter: Countersignature, ours: LedgerCheckpointRow | None) -> None:
            checkpoint = counter.checkpoint
            if ours is None or (ours.root, ours.time) != (checkpoint.root.hex(), checkpoint.timestamp):
                reason = (
                    f"{header.sender} countersigns a checkpoint of size {checkpoint.size} "
                    "this node never signed"
                )
                _own_fork(reason)
                raise VerificationFailed(reason)

        def apply(session: Session, counter: Countersignature, _: object, now: datetime) -> Entry:
            checkpoint = counter.checkpoint
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
            return Entry({"witness": counter.witness, "size": checkpoint.size, "root": checkpoint.root.hex()})

        return handle(
            session,
            header,
            plaintext,
            parse=Countersignature.parse,
            authenticate=authenticate,
            locate=lambda counter: session.get(LedgerCheckpointRow, counter.checkpoint.size),
            check=check,
            apply=apply,
            journal="ledger.countersigned",
            receipt=lambda _, __, applied: self._incoming(applied, now),
        )

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

        def apply(session: Session, statement: CheckpointStatement, _: None, now: datetime) -> list[Entry]:
            self._witness(session, header, statement, now)
            return []

        # The comparison decides what is journalled (``_witness``): no one action here.
        return handle(
            session,
            header,
            plaintext,
            parse=CheckpointStatement.parse,
            authenticate=signed_by(
                session,
                header,
                sender_party,
                self._parties.signer,
                lambda statement: (statement.checkpoint.origin, None),
                "a node offers only its own ledger's checkpoints",
            ),
            locate=lambda _: None,
            check=None,
            apply=apply,
            journal=None,
            receipt=lambda _, __, applied: self._incoming(applied, now),
        )

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

        def authenticate(request: ProofRequest) -> None:
            # No author to name: anyone we exchange with may ask; the envelope says who.
            origin = request.checkpoint.origin
            if origin != self._ctx.config.node_id:
                raise InvalidInput(f"a proof request about the ledger of {origin}, not of this node")

        def check(request: ProofRequest, ours: LedgerCheckpointRow | None) -> None:
            checkpoint = request.checkpoint
            if ours is None or (ours.root, ours.time) != (checkpoint.root.hex(), checkpoint.timestamp):
                reason = (
                    f"{header.sender} asks for a proof to a checkpoint of size {checkpoint.size} "
                    "this node never signed"
                )
                _own_fork(reason)
                raise VerificationFailed(reason)

        def apply(
            session: Session, request: ProofRequest, ours: LedgerCheckpointRow | None, now: datetime
        ) -> Entry:
            checkpoint = request.checkpoint
            signature = checkpoint_from_row(session.get_one(LedgerCheckpointRow, checkpoint.size)).signature
            proof = MerkleTree(SqlHashStore(session)).consistency_proof(request.from_size, checkpoint.size)
            statement = CheckpointStatement(checkpoint, signature, request.from_size, tuple(proof))
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
            return Entry({"to": header.sender, "from_size": request.from_size, "size": checkpoint.size})

        return handle(
            session,
            header,
            plaintext,
            parse=ProofRequest.parse,
            authenticate=authenticate,
            locate=lambda request: session.get(LedgerCheckpointRow, request.checkpoint.size),
            check=check,
            apply=apply,
            journal="ledger.consistency",
            receipt=lambda _, __, applied: self._incoming(applied, now),
        )

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
        me = self._ctx.config.node_id

        def locate(gossip: Gossip) -> list[SignedCheckpoint]:
            """The checkpoints told of other nodes we pin, each signed by its origin."""
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
                            f"{header.sender} holds a checkpoint of size {checkpoint.size} "
                            "this node never signed"
                        )
                        _own_fork(reason)
                        raise VerificationFailed(reason)
                    continue
                checked.append(signed)
            return checked

        def apply(session: Session, _: Gossip, checked: list[SignedCheckpoint], now: datetime) -> list[Entry]:
            for signed in checked:
                self._compare_gossip(session, header, signed, now)
            return []

        # The comparison decides what is journalled (an alarm, a demand): no one action here.
        return handle(
            session,
            header,
            plaintext,
            parse=Gossip.parse,
            authenticate=authored_by(
                header,
                sender_party,
                lambda gossip: (gossip.witness, None),
                "a node gossips only what it holds itself",
            ),
            locate=locate,
            check=None,
            apply=apply,
            journal=None,
            receipt=lambda _, __, applied: self._incoming(applied, now),
        )

    def _compare_gossip(
        self, session: Session, header: EnvelopeHeader, told: SignedCheckpoint, now: datetime
    ) -> None:
        self._demands.compare_gossip(session, header, told, now)

    def check_demands(self) -> list[dict[str, object]]:
        """Raise the alarms of consistency proofs demanded that did not come.

        A proof is missing when the origin refused the request, or received it
        :data:`~._demands.PROOF_DEADLINE` ago and has not answered: a ``no-proof`` alarm
        with both signed checkpoints. A request still on its way is waited for.

        Returns:
            The alarms raised (as :meth:`alarms` lists them).

        Raises:
            StorageError: the database failed.
        """
        return self._demands.check_overdue()

    def _witness(
        self, session: Session, header: EnvelopeHeader, statement: CheckpointStatement, now: datetime
    ) -> None:
        self._witnessing.witness(session, header, statement, now)

    def _incoming(self, apply: Callable[[Session, datetime], None], now: datetime) -> Incoming:
        """The receipt of a message about no item (see :func:`._control.about_no_item`)."""
        me = self._ctx.config
        return about_no_item(me.scheme, me.node_id, _NO_ITEM_MARK, apply, now)

    # --- views ---------------------------------------------------------------------------

    def witnesses(self) -> list[dict[str, object]]:
        """Per partner node: its checkpoint we hold, what we offered it, what it countersigned."""
        return self._offering.witnesses()

    def countersignatures(self, witness: str | None = None) -> list[Countersignature]:
        """The countersignatures partners returned for our checkpoints, newest first.

        Raises:
            InvalidInput: a stored countersignature is malformed (tampering).
        """
        return self._offering.countersignatures(witness)

    def alarms(self) -> list[dict[str, object]]:
        """Every fork or rollback detected, newest first, with both signed checkpoints.

        Each says whether it is ``open`` or ``acknowledged`` (then who, when, the finding).
        """
        return self._alarms.alarms()

    def acknowledge_alarm(self, alarm_id: int, *, finding: str, actor: str) -> dict[str, object]:
        """Acknowledge an open alarm with a finding: who, when and why are kept and journalled.

        The evidence (both signed checkpoints) stays as it was; an acknowledged alarm is
        closed and cannot be acknowledged again.

        Raises:
            NotFound: no such user, or no alarm ``alarm_id``.
            PolicyDenied: ``actor``'s role may not acknowledge alarms (officers and the authority may).
            InvalidInput: the finding is empty or longer than :data:`~._alarms.FINDING_MAX` characters.
            Conflict: the alarm was already acknowledged.
        """
        return self._alarms.acknowledge(alarm_id, finding=finding, actor=actor)

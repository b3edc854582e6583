"""The four incoming witnessing messages: countersignature, checkpoint, proof request, gossip.

Each is a handler of the control-message template (:func:`~accord.node.transfer._control.handle`)
about no item (:data:`~accord.node.transfer._control.NO_ITEM`); :class:`WitnessIncoming` holds
them and :class:`~accord.node.audit._witness.WitnessService`, the façade, registers them. A
checkpoint of our own ledger that this node never signed — countersigned, asked about or
gossiped — is a fork of our own history (:func:`~._alarms.own_fork`), refused in every case.
"""

from __future__ import annotations

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
from accord.ledger import Checkpoint, MerkleTree
from accord.node.audit._alarms import own_fork
from accord.node.audit._checkpoint_rows import checkpoint_from_row
from accord.node.audit._demands import Demands
from accord.node.audit._partners import ACTOR, Partners
from accord.node.audit._witnessing import Foreseen, Witnessing
from accord.node.core._principal import Act
from accord.node.transfer._control import (
    Apply,
    Entry,
    Incoming,
    Received,
    Steps,
    about_no_item,
    authored_by,
    handle,
    signed_by,
)
from accord.node.transfer._services import ServiceBase, Services
from accord.store import LedgerCheckpointRow, SqlHashStore, WitnessCountersignatureRow, format_stamp

__all__ = ["WitnessIncoming"]

_NO_ITEM_MARK: Final = "LEDGER CHECKPOINT - NOT CMI"


class WitnessIncoming(ServiceBase):
    """The handlers of the witnessing messages a partner sends us."""

    def __init__(
        self, services: Services, partners: Partners, demands: Demands, witnessing: Witnessing
    ) -> None:
        """Serve the node behind ``services.ctx``, with the façade's partners, demands and witnessing."""
        super().__init__(services)
        self._partners = partners
        self._demands = demands
        self._witnessing = witnessing

    def countersignature(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str, now: datetime
    ) -> Incoming:
        """Check a partner's countersignature of one of our checkpoints (receiver's snapshot).

        Raises:
            InvalidInput: malformed, or about another node's ledger.
            PolicyDenied: the witness is not the sender.
            VerificationFailed: not signed by the sender, or a checkpoint we never signed.
        """
        return handle(
            header,
            plaintext,
            Steps(
                parse=Countersignature.parse,
                authenticate=signed_by(
                    Received(session, header, sender_party),
                    self._parties.signer,
                    lambda counter: (counter.witness, None),
                    "a node sends only its own countersignatures",
                    also=lambda counter: self._of_our_ledger(counter.checkpoint, "a countersignature of"),
                ),
                locate=lambda counter: session.get(LedgerCheckpointRow, counter.checkpoint.size),
                check=lambda counter, ours: _signed_here(
                    ours, counter.checkpoint, f"{header.sender} countersigns a checkpoint"
                ),
                apply=lambda write, counter, _, now: _file_countersignature(write, counter, now),
                journal="ledger.countersigned",
                receipt=lambda _, __, applied: self._receipt(applied, now),
            ),
        )

    def checkpoint(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str, now: datetime
    ) -> Incoming:
        """Check a partner's checkpoint statement in the receiver's snapshot.

        The signature is checked here, and so are the consistency proof and our countersignature
        made if the statement would be kept against the checkpoint this snapshot holds
        (:meth:`~._witnessing.Witnessing.foresee`); the comparison with the checkpoint held runs
        when it is applied, in the write transaction (two statements may come in one batch).

        Raises:
            InvalidInput: malformed.
            PolicyDenied: the checkpoint is not of the sender's ledger.
            VerificationFailed: not signed by the sender's pinned keys.
        """

        def apply(
            session: Session, statement: CheckpointStatement, foreseen: Foreseen | None, now: datetime
        ) -> list[Entry]:
            self._witnessing.witness(session, header, statement, now, foreseen)
            return []

        # The comparison decides what is journalled (``Witnessing.witness``): no one action here.
        return handle(
            header,
            plaintext,
            Steps(
                parse=CheckpointStatement.parse,
                authenticate=signed_by(
                    Received(session, header, sender_party),
                    self._parties.signer,
                    lambda statement: (statement.checkpoint.origin, None),
                    "a node offers only its own ledger's checkpoints",
                ),
                # The proof's check and our countersignature, before the write lock (issue 14).
                locate=lambda statement: self._witnessing.foresee(session, statement, now),
                check=None,
                apply=apply,
                journal=None,
                receipt=lambda _, __, applied: self._receipt(applied, now),
            ),
        )

    def proof_request(
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

        return handle(
            header,
            plaintext,
            Steps(
                parse=ProofRequest.parse,
                # No author to name: anyone we exchange with may ask; the envelope says who.
                authenticate=lambda request: self._of_our_ledger(request.checkpoint, "a proof request about"),
                locate=lambda request: session.get(LedgerCheckpointRow, request.checkpoint.size),
                check=lambda request, ours: _signed_here(
                    ours, request.checkpoint, f"{header.sender} asks for a proof to a checkpoint"
                ),
                apply=lambda write, request, _, now: self._answer_proof(write, header, request, now),
                journal="ledger.consistency",
                receipt=lambda _, __, applied: self._receipt(applied, now),
            ),
        )

    def gossip(
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

        def apply(session: Session, _: Gossip, checked: list[SignedCheckpoint], now: datetime) -> list[Entry]:
            for signed in checked:
                self._demands.compare_gossip(session, header, signed, now)
            return []

        # The comparison decides what is journalled (an alarm, a demand): no one action here.
        return handle(
            header,
            plaintext,
            Steps(
                parse=Gossip.parse,
                authenticate=authored_by(
                    header,
                    sender_party,
                    lambda gossip: (gossip.witness, None),
                    "a node gossips only what it holds itself",
                ),
                locate=lambda gossip: self._told_of_others(session, header, gossip),
                check=None,
                apply=apply,
                journal=None,
                receipt=lambda _, __, applied: self._receipt(applied, now),
            ),
        )

    # --- steps ---------------------------------------------------------------------------

    def _told_of_others(
        self, session: Session, header: EnvelopeHeader, gossip: Gossip
    ) -> list[SignedCheckpoint]:
        """Locate: the checkpoints told of other nodes we pin, each signed by its origin.

        Raises:
            VerificationFailed: not signed by its origin, or one of our own we never signed.
        """
        checked: list[SignedCheckpoint] = []
        for checkpoint, signature in gossip.checkpoints:
            signed = SignedCheckpoint(checkpoint, signature)
            try:
                _, keys = self._parties.signer(session, checkpoint.origin)
            except NotFound:
                continue  # a node we do not know: nothing to compare with
            signed.verify(keys)
            if checkpoint.origin == self._ctx.config.node_id:
                ours = session.get(LedgerCheckpointRow, checkpoint.size)
                if ours is None or ours.root != checkpoint.root.hex():
                    reason = (
                        f"{header.sender} holds a checkpoint of size {checkpoint.size} this node never signed"
                    )
                    own_fork(reason)
                    raise VerificationFailed(reason)
                continue
            checked.append(signed)
        return checked

    def _answer_proof(
        self, session: Session, header: EnvelopeHeader, request: ProofRequest, now: datetime
    ) -> Entry:
        """Apply a proof request: enqueue our checkpoint statement with the proof from the size asked."""
        checkpoint = request.checkpoint
        signature = checkpoint_from_row(session.get_one(LedgerCheckpointRow, checkpoint.size)).signature
        proof = MerkleTree(SqlHashStore(session)).consistency_proof(request.from_size, checkpoint.size)
        statement = CheckpointStatement(checkpoint, signature, request.from_size, tuple(proof))
        card = self._parties.card(session, header.sender)
        agreement = self._agreements.get_in(session, header.agreement_id)
        self._partners.send(session, statement, card, agreement, Act(ACTOR, now))
        return Entry({"to": header.sender, "from_size": request.from_size, "size": checkpoint.size})

    def _of_our_ledger(self, checkpoint: Checkpoint, what: str) -> None:
        """Authenticate: the checkpoint a message is about (``what`` it is) is of this node's ledger.

        Raises:
            InvalidInput: a checkpoint of another node's ledger.
        """
        if checkpoint.origin != self._ctx.config.node_id:
            raise InvalidInput(f"{what} the ledger of {checkpoint.origin}, not of this node")

    def _receipt(self, apply: Apply, now: datetime) -> Incoming:
        """The receipt of a message about no item (see :func:`._control.about_no_item`)."""
        me = self._ctx.config
        return about_no_item(me.scheme, me.node_id, _NO_ITEM_MARK, apply, now)


def _signed_here(ours: LedgerCheckpointRow | None, checkpoint: Checkpoint, told: str) -> None:
    """Check: a checkpoint of our own ledger that a partner names is one this node signed.

    Raises:
        VerificationFailed: ``told`` a checkpoint this node never signed (logged as our own fork).
    """
    if ours is None or (ours.root, ours.time) != (checkpoint.root.hex(), checkpoint.timestamp):
        reason = f"{told} of size {checkpoint.size} this node never signed"
        own_fork(reason)
        raise VerificationFailed(reason)


def _file_countersignature(session: Session, counter: Countersignature, now: datetime) -> Entry:
    """Apply a countersignature: keep it (once per witness and size), for the journal."""
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

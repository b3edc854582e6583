"""Sealing: one envelope to one partner node, into the durable outbox (Arts. 9–10).

Items and the consent, notice and witnessing messages about them travel the same way
(:func:`seal_into_outbox`, an :class:`Outgoing` envelope): a header naming the type, the
agreement and its suite (:func:`suite_of`), the precedence and the peer's next sequence
number; the payload sealed with HPKE to the peer's pinned key, bound to that header; one
``outbox`` row, pending, for the delivery worker. Nothing in the outbox is ever deleted:
receipted rows are the dissemination record.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.crypto import Suite, seal_envelope
from accord.exchange import EnvelopeHeader, IdentityCard, WireEnvelope, lane_of
from accord.items import Direction, OutboxState, Precedence
from accord.json_view import json_view
from accord.node.core._principal import Act
from accord.store import OutboxRepository, OutboxRow, SequenceRepository, format_stamp

__all__ = ["Outgoing", "Sent", "seal_into_outbox", "suite_of"]


def suite_of(agreement: Agreement) -> Suite:
    """The HPKE suite an agreement's envelopes use."""
    return Suite.CNSA2 if agreement.exchange_suite == "cnsa-2.0" else Suite.DEFAULT


@dataclass(frozen=True, slots=True)
class Outgoing:
    """One envelope to seal: its type, the node it goes to, under which agreement, and what it carries.

    Attributes:
        kind: The envelope type (``item``, ``consent-request``, ``checkpoint``…).
        card: The recipient node's pinned identity card (its HPKE key).
        agreement: The agreement it travels under (its suite: :func:`suite_of`).
        precedence: Its precedence, which picks the delivery lane.
        item_id: The item it is about, or :data:`~._control.NO_ITEM`.
        payload: The plaintext to seal.
        blobs: The attachments' blobs to upload before it (an item's), as
            ``{"blob_id", "size"}``.
    """

    kind: str
    card: IdentityCard
    agreement: Agreement
    precedence: Precedence
    item_id: str
    payload: bytes
    blobs: Sequence[dict[str, object]] = ()


@dataclass(frozen=True)
class Sent:
    """One envelope placed in the outbox."""

    message_id: str
    peer: str
    party: str
    agreement_id: str
    precedence: Precedence
    seq: int
    digest: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view (without the envelope digest)."""
        return json_view(self, leave_out={"digest"})


def seal_into_outbox(session: Session, sender: str, outgoing: Outgoing, act: Act) -> Sent:
    """Seal ``outgoing`` from node ``sender``, as ``act``; put it in the outbox."""
    card, agreement, precedence, now = outgoing.card, outgoing.agreement, outgoing.precedence, act.now
    suite = suite_of(agreement)
    seq = SequenceRepository(session).advance(card.node_id, Direction.OUT)
    header = EnvelopeHeader(
        type=outgoing.kind,
        suite=suite,
        sender=sender,
        recipient=card.node_id,
        message_id=f"msg-{uuid.uuid4().hex}",
        agreement_id=agreement.id,
        precedence=precedence,
        created=format_stamp(now),
        seq=seq,
    )
    header_bytes = header.to_bytes()
    envelope = WireEnvelope(
        header_bytes, seal_envelope(suite, card.hpke_public(suite), header_bytes, outgoing.payload)
    )
    OutboxRepository(session).add(
        OutboxRow(
            message_id=header.message_id,
            peer=card.node_id,
            peer_party=card.party,
            item_id=outgoing.item_id,
            kind=outgoing.kind,
            agreement_id=agreement.id,
            precedence=precedence.value,
            rank=precedence.rank,
            lane=lane_of(precedence),
            seq=seq,
            header=header_bytes,
            ciphertext=envelope.ciphertext,
            digest=envelope.digest(),
            blobs_json=json.dumps(list(outgoing.blobs)),
            status=OutboxState.PENDING,
            attempts=0,
            next_attempt_at=format_stamp(now),
            last_error="",
            created_at=format_stamp(now),
            sent_by=act.actor,
            receipted_at=None,
        )
    )
    return Sent(header.message_id, card.node_id, card.party, agreement.id, precedence, seq, envelope.digest())

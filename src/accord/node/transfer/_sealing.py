"""Sealing: one envelope to one partner node, into the durable outbox (Arts. 9–10).

Items and the consent, notice and witnessing messages about them travel the same way
(:func:`seal_into_outbox`): a header naming the type, the agreement and its suite
(:func:`suite_of`), the precedence and the peer's next sequence number; the payload sealed
with HPKE to the peer's pinned key, bound to that header; one ``outbox`` row, pending, for
the delivery worker. Nothing in the outbox is ever deleted: receipted rows are the
dissemination record.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.crypto import Suite, seal_envelope
from accord.exchange import EnvelopeHeader, IdentityCard, WireEnvelope, lane_of
from accord.items import Direction, OutboxState, Precedence
from accord.store import OutboxRepository, OutboxRow, SequenceRepository, format_stamp

__all__ = ["Sent", "seal_into_outbox", "suite_of"]


def suite_of(agreement: Agreement) -> Suite:
    """The HPKE suite an agreement's envelopes use."""
    return Suite.CNSA2 if agreement.exchange_suite == "cnsa-2.0" else Suite.DEFAULT


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
        """JSON-ready view."""
        return {
            "message_id": self.message_id,
            "peer": self.peer,
            "party": self.party,
            "agreement_id": self.agreement_id,
            "precedence": self.precedence.value,
            "seq": self.seq,
        }


def seal_into_outbox(
    session: Session,
    sender: str,
    *,
    kind: str,
    card: IdentityCard,
    agreement: Agreement,
    precedence: Precedence,
    item_id: str,
    payload: bytes,
    actor: str,
    now: datetime,
    blobs: Sequence[dict[str, object]] = (),
) -> Sent:
    """Seal one envelope of type ``kind`` from node ``sender`` to ``card``; put it in the outbox."""
    suite = suite_of(agreement)
    seq = SequenceRepository(session).advance(card.node_id, Direction.OUT)
    header = EnvelopeHeader(
        type=kind,
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
        header_bytes, seal_envelope(suite, card.hpke_public(suite), header_bytes, payload)
    )
    OutboxRepository(session).add(
        OutboxRow(
            message_id=header.message_id,
            peer=card.node_id,
            peer_party=card.party,
            item_id=item_id,
            kind=kind,
            agreement_id=agreement.id,
            precedence=precedence.value,
            rank=precedence.rank,
            lane=lane_of(precedence),
            seq=seq,
            header=header_bytes,
            ciphertext=envelope.ciphertext,
            digest=envelope.digest(),
            blobs_json=json.dumps(list(blobs)),
            status=OutboxState.PENDING,
            attempts=0,
            next_attempt_at=format_stamp(now),
            last_error="",
            created_at=format_stamp(now),
            sent_by=actor,
            receipted_at=None,
        )
    )
    return Sent(header.message_id, card.node_id, card.party, agreement.id, precedence, seq, envelope.digest())

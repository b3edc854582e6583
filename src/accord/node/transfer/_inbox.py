"""The inbox: every envelope accepted, with the receipt it was given (Arts. 9–10).

An envelope is received once: the inbox keeps its message id, digest and receipt, so the
same envelope again gets the same receipt (idempotent, however old it is by then) and
another envelope under the same message id is a replay (:func:`seen`). The highest
sequence number seen from each peer is kept beside it (:func:`record_arrival`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accord.errors import VerificationFailed
from accord.exchange import EnvelopeHeader, Receipt
from accord.items import Direction
from accord.store import InboxMessageRow, InboxRepository, SequenceRepository, format_stamp

__all__ = ["CheckedEnvelope", "given_before", "record_arrival", "seen"]


@dataclass(frozen=True)
class CheckedEnvelope:
    """An envelope that passed every check of its type, ready to be stored or applied.

    The base of :class:`~._acceptance.PreparedItem` and :class:`~._dispatch.PreparedControl`:
    the header, the envelope's digest, and the receipt it earns once committed.
    """

    header: EnvelopeHeader
    digest: str
    receipt: Receipt

    def given_meanwhile(self, session: Session, sender: str) -> Receipt | None:
        """The receipt already given for this envelope (committed by another connection), or None.

        Checked again under the write lock: the same envelope may have arrived meanwhile on
        another connection (a retry while the first attempt was still being checked).

        Raises:
            VerificationFailed: its message id was received before with other content (a replay).
        """
        return seen(session, sender, self.header.message_id, self.digest)


def seen(session: Session, sender: str, message_id: str, digest: str) -> Receipt | None:
    """The receipt already given for this message, or None if it is new.

    Raises:
        VerificationFailed: the message id was received before with other content (a replay).
    """
    return given_before(InboxRepository(session).get(sender, message_id), message_id, digest)


def given_before(row: InboxMessageRow | None, message_id: str, digest: str) -> Receipt | None:
    """:func:`seen` on an inbox row already read (a transmission's rows are read at once).

    Raises:
        VerificationFailed: the message id was received before with other content (a replay).
    """
    if row is None:
        return None
    if row.digest != digest:
        raise VerificationFailed(f"replay: message id {message_id} was already received with other content")
    return Receipt.from_dict(json.loads(row.receipt_json))


def record_arrival(session: Session, header: EnvelopeHeader, receipt: Receipt, now: datetime) -> None:
    """Keep an accepted envelope and the receipt it was given in the inbox; note the peer's sequence.

    The receipt names what the inbox keeps of it: the item and the envelope's digest.
    """
    sender = header.sender
    InboxRepository(session).add(
        InboxMessageRow(
            sender=sender,
            message_id=header.message_id,
            digest=receipt.envelope_digest,
            seq=header.seq,
            item_id=receipt.item_id,
            precedence=header.precedence.value,
            received_at=format_stamp(now),
            receipt_json=json.dumps(receipt.to_dict(), ensure_ascii=False, sort_keys=True),
        )
    )
    SequenceRepository(session).raise_to(sender, Direction.IN, header.seq)

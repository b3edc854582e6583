"""Control messages between nodes: envelopes about an item that are not the item itself.

Consent requests and decisions, revocations, classification notices (and later
accountability messages) travel as envelopes of their own type, through the outbox,
delivery and signed receipts like items. The receiving side hands each to the handler
registered for its type (:meth:`ReceivingService.register`): the handler checks it in the
receiver's read-only snapshot and returns an :class:`Incoming`, whose ``apply`` runs in
the write transaction that also records the message and its receipt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accord.exchange import EnvelopeHeader
from accord.markings import ConfidentialityLabel

__all__ = ["ControlHandler", "Incoming"]


@dataclass(frozen=True)
class Incoming:
    """A control message checked in the receiver's snapshot, ready to apply in its write transaction.

    ``item_id``, ``content_sha384``, ``label_sha384`` and ``label`` fill the receipt: the
    item the message is about, as this node holds it.
    """

    item_id: str
    content_sha384: str
    label_sha384: str
    label: ConfidentialityLabel
    apply: Callable[[Session, datetime], None]


ControlHandler = Callable[[Session, EnvelopeHeader, bytes, str, datetime], Incoming]
"""``(snapshot session, header, decrypted payload, sender's party, now) -> Incoming``; raises
an :class:`~accord.errors.AccordError` to refuse (the envelope is then quarantined)."""

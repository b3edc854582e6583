"""Control messages between nodes: envelopes about an item that are not the item itself.

Consent requests and decisions, revocations, classification notices (and later
accountability messages) travel as envelopes of their own type, through the outbox,
delivery and signed receipts like items. The receiving side hands each to the handler
registered for its type (:meth:`ReceivingService.register`): the handler checks it in the
receiver's read-only snapshot and returns an :class:`Incoming`, whose ``apply`` runs in
the write transaction that also records the message and its receipt.

A few control messages are about no item (a partner's ledger checkpoint and our
countersignature of it, :mod:`._witness`). Their outbox rows and receipts name the item
:data:`NO_ITEM`, which no item id can be (item ids match ``[a-z0-9][a-z0-9-]*``), and
their receipts the content digest :data:`NO_ITEM_SHA384`; the envelope digest alone binds
such a receipt to what was sent.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from sqlalchemy.orm import Session

from accord.exchange import EnvelopeHeader, label_digest
from accord.markings import ConfidentialityLabel, scheme
from accord.node.holdings._stored import stored_marking
from accord.store import ItemRow

__all__ = [
    "NO_ITEM",
    "NO_ITEM_SHA384",
    "WITNESS_ACTIONS",
    "WITNESS_TYPES",
    "ControlHandler",
    "Incoming",
    "about_item",
    "about_no_item",
]

WITNESS_TYPES = frozenset({"checkpoint", "countersignature", "proof-request", "gossip"})
"""The witnessing messages: the only exchange that does not itself call for a new checkpoint."""
WITNESS_ACTIONS = frozenset(
    {"ledger.publish", "ledger.witness", "ledger.countersigned", "ledger.consistency", "ledger.gossip"}
)
"""Journal actions of the witnessing itself. Leaves made only of these (and of the receipts
and refusals of messages about :data:`NO_ITEM`) are not offered to partners on their own:
otherwise each round of witnessing would call for the next, and idle nodes never rest
(issue 10). They are offered with the next checkpoint that holds anything else."""

NO_ITEM: Final = "(none)"
"""The item a control message about no item names in the outbox and in its receipt."""
NO_ITEM_SHA384: Final = hashlib.sha384(b"").hexdigest()
"""The content digest in the receipt of a control message about no item."""


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


def about_no_item(
    own_scheme: str, node_id: str, mark: str, apply: Callable[[Session, datetime], None], now: datetime
) -> Incoming:
    """The receipt of a message sent about :data:`NO_ITEM`: a label that says what it is.

    A receipt names a label (:class:`~accord.exchange.Receipt`); such a message is not CMI,
    so the label is the lowest level of our scheme with ``mark`` as its privacy mark.
    """
    label = ConfidentialityLabel(
        policy=own_scheme,
        classification=scheme(own_scheme).levels[-1].native,
        originator_id=node_id,
        creation_time=now,
        privacy_mark=mark,
    )
    return Incoming(NO_ITEM, NO_ITEM_SHA384, NO_ITEM_SHA384, label, apply)


def about_item(row: ItemRow, own_scheme: str, apply: Callable[[Session, datetime], None]) -> Incoming:
    """The receipt of a message about an item held here: the item as this node holds it.

    Raises:
        IntegrityError: the stored marking cannot be read.
    """
    marking = stored_marking(row)
    label = marking.for_scheme(own_scheme) or marking.originator
    return Incoming(row.id, row.content_sha384, label_digest(marking.originator), label, apply)

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

Every handler follows one template, :func:`handle` (authenticate → locate → check →
apply → journal → receipt), given its message type's :class:`Steps`; its docstring states
the invariants each handler keeps.
The small steps several handlers share (:func:`require_author`, :func:`verify_signed`,
:func:`originated_item`, :func:`originated_here`, :func:`same_version`, :func:`not_on_record`)
live here too, so that a refusal reads the same whichever message it refuses.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session

from accord.crypto import VerifyKeys
from accord.errors import Conflict, NotFound, PolicyDenied, VerificationFailed
from accord.exchange import EnvelopeHeader, label_digest
from accord.markings import ConfidentialityLabel, scheme
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act, Principal
from accord.node.holdings._stored import stored_marking
from accord.store import ItemRepository, ItemRow

__all__ = [
    "NO_ITEM",
    "NO_ITEM_SHA384",
    "WITNESS_ACTIONS",
    "WITNESS_TYPES",
    "Apply",
    "ControlHandler",
    "Entry",
    "Incoming",
    "Received",
    "Signed",
    "Signer",
    "Steps",
    "about_item",
    "about_no_item",
    "authored_by",
    "handle",
    "not_on_record",
    "originated_here",
    "originated_item",
    "receipt_of_item",
    "require_author",
    "same_version",
    "signed_by",
    "verify_signed",
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


Apply = Callable[[Session, datetime], None]
"""Applies a checked message in the write transaction that records it and its receipt."""


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
    apply: Apply


ControlHandler = Callable[[Session, EnvelopeHeader, bytes, str, datetime], Incoming]
"""``(snapshot session, header, decrypted payload, sender's party, now) -> Incoming``; raises
an :class:`~accord.errors.AccordError` to refuse (the envelope is then quarantined)."""


def about_no_item(own_scheme: str, node_id: str, mark: str, apply: Apply, now: datetime) -> Incoming:
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


def about_item(row: ItemRow, own_scheme: str, apply: Apply) -> Incoming:
    """The receipt of a message about an item held here: the item as this node holds it.

    Raises:
        IntegrityError: the stored marking cannot be read.
    """
    marking = stored_marking(row)
    return Incoming(
        row.id, row.content_sha384, label_digest(marking.originator), marking.label_in(own_scheme), apply
    )


def receipt_of_item(own_scheme: str) -> Callable[[object, ItemRow, Apply], Incoming]:
    """The receipt step of a message about the one item it located: :func:`about_item` of it."""
    return lambda _, row, applied: about_item(row, own_scheme, applied)


# --- the template ----------------------------------------------------------------------


@dataclass(frozen=True)
class Received:
    """What every step of one incoming control message may ask: the snapshot, envelope and sender.

    A handler keeps only its short steps inline; a longer step is a module function (its
    ``apply`` usually: what it writes and journals), or the steps are the methods of a small
    frozen subclass of this (one per message type, with whatever else they need), given to
    :func:`handle` as the fields of its :class:`Steps`. ``session`` is the receiver's read-only snapshot;
    ``apply`` is given the write session.
    """

    session: Session
    header: EnvelopeHeader
    sender_party: str

    @property
    def sender(self) -> str:
        """The sending node, as authenticated by the receiving side."""
        return self.header.sender


M = TypeVar("M")
"""The message, as parsed from the decrypted payload."""
T = TypeVar("T")
"""What the message is about, as located here (a row, several, or nothing)."""


@dataclass(frozen=True)
class Entry:
    """One journal row of an applied control message: its item (if any) and its detail.

    The action is the handler's (:func:`handle`'s ``journal``), the actor the sending
    peer (``peer:<node>``) and the outcome ``ok``: a refusal is journalled by the
    receiving side, not by the handler.
    """

    detail: dict[str, object] = field(default_factory=dict)
    item_id: str | None = None


@dataclass(frozen=True)
class Steps(Generic[M, T]):
    """The steps of one type of incoming control message, run by :func:`handle` in this order.

    ``parse`` the payload into message ``M``; ``authenticate`` its author (``None`` only as
    :func:`handle` says); ``locate`` what it is about (``T``); ``check`` the state found
    (``None``: nothing to check); ``apply`` it in the write transaction, returning its journal
    rows, written under action ``journal`` (``None``: applying records what it decides);
    give the ``receipt``.
    """

    parse: Callable[[bytes], M]
    authenticate: Callable[[M], None] | None
    locate: Callable[[M], T]
    check: Callable[[M, T], None] | None
    apply: Callable[[Session, M, T, datetime], Entry | Sequence[Entry]]
    journal: str | None
    receipt: Callable[[M, T, Apply], Incoming]


def handle(header: EnvelopeHeader, payload: bytes, steps: Steps[M, T]) -> Incoming:
    """The one skeleton of an incoming control message, step by step (``steps``).

    1. **parse** the decrypted payload into a valid message (``InvalidInput`` otherwise);
    2. **authenticate**: whoever the message names as its author is the envelope's
       sender (its signature and pinned keys were checked by the receiving side), and a
       message that carries its own signature is signed by that sender's pinned keys
       (:func:`require_author`, :func:`verify_signed`; together :func:`signed_by`).
       ``None`` only where the message names no author and the record it is about
       does: a consent decision answers our request (``check`` requires the
       originator it went to), a disposal request is about an item (``locate`` finds
       it only among those the sender originated);
    3. **locate** what the message is about in the receiver's snapshot (``NotFound``
       when it is not here, or not the sender's to speak of);
    4. **check** the state it finds: the same version of the item, the sender's
       standing, not already on record (``VerificationFailed``, ``PolicyDenied``,
       ``Conflict``);
    5. **apply** runs later, in the write transaction that records the message and its
       receipt: it changes state and returns the journal rows, which this template
       writes under one action (``journal``) with the sending peer as actor and ``ok``
       as outcome; ``journal`` is ``None`` only where applying decides what to record
       (witnessing: a comparison that agrees records nothing, a fork raises an alarm);
    6. **receipt**: the :class:`Incoming` names the item as this node holds it
       (:func:`about_item`) or :data:`NO_ITEM` (:func:`about_no_item`).

    Invariants: steps 1–4 and the receipt only read (the snapshot is read-only) and
    refuse by raising an :class:`~accord.errors.AccordError`, before anything is
    written, so a refused message is quarantined and journalled by the receiving side
    and the node keeps running; nothing of a message is applied without its journal
    rows and its receipt, in the same transaction.

    Raises:
        AccordError: the message is refused (any step but apply).
    """
    message = steps.parse(payload)
    if steps.authenticate is not None:
        steps.authenticate(message)
    target = steps.locate(message)
    if steps.check is not None:
        steps.check(message, target)
    actor = Principal.peer(header.sender).journal_name
    journal = steps.journal

    def applied(write: Session, now: datetime) -> None:
        entries = steps.apply(write, message, target, now)
        if journal is None:
            return
        for entry in [entries] if isinstance(entries, Entry) else entries:
            journal_done(write, Act(actor, now), journal, item_id=entry.item_id, detail=entry.detail)

    return steps.receipt(message, target, applied)


# --- steps several handlers share ---------------------------------------------------------


class Signed(Protocol):
    """A peer-facing format that carries its author's signature."""

    def verify(self, keys: VerifyKeys) -> None:
        """Raise ``VerificationFailed`` unless signed by ``keys``."""


Signer = Callable[[Session, str], tuple[str, VerifyKeys]]
"""``(session, node) -> (party, keys)``: a pinned node's keys (``PartyService.signer``)."""


def require_author(
    header: EnvelopeHeader, sender_party: str, *, node: str, party: str | None = None, denial: str
) -> None:
    """Authenticate: the node (and party, when the message names one) it names as author is the sender.

    Raises:
        PolicyDenied: ``denial``, when the message names another author.
    """
    if node != header.sender or (party is not None and party != sender_party):
        raise PolicyDenied(denial)


S = TypeVar("S", bound=Signed)


def authored_by(
    header: EnvelopeHeader, sender_party: str, author: Callable[[M], tuple[str, str | None]], denial: str
) -> Callable[[M], None]:
    """The authenticate step of a message that names its author and carries no signature of its own.

    ``author`` gives the node and party (or ``None``) the message names; see :func:`require_author`.
    """

    def authenticate(message: M) -> None:
        node, party = author(message)
        require_author(header, sender_party, node=node, party=party, denial=denial)

    return authenticate


def signed_by(
    received: Received,
    signer: Signer,
    author: Callable[[S], tuple[str, str | None]],
    denial: str,
    *,
    also: Callable[[S], None] | None = None,
) -> Callable[[S], None]:
    """The authenticate step of a signed message: named author first, then ``also``, then its signature.

    ``also`` checks what else the message must name before its signature is worth checking
    (this node as the one it is for); see :func:`require_author` and :func:`verify_signed`.
    """

    def authenticate(message: S) -> None:
        node, party = author(message)
        require_author(received.header, received.sender_party, node=node, party=party, denial=denial)
        if also is not None:
            also(message)
        verify_signed(received.session, signer, received.header, message)

    return authenticate


def verify_signed(session: Session, signer: Signer, header: EnvelopeHeader, message: Signed) -> None:
    """Authenticate: the message's own signature is the sender's, by its pinned keys.

    Raises:
        NotFound: the sender is not pinned here.
        VerificationFailed: not signed by the sender.
    """
    _, keys = signer(session, header.sender)
    message.verify(keys)


def originated_item(session: Session, item_id: str, originator: str, missing: str) -> ItemRow:
    """Locate: an item held here whose originator is ``originator``.

    Raises:
        NotFound: ``missing``, when there is no such item here.
    """
    row = ItemRepository(session).get(item_id)
    if row is None or row.originator_node != originator:
        raise NotFound(missing)
    return row


def originated_here(session: Session, item_id: str, named: str, own_node: str, missing: str) -> ItemRow:
    """Locate: an item this node (``own_node``) originated, of a message that names ``named`` its originator.

    Raises:
        NotFound: ``missing``, when the message names another originator or the item is not ours.
    """
    if named != own_node:
        raise NotFound(missing)
    return originated_item(session, item_id, own_node, missing)


def same_version(row: ItemRow, content_sha384: str, refusal: str) -> None:
    """Check: the message is about the version of the item held here.

    Raises:
        VerificationFailed: ``refusal``, for another version.
    """
    if row.content_sha384 != content_sha384:
        raise VerificationFailed(refusal)


def not_on_record(found: object | None, refusal: str) -> None:
    """Check: the message was not applied before (``found``, its record looked up by key, is ``None``).

    The caller looks the record up in its table's repository (``accord.store``).

    Raises:
        Conflict: ``refusal``, when it is already on record.
    """
    if found is not None:
        raise Conflict(refusal)

"""Holding what was accepted: store the item, record the consent, journal (Arts. 4, 6, 11).

:meth:`ItemHolding.commit` stores a :class:`~._acceptance.PreparedItem` in the write
transaction: the holding with the originator's label untouched and our alternative label
added, sealed under a new item key (the same item by another message stays one holding);
the inbox row and receipt; ``item.receive`` in the journal. An item passed on to us under
the originator's consent is acknowledged to the originator too: a signed
``consent-receipt`` goes in our outbox in the same transaction, so the originator's
dissemination record names us as a holder (Art. 6).

:meth:`ItemHolding.commit_many` does the same for a run of items received directly from
their originator (no consent to record), with one statement per table instead of ORM
objects, a savepoint and two lookups per item: the rows are drafted before the write lock
is taken (:meth:`ItemHolding.draft`: the content sealed under its new key, the search
index rows), and the lookups that decide (received before? a replay? the same item held
already, or another with its id?) are one ``IN (...)`` query each for the whole run.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accord.canonical import format_time
from accord.crypto import new_data_key
from accord.errors import AccordError, Conflict, VerificationFailed
from accord.exchange import (
    UNSIGNED,
    ConsentReceipt,
    ConsentToken,
    Receipt,
    Transmission,
    new_consent_receipt_id,
)
from accord.items import Direction, HoldingState, Precedence
from accord.node.core._context import NodeContext
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.holdings._access_keys import access_key, keep_access_key
from accord.node.holdings._consent_book import record_held
from accord.node.holdings._search_index import SearchIndex
from accord.node.holdings._vault import seal_content, wrap_blob_key, wrap_item_key
from accord.node.registry._parties import PartyService
from accord.node.transfer._acceptance import PreparedItem
from accord.node.transfer._inbox import record_arrival
from accord.node.transfer._sealing import Outgoing
from accord.node.transfer._sending import SendingService
from accord.store import (
    AttachmentRow,
    InboxRepository,
    ItemRepository,
    ItemRow,
    NewEvent,
    SearchDoc,
    SequenceRepository,
    add_search_docs,
    append_events,
    format_stamp,
    remember_access_key,
)

__all__ = ["HoldingDraft", "ItemHolding"]


@dataclass(frozen=True)
class HoldingDraft:
    """The rows that holding one checked item writes, made before the write lock is taken.

    Attributes:
        prepared: The checked item.
        item: The columns of its ``items`` row (content sealed under a new item key).
        attachments: The columns of its ``attachments`` rows.
        access: The digest and text of its marking's access key.
        search: Its search index rows.
    """

    prepared: PreparedItem
    item: dict[str, object]
    attachments: list[dict[str, object]]
    access: tuple[str, str]
    search: SearchDoc


class ItemHolding:
    """Store accepted items (the write half of receiving an item)."""

    def __init__(self, ctx: NodeContext, parties: PartyService, sending: SendingService) -> None:
        """Hold items for the node behind ``ctx``."""
        self._ctx = ctx
        self._parties = parties
        self._sending = sending

    def commit(self, session: Session, tx: Transmission, prepared: PreparedItem, now: datetime) -> Receipt:
        """Store a checked item, its inbox row and journal entry; return its receipt.

        Raises:
            Conflict: an item with this id but other content is already held.
        """
        header, payload, receipt = prepared.header, prepared.payload, prepared.receipt
        earlier = prepared.given_meanwhile(session, tx.sender)
        if earlier is not None:
            return earlier
        self._hold(session, prepared, tx.sender, now)
        if payload.consent is not None:
            record_held(session, payload.consent, tx.sender)
            if payload.originator_node != tx.sender:  # passed on under the consent (checked above)
                self._acknowledge_consent(session, prepared, payload.consent, tx.sender, now)
        label, alternative = prepared.marking.originator, prepared.marking.alternatives[0]
        record_arrival(session, header, receipt, now)
        journal_done(
            session,
            Act(f"peer:{tx.sender}", now),
            "item.receive",
            item_id=payload.item_id,
            detail={
                "message_id": header.message_id,
                "from": tx.sender,
                "agreement_id": prepared.agreement_id,
                "classification": label.classification,
                "alternative": alternative.classification,
                "precedence": header.precedence.value,
                "kind": prepared.payload.content.kind.value,
                "digest": prepared.digest,
            },
        )
        session.flush()
        return receipt

    def draft(self, prepared: PreparedItem, sender: str, now: datetime, index: SearchIndex) -> HoldingDraft:
        """Make the rows of a checked item received directly from its originator (no I/O)."""
        payload, marking = prepared.payload, prepared.marking
        item_key = new_data_key()
        key = access_key(marking)
        digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
        stamp = format_stamp(now)
        item: dict[str, object] = {
            "id": payload.item_id,
            "kind": payload.content.kind.value,
            "originator_party": payload.originator_party,
            "originator_node": payload.originator_node,
            "precedence": prepared.header.precedence.value,
            "marking_json": marking.canonical_bytes().decode("utf-8"),
            "access_key": digest,
            "content_sealed": seal_content(item_key, payload.content.canonical_bytes(), payload.item_id),
            "wrapped_key": wrap_item_key(self._ctx.data_key, item_key, payload.item_id),
            "content_sha384": payload.content.sha384(),
            "binding_json": json.dumps(payload.binding.to_dict(), sort_keys=True),
            "created_by": f"peer:{sender}",
            "created_at": stamp,
            "status": HoldingState.HELD.value,
            "received_from": sender,
            "received_at": stamp,
        }
        attachments: list[dict[str, object]] = [
            {
                "item_id": payload.item_id,
                "position": position,
                "name": manifest.ref.name,
                "media_type": manifest.ref.media_type,
                "size": manifest.ref.size,
                "sha384": manifest.ref.sha384,
                "blob_id": manifest.blob_id,
                "wrapped_key": wrap_blob_key(item_key, manifest.key, payload.item_id, position),
            }
            for position, manifest in enumerate(payload.attachments)
        ]
        names = [m.ref.name for m in payload.attachments]
        search = index.item_doc(payload.item_id, marking, payload.content, names)
        return HoldingDraft(prepared, item, attachments, (digest, key), search)

    def commit_many(
        self, session: Session, tx: Transmission, drafts: Sequence[HoldingDraft], now: datetime
    ) -> list[Receipt | AccordError]:
        """Hold a run of drafted items in the caller's transaction; each one's receipt or refusal.

        :meth:`commit`'s decisions (receipt again, replay, one holding, conflict) with one query
        for the run. A refused item writes nothing; the caller quarantines it.
        """
        sender = tx.sender
        inbox = InboxRepository(session)
        items = ItemRepository(session)
        earlier = inbox.among(sender, [d.prepared.header.message_id for d in drafts])
        held = items.origins({d.prepared.payload.item_id for d in drafts})
        taken: dict[str, tuple[str, Receipt]] = {}  # message ids accepted in this run
        outcomes: list[Receipt | AccordError] = []
        new_items: list[dict[str, object]] = []
        attachments: list[dict[str, object]] = []
        docs: list[SearchDoc] = []
        access: dict[str, str] = {}
        arrivals: list[dict[str, object]] = []
        events: list[NewEvent] = []
        top_seq = 0
        stamp = format_stamp(now)
        for draft in drafts:
            prepared = draft.prepared
            header, payload = prepared.header, prepared.payload
            before = earlier.get(header.message_id)
            if before is not None or header.message_id in taken:
                first = (
                    (before.digest, Receipt.from_dict(json.loads(before.receipt_json))) if before else None
                )
                outcomes.append(_again(prepared, first or taken[header.message_id]))
                continue
            origin = held.get(payload.item_id)
            if origin is not None:
                if origin != (payload.originator_node, payload.content.sha384()):
                    outcomes.append(Conflict(f"an item {payload.item_id} with other content is already held"))
                    continue
            else:  # the same item by another message: one holding
                held[payload.item_id] = (payload.originator_node, payload.content.sha384())
                new_items.append(draft.item)
                attachments.extend(draft.attachments)
                docs.append(draft.search)
                access.setdefault(*draft.access)
            receipt = prepared.receipt
            taken[header.message_id] = (prepared.digest, receipt)
            arrivals.append(_arrival(sender, prepared, stamp))
            top_seq = max(top_seq, header.seq)
            events.append(self._received(prepared, sender, now))
            outcomes.append(receipt)
        # Always written (an insert that ignores a present row), as keep_access_key does.
        for digest, key in access.items():
            remember_access_key(session, digest, key)
        items.add_many(new_items, attachments)
        add_search_docs(session, docs)
        inbox.add_many(arrivals)
        if arrivals:
            SequenceRepository(session).raise_to(sender, Direction.IN, top_seq)
        append_events(session, events)
        return outcomes

    @staticmethod
    def _received(prepared: PreparedItem, sender: str, now: datetime) -> NewEvent:
        """The journal entry ``item.receive`` of a held item (as :meth:`commit` writes it)."""
        label, alternative = prepared.marking.originator, prepared.marking.alternatives[0]
        return NewEvent(
            at=now,
            actor=f"peer:{sender}",
            action="item.receive",
            outcome="ok",
            item_id=prepared.payload.item_id,
            detail={
                "message_id": prepared.header.message_id,
                "from": sender,
                "agreement_id": prepared.agreement_id,
                "classification": label.classification,
                "alternative": alternative.classification,
                "precedence": prepared.header.precedence.value,
                "kind": prepared.payload.content.kind.value,
                "digest": prepared.digest,
            },
        )

    def _acknowledge_consent(
        self, session: Session, prepared: PreparedItem, token: ConsentToken, sender: str, now: datetime
    ) -> None:
        """Tell the originator we received its item under its consent (Art. 6).

        A signed :class:`~accord.exchange.ConsentReceipt` in our outbox, in the transaction
        that holds the item: the originator's dissemination record then names this node as
        holding it, as its outbox does for the nodes it provided the item to itself, and its
        reconciliation of our holdings summary finds the item on record. It travels under
        the agreement with the originator that our label of the item was translated under
        (the one under which we protect it, Art. 4), which always has the originator as a
        party; being about CMI held, it still travels after that agreement has ended
        (``ABOUT_HELD``, Art. 21).
        """
        header, me = prepared.header, self._ctx.config
        receipt = ConsentReceipt(
            receipt_id=new_consent_receipt_id(),
            token_id=token.token_id,
            item_id=token.item_id,
            content_sha384=token.content_sha384,
            originator_node=token.originator_node,
            holder_party=token.holder_party,
            holder_node=sender,
            third_party=me.party,
            third_party_node=me.node_id,
            message_id=header.message_id,
            received_at=format_time(now),
            signature=UNSIGNED,
        ).signed_with(self._ctx.keys)
        sent = self._sending.enqueue(
            session,
            Outgoing(
                kind="consent-receipt",
                card=self._parties.card(session, token.originator_node),
                agreement=prepared.translator,
                precedence=Precedence.ROUTINE,
                item_id=token.item_id,
                payload=receipt.to_bytes(),
            ),
            Act(f"peer:{sender}", now),
        )
        journal_done(
            session,
            Act(f"peer:{sender}", now),
            "consent.receipt.send",
            item_id=token.item_id,
            detail={
                "receipt_id": receipt.receipt_id,
                "token_id": token.token_id,
                "to": token.originator_node,
                "message_id": sent.message_id,
                "received_in": header.message_id,
            },
        )

    def _hold(self, session: Session, prepared: PreparedItem, sender: str, now: datetime) -> None:
        payload, marking = prepared.payload, prepared.marking
        items = ItemRepository(session)
        existing = items.get(payload.item_id)
        if existing is not None:
            if existing.originator_node != payload.originator_node or (
                existing.content_sha384 != payload.content.sha384()
            ):
                raise Conflict(f"an item {payload.item_id} with other content is already held")
            return  # the same item by another message: one holding
        item_key = new_data_key()
        items.add(
            ItemRow(
                id=payload.item_id,
                kind=payload.content.kind.value,
                originator_party=payload.originator_party,
                originator_node=payload.originator_node,
                precedence=prepared.header.precedence.value,
                marking_json=marking.canonical_bytes().decode("utf-8"),
                access_key=keep_access_key(session, marking),
                content_sealed=seal_content(item_key, payload.content.canonical_bytes(), payload.item_id),
                wrapped_key=wrap_item_key(self._ctx.data_key, item_key, payload.item_id),
                content_sha384=payload.content.sha384(),
                binding_json=json.dumps(payload.binding.to_dict(), sort_keys=True),
                created_by=f"peer:{sender}",
                created_at=format_stamp(now),
                status=HoldingState.HELD,
                received_from=sender,
                received_at=format_stamp(now),
            ),
            [
                AttachmentRow(
                    item_id=payload.item_id,
                    position=position,
                    name=manifest.ref.name,
                    media_type=manifest.ref.media_type,
                    size=manifest.ref.size,
                    sha384=manifest.ref.sha384,
                    blob_id=manifest.blob_id,
                    wrapped_key=wrap_blob_key(item_key, manifest.key, payload.item_id, position),
                )
                for position, manifest in enumerate(payload.attachments)
            ],
        )
        names = [m.ref.name for m in payload.attachments]
        SearchIndex(self._ctx).index_item(session, items.require(payload.item_id), payload.content, names)


def _again(prepared: PreparedItem, first: tuple[str, Receipt]) -> Receipt | AccordError:
    """An envelope whose message id came before (``first``: that one's digest and receipt).

    Returns:
        The first receipt again if the content is the same, else a replay refusal.
    """
    digest, receipt = first
    if digest == prepared.digest:
        return receipt
    return VerificationFailed(
        f"replay: message id {prepared.header.message_id} was already received with other content"
    )


def _arrival(sender: str, prepared: PreparedItem, stamp: str) -> dict[str, object]:
    """The ``inbox_messages`` row of a held envelope (for a bulk insert)."""
    header, receipt = prepared.header, prepared.receipt
    return {
        "sender": sender,
        "message_id": header.message_id,
        "digest": receipt.envelope_digest,
        "seq": header.seq,
        "item_id": receipt.item_id,
        "precedence": header.precedence.value,
        "received_at": stamp,
        "receipt_json": json.dumps(receipt.to_dict(), ensure_ascii=False, sort_keys=True),
    }

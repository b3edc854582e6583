"""Holding what was accepted: store the item, record the consent, journal (Arts. 4, 6, 11).

:meth:`ItemHolding.commit` stores a :class:`~._acceptance.PreparedItem` in the write
transaction: the holding with the originator's label untouched and our alternative label
added, sealed under a new item key (the same item by another message stays one holding);
the inbox row and receipt; ``item.receive`` in the journal. An item passed on to us under
the originator's consent is acknowledged to the originator too: a signed
``consent-receipt`` goes in our outbox in the same transaction, so the originator's
dissemination record names us as a holder (Art. 6).
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from accord.canonical import format_time
from accord.crypto import new_data_key
from accord.errors import Conflict
from accord.exchange import (
    UNSIGNED,
    ConsentReceipt,
    ConsentToken,
    Receipt,
    Transmission,
    new_consent_receipt_id,
)
from accord.items import HoldingState, Precedence
from accord.node.core._context import NodeContext
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.holdings._access_keys import keep_access_key
from accord.node.holdings._consent_book import record_held
from accord.node.holdings._search_index import SearchIndex
from accord.node.holdings._vault import seal_content, wrap_blob_key, wrap_item_key
from accord.node.registry._parties import PartyService
from accord.node.transfer._acceptance import PreparedItem
from accord.node.transfer._inbox import record_arrival, seen
from accord.node.transfer._sealing import Outgoing
from accord.node.transfer._sending import SendingService
from accord.store import AttachmentRow, ItemRepository, ItemRow, format_stamp

__all__ = ["ItemHolding"]


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
        header, digest, payload, receipt = (
            prepared.header,
            prepared.digest,
            prepared.payload,
            prepared.receipt,
        )
        # Checked again under the write lock: the same envelope may have arrived meanwhile
        # on another connection (a retry while the first attempt was still being checked).
        earlier = seen(session, tx.sender, header.message_id, digest)
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
                "digest": digest,
            },
        )
        session.flush()
        return receipt

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

"""Receipts that come back: matched to what was sent, kept with their signed batch (Arts. 9–10).

:func:`store_receipts` checks each receipt of a verified batch against the outbox row it
answers (same peer, same envelope digest, same item and content digest, one we sent in
this transmission), marks the row ``receipted``, and keeps the receipts not kept before,
each referring to the signed batch (stored once) and journalled ``item.receipted``.
"""

from __future__ import annotations

import json
from datetime import datetime

from sqlalchemy.orm import Session

from accord.errors import TransportError
from accord.exchange import Receipt, ReceiptBatch
from accord.items import OutboxState
from accord.node.transfer._backoff import note_accepted
from accord.node.transfer._control import NO_ITEM, NO_ITEM_SHA384
from accord.node.transfer._delivery_journal import delivery_event
from accord.store import (
    ItemRepository,
    OutboxRepository,
    OutboxRow,
    ReceiptBatchRow,
    ReceiptRepository,
    ReceiptRow,
    append_event,
    format_stamp,
)

__all__ = ["store_receipts"]


def store_receipts(
    session: Session, peer: str, batch: ReceiptBatch, expected: set[str], now: datetime
) -> int:
    """Match and keep the receipts of ``batch`` from ``peer``; return how many it holds.

    Raises:
        TransportError: a receipt answers a message we did not send in this transmission,
            or does not match what was sent.
    """
    fresh = _match(session, peer, batch, expected, now)
    if fresh:
        _keep(session, peer, batch, fresh, now)
    return len(batch.receipts)


def _match(
    session: Session, peer: str, batch: ReceiptBatch, expected: set[str], now: datetime
) -> list[tuple[Receipt, OutboxRow]]:
    """Check every receipt against its outbox row, mark the row receipted; return those not kept yet."""
    ids = [r.message_id for r in batch.receipts]
    rows = OutboxRepository(session).by_ids(ids)
    item_ids = {r.item_id for r in rows.values()}
    digests = ItemRepository(session).digests(item_ids)
    stored = ReceiptRepository(session).kept_among(ids)
    fresh = []
    for receipt in batch.receipts:
        row = rows.get(receipt.message_id)
        if row is None or row.peer != peer or receipt.message_id not in expected:
            raise TransportError(
                f"receipt for a message we did not send in this transmission: {receipt.message_id}"
            )
        if (
            receipt.envelope_digest != row.digest
            or receipt.item_id != row.item_id
            or receipt.content_sha384
            != (NO_ITEM_SHA384 if row.item_id == NO_ITEM else digests.get(row.item_id))
        ):
            raise TransportError(f"receipt for {receipt.message_id} does not match what was sent")
        if row.status != OutboxState.RECEIPTED:
            row.status = OutboxState.RECEIPTED
            row.receipted_at = format_stamp(now)
            note_accepted(session, row)
        if receipt.message_id not in stored:
            fresh.append((receipt, row))
    return fresh


def _keep(
    session: Session, peer: str, batch: ReceiptBatch, fresh: list[tuple[Receipt, OutboxRow]], now: datetime
) -> None:
    """Keep the batch once and each new receipt referring to it; journal ``item.receipted``."""
    # The batch is stored once; each receipt refers to it (its signature is there).
    receipts = ReceiptRepository(session)
    if not receipts.has_batch(batch.id):
        receipts.add_batch(
            ReceiptBatchRow(
                id=batch.id,
                peer=peer,
                transmission_id=batch.transmission_id,
                batch_json=batch.to_bytes().decode("utf-8"),
                stored_at=format_stamp(now),
            )
        )
    for receipt, row in fresh:
        receipts.add(
            ReceiptRow(
                message_id=receipt.message_id,
                item_id=row.item_id,
                peer=peer,
                receipt_json=json.dumps(receipt.to_dict(), ensure_ascii=False, sort_keys=True),
                batch_id=batch.id,
                stored_at=format_stamp(now),
            )
        )
        alternative = receipt.alternative_label.classification
        append_event(
            session,
            delivery_event(row, "item.receipted", "ok", now, {"alternative": alternative}),
            flush=False,
        )

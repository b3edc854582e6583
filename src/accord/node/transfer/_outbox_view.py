"""The outbox as an officer sees it: each envelope's age against its objective (Arts. 9–10).

Refused background messages of one kind to one peer are shown as one entry (the newest)
with their count (:func:`~._backoff.background_kind`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from accord.canonical import parse_time
from accord.errors import NotFound
from accord.exchange import ReceiptBatch
from accord.items import OutboxState, Precedence
from accord.node.core._context import NodeContext
from accord.node.transfer._backoff import background_kind
from accord.node.transfer._control import NO_ITEM
from accord.store import ItemRepository, OutboxRepository, OutboxRow, ReceiptRepository

__all__ = ["OutboxEntry", "OutboxReader", "outbox_entries"]


@dataclass(frozen=True)
class OutboxEntry:
    """One outbox row as an officer sees it."""

    message_id: str
    item_id: str
    peer: str
    party: str
    precedence: Precedence
    status: str
    attempts: int
    created_at: str
    age: timedelta
    overdue: bool
    last_error: str
    count: int = 1
    """How many envelopes the entry stands for: refused background messages of one kind to
    one peer are shown as one entry (the newest), with their count."""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view; ``item_id`` is null for a message about no item (witnessing, consents)."""
        return {
            "message_id": self.message_id,
            "item_id": None if self.item_id == NO_ITEM else self.item_id,
            "peer": self.peer,
            "party": self.party,
            "precedence": self.precedence.value,
            "status": self.status,
            "attempts": self.attempts,
            "created_at": self.created_at,
            "age_seconds": int(self.age.total_seconds()),
            "objective_seconds": int(self.precedence.objective.total_seconds()),
            "overdue": self.overdue,
            "last_error": self.last_error,
            "count": self.count,
        }


def outbox_entries(session: Session, now: datetime, *, include_done: bool = False) -> list[OutboxEntry]:
    """Envelopes not yet receipted (or all), most urgent first, with age against objective."""
    out: list[OutboxEntry] = []
    grouped: dict[tuple[str, str], int] = {}  # (peer, kind) -> index in out
    for row in OutboxRepository(session).listing(include_done=include_done):
        kind = background_kind(row) if row.status == OutboxState.REJECTED else None
        if kind is not None and (row.peer, kind) in grouped:
            # Refused background messages of one kind to one peer: one entry, the newest.
            at = grouped[row.peer, kind]
            shown = out[at]
            if row.created_at > shown.created_at:
                shown = _entry(row, now)
            out[at] = replace(shown, count=out[at].count + 1)
            continue
        if kind is not None:
            grouped[row.peer, kind] = len(out)
        out.append(_entry(row, now))
    return out


def _entry(row: OutboxRow, now: datetime) -> OutboxEntry:
    """One row as an officer sees it: its age against its precedence's objective."""
    precedence = Precedence(row.precedence)
    end = parse_time(row.receipted_at) if row.receipted_at else now
    age = end - parse_time(row.created_at)
    return OutboxEntry(
        message_id=row.message_id,
        item_id=row.item_id,
        peer=row.peer,
        party=row.peer_party,
        precedence=precedence,
        status=row.status,
        attempts=row.attempts,
        created_at=row.created_at,
        age=age,
        overdue=row.status != OutboxState.RECEIPTED and age > precedence.objective,
        last_error=row.last_error,
    )


class OutboxReader:
    """What the sender reads of its outbox and receipts (the base of ``DeliveryService``)."""

    _ctx: NodeContext

    def peers_with_pending(self) -> list[tuple[str, str]]:
        """(peer, lane) pairs that have pending envelopes."""
        with self._ctx.db.transaction(read_only=True) as session:
            return OutboxRepository(session).pending_lanes()

    def pending_count(self) -> int:
        """How many envelopes wait for a receipt."""
        with self._ctx.db.transaction(read_only=True) as session:
            return OutboxRepository(session).pending_count()

    def seconds_until_due(self, peer: str, lane: str) -> float | None:
        """Seconds until the next pending envelope of ``peer`` in ``lane`` is due (<= 0: now; None: none)."""
        with self._ctx.db.transaction(read_only=True) as session:
            stamp = OutboxRepository(session).next_attempt(peer, lane)
        if stamp is None:
            return None
        return (datetime.fromisoformat(stamp) - self._ctx.now()).total_seconds()

    def receipt_batch(self, message_id: str) -> ReceiptBatch:
        """The signed batch a stored receipt came in (to verify it again, or show a partner).

        Raises:
            NotFound: no receipt for that message.
        """
        with self._ctx.db.transaction(read_only=True) as session:
            receipts = ReceiptRepository(session)
            row = receipts.get(message_id)
            if row is None:
                raise NotFound(f"no receipt for message {message_id!r}")
            return ReceiptBatch.parse(receipts.batch(row.batch_id).batch_json)

    # --- views --------------------------------------------------------------------------

    def outbox(self, *, include_done: bool = False) -> list[OutboxEntry]:
        """Envelopes not yet receipted (or all), most urgent first, with age against objective."""
        now = self._ctx.now()
        with self._ctx.db.transaction(read_only=True) as session:
            return outbox_entries(session, now, include_done=include_done)

    def receipts(self, item_id: str) -> list[dict[str, object]]:
        """The signed receipts partners gave for an item.

        Raises:
            NotFound: no item ``item_id`` at this node, and no receipt for it.
        """
        with self._ctx.db.transaction(read_only=True) as session:
            rows = ReceiptRepository(session).for_item(item_id)
            # Receipts outlive nothing but their item's row: none, and no item, is a mistyped id.
            if not rows and not ItemRepository(session).found([item_id]):
                raise NotFound(f"no item {item_id!r} at this node")
            return [{**json.loads(r.receipt_json), "peer": r.peer, "stored_at": r.stored_at} for r in rows]

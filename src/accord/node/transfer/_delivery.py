"""Delivery: from the outbox to a peer, by precedence, with receipts and backoff.

One call of :meth:`DeliveryService.deliver_once` takes the most urgent pending envelopes
of one peer in one lane (FLASH alone, at once; the other lanes in batches), uploads any
attachment blobs the peer does not yet hold (resuming where it stopped), sends one signed
transmission, and records the signed receipts that come back. A peer that cannot be
reached leaves the envelopes pending with exponential backoff and jitter; nothing is
dropped: an envelope the peer rejects is marked ``rejected`` and stays visible.

The worker (``_worker.py``) runs one loop per peer and lane, each with its own connection,
so a FLASH report never waits behind a ROUTINE batch or an imagery upload.

Background messages (the ledger witnessing, :data:`~._control.WITNESS_TYPES`) that a peer
refuses — two nodes that disagree on an agreement's state refuse each other's — are not
made again and again: each refusal backs that peer and kind off exponentially
(:func:`backed_off`, ``background_backoff``; the officer is told once, in the log and the
journal), and a receipt for one ends it. The outbox shows such refusals as one entry with
a count.
"""

from __future__ import annotations

import json
import logging
import random
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from accord.canonical import parse_time
from accord.errors import AccordError, NotFound, TransportError
from accord.exchange import PeerUnavailable, ReceiptBatch, Transmission, WireEnvelope
from accord.items import Precedence
from accord.node.core._context import NodeContext
from accord.node.registry._agreements import AgreementService
from accord.node.registry._parties import PartyService
from accord.node.transfer._control import NO_ITEM, NO_ITEM_SHA384, WITNESS_TYPES
from accord.node.transfer._departure import hold_what_may_not_leave
from accord.store import (
    BackgroundBackoffRow,
    ItemRow,
    OutboxRow,
    ReceiptBatchRow,
    ReceiptRow,
    append_event,
    format_stamp,
)

__all__ = [
    "LANES",
    "DeliveryResult",
    "DeliveryService",
    "OutboxEntry",
    "PeerTransport",
    "backed_off",
    "background_backoff",
    "backoff",
]

log = logging.getLogger("accord.delivery")

LANES = ("flash", "priority", "routine")
_BATCH = {"flash": 1, "priority": 50, "routine": 200}
_MAX_BACKOFF = 300.0
_BACKGROUND_FIRST = 10.0
_BACKGROUND_MAX = 6 * 3600.0
# ``last_error`` of an envelope that waits because the peer could not be reached.
_WAITING_FOR_PEER = f"{PeerUnavailable.__name__}: %"


class PeerTransport(Protocol):
    """What delivery needs from a connection to one peer (``accord.exchange.PeerClient``)."""

    def post_transmission(self, body: bytes) -> bytes: ...

    def blob_status(self, blob_id: str) -> int: ...

    def put_blob(self, blob_id: str, offset: int, total: int, pieces: Iterable[bytes]) -> int: ...


def backoff(attempts: int, rand: Callable[[], float] = random.random) -> timedelta:
    """Exponential backoff with jitter: about 2^attempts seconds (± 50 %), never over 5 minutes."""
    base = min(2.0 ** max(attempts, 0), _MAX_BACKOFF)
    return timedelta(seconds=min(base * (0.5 + rand()), _MAX_BACKOFF))


def background_backoff(refused: int) -> timedelta:
    """How long a peer that refused ``refused`` background messages of a kind in a row is left alone.

    10 s after the first, doubling with each (20 s, 40 s, …), never over 6 hours.
    """
    return timedelta(seconds=min(_BACKGROUND_FIRST * 2.0 ** max(refused - 1, 0), _BACKGROUND_MAX))


def backed_off(session: Session, peer: str, kind: str, now: datetime) -> bool:
    """Whether background messages of ``kind`` to ``peer`` wait, after the peer refused the last ones."""
    row = session.get(BackgroundBackoffRow, (peer, kind))
    return row is not None and parse_time(row.until) > now


def _kind(row: OutboxRow) -> str | None:
    """The type of a background message (one about no item), else None."""
    return row.kind if row.item_id == NO_ITEM else None


def _refused(session: Session, row: OutboxRow, now: datetime) -> bool:
    """Note that ``peer`` refused a background message; True if it is the first of a run (tell once)."""
    kind = _kind(row)
    if kind is None:
        return True
    backoff_row = session.get(BackgroundBackoffRow, (row.peer, kind))
    stamp = format_stamp(now)
    if backoff_row is None:
        session.add(
            BackgroundBackoffRow(
                peer=row.peer,
                kind=kind,
                refused=1,
                first_at=stamp,
                last_at=stamp,
                until=format_stamp(now + background_backoff(1)),
            )
        )
        log.warning(
            "%s refuses our %s messages (the reason is in its quarantine): backing off; "
            "they resume when it accepts one",
            row.peer,
            kind,
        )
        return True
    backoff_row.refused += 1
    backoff_row.last_at = stamp
    backoff_row.until = format_stamp(now + background_backoff(backoff_row.refused))
    return False


def _accepted(session: Session, row: OutboxRow) -> None:
    """A peer receipted a background message: what it refused before is over."""
    kind = _kind(row)
    if kind is None:
        return
    backoff_row = session.get(BackgroundBackoffRow, (row.peer, kind))
    if backoff_row is not None:
        session.delete(backoff_row)
        log.warning("%s accepts our %s messages again", row.peer, kind)


@dataclass(frozen=True)
class DeliveryResult:
    """What one delivery attempt did."""

    sent: int = 0
    receipted: int = 0
    rejected: int = 0
    error: str | None = None


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


def _behind_more_urgent(session: Session, peer: str, lane: str) -> bool:
    """Whether envelopes of a more urgent lane wait for ``peer`` to become reachable again.

    While they do, this lane's retries wait with them instead of probing the peer on their
    own schedule (a first attempt still goes, and records why it failed), so that when the
    peer returns what waited goes in precedence order (issue 3: "envelopes wait, then go in
    precedence order when it returns"); the first receipt then makes everything that waited
    due at once (:meth:`DeliveryService._record`). Only a peer that could not be reached
    holds a lane back, never an envelope the peer refused, and the FLASH lane never waits
    for anything.
    """
    if lane not in LANES:
        return False
    urgent = LANES[: LANES.index(lane)]
    if not urgent:
        return False
    waiting = session.scalar(
        select(OutboxRow.message_id)
        .where(
            OutboxRow.peer == peer,
            OutboxRow.lane.in_(urgent),
            OutboxRow.status == "pending",
            OutboxRow.attempts > 0,
            OutboxRow.last_error.like(_WAITING_FOR_PEER),
        )
        .limit(1)
    )
    return waiting is not None


class DeliveryService:
    """The sender's side of the exchange."""

    def __init__(
        self,
        ctx: NodeContext,
        parties: PartyService,
        agreements: AgreementService,
        rand: Callable[[], float] = random.random,
    ) -> None:
        """Serve the node behind ``ctx``; ``rand`` is the jitter source (injectable for tests).

        ``agreements`` re-checks each envelope's agreement at the moment of sending (Art. 21).
        """
        self._ctx = ctx
        self._parties = parties
        self._agreements = agreements
        self._rand = rand

    def peers_with_pending(self) -> list[tuple[str, str]]:
        """(peer, lane) pairs that have pending envelopes."""
        with self._ctx.db.transaction(read_only=True) as session:
            rows = session.execute(
                select(OutboxRow.peer, OutboxRow.lane).where(OutboxRow.status == "pending").distinct()
            ).all()
            return [(peer, lane) for peer, lane in rows]

    def pending_count(self) -> int:
        """How many envelopes wait for a receipt."""
        with self._ctx.db.transaction(read_only=True) as session:
            return (
                session.scalar(
                    select(func.count()).select_from(OutboxRow).where(OutboxRow.status == "pending")
                )
                or 0
            )

    def deliver_once(self, peer: str, lane: str, transport: PeerTransport) -> DeliveryResult:
        """Send the most urgent due envelopes of ``peer`` in ``lane`` and record the receipts."""
        now = self._ctx.now()
        # Art. 21: what the agreement no longer lets leave is held, not sent (_departure).
        hold_what_may_not_leave(self._ctx, self._agreements, peer, now)
        with self._ctx.db.transaction(read_only=True) as session:
            query = (
                select(OutboxRow)
                .where(OutboxRow.peer == peer, OutboxRow.lane == lane, OutboxRow.status == "pending")
                .where(OutboxRow.next_attempt_at <= format_stamp(now))
            )
            if _behind_more_urgent(session, peer, lane):
                # First attempts still go (each learns and records why it waits); retries
                # wait until the more urgent envelopes have gone.
                query = query.where(OutboxRow.attempts == 0)
            rows = session.scalars(
                query.order_by(OutboxRow.rank.desc(), OutboxRow.created_at, OutboxRow.seq).limit(
                    _BATCH.get(lane, 50)
                )
            ).all()
            if not rows:
                return DeliveryResult()
            envelopes = [WireEnvelope(row.header, row.ciphertext) for row in rows]
            kinds = {row.kind for row in rows}
            message_ids = [row.message_id for row in rows]
            blobs = {b["blob_id"]: int(b["size"]) for row in rows for b in json.loads(row.blobs_json)}
        try:
            for blob_id, size in blobs.items():
                have = transport.blob_status(blob_id)
                if have < size:
                    transport.put_blob(blob_id, have, size, self._ctx.blobs.read_from(blob_id, have))
            tx = Transmission.make(
                self._ctx.keys,
                tx_id=f"tx-{uuid.uuid4().hex}",
                sender=self._ctx.config.node_id,
                recipient=peer,
                created=format_stamp(now),
                envelopes=envelopes,
            )
            body = transport.post_transmission(tx.to_bytes())
            result = self._record(peer, tx, body, message_ids, urgent=lane == "flash")
            # A transmission of anything but the witnessing itself: partners get our
            # checkpoint after it (the worker publishes at its next seal).
            if kinds - WITNESS_TYPES:
                self._ctx.exchange_activity.set()
            return result
        except AccordError as exc:
            self._retry_later(message_ids, exc, urgent=lane == "flash")
            return DeliveryResult(sent=len(message_ids), error=str(exc))

    def _retry_later(self, message_ids: list[str], exc: AccordError, *, urgent: bool = False) -> None:
        now = self._ctx.now()
        with self._ctx.db.transaction(urgent=urgent) as session:
            for message_id in message_ids:
                row = session.get_one(OutboxRow, message_id)
                row.attempts += 1
                row.next_attempt_at = format_stamp(now + backoff(row.attempts, self._rand))
                row.last_error = f"{type(exc).__name__}: {exc}"[:500]

    def _record(
        self, peer: str, tx: Transmission, body: bytes, message_ids: list[str], *, urgent: bool = False
    ) -> DeliveryResult:
        now = self._ctx.now()
        with self._ctx.db.transaction(urgent=urgent) as session:
            _, keys = self._parties.signer(session, peer)
            batch = ReceiptBatch.parse(body)
            if (
                batch.receiver != peer
                or batch.sender != self._ctx.config.node_id
                or batch.transmission_id != tx.id
            ):
                raise TransportError("the receipt batch does not answer this transmission")
            batch.verify(keys)
            receipted = self._store_receipts(session, peer, batch, set(message_ids), now)
            # The peer is back: what waited for it goes now (in precedence order, see
            # _behind_more_urgent) rather than at the end of its backoff.
            session.execute(
                update(OutboxRow)
                .where(
                    OutboxRow.peer == peer,
                    OutboxRow.status == "pending",
                    OutboxRow.next_attempt_at > format_stamp(now),
                    OutboxRow.last_error.like(_WAITING_FOR_PEER),
                )
                .values(next_attempt_at=format_stamp(now))
            )
            rejected = 0
            for message_id in batch.rejected:
                row = session.get(OutboxRow, message_id)
                if row is None or row.peer != peer or message_id not in message_ids:
                    continue
                row.status = "rejected"
                row.attempts += 1  # it was delivered, and answered: that try counts
                row.last_error = "rejected by the peer (the reason is in its quarantine)"
                rejected += 1
                if not _refused(session, row, now):
                    continue  # a background message refused again: told once already
                append_event(
                    session,
                    at=now,
                    actor="delivery",
                    action="item.rejected-by-peer",
                    outcome="refused",
                    item_id=row.item_id,
                    detail={"message_id": message_id, "peer": peer},
                )
        return DeliveryResult(sent=len(message_ids), receipted=receipted, rejected=rejected)

    def record_receipt_batch(self, peer: str, body: bytes) -> DeliveryResult:
        """Record a receipt batch that came back another way (an offline return bundle).

        Receipts are matched to this node's outbox rows for ``peer``; a batch for messages we
        never sent, or that does not verify, is refused. Recording the same batch twice
        changes nothing.

        Raises:
            InvalidInput: the batch is malformed.
            VerificationFailed: the peer's signature does not verify.
            TransportError: the batch does not answer what we sent.
        """
        now = self._ctx.now()
        with self._ctx.db.transaction() as session:
            _, keys = self._parties.signer(session, peer)
            batch = ReceiptBatch.parse(body)
            if batch.receiver != peer or batch.sender != self._ctx.config.node_id:
                raise TransportError("the receipt batch is not from that peer to this node")
            batch.verify(keys)
            sent = set(
                session.scalars(
                    select(OutboxRow.message_id).where(
                        OutboxRow.peer == peer,
                        OutboxRow.message_id.in_(
                            [r.message_id for r in batch.receipts] + list(batch.rejected)
                        ),
                    )
                )
            )
            receipted = self._store_receipts(session, peer, batch, sent, now)
            rejected = 0
            for message_id in batch.rejected:
                row = session.get(OutboxRow, message_id)
                if row is not None and row.peer == peer and row.status == "pending":
                    row.status = "rejected"
                    row.attempts += 1  # carried in a bundle, and answered: that try counts
                    row.last_error = "rejected by the peer (the reason is in its quarantine)"
                    rejected += 1
                    _refused(session, row, now)
        return DeliveryResult(sent=0, receipted=receipted, rejected=rejected)

    def pending_for(self, peer: str, limit: int) -> list[OutboxRow]:
        """Pending outbox rows of one peer, most urgent first (for offline bundles).

        What the agreement no longer lets leave is held first, not exported (Art. 21).
        """
        hold_what_may_not_leave(self._ctx, self._agreements, peer, self._ctx.now())
        with self._ctx.db.transaction(read_only=True) as session:
            return list(
                session.scalars(
                    select(OutboxRow)
                    .where(OutboxRow.peer == peer, OutboxRow.status == "pending")
                    .order_by(OutboxRow.rank.desc(), OutboxRow.created_at, OutboxRow.seq)
                    .limit(limit)
                )
            )

    def _store_receipts(
        self, session: Session, peer: str, batch: ReceiptBatch, expected: set[str], now: datetime
    ) -> int:
        ids = [r.message_id for r in batch.receipts]
        rows = {
            r.message_id: r for r in session.scalars(select(OutboxRow).where(OutboxRow.message_id.in_(ids)))
        }
        item_ids = {r.item_id for r in rows.values()}
        query = select(ItemRow.id, ItemRow.content_sha384).where(ItemRow.id.in_(item_ids))
        digests: dict[str, str] = dict(session.execute(query).all())
        stored = set(session.scalars(select(ReceiptRow.message_id).where(ReceiptRow.message_id.in_(ids))))
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
            if row.status != "receipted":
                row.status = "receipted"
                row.receipted_at = format_stamp(now)
                _accepted(session, row)
            if receipt.message_id not in stored:
                fresh.append((receipt, row))
        if fresh:
            # The batch is stored once; each receipt refers to it (its signature is there).
            if session.get(ReceiptBatchRow, batch.id) is None:
                session.add(
                    ReceiptBatchRow(
                        id=batch.id,
                        peer=peer,
                        transmission_id=batch.transmission_id,
                        batch_json=batch.to_bytes().decode("utf-8"),
                        stored_at=format_stamp(now),
                    )
                )
                session.flush()
            for receipt, row in fresh:
                session.add(
                    ReceiptRow(
                        message_id=receipt.message_id,
                        item_id=row.item_id,
                        peer=peer,
                        receipt_json=json.dumps(receipt.to_dict(), ensure_ascii=False, sort_keys=True),
                        batch_id=batch.id,
                        stored_at=format_stamp(now),
                    )
                )
                append_event(
                    session,
                    at=now,
                    actor="delivery",
                    action="item.receipted",
                    outcome="ok",
                    item_id=row.item_id,
                    detail={
                        "message_id": receipt.message_id,
                        "peer": peer,
                        "alternative": receipt.alternative_label.classification,
                    },
                    flush=False,
                )
        return len(batch.receipts)

    def receipt_batch(self, message_id: str) -> ReceiptBatch:
        """The signed batch a stored receipt came in (to verify it again, or show a partner).

        Raises:
            NotFound: no receipt for that message.
        """
        with self._ctx.db.transaction(read_only=True) as session:
            row = session.get(ReceiptRow, message_id)
            if row is None:
                raise NotFound(f"no receipt for message {message_id!r}")
            return ReceiptBatch.parse(session.get_one(ReceiptBatchRow, row.batch_id).batch_json)

    # --- views --------------------------------------------------------------------------

    def outbox(self, *, include_done: bool = False) -> list[OutboxEntry]:
        """Envelopes not yet receipted (or all), most urgent first, with age against objective."""
        now = self._ctx.now()
        with self._ctx.db.transaction(read_only=True) as session:
            query = select(OutboxRow).order_by(OutboxRow.rank.desc(), OutboxRow.created_at)
            if not include_done:
                query = query.where(OutboxRow.status != "receipted")
            out: list[OutboxEntry] = []
            grouped: dict[tuple[str, str], int] = {}  # (peer, kind) -> index in out
            for row in session.scalars(query):
                kind = _kind(row) if row.status == "rejected" else None
                if kind is not None and (row.peer, kind) in grouped:
                    # Refused background messages of one kind to one peer: one entry, the newest.
                    at = grouped[row.peer, kind]
                    shown = out[at]
                    if row.created_at > shown.created_at:
                        shown = self._entry(row, now)
                    out[at] = replace(shown, count=out[at].count + 1)
                    continue
                if kind is not None:
                    grouped[row.peer, kind] = len(out)
                out.append(self._entry(row, now))
            return out

    @staticmethod
    def _entry(row: OutboxRow, now: datetime) -> OutboxEntry:
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
            overdue=row.status != "receipted" and age > precedence.objective,
            last_error=row.last_error,
        )

    def receipts(self, item_id: str) -> list[dict[str, object]]:
        """The signed receipts partners gave for an item."""
        with self._ctx.db.transaction(read_only=True) as session:
            rows = session.scalars(
                select(ReceiptRow).where(ReceiptRow.item_id == item_id).order_by(ReceiptRow.stored_at)
            )
            return [{**json.loads(r.receipt_json), "peer": r.peer, "stored_at": r.stored_at} for r in rows]

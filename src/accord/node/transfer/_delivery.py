"""Delivery: from the outbox to a peer, by precedence, with receipts and backoff.

One call of :meth:`DeliveryService.deliver_once` takes the most urgent pending envelopes
of one peer in one lane (FLASH in a lane of its own, at once; the other lanes in larger
batches), uploads any attachment blobs the peer does not yet hold (resuming where it
stopped), sends one signed transmission, and records the signed receipts that come back. A peer that cannot be
reached leaves the envelopes pending with exponential backoff and jitter; nothing is
dropped: an envelope the peer rejects is marked ``rejected`` and stays visible.
The SQL is the outbox's repository's (:class:`~accord.store.OutboxRepository`); the lanes
open the transactions and choose their lock (FLASH work is ``urgent``).

The worker (``_worker.py``) runs one loop per peer and lane, each with its own connection,
so a FLASH report never waits behind a ROUTINE batch or an imagery upload.

Background messages (the ledger witnessing, :data:`~._control.WITNESS_TYPES`) that a peer
refuses — two nodes that disagree on an agreement's state refuse each other's — are not
made again and again: each refusal backs that peer and kind off exponentially
(:func:`backed_off`, ``background_backoff``; the officer is told once, in the log and the
journal), and a receipt for one ends it. The outbox shows such refusals as one entry with
a count.

:class:`DeliveryService` is the façade; :mod:`._backoff` holds the back-off rules,
:mod:`._receipt_book` matches and keeps the receipts, :mod:`._outbox_view` the officer's view.
"""

from __future__ import annotations

import contextlib
import json
import random
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.orm import Session

from accord.crypto import VerifyKeys
from accord.errors import AccordError, TransportError
from accord.exchange import UNSIGNED, PeerUnavailable, ReceiptBatch, Transmission, WireEnvelope
from accord.items import OutboxState
from accord.node.core._context import NodeContext
from accord.node.registry._agreements import AgreementService
from accord.node.registry._parties import PartyService
from accord.node.transfer._backoff import backed_off, background_backoff, backoff, note_refused
from accord.node.transfer._control import WITNESS_TYPES
from accord.node.transfer._delivery_journal import delivery_event
from accord.node.transfer._departure import hold_what_may_not_leave
from accord.node.transfer._outbox_view import OutboxEntry, OutboxReader
from accord.node.transfer._receipt_book import store_receipts
from accord.store import OutboxRepository, OutboxRow, append_event, format_stamp

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

LANES = ("flash", "priority", "routine")
_BATCH = {"flash": 25, "priority": 50, "routine": 200}
"""Envelopes per transmission. FLASH reports that queued while the lane's previous
transmission travelled go together: one at a time, each waited for every round trip
before it (sign, post, check, receipt, record), and a burst of FLASH queued behind
FLASH for seconds (``bench/flash_under_load.py``, issue 14); checking a few more
envelopes in one transmission costs milliseconds."""
# ``last_error`` of an envelope that waits because the peer could not be reached.
_WAITING_FOR_PEER = f"{PeerUnavailable.__name__}: %"


class PeerTransport(Protocol):
    """What delivery needs from a connection to one peer (``accord.exchange.PeerClient``)."""

    def post_transmission(self, body: bytes) -> bytes: ...

    def blob_status(self, blob_id: str) -> int: ...

    def put_blob(self, blob_id: str, offset: int, total: int, pieces: Iterable[bytes]) -> int: ...


@dataclass(frozen=True)
class _Batch:
    """One signed transmission of a lane's due envelopes, before it is posted."""

    peer: str
    lane: str
    tx: Transmission
    ordered: list[str]
    message_ids: frozenset[str]
    kinds: frozenset[str]
    blobs: dict[str, int]


@dataclass(frozen=True)
class _Due:
    """What one transmission carries, read from a lane's due outbox rows (in their session)."""

    envelopes: tuple[WireEnvelope, ...]
    ordered: list[str]
    kinds: frozenset[str]
    blobs: dict[str, int]

    @classmethod
    def of(cls, rows: Sequence[OutboxRow]) -> _Due | None:
        """The rows' envelopes, message ids, kinds and attachments; None if there are none."""
        if not rows:
            return None
        return cls(
            envelopes=tuple(WireEnvelope(row.header, row.ciphertext) for row in rows),
            ordered=[row.message_id for row in rows],
            kinds=frozenset(row.kind for row in rows),
            blobs={b["blob_id"]: int(b["size"]) for row in rows for b in json.loads(row.blobs_json)},
        )


@dataclass(frozen=True)
class DeliveryResult:
    """What one delivery attempt did (``busy``: another worker is sending this lane now)."""

    sent: int = 0
    receipted: int = 0
    rejected: int = 0
    error: str | None = None
    busy: bool = False


def _add(total: DeliveryResult, more: DeliveryResult) -> DeliveryResult:
    return DeliveryResult(
        sent=total.sent + more.sent,
        receipted=total.receipted + more.receipted,
        rejected=total.rejected + more.rejected,
        error=more.error or total.error,
        busy=total.busy or more.busy,
    )


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
    return OutboxRepository(session).retrying_in(peer, urgent, error_like=_WAITING_FOR_PEER)


def _keys_before_the_lock(ctx: NodeContext, parties: PartyService, peer: str) -> VerifyKeys | None:
    """On SQLite, ``peer``'s keys as pinned now, to verify its receipt batch before the write lock.

    Issue 14: FLASH work waited behind receipt recording; under the lock the keys are read
    again, and the batch verified again should they have changed meanwhile (a partner
    rekeyed). On PostgreSQL there is no node-wide write lock to spare, and the recording is a
    savepoint of the claim's open transaction: a second connection would be held beside it
    (``None``: verified under the lock only).
    """
    if ctx.db.dialect != "sqlite":
        return None
    with ctx.db.transaction(read_only=True) as snapshot:
        return parties.signer(snapshot, peer)[1]


class DeliveryService(OutboxReader):
    """The sender's side of the exchange (what it reads of the outbox: :class:`OutboxReader`)."""

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

    def deliver_once(self, peer: str, lane: str, transport: PeerTransport) -> DeliveryResult:
        """Send the most urgent due envelopes of ``peer`` in ``lane`` and record the receipts.

        On PostgreSQL, where several workers share the outbox (ADR 0010), the batch is claimed
        in a transaction that stays open while it is sent and records its receipts: one
        transmission in flight per (peer, lane) across every worker, and its rows locked
        (``FOR UPDATE SKIP LOCKED``). A worker that dies mid-send leaves nothing recorded and
        the locks released: another sends the batch again, and the peer, having kept the
        message ids, answers the envelopes it already holds with their receipts. A lane that
        another worker is sending answers ``DeliveryResult(busy=True)`` at once. SQLite (one
        process) reads the batch, sends it and records the answer in short transactions, so
        the write lock is never held over the network.
        """
        if self._ctx.db.dialect == "postgresql":
            return self._deliver_claimed(peer, lane, transport)
        batch = self._take(peer, lane)
        if batch is None:
            return DeliveryResult()
        try:
            body = self._post(batch, transport)
        except AccordError as exc:
            return self._failed(batch, exc)
        return self._finish(batch, body)

    def deliver_pipelined(
        self, peer: str, lane: str, transport: PeerTransport, post_in: Executor
    ) -> DeliveryResult:
        """:meth:`deliver_once` until nothing is due, preparing the next transmission while one travels.

        While transmission N is with the peer (posted in ``post_in``, one thread), this
        thread records the receipts of N - 1 and takes and signs N + 1 (leaving N's envelopes
        out: they are still pending); N + 1 is posted as soon as N's answer is back. In the
        FLASH lane, unless N + 1 was already full, it is taken again when N's answer is back,
        so that a FLASH report queued while N travelled goes in it, before N's receipts are
        recorded rather than after them or a round later. The peer
        therefore receives a lane's transmissions one at a time and in order, each after it
        committed the one before — what it relies on (a notice after its item, a revocation
        after its consent) — while both nodes work at once instead of in turn.

        On PostgreSQL the lane is not pipelined: each transmission is claimed, sent and
        recorded in one transaction (:meth:`deliver_once`), whose advisory lock is what keeps
        one transmission of a (peer, lane) in flight across every worker (ADR 0010) — N + 1
        taken while N travels would be outside N's claim. It sends batch after batch until
        nothing is due, an attempt fails, or another worker holds the lane.
        """
        if self._ctx.db.dialect == "postgresql":
            total = DeliveryResult()
            while True:
                result = self._deliver_claimed(peer, lane, transport)
                total = _add(total, result)
                if not result.sent or result.error or result.busy:
                    return total
        total = DeliveryResult()
        batch = self._take(peer, lane)
        answered: tuple[_Batch, bytes] | None = None
        while batch is not None:
            travelling = post_in.submit(self._post, batch, transport)
            if answered is not None:
                total = _add(total, self._finish(*answered))
                answered = None
            following = self._take(peer, lane, leave_out=batch.message_ids)
            try:
                answered = (batch, travelling.result())
            except AccordError as exc:
                total = _add(total, self._failed(batch, exc))
                break  # the worker waits before trying again (as after deliver_once)
            if lane == "flash" and (following is None or len(following.ordered) < _BATCH[lane]):
                # A FLASH report queued while N travelled goes now, before N's receipts are
                # recorded (verifying and storing them, behind the write lock, took 70-250 ms
                # of a FLASH round under load: bench/flash_under_load.py --trace, issue 14),
                # and in N + 1 rather than a round later: taken again, N + 1 carries it too.
                # (One query more per transmission: the other lanes, whose batches fill, do not.)
                following = self._take(peer, lane, leave_out=batch.message_ids)
            batch = following
        if answered is not None:
            total = _add(total, self._finish(*answered))
        return total

    def _deliver_claimed(self, peer: str, lane: str, transport: PeerTransport) -> DeliveryResult:
        """:meth:`deliver_once` on PostgreSQL: claim, send and record in one transaction."""
        now = self._ctx.now()
        # Art. 21: what the agreement no longer lets leave is held, not sent (_departure).
        hold_what_may_not_leave(self._ctx, self._agreements, peer, now)
        with self._ctx.db.transaction(urgent=lane == "flash") as claim:
            if not OutboxRepository(claim).claim_lane(peer, lane):
                self._ctx.db.unchanged(claim)
                return DeliveryResult(busy=True)
            batch = self._claim(claim, peer, lane, now)
            if batch is None:
                self._ctx.db.unchanged(claim)
                return DeliveryResult()
            try:
                body = self._post(batch, transport)
            except AccordError as exc:
                return self._failed(batch, exc, claim)
            return self._finish(batch, body, claim)

    def _take(self, peer: str, lane: str, leave_out: frozenset[str] = frozenset()) -> _Batch | None:
        """The most urgent due envelopes of ``peer`` in ``lane`` (not ``leave_out``), signed together."""
        now = self._ctx.now()
        # Art. 21: what the agreement no longer lets leave is held, not sent (_departure).
        hold_what_may_not_leave(self._ctx, self._agreements, peer, now)
        with self._ctx.db.transaction(read_only=True) as session:
            # First attempts still go (each learns and records why it waits); retries wait
            # until the more urgent envelopes have gone.
            rows = OutboxRepository(session).due(
                peer,
                lane,
                at=format_stamp(now),
                first_tries_only=_behind_more_urgent(session, peer, lane),
                limit=_BATCH.get(lane, 50) + len(leave_out),
            )
            due = _Due.of([row for row in rows if row.message_id not in leave_out][: _BATCH.get(lane, 50)])
        return self._signed(peer, lane, now, due)

    def _claim(self, claim: Session, peer: str, lane: str, now: datetime) -> _Batch | None:
        """As :meth:`_take`, in the claiming transaction: the rows locked for it (PostgreSQL)."""
        rows = OutboxRepository(claim).claim_due(
            peer,
            lane,
            at=format_stamp(now),
            first_tries_only=_behind_more_urgent(claim, peer, lane),
            limit=_BATCH.get(lane, 50),
        )
        return self._signed(peer, lane, now, _Due.of(rows))

    def _signed(self, peer: str, lane: str, now: datetime, due: _Due | None) -> _Batch | None:
        """One transmission of ``due``, signed; None if nothing is due."""
        if due is None:
            return None
        tx = Transmission(
            id=f"tx-{uuid.uuid4().hex}",
            sender=self._ctx.config.node_id,
            recipient=peer,
            created=format_stamp(now),
            envelopes=due.envelopes,
            signature=UNSIGNED,
        ).signed_with(self._ctx.keys)
        return _Batch(peer, lane, tx, due.ordered, frozenset(due.ordered), due.kinds, due.blobs)

    def _post(self, batch: _Batch, transport: PeerTransport) -> bytes:
        """Upload what attachments the peer lacks, then post the transmission; its answer."""
        for blob_id, size in batch.blobs.items():
            have = transport.blob_status(blob_id)
            if have < size:
                transport.put_blob(blob_id, have, size, self._ctx.blobs.read_from(blob_id, have))
        return transport.post_transmission(batch.tx.to_bytes())

    def _finish(self, batch: _Batch, body: bytes, claim: Session | None = None) -> DeliveryResult:
        """Record the peer's answer to ``batch`` (or, if it does not verify, try again later).

        In ``claim``, the claiming transaction (PostgreSQL), if given: in a savepoint of it.
        """
        try:
            writing = self._writing(claim, urgent=batch.lane == "flash")
            result = self._record(batch.peer, batch.tx, body, batch.ordered, writing)
        except AccordError as exc:
            return self._failed(batch, exc, claim)
        # A transmission of anything but the witnessing itself: partners get our
        # checkpoint after it (the worker publishes at its next seal).
        if batch.kinds - WITNESS_TYPES:
            self._ctx.exchange_activity.set()
        return result

    def _failed(self, batch: _Batch, exc: AccordError, claim: Session | None = None) -> DeliveryResult:
        self._retry_later(batch.ordered, exc, self._writing(claim, urgent=batch.lane == "flash"))
        return DeliveryResult(sent=len(batch.ordered), error=str(exc))

    @contextlib.contextmanager
    def _writing(self, claim: Session | None, *, urgent: bool) -> Iterator[Session]:
        """A write transaction of its own, or a savepoint of the claiming one."""
        if claim is None:
            with self._ctx.db.transaction(urgent=urgent) as session:
                yield session
        else:
            with claim.begin_nested():
                yield claim

    def _retry_later(
        self, message_ids: list[str], exc: AccordError, writing: contextlib.AbstractContextManager[Session]
    ) -> None:
        now = self._ctx.now()
        with writing as session:
            outbox = OutboxRepository(session)
            for message_id in message_ids:
                row = outbox.require(message_id)
                row.attempts += 1
                row.next_attempt_at = format_stamp(now + backoff(row.attempts, self._rand))
                row.last_error = f"{type(exc).__name__}: {exc}"[:500]

    def _record(
        self,
        peer: str,
        tx: Transmission,
        body: bytes,
        message_ids: list[str],
        writing: contextlib.AbstractContextManager[Session],
    ) -> DeliveryResult:
        now = self._ctx.now()
        checked_with = _keys_before_the_lock(self._ctx, self._parties, peer)
        batch = ReceiptBatch.parse(body)
        if (
            batch.receiver != peer
            or batch.sender != self._ctx.config.node_id
            or batch.transmission_id != tx.id
        ):
            raise TransportError("the receipt batch does not answer this transmission")
        if checked_with is not None:
            batch.verify(checked_with)
        with writing as session:
            _, keys = self._parties.signer(session, peer)
            if keys != checked_with:
                batch.verify(keys)
            receipted = store_receipts(session, peer, batch, set(message_ids), now)
            # The peer is back: what waited for it goes now (in precedence order, see
            # _behind_more_urgent) rather than at the end of its backoff.
            outbox = OutboxRepository(session)
            outbox.make_due(peer, at=format_stamp(now), error_like=_WAITING_FOR_PEER)
            rejected = 0
            for message_id in batch.rejected:
                row = outbox.get(message_id)
                if row is None or row.peer != peer or message_id not in message_ids:
                    continue
                row.status = OutboxState.REJECTED
                row.attempts += 1  # it was delivered, and answered: that try counts
                row.last_error = "rejected by the peer (the reason is in its quarantine)"
                rejected += 1
                if not note_refused(session, row, now):
                    continue  # a background message refused again: told once already
                append_event(session, delivery_event(row, "item.rejected-by-peer", "refused", now))
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
            outbox = OutboxRepository(session)
            sent = outbox.sent_among(peer, [r.message_id for r in batch.receipts] + list(batch.rejected))
            receipted = store_receipts(session, peer, batch, sent, now)
            rejected = 0
            for message_id in batch.rejected:
                row = outbox.get(message_id)
                if row is not None and row.peer == peer and row.status == OutboxState.PENDING:
                    row.status = OutboxState.REJECTED
                    row.attempts += 1  # carried in a bundle, and answered: that try counts
                    row.last_error = "rejected by the peer (the reason is in its quarantine)"
                    rejected += 1
                    note_refused(session, row, now)
        return DeliveryResult(sent=0, receipted=receipted, rejected=rejected)

    def pending_for(self, peer: str, limit: int) -> list[OutboxRow]:
        """Pending outbox rows of one peer, most urgent first (for offline bundles).

        What the agreement no longer lets leave is held first, not exported (Art. 21).
        """
        hold_what_may_not_leave(self._ctx, self._agreements, peer, self._ctx.now())
        with self._ctx.db.transaction(read_only=True) as session:
            return OutboxRepository(session).pending(peer, limit)

"""Receiving: verify, decrypt, re-check the agreement, hold, receipt (GSOMIA Arts. 4, 9–12).

For each transmission: the sender must be a pinned node, the transmission addressed to
us and signed by the sender over every envelope digest. Then, for each envelope, in a
savepoint of one transaction (a bad envelope costs only itself):

1. the header names the same sender and us; unless seen before (2.), it is neither
   stale nor from the future;
2. a message id seen before with the same digest gets the same receipt again
   (idempotent, even once it is older than the age limit); with another digest it is
   a replay and is refused;
3. the payload opens with our HPKE key for the suite the agreement requires;
4. the agreement is checked with **our** copy and **our** clock: imported, in force,
   both parties in it; the originator's binding verifies with its pinned keys;
5. the label is in scope: we are in *Releasable To*, its level has an equivalent in our
   scheme (Art. 4), its topics are in the agreement's topic scope;
6. every attachment has arrived complete and decrypts to its bound digest;
7. the holding is stored with the originator's label untouched and our alternative label
   added, sealed under a new item key; journal entry; receipt.
8. an item passed on to us under the originator's consent is acknowledged to the
   originator too: a signed ``consent-receipt`` goes in our outbox in the same
   transaction, so the originator's dissemination record names us as a holder (Art. 6).

Anything refused is journalled with its precise reason and kept in quarantine for the
officer; the peer only learns that the envelope (or transmission) was rejected.

:class:`ReceivingService` is the façade (the peer API's handler); the steps live in
:mod:`._intake` (1.–3.), :mod:`._acceptance` (4.–6.), :mod:`._attachments`,
:mod:`._holding` (7.–8.), :mod:`._dispatch` (control messages), :mod:`._inbox` and
:mod:`._quarantine`.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from accord.errors import AccordError, Conflict, VerificationFailed
from accord.exchange import UNSIGNED, Receipt, ReceiptBatch, Transmission, WireEnvelope
from accord.items import Precedence
from accord.node.holdings._search_index import SearchIndex
from accord.node.transfer._acceptance import ItemAcceptance, PreparedItem
from accord.node.transfer._attachments import MAX_BLOB_BYTES, finish_upload
from accord.node.transfer._control import WITNESS_TYPES, ControlHandler
from accord.node.transfer._dispatch import ControlDispatch, PreparedControl
from accord.node.transfer._holding import HoldingDraft, ItemHolding
from accord.node.transfer._inbox import CheckedEnvelope
from accord.node.transfer._intake import (
    MAX_ENVELOPE_AGE,
    Arrival,
    carries_flash,
    message_id,
    open_checked,
    parse_transmission,
    raw,
)
from accord.node.transfer._quarantine import Quarantine, QuarantineViews, Refusal
from accord.node.transfer._services import ServiceBase, Services
from accord.store import format_stamp, savepoint

__all__ = ["MAX_BLOB_BYTES", "MAX_ENVELOPE_AGE", "Ingested", "ReceivingService"]

_Outcome = PreparedItem | PreparedControl | Receipt | str
"""One envelope after the checks: ready to store or apply, received before, or refused (why)."""


@dataclass(frozen=True)
class Ingested:
    """What one transmission did here: the signed receipt batch, and how much was new.

    Attributes:
        body: The signed receipt batch (what the peer API answers).
        new: Envelopes stored or applied now.
        repeated: Envelopes received before: nothing was stored or applied again; their
            receipt is given again (a bundle imported twice, a receipt lost on the way).
        rejected: Envelopes refused (quarantined with the reason).
    """

    body: bytes
    new: int
    repeated: int
    rejected: int


class ReceivingService(QuarantineViews, ServiceBase):
    """The node's side of the peer API (implements ``accord.api.PeerHandler``)."""

    def __init__(self, services: Services) -> None:
        """Serve the node behind ``services.ctx``."""
        super().__init__(services)
        ctx = services.ctx
        self._dispatch = ControlDispatch(ctx)
        self._acceptance = ItemAcceptance(ctx, services.parties, services.agreements)
        self._holding = ItemHolding(ctx, services.parties, services.sending)
        self._quarantine_book = Quarantine(ctx)

    def register(self, kind: str, handler: ControlHandler) -> None:
        """Hand envelopes of type ``kind`` (not items) to ``handler`` (see :mod:`._control`).

        Raises:
            Conflict: ``kind`` is ``item`` or already has a handler.
        """
        self._dispatch.register(kind, handler)

    # --- peer API ----------------------------------------------------------------------

    def health(self) -> dict[str, object]:
        """Who we are and our time (for partners' monitoring)."""
        return {
            "node_id": self._ctx.config.node_id,
            "party": self._ctx.config.party,
            "time": format_stamp(self._ctx.now()),
        }

    def blob_status(self, blob_id: str) -> int:
        """Bytes of an upload received so far."""
        return self._ctx.blobs.received(blob_id)

    def receive_blob(self, blob_id: str, offset: int, total: int, pieces: Iterator[bytes]) -> int:
        """Append part of an attachment upload (verified against its name when complete).

        Raises:
            InvalidInput: offset or size wrong.
            IntegrityError: the complete upload does not match its name.
        """
        try:
            return self._ctx.blobs.append(blob_id, offset, total, pieces, limit=MAX_BLOB_BYTES)
        except AccordError as exc:
            self._ctx.journal_refusal("peer", "exchange.blob", exc, detail={"blob_id": blob_id[:96]})
            # Kept for the officer like every other refusal (the bytes themselves are not:
            # a refused upload may be gigabytes; its id, offset and size are what matter).
            with contextlib.suppress(AccordError):
                reason = f"attachment upload refused ({blob_id[:96]} at {offset} of {total}): {exc}"
                self._quarantine_book.record(Refusal("peer", None, reason, b""), self._ctx.now())
            finish_upload(self._ctx.blobs, blob_id, total)
            raise

    def receive_transmission(self, body: bytes) -> bytes:
        """Verify and ingest one transmission; return the signed receipt batch.

        Raises:
            VerificationFailed: the transmission as a whole is refused (malformed, unknown
                or unpinned sender, not for us, bad signature); details are journalled and
                the body quarantined.
        """
        return self.ingest_transmission(body).body

    def ingest_transmission(self, body: bytes) -> Ingested:
        """Verify and ingest one transmission; say how many envelopes were new.

        Raises:
            VerificationFailed: the transmission as a whole is refused (malformed, unknown
                or unpinned sender, not for us, bad signature); details are journalled and
                the body quarantined.
        """
        now = self._ctx.now()
        tx, sender_party = self._verify_transmission(body, now)
        if carries_flash(tx):
            # Routine transmissions being checked in this process step aside meanwhile.
            with self._ctx.urgent_work.running():
                prepared = self._check_all(tx, sender_party, now)
                receipts, rejected, repeated = self._write_all(tx, prepared, now)
        else:
            prepared = self._check_all(tx, sender_party, now, yielding=True)
            receipts, rejected, repeated = self._write_all(tx, prepared, now, yielding=True)
        # Anything but the witnessing itself: we offer partners our next checkpoint at once.
        if any(
            isinstance(outcome, CheckedEnvelope) and outcome.header.type not in WITNESS_TYPES
            for _, _, outcome in prepared
        ):
            self._ctx.exchange_activity.set()
        batch = ReceiptBatch(
            id=f"rb-{uuid.uuid4().hex}",
            transmission_id=tx.id,
            receiver=self._ctx.config.node_id,
            sender=tx.sender,
            created=format_stamp(now),
            receipts=tuple(receipts),
            rejected=tuple(rejected),
            signature=UNSIGNED,
        ).signed_with(self._ctx.keys)
        return Ingested(batch.to_bytes(), len(receipts) - repeated, repeated, len(rejected))

    # --- one transmission -------------------------------------------------------------

    def _verify_transmission(self, body: bytes, now: datetime) -> tuple[Transmission, str]:
        """Parse the transmission and check that it is for us and signed by a pinned node.

        Raises:
            VerificationFailed: it is refused (the body is quarantined with the reason).
        """
        claimed = "unknown"
        try:
            tx = parse_transmission(body)
            claimed = tx.sender
            if tx.recipient != self._ctx.config.node_id:
                raise VerificationFailed(f"transmission is addressed to {tx.recipient}, not to this node")
            with self._ctx.db.transaction(read_only=True) as session:
                sender_party, keys = self._parties.signer(session, tx.sender)
            tx.verify(keys)
        except AccordError as exc:
            self._quarantine_book.record(Refusal(claimed, None, f"transmission refused: {exc}", body), now)
            raise VerificationFailed("transmission rejected") from exc
        return tx, sender_party

    def _check_all(
        self, tx: Transmission, sender_party: str, now: datetime, *, yielding: bool = False
    ) -> list[tuple[WireEnvelope, str, _Outcome]]:
        """Every check and all the cryptography (HPKE, bindings, attachment digests) in a
        read-only snapshot: no write lock is held meanwhile, so a FLASH transmission on
        another connection is never stuck behind a large batch or an imagery check.

        ``yielding`` (routine work): before each envelope, wait while a FLASH transmission
        is being received in this process, so that it has the interpreter to itself."""
        prepared: list[tuple[WireEnvelope, str, _Outcome]] = []
        urgent_work = self._ctx.urgent_work
        with self._ctx.db.transaction(read_only=True) as snapshot:
            arrival = Arrival(snapshot, tx, sender_party, now, yielding=yielding)
            arrival.read_earlier()
            for envelope in tx.envelopes:
                if yielding:
                    urgent_work.step_aside()
                result: _Outcome
                try:
                    result = self._prepare(arrival, envelope)
                except (AccordError, RecursionError) as exc:  # RecursionError: JSON nested too deeply
                    result = f"{type(exc).__name__}: {exc}"
                prepared.append((envelope, message_id(envelope), result))
        return prepared

    def _write_all(
        self,
        tx: Transmission,
        prepared: list[tuple[WireEnvelope, str, _Outcome]],
        now: datetime,
        *,
        yielding: bool = False,
    ) -> tuple[list[Receipt], list[str], int]:
        """One short write transaction for the whole batch.

        Items received directly from their originator are drafted first, outside the write
        lock (content sealed, index rows made), then held a run at a time with one statement
        per table (:meth:`ItemHolding.commit_many`, in a savepoint: should the run fail as a
        whole, its envelopes are committed one by one instead); anything else is committed in
        a savepoint of its own, so a bad envelope costs only itself.

        ``yielding`` (routine work): drafting and taking the write lock wait while a FLASH
        transmission is being received in this process (see :meth:`_check_all`).

        Returns the receipts, the message ids refused (each quarantined with its reason)
        and how many receipts were given before.
        """
        receipts: list[Receipt] = []
        rejected: list[str] = []
        repeated = 0
        urgent = any(
            isinstance(outcome, CheckedEnvelope) and outcome.header.precedence is Precedence.FLASH
            for _, _, outcome in prepared
        )
        index = SearchIndex(self._ctx)
        urgent_work = self._ctx.urgent_work
        drafts: dict[int, HoldingDraft] = {}
        for position, (_, _, outcome) in enumerate(prepared):
            if isinstance(outcome, PreparedItem) and outcome.payload.consent is None:
                if yielding:
                    urgent_work.step_aside()
                drafts[position] = self._holding.draft(outcome, tx.sender, now, index)
        if yielding:
            urgent_work.step_aside()
        with self._ctx.db.transaction(urgent=urgent) as session:
            results = self._commit_all(session, tx, prepared, drafts, now)
            for (envelope, msg_id, outcome), result in zip(prepared, results, strict=True):
                if isinstance(result, Receipt):
                    receipts.append(result)
                    # Received before, or stored meanwhile by another connection.
                    repeated += not isinstance(outcome, CheckedEnvelope) or (result is not outcome.receipt)
                    continue
                rejected.append(msg_id)
                refusal = Refusal(tx.sender, msg_id, result, raw(envelope))
                self._quarantine_book.record_in(session, refusal, now)
            sealed = urgent and self._ctx.seal_within(session)
        if urgent:
            self._ctx.flash_committed(sealed=sealed)
        return receipts, rejected, repeated

    def _commit_all(
        self,
        session: Session,
        tx: Transmission,
        prepared: list[tuple[WireEnvelope, str, _Outcome]],
        drafts: dict[int, HoldingDraft],
        now: datetime,
    ) -> list[Receipt | str]:
        """Store or apply every checked envelope in order: each one's receipt, or why it was refused."""
        results: list[Receipt | str] = []
        run: list[tuple[int, PreparedItem]] = []

        def flush_run() -> None:
            results.extend(self._commit_run(session, tx, [drafts[p] for p, _ in run], now))
            run.clear()

        for position, (_, _, outcome) in enumerate(prepared):
            if position in drafts:
                run.append((position, drafts[position].prepared))
                continue
            if run:
                flush_run()
            if isinstance(outcome, Receipt | str):
                results.append(outcome)
                continue
            try:
                results.append(self._commit_one(session, tx, outcome, now))
            except AccordError as exc:
                results.append(f"{type(exc).__name__}: {exc}")
        if run:
            flush_run()
        return results

    def _commit_run(
        self, session: Session, tx: Transmission, drafts: list[HoldingDraft], now: datetime
    ) -> list[Receipt | str]:
        """Hold a run of drafted items at once; one by one if the run fails as a whole."""
        try:
            with session.begin_nested():
                outcomes = self._holding.commit_many(session, tx, drafts, now)
        except (AccordError, SQLAlchemyError):
            # Another connection wrote one of them meanwhile (several workers on PostgreSQL),
            # or the database refused a row: the item-by-item path decides each one alone.
            results: list[Receipt | str] = []
            for draft in drafts:
                try:
                    results.append(self._commit_one(session, tx, draft.prepared, now))
                except AccordError as exc:
                    results.append(f"{type(exc).__name__}: {exc}")
            return results
        return [
            outcome if isinstance(outcome, Receipt) else f"{type(outcome).__name__}: {outcome}"
            for outcome in outcomes
        ]

    # --- one envelope -----------------------------------------------------------------

    def _prepare(self, arrival: Arrival, envelope: WireEnvelope) -> PreparedItem | PreparedControl | Receipt:
        opened = open_checked(self._ctx, self._agreements, arrival, envelope)
        if isinstance(opened, Receipt):
            return opened
        if opened.header.type != "item":
            return self._dispatch.prepare(arrival, opened)
        return self._acceptance.prepare(arrival, opened)

    def _commit_one(
        self, session: Session, tx: Transmission, prepared: PreparedItem | PreparedControl, now: datetime
    ) -> Receipt:
        """Store or apply one checked envelope in its own savepoint; return its receipt.

        Two workers may hold the same message at once (a retry after a worker died mid-send,
        on PostgreSQL): the unique message id decides. The one that stores second meets the
        unique key (:func:`~accord.store.savepoint`: ``Conflict``) and tries once more, now
        seeing what the first committed: the receipt given then (a duplicate), or the item
        held (the same item by another message: one holding).
        """
        try:
            return self._commit_in_savepoint(session, tx, prepared, now)
        except Conflict:
            return self._commit_in_savepoint(session, tx, prepared, now)

    def _commit_in_savepoint(
        self, session: Session, tx: Transmission, prepared: PreparedItem | PreparedControl, now: datetime
    ) -> Receipt:
        with savepoint(session):
            if isinstance(prepared, PreparedItem):
                return self._holding.commit(session, tx, prepared, now)
            return self._dispatch.commit(session, tx, prepared, now)

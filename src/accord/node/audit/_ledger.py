"""The tamper-evident ledger at the node: sealing, reading, proving and verifying (Arts. 8, 18).

:class:`LedgerService` is the ledger's one entry point:

* :meth:`LedgerService.seal` seals the journal rows not sealed yet as RFC 9162 leaves with a
  signed checkpoint (:mod:`accord.node.audit._seal`, where its invariants are listed);
* :meth:`LedgerService.prove` hands out an :class:`~accord.exchange.InclusionProof`
  of one journal event, which :func:`~accord.exchange.check_proof` checks with
  the node's public identity card alone (the signed formats:
  :mod:`accord.exchange._checkpoint_formats`);
* :meth:`LedgerService.note` hands out a checkpoint as a C2SP tlog-checkpoint signed note,
  with the partners' C2SP cosignatures of it (:mod:`accord.exchange._checkpoint_notes`);
* :meth:`LedgerService.consistency` and :meth:`LedgerService.leaves` serve partners and
  auditors from the stored tree;
* :meth:`LedgerService.verify` recomputes everything from the journal
  (:mod:`accord.node.audit._ledger_verify`).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.errors import IntegrityError, InvalidInput, NotFound, VerificationFailed
from accord.exchange import Countersignature, InclusionProof, SignedCheckpoint, sign_checkpoint_note
from accord.ledger import MerkleTree
from accord.limits import MAX_NUMBER, bounded_number
from accord.node.audit._checkpoint_rows import checkpoint_from_row, require_own_signature
from accord.node.audit._seal import SEAL_BATCH, Sealer
from accord.node.core._context import NodeContext
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.store import (
    JournalRow,
    LedgerCheckpointRow,
    NewEvent,
    SqlHashStore,
    StoredEvent,
    WitnessCountersignatureRow,
    append_event,
    leaf_data,
    read_snapshot,
    sealed_rows,
)

__all__ = ["LedgerService"]

_MAX_COSIGNERS = 15
"""Cosignatures put on a note (two lines each, after the node's two: 32, C2SP's ``MAX_NOTE_SIGNATURES``)."""
if TYPE_CHECKING:
    from accord.node.audit._verify_report import VerifyReport

log = logging.getLogger("accord.ledger")


# The columns of a StoredEvent, in its order (what a ledger leaf stands for).
_STORED_EVENT = (
    JournalRow.seq,
    JournalRow.at,
    JournalRow.actor,
    JournalRow.action,
    JournalRow.item_id,
    JournalRow.outcome,
    JournalRow.detail_json,
)


class LedgerService:
    """Seals the journal into the Merkle ledger, signs checkpoints, proves and verifies."""

    def __init__(self, ctx: NodeContext) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx
        self._sealer = Sealer(ctx)

    def seal(self, *, urgent: bool = False) -> SignedCheckpoint | None:
        """Seal every journal row not sealed yet; return the new checkpoint, or None if none was new.

        See :meth:`~accord.node.audit._seal.Sealer.seal`.

        Raises:
            IntegrityError: the ledger's tree and its latest checkpoint disagree, or a row
                holds a leaf number beyond them (tampering: run ``accord ledger verify``).
            StorageError: the database failed (nothing is sealed by the failed transaction).
        """
        return self._sealer.seal(urgent=urgent)

    def seal_within(self, session: Session) -> bool:
        """Seal inside the caller's write transaction; whether it did.

        See :meth:`~accord.node.audit._seal.Sealer.seal_within`.
        """
        return self._sealer.seal_within(session)

    # --- reading -------------------------------------------------------------------------------

    def size(self) -> int:
        """The number of sealed leaves."""
        with self._ctx.db.transaction(read_only=True) as session:
            return SqlHashStore(session).size()

    def latest_checkpoint(self) -> SignedCheckpoint | None:
        """The newest signed checkpoint, or None before the first seal.

        Raises:
            InvalidInput: the stored checkpoint is malformed (tampering).
        """
        found = self.checkpoints(limit=1)
        return found[0] if found else None

    def checkpoints(self, *, limit: int = 20) -> list[SignedCheckpoint]:
        """The newest ``limit`` signed checkpoints, newest first.

        Raises:
            InvalidInput: a stored checkpoint is malformed (tampering), or ``limit`` is above
                :data:`~accord.limits.MAX_NUMBER`.
        """
        bounded_number(max(limit, 0), "how many checkpoints")  # before SQL: 64-bit integers
        with self._ctx.db.transaction(read_only=True) as session:
            rows = session.scalars(
                select(LedgerCheckpointRow).order_by(LedgerCheckpointRow.size.desc()).limit(max(limit, 0))
            )
            return [checkpoint_from_row(row) for row in rows]

    def prove(self, seq: int, *, actor: str) -> InclusionProof:
        """An inclusion proof of journal event ``seq`` in the latest signed checkpoint.

        Seals first, so that a fresh event can be proven at once. The proof is checked
        before it is handed out, and the disclosure is journalled (``ledger.prove``).

        Raises:
            NotFound: no journal event ``seq``.
            InvalidInput: ``seq`` is beyond ±:data:`~accord.limits.MAX_NUMBER`.
            IntegrityError: the event or the ledger was altered: the proof would not verify.
        """
        # A damaged ledger is not sealed over; what it holds is still proven, or refused, below.
        with contextlib.suppress(IntegrityError):
            self.seal()
        with self._ctx.work(actor, "ledger.prove", detail={"seq": seq}) as session:
            bounded_number(seq, "a journal seq", least=-MAX_NUMBER)  # before SQL: 64-bit integers
            found = session.execute(
                select(JournalRow.leaf, *_STORED_EVENT).where(JournalRow.seq == seq)
            ).first()
            if found is None:
                raise NotFound(f"no journal event {seq}")
            row = session.scalars(
                select(LedgerCheckpointRow).order_by(LedgerCheckpointRow.size.desc()).limit(1)
            ).first()
            leaf = found[0]
            if row is None or leaf is None:
                raise NotFound(f"journal event {seq} is not sealed into the ledger yet")
            try:
                signed = checkpoint_from_row(row)
            except InvalidInput as exc:
                raise IntegrityError(f"the latest checkpoint is damaged: {exc}") from exc
            if leaf >= signed.checkpoint.size:
                raise IntegrityError(f"journal event {seq} claims leaf {leaf}, beyond the signed ledger")
            path = MerkleTree(SqlHashStore(session)).inclusion_proof(leaf, signed.checkpoint.size)
            note = self._note(session, signed)
            proof = InclusionProof(leaf, leaf_data(StoredEvent(*found[1:])), signed, tuple(path), note)
            try:
                proof.verify(self._ctx.keys.public())
            except VerificationFailed as exc:
                raise IntegrityError(
                    f"journal event {seq} does not match the signed ledger ({exc}): "
                    "run `accord ledger verify`"
                ) from exc
            journal_done(
                session,
                Act(actor, self._ctx.now()),
                "ledger.prove",
                detail={"seq": seq, "leaf": leaf, "size": signed.checkpoint.size},
            )
            return proof

    def note(self, size: int | None = None) -> str:
        """A signed checkpoint as a C2SP tlog-checkpoint signed note, with its cosignatures.

        The note is signed now, over the checkpoint stored at ``size`` (the latest when
        None), once that checkpoint's own dual signature has been checked: a damaged row is
        not signed again in another form. The partners' C2SP cosignatures of that
        checkpoint that this node holds follow the node's two signature lines.

        Raises:
            NotFound: no checkpoint (of that size).
            IntegrityError: the stored checkpoint is malformed or does not carry this node's
                signature (run ``accord ledger verify``).
        """
        with self._ctx.db.transaction(read_only=True) as session:
            query = select(LedgerCheckpointRow)
            if size is None:
                query = query.order_by(LedgerCheckpointRow.size.desc()).limit(1)
            else:
                query = query.where(LedgerCheckpointRow.size == size)
            row = session.scalars(query).first()
            if row is None:
                raise NotFound(
                    "no signed checkpoint yet" if size is None else f"no checkpoint of {size} leaves"
                )
            try:
                signed = checkpoint_from_row(row)
            except InvalidInput as exc:
                raise IntegrityError(f"the checkpoint of {row.size} leaves is damaged: {exc}") from exc
            return self._note(session, signed)

    def _note(self, session: Session, signed: SignedCheckpoint) -> str:
        checkpoint = signed.checkpoint
        require_own_signature(signed, self._ctx.keys.public())
        note = sign_checkpoint_note(self._ctx.keys, checkpoint)
        rows = session.scalars(
            select(WitnessCountersignatureRow)
            .where(WitnessCountersignatureRow.size == checkpoint.size)
            .order_by(WitnessCountersignatureRow.witness)
            .limit(_MAX_COSIGNERS)
        )
        for row in rows:
            try:
                counter = Countersignature.parse(row.countersignature_json)
            except InvalidInput as exc:
                # Stored evidence damaged: the note goes out without it, and the operator is told.
                log.warning("countersignature of %s for size %s is damaged: %s", row.witness, row.size, exc)
                continue
            # A partner on the first form sent no C2SP cosignature; one of another
            # checkpoint of this size cannot be (the origin checks it on receipt).
            if counter.cosignature is not None and counter.checkpoint == checkpoint:
                note = note.with_signatures(*counter.cosignature)
        return note.encode()

    def consistency(self, old_size: int, new_size: int) -> list[bytes]:
        """PROOF(old_size, D[0:new_size]) of RFC 9162 §2.1.4.1 from the stored tree.

        Raises:
            InvalidInput: the sizes are not ``0 <= old_size <= new_size <= size()``.
        """
        with self._ctx.db.transaction(read_only=True) as session:
            read_snapshot(session)
            return MerkleTree(SqlHashStore(session)).consistency_proof(old_size, new_size)

    def leaves(self, start: int, end: int) -> list[bytes]:
        """The leaf data of leaves [start, end): the events' canonical JSON (:func:`~accord.store.leaf_data`).

        Raises:
            InvalidInput: not ``0 <= start <= end <= size()``, or more than :data:`SEAL_BATCH` leaves.
            IntegrityError: a leaf in the range is held by no journal row, or by several (run
                ``accord ledger verify``).
        """
        with self._ctx.db.transaction(read_only=True) as session:
            read_snapshot(session)
            size = SqlHashStore(session).size()
            if not 0 <= start <= end <= size:
                raise InvalidInput(f"leaves {start} to {end}: the ledger holds leaves 0 to {size}")
            if end - start > SEAL_BATCH:
                raise InvalidInput(f"at most {SEAL_BATCH} leaves at a time")
            rows = sealed_rows(session, start, end)
        if [row.leaf for row in rows] != list(range(start, end)):
            raise IntegrityError(
                f"leaves {start} to {end}: not one journal row per leaf (run `accord ledger verify`)"
            )
        return [row.data for row in rows]

    # --- verifying -----------------------------------------------------------------------------

    def verify(self, *, actor: str, progress: Callable[[int, int], None] | None = None) -> VerifyReport:
        """Recompute the whole ledger from the journal and report every difference.

        Reads one snapshot; changes nothing but journals the check (``ledger.verify``,
        outcome ``ok`` or ``failed`` with the first finding). ``progress(done, total)`` is
        called as leaves are checked. See :mod:`accord.node.audit._ledger_verify` for what is
        checked and how each kind of tampering shows.

        Raises:
            StorageError: the database failed.
        """
        # Imported here: the whole ledger's check is its own command (a listing never needs it).
        from accord.node.audit._ledger_verify import verify_ledger  # noqa: PLC0415 - see above

        with self._ctx.db.transaction(read_only=True) as session:
            read_snapshot(session)
            report = verify_ledger(
                session,
                keys=self._ctx.keys.public(),
                origin=self._ctx.config.node_id,
                strict_order=self._ctx.db.dialect == "sqlite",
                progress=progress,
            )
        first = report.first
        detail: dict[str, object] = {"leaves": report.leaves, "checkpoints": report.checkpoints}
        if first is not None:
            detail.update(first=first.index, kind=first.kind, reason=first.message, findings=report.count)
        with self._ctx.db.transaction() as session:
            append_event(
                session,
                NewEvent(
                    at=self._ctx.now(),
                    actor=actor,
                    action="ledger.verify",
                    outcome="ok" if report.ok else "failed",
                    detail=detail,
                ),
            )
        return report

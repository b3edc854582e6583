"""Sealing the journal into the ledger: leaves, tree nodes and a signed checkpoint in one go (Arts. 8, 18).

Every journal row becomes a leaf of an RFC 9162 Merkle tree (:mod:`accord.ledger`) when it
is *sealed*: :meth:`Sealer.seal` numbers the rows not sealed yet as the next leaves (in
``seq`` order; on PostgreSQL only the rows known to be final,
:mod:`accord.store._journal_order`), stores the tree's new nodes
(:class:`~accord.store.SqlHashStore`) and a :class:`~accord.exchange.SignedCheckpoint` — all
in one transaction. The node seals every second while it serves
(:class:`~accord.node.DeliveryWorker`; with several worker processes, the one holding the
:class:`~accord.store.SealerLock`) and after a FLASH event.

Invariants:

* leaves, nodes and checkpoints are only ever added; a leaf number is given once;
* leaves follow ``seq`` order on both backends: a row is sealed only when every row of a
  lower ``seq`` is sealed or will never exist (rolled back);
* the tree's size equals the size of the latest checkpoint after every seal (they are
  written in one transaction); a seal refuses to build on a ledger where they differ, or
  whose stored right edge no longer gives the latest signed root, and raises a
  :data:`DAMAGED` alarm once per distinct damage;
* a leaf's data is :func:`~accord.store.leaf_data` of its row: the event's canonical JSON.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from accord.canonical import format_time
from accord.errors import IntegrityError, InvalidInput, VerificationFailed
from accord.exchange import CHECKPOINT_PURPOSE, SignedCheckpoint
from accord.ledger import Checkpoint, HashStore, MerkleTree, leaf_hash
from accord.node.audit._checkpoint_rows import checkpoint_from_row, checkpoint_row
from accord.node.core._context import NodeContext
from accord.store import (
    NewEvent,
    SqlHashStore,
    WitnessAlarmRow,
    add_alarm_once,
    append_event,
    assign_leaves,
    checkpoint_at,
    format_stamp,
    insert_checkpoint,
    journal_horizon,
    journal_writers,
    ledger_head,
    lock_ledger,
    pending_leaves,
    read_snapshot,
)

__all__ = ["DAMAGED", "SEAL_BATCH", "Sealer"]

SEAL_BATCH = 65_536
"""Most rows one seal transaction takes; a backlog is sealed in several (one checkpoint each)."""
_OPTIMISTIC_TRIES = 3
FINAL_WAIT = 0.5
"""PostgreSQL: the longest a seal waits for the journal's writers to finish the rows it would seal
(:mod:`accord.store._journal_order`); past it, it seals the rows known to be final and leaves the
rest to the next seal."""
_FINAL_POLL = 0.001
_FINAL_POLL_MAX = 0.02
DAMAGED = "damaged"
"""The kind of the alarm a seal raises when it refuses a damaged ledger (``accord ledger alarms``)."""
log = logging.getLogger("accord.ledger")


class _Overlay:
    """A :class:`HashStore` that reads through to another and keeps the writes in memory.

    A seal computes its nodes and root in a read transaction (no write lock held) and
    writes them afterwards. It reads each stored node once: checking the right edge reads
    exactly the nodes that appending then builds on.
    """

    def __init__(self, base: HashStore, size: int) -> None:
        self._base = base
        self._size = size  # the base's size, which the caller has just read
        self._new: dict[tuple[int, int], bytes] = {}
        self.writes: list[tuple[int, int, bytes]] = []

    def get(self, level: int, index: int) -> bytes:
        found = self._new.get((level, index))
        if found is None:
            found = self._new[level, index] = self._base.get(level, index)
        return found

    def put_many(self, items: Iterable[tuple[int, int, bytes]]) -> None:
        added = list(items)
        self.writes.extend(added)
        new, leaves = self._new, 0
        for level, index, digest in added:
            new[level, index] = digest
            if level == 0:
                leaves += 1
        self._size += leaves

    def size(self) -> int:
        return self._size


class _Damaged(IntegrityError):
    """A seal refused to build on the ledger: what it held and what the stored tree gives."""

    def __init__(self, reason: str, held: Mapping[str, object] | None, tree: Mapping[str, object]) -> None:
        super().__init__(f"{reason}: not sealing over it (run `accord ledger verify`)")
        self.reason = reason
        self.held = held
        self.tree = tree


class _Backlog(Exception):
    """More rows are pending than one seal takes: leave them to the seal after the commit."""


@dataclass(frozen=True)
class _Batch:
    start: int
    seqs: list[int]
    writes: list[tuple[int, int, bytes]]
    checkpoint: Checkpoint


class Sealer:
    """Seals the journal rows not sealed yet into leaves, tree nodes and a signed checkpoint."""

    def __init__(self, ctx: NodeContext) -> None:
        """Seal the ledger of the node behind ``ctx``."""
        self._ctx = ctx
        self._final = 0  # PostgreSQL: every journal row up to this seq is known to be final

    def seal(self, *, urgent: bool = False) -> SignedCheckpoint | None:
        """Seal every journal row not sealed yet; return the new checkpoint, or None if none was new.

        Rows become leaves in ``seq`` order; each transaction takes at most
        :data:`SEAL_BATCH` rows and stores their leaf numbers, the tree's new nodes and a
        signed checkpoint together. On PostgreSQL, only rows known to be final are sealed:
        those up to the last ``seq`` handed out before the seal began, once the transactions
        that may still hold one of them have ended (waiting at most :data:`FINAL_WAIT`;
        :mod:`accord.store._journal_order`), so that no row is sealed before one of a lower
        ``seq`` that commits later. ``urgent`` (after a FLASH event) takes the write lock
        ahead of routine work. Safe to call from several threads or processes: sealers are
        serialised by the database.

        Raises:
            IntegrityError: the ledger's tree and its latest checkpoint disagree, or a row
                holds a leaf number beyond them (tampering: run ``accord ledger verify``).
            StorageError: the database failed (nothing is sealed by the failed transaction).
        """
        last: SignedCheckpoint | None = None
        up_to = self._final_seq()
        while True:
            try:
                sealed = self._seal_batch(urgent, up_to)
            except _Damaged as exc:
                self._raise_alarm(exc)
                raise
            if sealed is None:
                break
            last, count = sealed
            if count < SEAL_BATCH:
                break
        return last

    def seal_within(self, session: Session) -> bool:
        """Seal every row not sealed yet inside the caller's write transaction; whether it did.

        For FLASH work (after a FLASH send or receipt, the node seals at once): on SQLite its
        transaction already holds the database's one write lock, and every row not sealed
        yet — its own included — precedes any other, so sealing there keeps leaves in
        ``seq`` order and saves taking the lock and committing a second time while routine
        writers queue for it. The checkpoint then commits with the work, or neither does.
        The same checks as :meth:`seal` run (the checkpoint's signature, the right edge).

        Returns False, having changed nothing (a savepoint), on PostgreSQL (a sealer there
        waits for the journal's writers, this transaction among them), when the backlog
        exceeds one seal, or when the seal fails in any way (a damaged ledger, a key store that
        cannot sign, a driver error: the caller's seal after its commit then retries and raises
        the alarm, as before) — the FLASH work itself is never lost to it.
        """
        if self._ctx.db.dialect != "sqlite":
            return False
        try:
            with session.begin_nested():
                batch = self._prepare(session, None)
                if batch is None:
                    return True
                if len(batch.seqs) >= SEAL_BATCH:
                    raise _Backlog
                self._write(session, batch, self._sign(batch.checkpoint))
        except _Backlog:
            return False
        except Exception:
            # Never lose the FLASH work to its seal: the seal after the commit retries and alarms.
            log.warning(
                "the FLASH seal inside its transaction failed; sealing after the commit", exc_info=True
            )
            return False
        return True

    def _final_seq(self) -> int | None:
        """PostgreSQL: the highest ``seq`` up to which every journal row is final; SQLite: None (all).

        Raises:
            StorageError: the database failed.
        """
        db = self._ctx.db
        if db.dialect != "postgresql":
            return None
        with db.transaction(read_only=True) as session:
            horizon = journal_horizon(session)
            waiting = horizon.writers
            deadline = time.monotonic() + FINAL_WAIT
            pause = _FINAL_POLL
            while waiting and time.monotonic() < deadline:
                # Reading pg_locks briefly holds up lock takers: look often only at first.
                time.sleep(pause)
                pause = min(pause * 2, _FINAL_POLL_MAX)
                waiting = journal_writers(session, waiting)
        if not waiting:
            self._final = max(self._final, horizon.seq)
        else:
            log.info("journal writers still open after %.1f s: sealing up to seq %d", FINAL_WAIT, self._final)
        return self._final

    def _raise_alarm(self, damaged: _Damaged) -> None:
        """Journal a refused seal and keep it as an alarm (once per distinct damage: serve retries)."""
        me = self._ctx.config.node_id
        with self._ctx.db.transaction() as session:
            now = self._ctx.now()
            held, tree = dict(damaged.held or {}), dict(damaged.tree)
            row = WitnessAlarmRow(
                origin=me,
                kind=DAMAGED,
                reason=damaged.reason,
                held_json=json.dumps(held or None, sort_keys=True),
                presented_json=json.dumps(tree, sort_keys=True),
                message_id="",
                detected_at=format_stamp(now),
            )
            if not add_alarm_once(session, row):
                return
            append_event(
                session,
                NewEvent(
                    at=now,
                    actor="ledger",
                    action="ledger.seal",
                    outcome="alarm",
                    detail={"reason": damaged.reason, "held": held or None, "tree": tree},
                ),
            )
        log.error("LEDGER DAMAGED at %s: %s; not sealing (accord ledger verify)", me, damaged.reason)

    def _seal_batch(self, urgent: bool, up_to: int | None) -> tuple[SignedCheckpoint, int] | None:
        db = self._ctx.db
        # Optimistic: hash and sign without the write lock (a WAL read snapshot), so journal
        # writers wait only for the inserts; redo if another sealer got in between.
        for _ in range(_OPTIMISTIC_TRIES):
            with db.transaction(read_only=True) as session:
                read_snapshot(session)
                batch = self._prepare(session, up_to)
            if batch is None:
                return None
            signed = self._sign(batch.checkpoint)
            with db.transaction(urgent=urgent) as session:
                lock_ledger(session)
                head = ledger_head(session)
                if (head.leaves, head.covered) == (batch.start, batch.start):
                    self._write(session, batch, signed)
                    return signed, len(batch.seqs)
        with db.transaction(urgent=urgent) as session:
            lock_ledger(session)
            batch = self._prepare(session, up_to)
            if batch is None:
                return None
            signed = self._sign(batch.checkpoint)
            self._write(session, batch, signed)
            return signed, len(batch.seqs)

    def _prepare(self, session: Session, up_to: int | None) -> _Batch | None:
        start, covered, beyond = ledger_head(session)
        held = self._held(session, covered)
        if start != covered:
            raise _Damaged(
                f"the ledger holds {start} leaves but its latest checkpoint covers {covered}",
                None if held is None else held.to_dict(),
                {"size": start},
            )
        if beyond is not None and beyond >= start:
            raise _Damaged(
                f"a journal row holds leaf {beyond} but the ledger has {start} leaves",
                None if held is None else held.to_dict(),
                {"size": start, "leaf": beyond},
            )
        rows = pending_leaves(session, SEAL_BATCH, up_to=up_to)
        if not rows:
            return None
        overlay = _Overlay(SqlHashStore(session), start)
        if held is not None:
            self._check_right_edge(overlay, held)
        tree = MerkleTree(overlay)
        tree.append_leaf_hashes([leaf_hash(data) for _, data in rows])
        checkpoint = Checkpoint(
            origin=self._ctx.config.node_id,
            size=tree.size(),
            root=tree.root(),
            timestamp=format_time(self._ctx.now()),
        )
        return _Batch(start, [seq for seq, _ in rows], overlay.writes, checkpoint)

    @staticmethod
    def _held(session: Session, size: int) -> SignedCheckpoint | None:
        """The latest checkpoint (of ``size`` leaves), or None before the first seal.

        Raises:
            _Damaged: it is malformed.
        """
        row = checkpoint_at(session, size)
        if row is None:
            return None
        try:
            return checkpoint_from_row(row)
        except InvalidInput as exc:
            raise _Damaged(f"the latest checkpoint ({size} leaves) is malformed: {exc}", None, {}) from exc

    def _check_right_edge(self, stored: HashStore, held: SignedCheckpoint) -> None:
        """Refuse unless the stored nodes a seal builds on give the latest signed root.

        Appending reads only the right edge of the tree (the perfect subtrees of the binary
        digits of its size, RFC 9162 §2.1.1), and exactly those give the root of that size:
        recomputing it checks every stored hash the new checkpoint would vouch for. Checking
        sizes alone would sign a new root over a corrupted node.

        Raises:
            _Damaged: the latest checkpoint is not this node's signature, or the stored tree
                no longer gives its root.
        """
        signed = held.checkpoint
        try:
            held.verify(self._ctx.keys.public())
        except VerificationFailed as exc:
            raise _Damaged(
                f"the latest checkpoint ({signed.size} leaves) does not carry this node's signature",
                held.to_dict(),
                {"size": signed.size},
            ) from exc
        if signed.origin != self._ctx.config.node_id:
            raise _Damaged(
                f"the latest checkpoint ({signed.size} leaves) names the node {signed.origin!r}",
                held.to_dict(),
                {"size": signed.size},
            )
        try:
            root: bytes | None = MerkleTree(stored).root(signed.size)
        except IntegrityError:
            root = None
        if root != signed.root:
            found = "lacks a node" if root is None else f"gives the root {root.hex()}"
            raise _Damaged(
                f"the stored tree of {signed.size} leaves {found}, not the signed root "
                f"{signed.root.hex()}: a tree node it builds on was altered or deleted",
                held.to_dict(),
                {"size": signed.size, "root": None if root is None else root.hex()},
            )

    def _sign(self, checkpoint: Checkpoint) -> SignedCheckpoint:
        return SignedCheckpoint(checkpoint, self._ctx.keys.sign(CHECKPOINT_PURPOSE, checkpoint.statement()))

    @staticmethod
    def _write(session: Session, batch: _Batch, signed: SignedCheckpoint) -> None:
        assign_leaves(session, batch.seqs, batch.start)
        SqlHashStore(session).put_many(batch.writes)
        insert_checkpoint(session, checkpoint_row(signed))

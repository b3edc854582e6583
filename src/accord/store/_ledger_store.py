"""The ledger in the database: a SQL :class:`~accord.ledger.HashStore` and the journal's leaves.

The Merkle tree (:mod:`accord.ledger`) is pure; this module gives it a durable store — one
row of ``ledger_nodes`` per perfect-subtree hash, written inside the caller's transaction —
and turns journal rows into leaves:

* :func:`leaf_data` — the exact bytes a journal row stands for, which the tree hashes as a
  leaf (RFC 9162 §2.1.1: MTH({d}) = SHA-256(0x00 || d));
* :func:`pending_leaves` / :func:`assign_leaves` — the rows not sealed yet, in ``seq`` order,
  and numbering them as the next leaves;
* :func:`sealed_rows` — sealed rows by leaf number, for proofs and verification;
* :func:`ledger_head`, :func:`checkpoint_at`, :func:`insert_checkpoint` — what a seal reads
  and writes besides the nodes, each one statement through the driver (a seal runs every
  second and after every FLASH event; SQLAlchemy's statements cost it more than the database);
* :func:`lock_ledger` — serialise sealers (SQLite's ``BEGIN IMMEDIATE`` already does).

Leaves are numbered in the order rows are sealed, never derived from ``seq`` (rolled-back
transactions leave gaps in ``seq``). On PostgreSQL a sequence value is taken at insert and a
transaction may commit after a later one, so ``seq`` order is not commit order there; the
sealer seals only the rows known to be final (:mod:`accord.store._journal_order`), so rows
are still sealed in ``seq`` order.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from sqlalchemy import text
from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlalchemy.orm import Session

from accord.errors import IntegrityError
from accord.store._tables import LedgerCheckpointRow

__all__ = [
    "LedgerHead",
    "SealedRow",
    "SqlHashStore",
    "assign_leaves",
    "checkpoint_at",
    "insert_checkpoint",
    "leaf_data",
    "ledger_head",
    "lock_ledger",
    "pending_leaves",
    "read_snapshot",
    "sealed_rows",
]

_SIZE = "SELECT max(idx) FROM ledger_nodes WHERE level = 0"
_HEAD = (
    "SELECT (SELECT max(idx) FROM ledger_nodes WHERE level = 0), (SELECT max(size) FROM ledger_checkpoints), "
    "(SELECT max(leaf) FROM journal)"
)
_CHECKPOINT = "SELECT size, root, time, origin, signature_json FROM ledger_checkpoints WHERE size = ?"
_ADD_CHECKPOINT = (
    "INSERT INTO ledger_checkpoints (size, root, time, origin, signature_json) VALUES (?, ?, ?, ?, ?)"
)
_encode_text = json.encoder.encode_basestring  # what json.dumps(ensure_ascii=False) writes for a str
_LEAF = '{"action":%s,"actor":%s,"at":%s,"detail":%s,"item_id":%s,"outcome":%s,"seq":%d}'


_WORDS: dict[str, str] = {}
_WORDS_LIMIT = 4096


def _json_text(value: str) -> str:
    if type(value) is str and value.isascii():  # ASCII text is NFC already
        return _encode_text(value)
    if not unicodedata.is_normalized("NFC", value):
        value = unicodedata.normalize("NFC", value)
    return _encode_text(value)


def _json_word(value: str) -> str:
    """:func:`_json_text` of an actor, action or outcome: few distinct ones, each encoded once.

    A seal writes three of them per row; the table is bounded (past it, they are encoded
    every time), and a text that does not encode is never kept.
    """
    found = _WORDS.get(value)
    if found is None:
        found = _json_text(value)
        if len(_WORDS) < _WORDS_LIMIT:
            _WORDS[value] = found
    return found


class StoredEvent(NamedTuple):
    """One journal row as stored (the columns a ledger leaf stands for, in table order)."""

    seq: int
    at: str
    actor: str
    action: str
    item_id: str | None
    outcome: str
    detail_json: str


def leaf_data(row: StoredEvent) -> bytes:
    """The bytes one journal row stands for: the leaf data the ledger hashes.

    Canonical JSON (:func:`accord.canonical.canonical_json`) of the object ``{action, actor,
    at, detail, item_id, outcome, seq}``, with the stored ``detail_json`` text placed as
    ``detail`` byte for byte. :func:`~accord.store.append_event` stores that text in
    canonical JSON, so for every row Accord writes this equals
    :meth:`accord.store.Event.canonical_bytes`, without parsing the detail again (sealing
    must keep up with a busy journal). Any other stored text — even an equivalent spelling —
    gives other bytes, and the verifier reports the row as altered.
    """
    seq, at, actor, action, item_id, outcome, detail_json = row
    words = _WORDS  # an encoded text is never empty: ``or`` falls back only on a miss
    return (
        _LEAF
        % (
            words.get(action) or _json_word(action),
            words.get(actor) or _json_word(actor),
            _json_text(at),
            detail_json,
            "null" if item_id is None else _json_text(item_id),
            words.get(outcome) or _json_word(outcome),
            seq,
        )
    ).encode("utf-8")


def driver_sql(session: Session, statement: str) -> str:
    """``statement`` with ``?`` placeholders in the driver's own style (psycopg: ``%s``)."""
    return statement if session.connection().dialect.paramstyle == "qmark" else statement.replace("?", "%s")


def _fetch(session: Session, statement: str, params: tuple[object, ...]) -> list[tuple[Any, ...]]:
    """All rows of a plain ``?``-style query, as the driver's tuples, in the session's transaction.

    Sealing and verifying read every journal row; SQLAlchemy's result rows would cost more
    than the database does (measured in ``bench/ledger.py``).
    """
    cursor = session.connection().connection.cursor()
    try:
        cursor.execute(driver_sql(session, statement), params)
        return list(cursor.fetchall())
    finally:
        cursor.close()


def _executemany(session: Session, statement: str, rows: Sequence[tuple[object, ...]]) -> None:
    """Run a plain ``?``-style statement once per row, straight through the driver's executemany."""
    session.connection().exec_driver_sql(driver_sql(session, statement), list(rows))


def pending_leaves(session: Session, limit: int, *, up_to: int | None = None) -> list[tuple[int, bytes]]:
    """``(seq, leaf data)`` of up to ``limit`` rows not sealed yet, in ``seq`` order.

    ``up_to``: only rows with ``seq <= up_to`` (on PostgreSQL, the rows known to be final:
    :mod:`accord.store._journal_order`); None: every row the transaction sees.
    """
    columns = "SELECT seq, at, actor, action, item_id, outcome, detail_json FROM journal WHERE leaf IS NULL"
    if up_to is None:
        rows = _fetch(session, f"{columns} ORDER BY seq LIMIT ?", (limit,))
    else:
        rows = _fetch(session, f"{columns} AND seq <= ? ORDER BY seq LIMIT ?", (up_to, limit))
    # The driver's row has the columns of a StoredEvent in its order: no copy into one.
    return [(row[0], leaf_data(row)) for row in rows]  # type: ignore[arg-type]


def assign_leaves(session: Session, seqs: Sequence[int], start: int) -> None:
    """Make the rows ``seqs`` leaves ``start``, ``start + 1``, … (one executemany)."""
    rows = [(start + n, seq) for n, seq in enumerate(seqs)]
    if rows:
        _executemany(session, "UPDATE journal SET leaf = ? WHERE seq = ?", rows)


@dataclass(frozen=True)
class SealedRow:
    """A sealed journal row as the ledger sees it: its leaf number, ``seq`` and leaf data."""

    leaf: int
    seq: int
    data: bytes


def sealed_rows(session: Session, lo: int, hi: int) -> list[SealedRow]:
    """Rows whose leaf number is in ``[lo, hi)``, by leaf (duplicates and gaps as stored)."""
    rows = _fetch(
        session,
        "SELECT leaf, seq, at, actor, action, item_id, outcome, detail_json FROM journal "
        "WHERE leaf >= ? AND leaf < ? ORDER BY leaf, seq",
        (lo, hi),
    )
    return [SealedRow(row[0], row[1], leaf_data(StoredEvent(*row[1:]))) for row in rows]


class LedgerHead(NamedTuple):
    """Where the ledger stands: what a seal checks before it builds on it."""

    leaves: int
    """Leaves in the tree: one past the highest leaf hash (level 0) written."""
    covered: int
    """The size of the latest checkpoint (0 before the first)."""
    highest_leaf: int | None
    """The highest leaf number a journal row holds (None before the first seal)."""


def ledger_head(session: Session) -> LedgerHead:
    """The tree's size, the latest checkpoint's size and the highest leaf number of a row, in one query."""
    leaves, covered, highest = _fetch(session, _HEAD, ())[0]
    return LedgerHead(
        0 if leaves is None else int(leaves) + 1,
        int(covered or 0),
        None if highest is None else int(highest),
    )


def checkpoint_at(session: Session, size: int) -> LedgerCheckpointRow | None:
    """The stored checkpoint of ``size`` leaves, as a row object not attached to ``session``."""
    found = _fetch(session, _CHECKPOINT, (size,))
    if not found:
        return None
    size, root, time, origin, signature_json = found[0]
    return LedgerCheckpointRow(size=size, root=root, time=time, origin=origin, signature_json=signature_json)


def insert_checkpoint(session: Session, row: LedgerCheckpointRow) -> None:
    """Store the checkpoint ``row`` at once, in the caller's transaction.

    Raises:
        sqlalchemy.exc.IntegrityError: a checkpoint of that size is already stored.
    """
    session.connection().exec_driver_sql(
        driver_sql(session, _ADD_CHECKPOINT),
        (row.size, row.root, row.time, row.origin, row.signature_json),
    )


def lock_ledger(session: Session) -> None:
    """Take the ledger's writer lock for the rest of the transaction.

    SQLite: nothing to do, a write transaction holds the database's one write lock from
    ``BEGIN IMMEDIATE`` (:mod:`accord.store._database`). PostgreSQL: an EXCLUSIVE lock on
    ``ledger_checkpoints``, which waits for another sealer but lets readers and journal
    writers through.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE ledger_checkpoints IN EXCLUSIVE MODE"))


def read_snapshot(session: Session) -> None:
    """Make a new transaction read one snapshot throughout; call it before its first statement.

    SQLite: a read transaction already is one (WAL). PostgreSQL: REPEATABLE READ, so that
    the tree's size, the checkpoints and the journal rows a seal or a verification reads
    belong together although sealers commit meanwhile (READ COMMITTED takes a new snapshot
    per statement).
    """
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


class SqlHashStore:
    """A :class:`~accord.ledger.HashStore` over ``ledger_nodes``, inside the caller's transaction.

    The caller's transaction makes each :meth:`put_many` atomic with the rest of the seal
    (leaf numbers and checkpoint), and serialises writers (:func:`lock_ledger`).
    """

    def __init__(self, session: Session) -> None:
        """A store that reads and writes through ``session``."""
        self._session = session
        self._get_sql = driver_sql(session, "SELECT hash FROM ledger_nodes WHERE level = ? AND idx = ?")

    def get(self, level: int, index: int) -> bytes:
        """The node at ``(level, index)``.

        A proof reads up to 2·⌈log2 n⌉+1 nodes one by one: through the driver's cursor
        directly, each read costs a few microseconds instead of a compiled statement's tens.

        Raises:
            KeyError: no such node.
        """
        cursor = self._session.connection().connection.cursor()
        try:
            cursor.execute(self._get_sql, (level, index))
            found = cursor.fetchone()
        finally:
            cursor.close()
        if found is None:
            raise KeyError((level, index))
        return bytes(found[0])

    def level_range(self, level: int, lo: int, hi: int) -> dict[int, bytes]:
        """The nodes of one level with index in ``[lo, hi)``, by index (for verification)."""
        rows = _fetch(
            self._session,
            "SELECT idx, hash FROM ledger_nodes WHERE level = ? AND idx >= ? AND idx < ?",
            (level, lo, hi),
        )
        return {idx: bytes(digest) for idx, digest in rows}

    def put_many(self, items: Iterable[tuple[int, int, bytes]]) -> None:
        """Insert the nodes (one executemany; the caller's transaction makes it all or none).

        Raises:
            IntegrityError: a node is already written (the ledger is append-only).
        """
        rows = sorted(items)  # in key order: SQLite appends to each level instead of seeking
        if not rows:
            return
        try:
            _executemany(self._session, "INSERT INTO ledger_nodes (level, idx, hash) VALUES (?, ?, ?)", rows)
        except SqlIntegrityError as exc:
            raise IntegrityError("a ledger node is already written: the ledger is append-only") from exc

    def size(self) -> int:
        """The number of leaves: one past the highest leaf hash (level 0) written."""
        highest = _fetch(self._session, _SIZE, ())[0][0]
        return 0 if highest is None else int(highest) + 1

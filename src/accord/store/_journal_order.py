"""Journal order on PostgreSQL: which rows are final, so that the ledger seals them in ``seq`` order.

On SQLite every write transaction holds the database's one write lock from ``BEGIN
IMMEDIATE`` to its commit, so rows commit in ``seq`` order and a sealer never sees row 11
before row 10. On PostgreSQL ``seq`` comes from a sequence when the row is inserted and
transactions commit in any order: a sealer that sealed every row it can see would seal 11,
then 10. ADR 0009 (``docs/adr/0009-one-sealer-and-journal-order-on-postgresql.md``) weighs
the ways out; this module is the one chosen:

* a **writer** (:func:`~accord.store.append_event`, :func:`~accord.store.append_events`)
  takes, right before its first journal insert in a transaction, a transaction-level
  *shared* advisory lock (:func:`hold_journal_order`): writers never wait for each other,
  and the lock is released when the transaction commits or rolls back;
* a **sealer** reads the sequence's last value ``S`` (every ``seq`` up to ``S`` has been
  handed out), then the transactions holding that lock (:func:`journal_horizon`); a row with
  ``seq <= S`` belongs to one of them or is already committed (its writer took the lock
  before the insert that took its ``seq``). Once none of them holds it any more
  (:func:`journal_writers`), every row up to ``S`` is final — committed or rolled back for
  good — and the sealer seals the unsealed rows up to ``S`` in ``seq`` order. Nothing
  waits for the sealer: it only reads ``pg_locks``.

The argument needs the sequence to hand out values in the order they are asked for
(``CACHE 1``, as the migrations create it). The lock is per schema
(``hashtext(current_schema())``): nodes in other schemas of the same database (the tests) do
not see each other's writers.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.orm import Session, SessionTransaction

__all__ = ["JournalHorizon", "hold_journal_order", "journal_horizon", "journal_writers"]

_CLASS = 0x41434A4F
"""The first key of the journal-order lock ('ACJO'); the second is the schema's hash."""
_TAKE = text("SELECT pg_advisory_xact_lock_shared(:cls, hashtext(current_schema()))").bindparams(cls=_CLASS)
_LAST_SEQ = text("SELECT pg_sequence_last_value(pg_get_serial_sequence('journal', 'seq')::regclass)")
_HOLDERS = (
    "SELECT virtualtransaction FROM pg_locks WHERE locktype = 'advisory' AND granted"
    " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
    " AND classid = :cls AND objid = hashtext(current_schema())::oid AND objsubid = 2"
)
_ALL_HOLDERS = text(_HOLDERS).bindparams(cls=_CLASS)
_KEY = "accord.journal_order"


def _postgresql(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def hold_journal_order(session: Session) -> None:
    """Before a journal insert: hold the writers' share of the journal-order lock (PostgreSQL).

    Taken once per transaction. A lock taken inside a savepoint that was rolled back is
    released with it, so the transactions it was taken in are remembered and it is taken
    again unless the current one or one it is nested in holds it. SQLite: nothing to do.
    """
    if not _postgresql(session):
        return
    current: SessionTransaction | None = session.get_nested_transaction() or session.get_transaction()
    holding: list[SessionTransaction] = session.info.setdefault(_KEY, [])
    here = current
    while here is not None:
        if any(here is held for held in holding):
            return
        here = here.parent
    session.execute(_TAKE)
    if current is not None:
        holding.append(current)


@dataclass(frozen=True)
class JournalHorizon:
    """Where the journal's final rows end, once its writers have finished.

    Attributes:
        seq: Every ``seq`` up to this one has been handed out (0: none yet).
        writers: The transactions (``pg_locks.virtualtransaction``) that may still hold
            one of them uncommitted.
    """

    seq: int
    writers: frozenset[str]


def journal_horizon(session: Session) -> JournalHorizon:
    """The last ``seq`` handed out and the writers that may hold one up to it (PostgreSQL only).

    The sequence is read first: a writer that took a ``seq`` up to it took the lock before,
    so it is among the holders read next unless it has already ended.
    """
    last = session.execute(_LAST_SEQ).scalar()
    holders = session.execute(_ALL_HOLDERS).scalars().all()
    return JournalHorizon(int(last or 0), frozenset(str(h) for h in holders))


def journal_writers(session: Session, among: frozenset[str]) -> frozenset[str]:
    """Those of the transactions ``among`` that still hold the journal-order lock (PostgreSQL only)."""
    if not among:
        return frozenset()
    holders = session.execute(_ALL_HOLDERS).scalars().all()
    return frozenset(str(h) for h in holders) & among

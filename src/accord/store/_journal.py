"""The event journal: an append-only record of every security-relevant action.

Each row says who did what, when, to which item, with what outcome, and a JSON detail.
:meth:`Event.canonical_bytes` is the exact byte string a row stands for; the Merkle ledger
(:func:`~accord.store.leaf_data`) hashes it as a leaf, so it must never depend on the backend.

Every action of the node journals, so appending is a hot path: :func:`append_event` and
:func:`append_events` write through the driver (one ``INSERT``, or one ``executemany``)
instead of building an ORM object per event and flushing it: 30 µs of CPU per event instead
of 75–80 in ``bench/ledger.py --durable-only``, commit included (``bench/RESULTS.md``,
2026-12-03). The row is written at once, in the caller's transaction, so it is numbered in
the order of the calls.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import cast

from sqlalchemy import ColumnElement, Connection, and_, or_, select
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from accord.canonical import canonical_json
from accord.store._journal_order import hold_journal_order
from accord.store._journal_watch import note_journalled
from accord.store._ledger_store import StoredEvent, driver_sql
from accord.store._tables import JournalRow

__all__ = [
    "SHOWING_ACTIONS",
    "Event",
    "NewEvent",
    "about_item",
    "append_event",
    "append_events",
    "format_stamp",
    "read_events",
    "showed_item",
]

SHOWING_ACTIONS = ("item.list", "item.inbox", "item.access", "item.search")
"""Batched decisions whose ``detail.permitted`` names the items they showed a person (a listing;
a search's result page, with each item's title and a snippet of its text). Their ``item_id``
is empty: they are about several items."""

_HELD = "accord.journal.connection"
_INSERT = "INSERT INTO journal (at, actor, action, item_id, outcome, detail_json) VALUES (?, ?, ?, ?, ?, ?)"


def format_stamp(moment: datetime) -> str:
    """A stored time: RFC 3339 UTC with microseconds, fixed width."""
    utc = moment.astimezone(UTC)
    if utc.year < 1000:  # strftime writes such a year unpadded; keep what it always wrote
        return utc.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    # What that strftime writes, in half the time (every journal event is stamped).
    return "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ" % (  # noqa: UP031 - the fastest spelling here
        utc.year,
        utc.month,
        utc.day,
        utc.hour,
        utc.minute,
        utc.second,
        utc.microsecond,
    )


@dataclass(frozen=True)
class Event:
    """One journal entry as read back."""

    seq: int
    at: str
    actor: str
    action: str
    item_id: str | None
    outcome: str
    detail: Mapping[str, object]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "item_id": self.item_id,
            "outcome": self.outcome,
            "detail": dict(self.detail),
        }

    def canonical_bytes(self) -> bytes:
        """The bytes this event stands for (future ledger leaf)."""
        return canonical_json(self.to_dict())


@dataclass(frozen=True)
class NewEvent:
    """One event to append: who did what, when, to which item, with what outcome.

    The journal gives it its ``seq`` when the row is written; :class:`Event` is the same
    entry as read back.
    """

    at: datetime
    actor: str
    action: str
    outcome: str
    item_id: str | None = None
    detail: Mapping[str, object] = field(default_factory=dict)


def _columns(event: NewEvent) -> tuple[str, str, str, str | None, str, str]:
    """The stored columns of ``event``, in the order of ``_INSERT``: its detail as canonical JSON."""
    return (
        format_stamp(event.at),
        event.actor,
        event.action,
        event.item_id,
        event.outcome,
        canonical_json(event.detail).decode("utf-8"),
    )


def append_event(session: Session, event: NewEvent, *, flush: bool = True) -> StoredEvent:
    """Append one event inside the caller's transaction; return the row as stored, with its ``seq``.

    The row is inserted at once (one statement through the driver), so events are numbered
    in the order they are appended. On PostgreSQL the transaction first holds the writers'
    share of the journal-order lock (:mod:`accord.store._journal_order`), so that the ledger
    seals rows in ``seq`` order although transactions commit out of it. ``flush`` first
    flushes the ORM objects the session holds pending, as an ORM insert of the row did;
    ``flush=False`` leaves them to the transaction's end.

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the database failed (:meth:`~accord.store.Database.transaction`
            raises it as a :class:`~accord.errors.StorageError`).
    """
    columns = _columns(event)
    note_journalled(session, event.action, event.item_id, event.outcome)
    if flush:
        session.flush()
    connection, raw = _connection_of(session)
    if raw is not None:
        seq = _insert_sqlite(raw, connection, columns)
    else:
        hold_journal_order(session)
        returning = driver_sql(session, _INSERT + " RETURNING seq")
        seq = connection.exec_driver_sql(returning, columns).scalar_one()
    return StoredEvent(int(seq), *columns)


def _connection_of(session: Session) -> tuple[Connection, sqlite3.Connection | None]:
    """The connection of the session's transaction, and on SQLite the driver's connection under it.

    Looked up once per transaction and kept in ``session.info`` beside the transaction it
    belongs to: ``session.connection()`` costs more than a third of the insert on SQLite, and
    a transaction holds one connection from its start to its end. The kept transaction
    object also keeps its identity from being reused by a later transaction of the session.
    """
    transaction = session.get_transaction()
    held = session.info.get(_HELD)
    if held is not None and held[0] is transaction:
        return held[1], held[2]
    connection = session.connection()
    raw = (
        cast(sqlite3.Connection, connection.connection.dbapi_connection)  # the dialect is pysqlite
        if connection.dialect.name == "sqlite"
        else None
    )
    session.info[_HELD] = (session.get_transaction(), connection, raw)
    return connection, raw


def _insert_sqlite(raw: sqlite3.Connection, connection: Connection, columns: tuple[object, ...]) -> int:
    """Insert one row on SQLite straight through the driver's connection; its rowid is the seq.

    ``exec_driver_sql`` costs twice the insert itself in Python (execution context, result
    object); the row is the same. A driver error is raised as SQLAlchemy's own wrapping of it,
    as ``exec_driver_sql`` would (SQLite has no lost connection to invalidate).
    """
    try:
        cursor = raw.execute(_INSERT, columns)
    except sqlite3.Error as exc:
        raise DBAPIError.instance(_INSERT, columns, exc, sqlite3.Error, dialect=connection.dialect) from exc
    seq = cast(int, cursor.lastrowid)  # an INSERT sets it
    cursor.close()
    return seq


def append_events(session: Session, events: Iterable[NewEvent]) -> int:
    """Append events in order inside the caller's transaction, in one ``executemany``; return how many.

    For a loop that journals many events in one transaction (a delivery batch, a batch of
    receipts): the rows are numbered in the order given, as by as many :func:`append_event`
    calls, at a fraction of their cost. The session's pending ORM objects are left to the
    transaction's end (as ``append_event(…, flush=False)``).

    Raises:
        sqlalchemy.exc.SQLAlchemyError: the database failed (:meth:`~accord.store.Database.transaction`
            raises it as a :class:`~accord.errors.StorageError`).
    """
    rows = []
    for event in events:
        rows.append(_columns(event))
        note_journalled(session, event.action, event.item_id, event.outcome)
    if rows:
        hold_journal_order(session)
        session.connection().exec_driver_sql(driver_sql(session, _INSERT), rows)
    return len(rows)


def read_events(
    session: Session,
    *,
    item_id: str | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> Iterator[Event]:
    """Events in order, optionally only those about one item or of one action."""
    query = select(JournalRow).order_by(JournalRow.seq)
    if item_id is not None:
        query = query.where(JournalRow.item_id == item_id)
    if action is not None:
        query = query.where(JournalRow.action == action)
    if limit is not None:
        query = query.limit(limit)
    for row in session.scalars(query):
        yield event_of(row)


def event_of(row: JournalRow) -> Event:
    """The event a journal row holds, its ``detail`` read back from JSON."""
    return Event(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        item_id=row.item_id,
        outcome=row.outcome,
        detail=json.loads(row.detail_json),
    )


def showed_item(item_id: str) -> ColumnElement[bool]:
    """The journal rows of a :data:`SHOWING_ACTIONS` event whose ``detail.permitted`` names ``item_id``.

    The detail is canonical JSON (keys sorted, no spaces), and ``permitted`` is its only list of
    item ids: an id in it is followed by ``,`` or ``]``, never by ``:`` as the id of an item a
    decision ``withheld`` is. So the stored format needs no column of its own.
    """
    quoted = json.dumps(item_id, ensure_ascii=False)
    return and_(
        JournalRow.action.in_(SHOWING_ACTIONS),
        JournalRow.outcome == "ok",
        or_(
            JournalRow.detail_json.contains(quoted + ",", autoescape=True),
            JournalRow.detail_json.contains(quoted + "]", autoescape=True),
        ),
    )


def about_item(item_id: str) -> ColumnElement[bool]:
    """The journal rows about ``item_id``: its own events, and the listings and searches that showed it."""
    return or_(JournalRow.item_id == item_id, showed_item(item_id))

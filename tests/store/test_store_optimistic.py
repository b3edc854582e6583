"""Database.transaction(optimistic=True): reads without SQLite's write lock, which it takes only
to write, and refuses (WriteContended, nothing written) when another writer got in first (issue 14)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select

from accord.errors import StorageError
from accord.store import Database, JournalRow, NewEvent, WriteContended, append_event, read_events

NOW = datetime(2026, 12, 4, 22, 0, tzinfo=UTC)


def _event(actor: str) -> NewEvent:
    return NewEvent(at=NOW, actor=actor, action="x", outcome="ok")


def _actors(db: Database) -> list[str]:
    with db.transaction(read_only=True) as session:
        return [e.actor for e in read_events(session)]


def _read_then_write(db: Database, meanwhile: Callable[[], None] = lambda: None) -> None:
    with db.transaction(optimistic=True) as session:
        assert session.scalar(select(func.count()).select_from(JournalRow)) == 0  # read: no lock
        meanwhile()
        append_event(session, _event("optimistic"))


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    db = Database(f"sqlite+pysqlite:///{tmp_path / 'o.db'}")
    db.migrate()
    yield db
    db.dispose()


def test_with_nothing_in_its_way_it_commits(sqlite_db: Database) -> None:
    with sqlite_db.transaction(optimistic=True) as session:
        assert session.scalar(select(func.count()).select_from(JournalRow)) == 0
        append_event(session, _event("routine"))
    assert _actors(sqlite_db) == ["routine"]


def test_it_reads_while_another_writer_holds_the_lock_and_is_refused_at_its_first_write(
    sqlite_db: Database,
) -> None:
    holding, done = threading.Event(), threading.Event()

    def hold() -> None:
        with sqlite_db.transaction() as session:
            append_event(session, _event("holder"))
            holding.set()
            done.wait(10)

    holder = threading.Thread(target=hold)
    holder.start()
    try:
        assert holding.wait(10)
        started = time.monotonic()
        with pytest.raises(WriteContended):
            _read_then_write(sqlite_db)  # an ordinary transaction would wait 10 s for the lock
        assert time.monotonic() - started < 5
    finally:
        done.set()
        holder.join()
    assert _actors(sqlite_db) == ["holder"]


def test_it_is_refused_when_another_writer_committed_after_its_first_read(
    sqlite_db: Database, tmp_path: Path
) -> None:
    other = Database(f"sqlite+pysqlite:///{tmp_path / 'o.db'}")  # another pool, as another process's

    def commit_elsewhere() -> None:  # while the optimistic transaction's snapshot is open
        with other.transaction() as elsewhere:
            append_event(elsewhere, _event("elsewhere"))

    try:
        with pytest.raises(WriteContended):
            _read_then_write(sqlite_db, commit_elsewhere)  # what it read is no longer current
    finally:
        other.dispose()
    assert _actors(sqlite_db) == ["elsewhere"]


def test_it_is_a_storage_error_and_other_errors_are_not_it(sqlite_db: Database) -> None:
    assert issubclass(WriteContended, StorageError)

    def write_nowhere() -> None:
        with sqlite_db.transaction(optimistic=True) as session:
            session.execute(select(func.count()).select_from(JournalRow))
            session.connection().exec_driver_sql("INSERT INTO no_such_table VALUES (1)")

    with pytest.raises(StorageError) as raised:
        write_nowhere()
    assert not isinstance(raised.value, WriteContended)

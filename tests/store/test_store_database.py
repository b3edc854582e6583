"""Database.transaction: all or nothing; SQLAlchemy errors become StorageError; SQLite in WAL."""

from __future__ import annotations

import threading
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from accord.errors import NotFound, StorageError
from accord.store import (
    Database,
    JournalRow,
    NewEvent,
    PartyRow,
    UserRow,
    append_event,
    read_events,
    sqlite_url,
)

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def _party(node_id: str) -> PartyRow:
    return PartyRow(node_id=node_id, party="KOR", card_json="{}", fingerprint="f", pinned_at="t")


def _user(name: str) -> UserRow:
    return UserRow(
        name=name,
        role="analyst",
        scheme="KOR",
        clearance="대외비",
        ntk_json="[]",
        nationality="KOR",
        created_at="t",
    )


def _count(db: Database, model: type[PartyRow] | type[UserRow] | type[JournalRow]) -> int:
    with db.transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def test_a_transaction_commits_when_the_block_ends(db: Database) -> None:
    with db.transaction() as session:
        session.add(_party("kor-mnd"))
        session.add(_user("kim"))
    assert (_count(db, PartyRow), _count(db, UserRow)) == (1, 1)


def _write_then_fail(db: Database, error: Exception) -> None:
    with db.transaction() as session:
        session.add(_party("kor-mnd"))
        session.flush()  # really written inside the transaction …
        session.add(_user("kim"))
        session.flush()
        raise error


def test_an_accord_error_rolls_everything_back_and_passes_through(db: Database) -> None:
    with pytest.raises(NotFound, match="stop here"):
        _write_then_fail(db, NotFound("stop here"))
    assert (_count(db, PartyRow), _count(db, UserRow)) == (0, 0)  # … and nothing half-written


def test_a_foreign_error_rolls_back_too(db: Database) -> None:
    with pytest.raises(RuntimeError, match="boom"):
        _write_then_fail(db, RuntimeError("boom"))
    assert (_count(db, PartyRow), _count(db, UserRow)) == (0, 0)


def test_a_database_error_is_a_storage_error_and_nothing_is_half_written(db: Database) -> None:
    with db.transaction() as session:
        session.add(_party("kor-mnd"))

    def duplicate() -> None:
        with db.transaction() as session:
            session.add(_user("kim"))
            session.flush()
            session.add(_party("kor-mnd"))  # duplicate primary key

    with pytest.raises(StorageError, match=r"database error: IntegrityError") as caught:
        duplicate()
    assert caught.value.__cause__ is not None
    assert (_count(db, PartyRow), _count(db, UserRow)) == (1, 0)


def test_a_failed_commit_is_a_storage_error(db: Database) -> None:
    def twice() -> None:
        with db.transaction() as session:
            session.add(_party("kor-mnd"))
            session.add(_party("kor-mnd"))  # fails only when flushed at commit

    with pytest.raises(StorageError, match="database error"):
        twice()
    assert _count(db, PartyRow) == 0


def test_bad_sql_is_a_storage_error(db: Database) -> None:
    with pytest.raises(StorageError, match="database error"), db.transaction() as session:
        session.execute(text("SELECT * FROM no_such_table"))


def test_the_database_is_usable_after_a_failure(db: Database) -> None:
    with pytest.raises(StorageError), db.transaction() as session:
        session.execute(text("SELECT * FROM no_such_table"))
    with db.transaction() as session:
        session.add(_party("kor-mnd"))
    assert _count(db, PartyRow) == 1


def test_sqlite_runs_in_wal_mode_with_foreign_keys(tmp_path: Path) -> None:
    db = Database(sqlite_url(tmp_path / "node.db"))
    try:
        db.migrate()
        with db.engine.connect() as conn:
            assert conn.execute(text("PRAGMA journal_mode")).scalar_one() == "wal"
            assert conn.execute(text("PRAGMA foreign_keys")).scalar_one() == 1
            assert conn.execute(text("PRAGMA synchronous")).scalar_one() == 2  # FULL
        assert (tmp_path / "node.db-wal").exists()
    finally:
        db.dispose()


def test_sqlite_url_names_the_file(tmp_path: Path) -> None:
    assert sqlite_url(tmp_path / "a.db") == f"sqlite+pysqlite:///{tmp_path / 'a.db'}"


def test_an_urgent_transaction_waits_for_the_write_lock_then_takes_it(tmp_path: Path) -> None:
    db = Database(f"sqlite+pysqlite:///{tmp_path / 'u.db'}")
    db.migrate()
    holding = threading.Event()

    def hold() -> None:
        with db.transaction() as session:
            append_event(session, NewEvent(at=NOW, actor="routine", action="x", outcome="ok"))
            holding.set()
            time.sleep(0.3)

    worker = threading.Thread(target=hold)
    worker.start()
    holding.wait(5)
    with db.transaction(urgent=True) as session:
        append_event(session, NewEvent(at=NOW, actor="flash", action="x", outcome="ok"))
    worker.join()
    with db.transaction(read_only=True) as session:
        assert [e.actor for e in read_events(session)] == ["routine", "flash"]
        # the connection's normal busy timeout is back after the urgent begin
        assert session.execute(text("PRAGMA busy_timeout")).scalar() == 10000
    db.dispose()


def test_a_change_watch_sees_commits_of_other_connections_and_nothing_else(
    db: Database, node_database_url: str
) -> None:
    """Issue 10 item 4: idle loops look with one PRAGMA (SQLite) or the commit listener's count
    (PostgreSQL, issue 14), not a query in a transaction."""
    watch = db.watch()
    other = Database(node_database_url)  # another pool: as another process's would be

    def changed() -> bool:
        # SQLite's data_version moves at the commit; a PostgreSQL notification arrives just after.
        deadline = time.monotonic() + (0 if db.dialect == "sqlite" else 5)
        while True:
            if watch.changed():
                return True
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.01)

    try:
        assert watch.changed()  # the first look: unknown, so look
        assert not watch.changed()
        with db.transaction(read_only=True) as session:
            session.scalar(select(func.count()).select_from(PartyRow))
        time.sleep(0.2 if db.dialect != "sqlite" else 0)
        assert not watch.changed()  # a read commits nothing
        with other.transaction() as session:
            session.add(_party("kor-mnd"))
        assert changed()
        time.sleep(0.2 if db.dialect != "sqlite" else 0)
        assert not watch.changed()
        with db.transaction() as session:
            session.add(_party("usa-dod"))
        assert changed()
    finally:
        watch.close()
        other.dispose()


def test_a_poke_ends_a_wait_for_commit_without_counting_a_commit(db: Database) -> None:
    """A worker stopping pokes the loops resting on the commit signal (issue 14)."""
    seen = db.commits()
    woken: list[int] = []
    waiter = threading.Thread(target=lambda: woken.append(db.wait_for_commit(seen, 60.0)))
    waiter.start()
    time.sleep(0.2)  # let it wait (a poke before the wait would be missed: the wait then times out)
    db.poke()
    waiter.join(10)
    assert not waiter.is_alive()
    assert woken == [seen]  # woken, and no commit counted
    assert db.commits() == seen


def test_only_a_commit_that_queued_work_ends_a_wait_for_a_queued_commit(db: Database) -> None:
    """The delivery supervisor waits for envelopes queued, not for every commit (the journal's)."""
    seen = db.queued_commits()
    woken: list[int] = []
    waiter = threading.Thread(target=lambda: woken.append(db.wait_for_commit(seen, 60.0, queued=True)))
    waiter.start()
    with db.transaction() as session:
        session.add(_party("kor-mnd"))  # a commit that queued nothing
    waiter.join(0.5)
    assert waiter.is_alive()
    assert woken == []
    assert db.queued_commits() == seen
    with db.transaction() as session:
        session.add(_party("usa-dod"))
        Database.queued(session)
    waiter.join(10)
    assert woken == [seen + 1]
    with db.transaction(read_only=True) as session:
        Database.queued(session)  # a read commits nothing, whatever it says
    assert db.queued_commits() == seen + 1

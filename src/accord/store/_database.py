"""The node's database: SQLite (WAL) by default, any SQLAlchemy URL (PostgreSQL) by config.

Every unit of work runs in one transaction (:meth:`Database.transaction`): either all of
it is written or none of it. Schema changes are Alembic migrations, applied by
:meth:`Database.migrate` when a node opens its database.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from sqlalchemy import Engine, create_engine, event, inspect, text
from sqlalchemy.exc import IntegrityError as SqlIntegrityError
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from accord.errors import AccordError, Conflict, StorageError
from accord.store._change_watch import ChangeWatch
from accord.store._commit_bell import BellAnswer, CommitBell
from accord.store._commit_listener import NOTIFY_COMMIT, CommitListener
from accord.store._journal_watch import JournalWatchers, Listener

if TYPE_CHECKING:
    from alembic.config import Config

__all__ = [
    "HEAD_REVISION",
    "ChangeWatch",
    "Database",
    "WriteContended",
    "savepoint",
    "script_head_revision",
    "sqlite_url",
]

HEAD_REVISION: Final = "0019"
"""The newest migration this Accord ships (a test checks it against Alembic's script directory).

Opening a node compares it with the database's revision and loads Alembic only when they
differ: Alembic and its migration scripts take longer to import than a short command runs.
Were it ever stale, the open would merely run Alembic's upgrade, which finds nothing to do."""

_log = logging.getLogger("accord.store")
_MIGRATIONS = Path(__file__).parent / "migrations"
_UNCHANGED = "accord_unchanged"
_QUEUED = "accord_queued"
_FLASH = "accord_flash"
_BUSY_TIMEOUT_MS = 10000


def sqlite_url(path: Path) -> str:
    """The SQLAlchemy URL of a SQLite database file."""
    return f"sqlite+pysqlite:///{path}"


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # Let SQLAlchemy's "begin" event issue BEGIN IMMEDIATE (below) instead of pysqlite's
    # implicit deferred BEGIN: several threads (peer API, delivery lanes) write at once, and a
    # deferred transaction that reads and then writes fails with SQLITE_BUSY at once when
    # another writer committed in between; an immediate one waits for the lock instead.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.close()


def _sqlite_begin_immediate(connection: Any) -> None:
    # Reads take no lock (WAL readers see a snapshot); writes take the write lock at once,
    # except optimistic ones, which take it at their first write (Database.transaction).
    options = connection.get_execution_options()
    if options.get("accord_read_only") or options.get("accord_optimistic"):
        connection.exec_driver_sql("BEGIN")
    elif options.get("accord_urgent"):
        _begin_urgent(connection)
    else:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


_URGENT_WAIT = 10.0
_URGENT_POLL = 0.0005


def _begin_urgent(connection: Any) -> None:
    """Take the write lock for FLASH work ahead of routine writers (ACP 121 pre-emption).

    SQLite's own busy handler sleeps longer and longer (up to 100 ms) between attempts, so
    under steady routine writes a waiting FLASH transaction can starve for seconds. An
    urgent transaction instead polls every half millisecond, which in practice wins the
    lock the moment it is released.
    """
    raw = connection.connection.dbapi_connection
    raw.execute("PRAGMA busy_timeout=0")
    deadline = time.monotonic() + _URGENT_WAIT
    try:
        while True:
            try:
                raw.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise
                time.sleep(_URGENT_POLL)
    finally:
        raw.execute(f"PRAGMA busy_timeout={_BUSY_TIMEOUT_MS}")


_UNIQUE_VIOLATION = "23505"  # PostgreSQL's SQLSTATE unique_violation


class WriteContended(StorageError):
    """An optimistic transaction could not write: another writer held SQLite's write lock, or
    committed after this transaction's first read (its reads are stale). Nothing was written;
    the caller runs the work again in an ordinary transaction (it never reaches a user)."""


def _lost_write_race(exc: SQLAlchemyError) -> bool:
    """Whether ``exc`` is SQLite's SQLITE_BUSY (or BUSY_SNAPSHOT): the lock was not to be had."""
    orig = getattr(exc, "orig", None)
    return isinstance(orig, sqlite3.OperationalError) and orig.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY


@contextmanager
def savepoint(session: Session) -> Iterator[Session]:
    """A savepoint of ``session``: an error in it undoes only its work.

    A row that another transaction stored first under the same unique key (two workers
    receiving the same message at once, on PostgreSQL) is a :class:`~accord.errors.Conflict`,
    so the caller can look again at what is now stored rather than check first and race.

    Raises:
        Conflict: a unique key was taken meanwhile (the savepoint is rolled back).
    """
    try:
        with session.begin_nested():
            yield session
    except SqlIntegrityError as exc:
        original = exc.orig
        if getattr(original, "sqlstate", None) == _UNIQUE_VIOLATION or "UNIQUE constraint failed" in str(
            original
        ):
            raise Conflict(f"stored meanwhile by another transaction: {original}") from exc
        raise


class Database:
    """A node's database connection pool and transactions."""

    def __init__(self, url: str, *, bell: Path | None = None) -> None:
        """Connect (lazily) to ``url``; on SQLite, ring the serving processes' sockets in ``bell``
        after a commit that queues FLASH work (:mod:`accord.store._commit_bell`).

        Raises:
            StorageError: the URL cannot be used.
        """
        try:
            self.engine: Engine = create_engine(url)
        except (SQLAlchemyError, ImportError, ValueError) as exc:
            raise StorageError(f"cannot use database URL: {exc}") from exc
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
            event.listen(self.engine, "begin", _sqlite_begin_immediate)
        self._read_engine = self.engine.execution_options(accord_read_only=True)
        self._urgent_engine = self.engine.execution_options(accord_urgent=True)
        self._optimistic_engine = self.engine.execution_options(accord_optimistic=True)
        self._commits = 0
        self._queued = 0
        self._pokes = 0
        self._rings = 0  # another process's FLASH commits, told by the commit bell
        self._committed = threading.Condition()
        # PostgreSQL: every write transaction notifies, one listener per process counts
        # (started by the first watch: only background loops need it).
        self._notify = self.engine.dialect.name == "postgresql"
        self._listener: CommitListener | None = None
        self._listener_lock = threading.Lock()
        self._watchers = JournalWatchers()
        self._bell = CommitBell(bell) if bell is not None and not self._notify else None
        self._answer: BellAnswer | None = None

    @property
    def dialect(self) -> str:
        """The backend's name: ``sqlite`` or ``postgresql``."""
        return self.engine.dialect.name

    def migrate(self) -> None:
        """Bring the schema to the newest Alembic revision.

        Raises:
            StorageError: the database cannot be reached or migrated.
        """
        # Every open brings the schema up to date; when it already is (one read of
        # alembic_version), Alembic is not even imported.
        if self._current_revision() == HEAD_REVISION:
            return
        from alembic import command  # noqa: PLC0415 - only when the schema is behind (see HEAD_REVISION)
        from alembic.util import CommandError  # noqa: PLC0415 - as above

        config = _alembic_config()
        try:
            with self.engine.begin() as connection:
                config.attributes["connection"] = connection
                command.upgrade(config, "head")
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot migrate the database: {exc.__class__.__name__}: {exc}") from exc
        except CommandError as exc:
            # e.g. a database migrated by a newer Accord than this one
            raise StorageError(f"cannot migrate the database: {exc}") from exc

    def _current_revision(self) -> str | None:
        """The schema's Alembic revision, or None if it cannot be read (then migrate fully).

        Alembic's own reading (``MigrationContext.get_current_revision``) in one query, without
        importing Alembic: ``alembic_version`` holds one row per head, and a schema with none
        or several is left to Alembic's upgrade to judge.
        """
        try:
            with self.engine.connect() as connection:
                if not inspect(connection).has_table("alembic_version"):
                    return None
                heads = connection.execute(text("SELECT version_num FROM alembic_version")).scalars().all()
        except SQLAlchemyError:
            return None
        return str(heads[0]) if len(heads) == 1 else None

    def tables(self) -> set[str]:
        """Names of the tables that exist (for checks and tests).

        Raises:
            StorageError: the database cannot be reached.
        """
        try:
            return set(inspect(self.engine).get_table_names())
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot read the database: {exc.__class__.__name__}: {exc}") from exc

    @contextmanager
    def transaction(
        self, *, read_only: bool = False, urgent: bool = False, optimistic: bool = False
    ) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back on any error.

        ``read_only`` transactions take no write lock on SQLite (a WAL snapshot), so
        listings and checks never wait behind a long write; they must not write.
        ``urgent`` ones (FLASH work) take the write lock ahead of routine writers.
        ``optimistic`` ones (SQLite; ignored elsewhere) read from a snapshot without the write
        lock and take it at their first write, which SQLite refuses at once if the snapshot is
        no longer the newest: what was read is then exactly what is current when the writes
        happen, as if the lock had been held throughout, while a routine unit of work's reads
        and checks no longer keep FLASH work from the lock (issue 14).

        Raises:
            WriteContended: (``optimistic`` only) another writer got in first; nothing was
                written, and the caller does the work again in an ordinary transaction.
            ValueError: ``optimistic`` with ``urgent`` or ``read_only`` (a caller's mistake).
            StorageError: the database failed (the work is rolled back).
        """
        if optimistic and (urgent or read_only):
            raise ValueError("an optimistic transaction is neither urgent nor read-only")
        bind = (
            self._read_engine
            if read_only
            else self._urgent_engine
            if urgent
            else self._optimistic_engine
            if optimistic and self.dialect == "sqlite"
            else self.engine
        )
        wrote = not read_only
        queued = False
        noted = None
        try:
            with Session(bind, expire_on_commit=False) as session, session.begin():
                if not read_only:
                    noted = self._watchers.begin(session)
                yield session
                wrote = wrote and not session.info.get(_UNCHANGED, False)
                queued = wrote and session.info.get(_QUEUED, False)
                flash = queued and session.info.get(_FLASH, False)
                if self._notify and wrote:
                    session.execute(NOTIFY_COMMIT)  # delivered to every worker if it commits
        except AccordError:
            raise
        except SQLAlchemyError as exc:
            if optimistic and _lost_write_race(exc):
                raise WriteContended(f"another writer got in first: {getattr(exc, 'orig', exc)}") from exc
            raise StorageError(
                f"database error: {exc.__class__.__name__}: {getattr(exc, 'orig', None) or exc}"
            ) from exc
        if wrote:
            self._count_commit(queued=queued, flash=flash)
        if noted:
            self._watchers.committed(noted)

    def _count_commit(self, *, queued: bool, flash: bool) -> None:
        """Wake this process's waiters; after a FLASH envelope, the other serving processes too."""
        with self._committed:
            self._commits += 1
            self._queued += queued
            self._committed.notify_all()
        if flash and self._bell is not None:
            self._bell.ring(besides=self._answer.name if self._answer else None)

    def after_commit_of(self, actions: Collection[str], listener: Listener) -> None:
        """Call ``listener`` with the ids of the items named by journal events of ``actions``
        each time a write transaction of this process that appended some has committed.

        For what a process keeps of the items (:mod:`accord.store._journal_watch`): a bound
        method is held weakly; the listener runs in the committing thread and cannot fail the
        work. Other processes' commits are not told (their journal events are there to count).
        """
        self._watchers.add(actions, listener)

    @staticmethod
    def queued(session: Session, *, flash: bool = False) -> None:
        """Say that this write transaction queues work for the delivery worker: an envelope in the outbox.

        Its commit also counts in :meth:`queued_commits`, which is what the worker's idle
        supervisor waits for (:meth:`wait_for_commit` with ``queued=True``): the journal's
        commits — every action journals, hundreds a second on a busy node — no longer wake it
        to query the outbox each time. A ``flash`` envelope's commit also wakes the serving
        processes other than this one (:meth:`answer_bell`).
        """
        session.info[_QUEUED] = True
        if flash:
            session.info[_FLASH] = True

    @staticmethod
    def unchanged(session: Session) -> None:
        """Say that this write transaction changed nothing: its commit wakes nobody.

        For a transaction that was opened to write and found nothing to do (a delivery lane
        that another worker is sending, or with nothing due): counting it as a commit would
        wake every waiting loop of every worker, which would look, find nothing, and wake
        them again.
        """
        session.info[_UNCHANGED] = True

    def commits(self, *, rings: bool = False) -> int:
        """How many write transactions this process has committed through this object.

        On PostgreSQL, once a :meth:`watch` was made, it also counts the commits of every
        other process (and this one's twice: harmless). ``rings``: and the bell's (:meth:`answer_bell`).
        """
        with self._committed:
            return self._commits + (self._rings if rings else 0)

    def queued_commits(self) -> int:
        """How many of :meth:`commits` queued work for the delivery worker (:meth:`queued`).

        On PostgreSQL every commit the listener counts from elsewhere counts here too (it
        cannot tell what another process's commit held).
        """
        with self._committed:
            return self._queued

    def wait_for_commit(self, seen: int, timeout: float, *, queued: bool = False, rings: bool = False) -> int:
        """Wait until this process commits a write after ``seen`` (:meth:`commits`), or ``timeout`` seconds.

        ``queued``: wait for a commit that queued work instead (``seen`` and the result are then
        :meth:`queued_commits`); ``rings``: ``commits(rings=True)`` (the FLASH lane). A :meth:`poke`
        ends the wait too (with the count unchanged).

        On SQLite only commits made through this object wake it at once; another process's
        are seen by a :class:`ChangeWatch` (background loops use both: this for no delay in
        process, the watch at a modest interval for ``accord send`` beside ``accord serve``).
        On PostgreSQL every process's commit wakes it (the commit listener).

        Returns:
            The count of commits now (equal to ``seen`` if it timed out).
        """
        with self._committed:
            pokes = self._pokes

            def count() -> int:
                return self._queued if queued else self._commits + (self._rings if rings else 0)

            self._committed.wait_for(lambda: count() != seen or self._pokes != pokes, timeout)
            return count()

    def poke(self) -> None:
        """Wake every :meth:`wait_for_commit` now, as a commit would, without counting one.

        A worker stopping, or told to look at once, pokes the loops that wait for commits
        (they see the commit count unchanged and look at why they were woken).
        """
        with self._committed:
            self._pokes += 1
            self._committed.notify_all()

    def watch(self) -> ChangeWatch:
        """A :class:`ChangeWatch` of this database, for the calling thread."""
        url = self.engine.url
        if self._notify:
            return ChangeWatch(None, self._commit_listener().count)
        path = url.database if url.get_backend_name() == "sqlite" else None
        return ChangeWatch(None if path in (None, "", ":memory:") else path)

    def answer_bell(self, on_ring: Callable[[], None]) -> BellAnswer | None:
        """Be woken at once by another process's FLASH commit (SQLite, a node home's ``run/``).

        A ring counts in :meth:`queued_commits` and ``commits(rings=True)`` (the idle supervisor's and
        the FLASH lane's waits), then calls ``on_ring``; a lost one costs the poll. None without a
        bell (PostgreSQL: the commit listener wakes every process) or if it cannot be made.
        """
        if self._bell is None:
            return None

        def rung() -> None:
            with self._committed:
                self._rings += 1
                self._queued += 1
                self._committed.notify_all()
            on_ring()

        try:
            self._answer = self._bell.answer(rung)
        except OSError as exc:
            _log.warning("no commit bell (%s): another process's FLASH is seen by the poll", exc)
            return None
        return self._answer

    def _commit_listener(self) -> CommitListener:
        with self._listener_lock:
            if self._listener is None:
                self._listener = CommitListener(self.engine, self._committed_elsewhere)
                self._listener.start()
            return self._listener

    def _committed_elsewhere(self) -> None:
        with self._committed:
            self._commits += 1
            self._queued += 1
            self._committed.notify_all()

    def dispose(self) -> None:
        """Stop the commit listener (if any) and close every pooled connection."""
        with self._listener_lock:
            listener, self._listener = self._listener, None
        if listener is not None:
            listener.stop()
        if self._answer is not None:
            self._answer.close()
        if self._bell is not None:
            self._bell.close()
        self.engine.dispose()


def _alembic_config() -> Config:
    from alembic.config import Config  # noqa: PLC0415 - see HEAD_REVISION

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    return config


def script_head_revision() -> str | None:
    """The newest revision among the migration scripts, as Alembic reads them (for tests and tools)."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415 - see HEAD_REVISION

    return ScriptDirectory.from_config(_alembic_config()).get_current_head()

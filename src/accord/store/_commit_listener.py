"""Commits seen across processes on PostgreSQL: ``NOTIFY`` on every write, one ``LISTEN`` per process.

SQLite answers "did anyone commit since I last looked?" with one ``PRAGMA data_version``
(:class:`~accord.store.ChangeWatch`). PostgreSQL has no such counter, so without help every
background loop of every worker would have to query to find out — N workers idling on one
database would poll it many times a second each. Instead every write transaction of
:class:`~accord.store.Database` ends with ``pg_notify('accord_commit', current_schema())``,
which PostgreSQL delivers to the listeners when (and only if) the transaction commits, from
any process on any machine (postgresql.org/docs/current/sql-notify.html). One thread per
process, :class:`CommitListener`, listens on a connection of its own and counts the
notifications for this node's schema; the watches compare that count, and the delivery
lanes wait on it (:meth:`Database.wait_for_commit`), so a commit by another worker wakes
them at once, with no query while nothing happens.

While the listener is not connected (the server restarted, the network failed) it answers
``None`` and the watches fall back to "always look", as before; when it reconnects it counts
one commit, since anything may have been committed meanwhile.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, text

__all__ = ["CHANNEL", "NOTIFY_COMMIT", "CommitListener"]

_log = logging.getLogger("accord.store")

CHANNEL = "accord_commit"
"""The notification channel (one per database; the payload names the node's schema)."""

NOTIFY_COMMIT = text(f"SELECT pg_notify('{CHANNEL}', current_schema())")
"""Run last in every write transaction on PostgreSQL: delivered only if it commits."""

_RECONNECT_SECONDS = 1.0
_WAKE_SECONDS = 1.0  # how often the thread looks whether it should stop


class CommitListener:
    """Counts the commits to one PostgreSQL schema, by any process, from ``LISTEN``."""

    def __init__(self, engine: Engine, on_commit: Callable[[], None]) -> None:
        """Listen for commits to ``engine``'s database, connecting as it does (same schema).

        ``on_commit`` is called in the listener's thread after each commit is counted.
        """
        args, params = engine.dialect.create_connect_args(engine.url)
        self._connect_args: tuple[list[Any], dict[str, Any]] = (list(args), dict(params))
        self._on_commit = on_commit
        self._count = 0
        self._connected = False
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="accord-commit-listener", daemon=True)

    def start(self, timeout: float = 5.0) -> None:
        """Start listening; wait up to ``timeout`` seconds for the first connection."""
        self._thread.start()
        self._ready.wait(timeout)

    def stop(self) -> None:
        """Stop listening (within a second)."""
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(_WAKE_SECONDS + 2)

    def count(self) -> int | None:
        """Commits seen so far, or None while not listening (then nothing can be told)."""
        with self._lock:
            return self._count if self._connected else None

    def _bump(self) -> None:
        with self._lock:
            self._count += 1
        self._on_commit()

    def _run(self) -> None:
        import psycopg  # noqa: PLC0415 - only a node on PostgreSQL needs the driver

        while not self._stop.is_set():
            try:
                args, params = self._connect_args
                with psycopg.connect(*args, **{**params, "autocommit": True}) as conn:
                    row = conn.execute("SELECT current_schema()").fetchone()
                    schema = row[0] if row else None
                    conn.execute(f"LISTEN {CHANNEL}")
                    with self._lock:
                        self._connected = True
                    self._bump()  # anything may have been committed before we listened
                    self._ready.set()
                    while not self._stop.is_set():
                        for note in conn.notifies(timeout=_WAKE_SECONDS):
                            if note.payload == schema:
                                self._bump()
            except psycopg.Error as exc:
                _log.warning("commit listener: %s (retrying in %s s)", exc, _RECONNECT_SECONDS)
            finally:
                with self._lock:
                    self._connected = False
                self._ready.set()
            self._stop.wait(_RECONNECT_SECONDS)

"""Which of a node's processes seals the ledger: the one holding the sealer lock.

Several worker processes of one node may share one PostgreSQL database (``accord serve
--workers N``, or ``accord serve`` on several machines). Sealing is safe from any number of
them at once — sealers are serialised by the database (:func:`~accord.store.lock_ledger`)
and each redoes its work if another got in between — but one sealer per node is what the
design wants: one checkpoint per second, not one per worker, and one process offering it
to the partners. :class:`SealerLock` elects it with a session-level advisory lock
(``pg_try_advisory_lock``) on a connection of its own, held as long as the process lives:
when the process dies — even by ``kill -9`` — its connection drops, PostgreSQL releases
the lock, and the next worker to try takes it over. The connection asks the server to
probe it with TCP keepalives every few seconds (``tcp_keepalives_*``), so a holder whose
machine vanished without closing the connection is noticed within about
:data:`KEEPALIVE_IDLE` + :data:`KEEPALIVE_INTERVAL` × :data:`KEEPALIVE_COUNT` seconds.

On SQLite there is one process per node database that serves (a CLI command beside it seals
under SQLite's write lock like any writer): the lock is always held.

The lock's key is the schema's (a hash of ``current_schema()``): nodes in other schemas of
one database elect their own sealers.
"""

from __future__ import annotations

import hashlib
import logging

from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from accord.errors import StorageError
from accord.store._database import Database

__all__ = ["KEEPALIVE_COUNT", "KEEPALIVE_IDLE", "KEEPALIVE_INTERVAL", "SealerLock"]

KEEPALIVE_IDLE = 5
"""Seconds of silence on the holder's connection before the server probes it."""
KEEPALIVE_INTERVAL = 2
"""Seconds between the server's probes."""
KEEPALIVE_COUNT = 3
"""Unanswered probes after which the server drops the connection, and with it the lock."""

log = logging.getLogger("accord.ledger")


def _key(schema: str) -> int:
    """The lock's 64-bit key for a schema: the first 8 bytes of SHA-256, signed (``bigint``)."""
    return int.from_bytes(hashlib.sha256(f"accord-sealer:{schema}".encode()).digest()[:8], "big", signed=True)


class SealerLock:
    """The node's one sealer among its processes (see the module docstring).

    Not thread-safe: one thread (the worker's sealer) asks it.
    """

    def __init__(self, db: Database) -> None:
        """The sealer lock of the node whose database is ``db`` (nothing is taken until :meth:`hold`)."""
        self._db = db
        self._connection: Connection | None = None
        self._key = 0
        self._held = False

    @property
    def held(self) -> bool:
        """Whether this process held the lock at the last :meth:`hold` (SQLite: always)."""
        return self._db.dialect != "postgresql" or self._held

    def hold(self) -> bool:
        """Hold the lock: keep it if held and its connection still answers, else try to take it.

        A process that does not hold it keeps its connection too, so that trying again every
        second costs one statement.

        Returns:
            True if this process holds it now (SQLite: always), False if another does.

        Raises:
            StorageError: the database cannot be reached (the lock is not held).
        """
        if self._db.dialect != "postgresql":
            return True
        connection = self._connect()
        try:
            if self._held:
                connection.exec_driver_sql("SELECT 1")
            else:
                self._held = bool(
                    connection.execute(text("SELECT pg_try_advisory_lock(:key)"), {"key": self._key}).scalar()
                )
        except SQLAlchemyError as exc:
            if self._held:
                log.warning("the sealer lock's connection dropped: %s", exc)
            self.release()
            raise StorageError(f"cannot take the sealer lock: {exc}") from exc
        return self._held

    def _connect(self) -> Connection:
        """The lock's own connection (out of the pool for as long as this object keeps it)."""
        if self._connection is not None:
            return self._connection
        try:
            connection = self._db.engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except SQLAlchemyError as exc:
            raise StorageError(f"cannot reach the database for the sealer lock: {exc}") from exc
        try:
            self._key = _key(str(connection.exec_driver_sql("SELECT current_schema()").scalar()))
            connection.exec_driver_sql(f"SET tcp_keepalives_idle = {KEEPALIVE_IDLE}")
            connection.exec_driver_sql(f"SET tcp_keepalives_interval = {KEEPALIVE_INTERVAL}")
            connection.exec_driver_sql(f"SET tcp_keepalives_count = {KEEPALIVE_COUNT}")
        except SQLAlchemyError as exc:
            connection.invalidate()
            connection.close()
            raise StorageError(f"cannot prepare the sealer lock's connection: {exc}") from exc
        self._connection = connection
        return connection

    def release(self) -> None:
        """Let the lock go, and close its connection (closed, not pooled: no lock can outlive it)."""
        connection, self._connection, self._held = self._connection, None, False
        if connection is None:
            return
        try:
            # Unlocked at once (the server ends a closed connection's session a moment later).
            connection.exec_driver_sql("SELECT pg_advisory_unlock_all()")
        except SQLAlchemyError as exc:  # already gone: so is the lock
            log.debug("unlocking the sealer lock: %s", exc)
        try:
            connection.invalidate()
            connection.close()
        except SQLAlchemyError as exc:  # already gone: so is the lock
            log.debug("closing the sealer lock's connection: %s", exc)

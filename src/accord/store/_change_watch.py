"""Whether anything was committed to a node's database since a background loop last looked."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

__all__ = ["ChangeWatch"]


class ChangeWatch:
    """Tells, cheaply, whether anything was committed to the database since it last looked.

    Background loops (the delivery supervisor, the sealer) look many times a second; a query
    in a transaction each time is what an idle node spent its CPU on (issue 10 item 4). On
    SQLite one ``PRAGMA data_version`` on a connection of the watch's own answers it: the
    value changes whenever another connection — of this process or another — commits a
    change (sqlite.org/pragma.html#pragma_data_version); the watch itself never writes. On
    PostgreSQL the process's commit listener counts the ``NOTIFY`` every write transaction
    sends (:mod:`accord.store._commit_listener`), from every process. If neither can tell,
    it answers True (look).

    One watch per thread (a SQLite connection stays in the thread that opened it).
    """

    def __init__(self, path: str | None, counter: Callable[[], int | None] | None = None) -> None:
        """Watch the SQLite file at ``path``, or a ``counter`` of commits (None: cannot tell).

        With neither there is no cheap signal: the watch always answers True (look). On
        PostgreSQL the counter is the process's :class:`~accord.store._commit_listener.CommitListener`.
        """
        self._connection: sqlite3.Connection | None = None
        self._version: int | None = None
        self._counter = counter
        if path:
            try:
                self._connection = sqlite3.connect(path, isolation_level=None)
            except sqlite3.Error:
                self._connection = None

    def changed(self) -> bool:
        """True the first time, and whenever a change was committed since the last call."""
        if self._counter is not None:
            count = self._counter()
            if count is None:  # the listener is not connected: look
                self._version = None
                return True
            changed = count != self._version
            self._version = count
            return changed
        if self._connection is None:
            return True
        try:
            row = self._connection.execute("PRAGMA data_version").fetchone()
        except sqlite3.Error:
            return True
        version = int(row[0])
        changed = version != self._version
        self._version = version
        return changed

    def close(self) -> None:
        """Close the watch's connection."""
        if self._connection is not None:
            self._connection.close()
            self._connection = None

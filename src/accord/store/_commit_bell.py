"""A FLASH commit wakes the node's serving processes at once, across processes (SQLite).

A delivery lane at rest sees a commit of its own process at once (:meth:`Database.wait_for_commit`)
and another process's — ``accord send`` beside ``accord serve`` — through a ``PRAGMA data_version``
it polls every 20 ms (:class:`~accord.store.ChangeWatch`). For FLASH that poll was most of the time
between the send and the lane taking the envelope (issue 14). So each serving process binds a Unix
datagram socket in the node's private ``run/`` folder (0700; the socket 0600), and a process that
commits an envelope for the FLASH lane sends one empty datagram to every socket there but its own
(:meth:`CommitBell.ring`). The datagram carries nothing: it only makes the serving process look, as
its poll would have, so a ring that is lost (no socket, a full buffer, a process being restarted)
costs at most the poll, and a forged one costs a look.

Sockets are named by process id and a random token, so several workers and a restarted one never
share a name. One whose process died (``kill -9``) stays as a file no socket is bound to: a ring that
finds it so (``ECONNREFUSED``) removes it, and so does every process that starts answering.
PostgreSQL needs none of this: every write transaction notifies every process (``LISTEN``/``NOTIFY``,
:mod:`accord.store._commit_listener`).
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import socket
import stat
import threading
from collections.abc import Callable
from pathlib import Path

__all__ = ["BellAnswer", "CommitBell"]

_log = logging.getLogger("accord.store")

_SUFFIX = ".sock"
_RING = b"\x01"
_MAX_ADDRESS = 100  # sun_path holds 108 bytes; a longer path is reached through the folder's descriptor
_STALE = (errno.ECONNREFUSED, errno.ENOTSOCK)  # a file no socket is bound to (its process died)


class CommitBell:
    """The wake-up sockets of a node's serving processes, in one private folder."""

    def __init__(self, folder: Path) -> None:
        """Ring and answer through the sockets in ``folder`` (created, 0700, by the first answer)."""
        self.folder = folder
        self._sender: socket.socket | None = None
        self._lock = threading.Lock()

    def ring(self, *, besides: str | None = None) -> int:
        """Send one datagram to every serving process's socket but ``besides`` (this process's own).

        Never fails and never waits: a socket that cannot take it now is left to its process's
        poll; one that no process holds any more is removed.

        Returns:
            How many sockets it reached.
        """
        try:
            names = [
                p.name
                for p in self.folder.iterdir()
                if p.suffix == _SUFFIX and p.name != besides and _ours(p)
            ]
        except OSError:  # no process has answered yet: nobody to wake
            return 0
        if not names:
            return 0
        reached = 0
        # Rung after a commit: whatever fails here (no AF_UNIX in a sandbox, no file descriptor
        # left, the folder gone) must not reach the committer — its work is done, and the
        # serving processes' poll finds it.
        try:
            with self._lock, _Folder(self.folder) as folder:
                if self._sender is None:
                    self._sender = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
                    self._sender.setblocking(False)
                for name in names:
                    try:
                        self._sender.sendto(_RING, folder.address(name))
                        reached += 1
                    except OSError as exc:
                        if exc.errno in _STALE:
                            _remove(self.folder / name)
        except OSError as exc:
            _log.warning("the commit bell did not ring (the serving processes' poll will see it): %s", exc)
        return reached

    def answer(self, on_ring: Callable[[], None]) -> BellAnswer:
        """Bind this process's socket and call ``on_ring`` (in a thread of its own) at each ring.

        Raises:
            OSError: the folder or the socket cannot be made, or the folder is a link or
                not this user's.
        """
        self.folder.mkdir(mode=0o700, exist_ok=True)
        found = os.lstat(self.folder)  # not followed: a link planted as run/ is refused, not chmodded
        if not stat.S_ISDIR(found.st_mode) or found.st_uid != os.geteuid():
            raise OSError(errno.EPERM, f"{self.folder} is not a folder of this user's")
        self.folder.chmod(0o700)
        self.sweep()
        return BellAnswer(self.folder, on_ring)

    def sweep(self) -> int:
        """Remove the sockets no process holds any more; returns how many."""
        removed = 0
        with _Folder(self.folder) as folder:
            for path in self.folder.iterdir():
                if path.suffix != _SUFFIX or not _ours(path):
                    continue
                with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as probe:
                    try:
                        probe.connect(folder.address(path.name))  # sends nothing
                    except OSError as exc:
                        if exc.errno in _STALE:
                            removed += _remove(path)
        return removed

    def close(self) -> None:
        """Close the socket that rings."""
        with self._lock:
            if self._sender is not None:
                self._sender.close()
                self._sender = None


class BellAnswer:
    """This process's socket and the thread that answers it, until :meth:`close`."""

    def __init__(self, folder: Path, on_ring: Callable[[], None]) -> None:
        """Bind a new socket in ``folder`` and start answering."""
        self.name = f"{os.getpid()}-{secrets.token_hex(4)}{_SUFFIX}"
        self._path = folder / self.name
        self._on_ring = on_ring
        self._closing = threading.Event()
        self._socket = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        try:
            with _Folder(folder) as place:
                self._socket.bind(place.address(self.name))
            self._path.chmod(0o600)
        except OSError:
            self._socket.close()
            _remove(self._path)
            raise
        self._thread = threading.Thread(target=self._run, name="accord-commit-bell", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            try:
                self._socket.recv(16)
            except OSError as exc:
                _log.warning("commit bell: %s (the poll goes on)", exc)
                return
            if self._closing.is_set():
                return
            self._on_ring()

    def close(self) -> None:
        """Stop answering and remove the socket (its file too)."""
        if self._closing.is_set():
            return
        self._closing.set()
        self._socket.shutdown(socket.SHUT_RD)  # ends the thread's recv at once
        self._thread.join(2)
        self._socket.close()
        _remove(self._path)


class _Folder:
    """The folder of the sockets, addressed by a path short enough for ``sun_path``."""

    def __init__(self, folder: Path) -> None:
        self._folder = folder
        self._fd: int | None = None

    def __enter__(self) -> _Folder:
        # sun_path counts bytes: a home named in Hangul or kana is longer than it looks.
        if len(os.fsencode(self._folder)) + 40 > _MAX_ADDRESS:  # Linux: /proc/self/fd/N names the folder
            self._fd = os.open(self._folder, os.O_RDONLY | os.O_DIRECTORY)
        return self

    def __exit__(self, *_: object) -> None:
        if self._fd is not None:
            os.close(self._fd)

    def address(self, name: str) -> str:
        return str(self._folder / name) if self._fd is None else f"/proc/self/fd/{self._fd}/{name}"


def _ours(path: Path) -> bool:
    """Whether ``path`` is a socket of this user's (not a link, nor a file that only ends in .sock)."""
    try:
        found = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISSOCK(found.st_mode) and found.st_uid == os.geteuid()


def _remove(path: Path) -> int:
    try:
        path.unlink()
    except OSError:
        return 0
    return 1

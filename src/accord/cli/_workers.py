"""``accord serve --workers N``: N worker processes of one node sharing its listening sockets.

The parent binds the peer API's and the user API's sockets once and starts N ``accord serve``
processes that inherit them (``--worker-sockets``, hidden): each worker accepts connections
on both, and runs the delivery worker, on the node's one PostgreSQL database (ADR 0010). The
kernel hands each new connection to one of the workers waiting in ``accept``; a connection
queued while a worker restarts waits in the shared backlog for another, instead of being
refused as it would be on a port that worker alone had bound. (``SO_REUSEPORT``, the other
way, gives each worker its own queue, whose connections are lost with the worker, and lets any
process of the same user join the port.)

Nothing relies on being in one process tree: the workers share only the database (outbox
claims, advisory locks, the commit notifications), so N ``accord serve`` on N machines
pointed at the same database work alike. The parent only supervises: a worker that exits is
started again, with a log line (and a pause that grows if it keeps failing at once); Ctrl-C
or SIGTERM to the parent stops them all (each worker runs in a session of its own, so the
parent alone decides). A worker whose parent is gone (``kill -9`` of the parent) stops by
itself within a second.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from types import FrameType

from accord.errors import TransportError

__all__ = ["WorkerPool", "exit_with_parent", "inherited_socket", "listen", "worker_command"]

_log = logging.getLogger("accord.serve")

_BACKLOG = 1024  # shared by every worker
_CHECK_SECONDS = 0.2
_QUICK_EXIT_SECONDS = 5.0  # a worker that dies sooner after its start is failing at once
_MAX_PAUSE_SECONDS = 30.0
_STOP_SECONDS = 20.0


def listen(host: str, port: int) -> socket.socket:
    """A socket bound to ``host``:``port`` and listening, that child processes inherit.

    Raises:
        TransportError: the address cannot be bound.
    """
    from accord.api._listening import listening_socket  # noqa: PLC0415 - with the API, when serving

    sock = listening_socket(host, port, backlog=_BACKLOG)
    try:
        sock.set_inheritable(True)
    except OSError as exc:
        sock.close()
        raise TransportError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return sock


def inherited_socket(fd: int) -> socket.socket:
    """The listening socket a worker inherited as file descriptor ``fd``.

    Raises:
        TransportError: ``fd`` is not a listening socket.
    """
    try:
        sock = socket.socket(fileno=fd)
    except OSError as exc:
        raise TransportError(f"file descriptor {fd} is not a socket: {exc}") from exc
    if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ACCEPTCONN) == 0:
        sock.detach()
        raise TransportError(f"file descriptor {fd} is not a listening socket")
    return sock


def exit_with_parent(parent: int) -> None:
    """Stop this worker (as Ctrl-C does) once its parent ``parent`` is gone."""

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(1.0)
        _log.warning("worker %d: the parent %d is gone; stopping", os.getpid(), parent)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=watch, name="accord-parent-watch", daemon=True).start()


class WorkerPool:
    """N worker processes, started again when one exits, until stopped."""

    def __init__(
        self, count: int, command: Callable[[int], list[str]], sockets: Sequence[socket.socket]
    ) -> None:
        """Prepare ``count`` workers; ``command(i)`` is worker ``i``'s command line.

        ``sockets`` are handed to every worker (their file descriptors stay open across
        ``exec``), and closed here when the pool stops.
        """
        self._count = count
        self._command = command
        self._sockets = list(sockets)
        self._procs: dict[int, subprocess.Popen[bytes]] = {}
        self._started: dict[int, float] = {}
        self._failures: dict[int, int] = {}
        self._stopping = False

    @property
    def pids(self) -> dict[int, int]:
        """The process id of each worker now, by index."""
        return {i: p.pid for i, p in self._procs.items()}

    def _spawn(self, index: int) -> None:
        # A session of its own: Ctrl-C at a terminal reaches the parent only, which stops the
        # workers once (a second SIGINT would cut a worker's own orderly stop short).
        self._procs[index] = subprocess.Popen(  # noqa: S603 - our own interpreter and CLI
            self._command(index), pass_fds=[s.fileno() for s in self._sockets], start_new_session=True
        )
        self._started[index] = time.monotonic()

    def run(self) -> None:
        """Start the workers and keep them running until Ctrl-C or SIGTERM; then stop them."""
        previous = signal.signal(signal.SIGTERM, _interrupt)
        try:
            for index in range(self._count):
                self._spawn(index)
            while True:
                time.sleep(_CHECK_SECONDS)
                self._restart_the_dead()
        except KeyboardInterrupt:
            pass
        finally:
            signal.signal(signal.SIGTERM, previous)
            self.stop()

    def _restart_the_dead(self) -> None:
        now = time.monotonic()
        for index, proc in list(self._procs.items()):
            code = proc.poll()
            if code is None:
                continue
            quick = now - self._started[index] < _QUICK_EXIT_SECONDS
            self._failures[index] = self._failures.get(index, 0) + 1 if quick else 0
            pause = min(_MAX_PAUSE_SECONDS, 0.5 * 2 ** self._failures[index]) if quick else 0.0
            how = f"signal {-code}" if code < 0 else f"exit code {code}"
            _log.warning(
                "worker %d (pid %d) ended with %s; starting it again%s",
                index,
                proc.pid,
                how,
                f" in {pause:g} s" if pause else "",
            )
            if pause:
                time.sleep(pause)
            self._spawn(index)

    def stop(self) -> None:
        """Ask every worker to stop (SIGINT, as Ctrl-C), wait, kill what lingers; close the sockets."""
        for proc in self._procs.values():
            if proc.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    proc.send_signal(signal.SIGINT)
        deadline = time.monotonic() + _STOP_SECONDS
        for proc in self._procs.values():
            try:
                proc.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for sock in self._sockets:
            sock.close()


def _interrupt(_signum: int, _frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def worker_command(home: str, serve_args: Sequence[str]) -> list[str]:
    """The command line of one worker: this interpreter, ``accord --home HOME serve ARGS``."""
    return [sys.executable, "-c", "from accord.cli import main; main()", "--home", home, "serve", *serve_args]

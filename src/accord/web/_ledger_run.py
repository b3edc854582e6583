"""The console's ledger verification: one run at a time, in the background, followed by the page.

``node.ledger.verify`` recomputes the whole ledger from the journal; on a large node that takes
long enough that a page must not wait for it. :class:`LedgerRun` starts it in a thread of its
own and keeps what the node's ``progress(done, total)`` hook reports — the same hook the CLI's
progress bar draws (``accord ledger verify``) — for the auditor's page to poll
(``GET /audit/ledger/verify``, an htmx fragment with a ``<progress>``) until the report is in.

One console runs one verification at a time: asking again while one runs follows that run. The
node journals each verification (``ledger.verify``) as the person who started it; the last
finished run stays on the page for everyone who may read the ledger.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, replace

from accord.errors import AccordError
from accord.node import Node
from accord.node.audit import VerifyReport

__all__ = ["LedgerRun", "RunState"]

_log = logging.getLogger("accord.web")


@dataclass(frozen=True)
class RunState:
    """Where a verification stands.

    Attributes:
        actor: Who started it (the journal's actor of its ``ledger.verify`` event).
        done: Leaves checked so far (the node's progress hook).
        total: Leaves to check; 0 until the node has said.
        report: The node's report once it is done, else None.
        error: The node's refusal or failure, in its words, if it could not run.
    """

    actor: str
    done: int = 0
    total: int = 0
    report: VerifyReport | None = None
    error: str | None = None

    @property
    def running(self) -> bool:
        """Whether the verification is still going."""
        return self.report is None and self.error is None


class LedgerRun:
    """One console's ledger verification, run in the background, one at a time."""

    def __init__(self, node: Node) -> None:
        """Verify ``node``'s ledger when asked."""
        self._node = node
        self._lock = threading.Lock()
        self._state: RunState | None = None
        self._thread: threading.Thread | None = None

    def state(self) -> RunState | None:
        """The current or last run, or None if none was started since the console started."""
        with self._lock:
            return self._state

    def start(self, actor: str) -> RunState:
        """Start a verification as ``actor``, unless one is running: then that one's state.

        The caller has checked that ``actor`` may read the ledger (the ``read-journal`` duty).
        """
        with self._lock:
            if self._state is not None and self._state.running:
                return self._state
            self._state = RunState(actor)
            self._thread = threading.Thread(
                target=self._run, args=(actor,), name="accord-ledger-verify", daemon=True
            )
            self._thread.start()
            return self._state

    def wait(self, timeout: float) -> bool:
        """Wait up to ``timeout`` seconds for the run to end; whether none is running."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return thread is None or not thread.is_alive()

    def _advance(self, done: int, total: int) -> None:
        with self._lock:
            if self._state is not None:
                self._state = replace(self._state, done=done, total=total)

    def _run(self, actor: str) -> None:
        try:
            report = self._node.ledger.verify(actor=actor, progress=self._advance)
        except AccordError as exc:
            # A database failure: the page says so in the node's words; the journal has nothing
            # to add (the verification did not complete).
            _log.warning("ledger verification by %s failed: %s", actor, exc)
            with self._lock:
                self._state = replace(self._state or RunState(actor), error=str(exc))
            return
        with self._lock:
            self._state = replace(
                self._state or RunState(actor), done=report.leaves, total=report.leaves, report=report
            )

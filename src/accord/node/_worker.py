"""The delivery worker: one thread per peer and lane, each with its own connection.

FLASH, IMMEDIATE/PRIORITY and ROUTINE envelopes travel in separate lanes with separate
TLS connections, so a FLASH report is never queued behind a ROUTINE batch or an imagery
upload (ACP 121 pre-emption). A supervisor thread notices new (peer, lane) pairs with
pending envelopes and starts their loops; each loop sends what is due (preparing the next
transmission while one travels, :meth:`DeliveryService.deliver_pipelined`) and, when there is
nothing, rests until something is committed or its next envelope is due (when the peer is
down: the outbox row's ``next_attempt_at`` carries the backoff) — it does not query the
outbox while it rests.

A ledger thread seals the journal into the Merkle ledger every second while the worker
runs, and once more when it stops (:meth:`LedgerService.seal`); after a seal it offers the
latest checkpoint to the partners (``publish``: :meth:`WitnessService.publish`): right after a
transmission other than witnessing went out or came in (``NodeContext.exchange_activity``),
otherwise at most every :data:`~accord.node.audit._witness.PUBLISH_SECONDS`. When several
worker processes share the node's PostgreSQL database, only the one holding the
:class:`~accord.store.SealerLock` does this; the others try to take the lock every second
and so take over within about a second of the holder's death (its connection drops).

An idle node costs (almost) nothing (issues 10 item 4, 14): the supervisor and the sealer
look at the database with a :class:`~accord.store.ChangeWatch` (one ``PRAGMA`` on SQLite)
and query the outbox or seal only when something was committed since they last looked —
by this process or another (``accord send`` beside ``accord serve``). While a lane runs or
envelopes are pending the supervisor looks every 0.1 s and a resting lane every
:data:`POLL_SECONDS`, so a FLASH envelope queued by another process waits no longer than
before. Once the node is idle (no lane running, nothing pending) the supervisor waits for a
commit of this process that queues an envelope (``Database.queued``), which wakes it at once —
the journal's commits, hundreds a second on a busy node, do not — and looks for other commits
(another process's, or this one's journal) only every :data:`IDLE_LOOK_SECONDS`: the first
envelope ``accord send`` queues after a quiet spell (more than :data:`IDLE_SECONDS` without
work) waits up to that long before its lane starts.
FLASH work does not wait for the sealer at all: it seals at once (``NodeContext.flash_hooks``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol

from accord.crypto import TlsIdentity, certificate_fingerprint
from accord.errors import AccordError
from accord.exchange import IdentityCard, PeerClient
from accord.limits import MAX_DOCUMENT_BYTES, read_bounded
from accord.node.audit._ledger import LedgerService
from accord.node.audit._witness import PUBLISH_SECONDS
from accord.node.core._context import NodeContext
from accord.node.registry._parties import PartyService
from accord.node.transfer._delivery import DeliveryService, PeerTransport
from accord.store import BellAnswer, ChangeWatch, SealerLock

__all__ = ["ClosableTransport", "DeliveryWorker"]

log = logging.getLogger("accord.delivery")

POLL_SECONDS = 0.02
"""How often a resting lane asks whether another process committed (one ``PRAGMA``; the
supervisor looks every five times that)."""
REST_SECONDS = 5.0
"""The longest a lane with pending envelopes rests without a commit before it queries again."""
IDLE_SECONDS = 10.0
"""A lane with nothing pending ends after this long (the supervisor starts it again on demand)."""
SEAL_SECONDS = 1.0
"""How often the worker seals the ledger (a signed checkpoint at least every second of activity)."""
IDLE_LOOK_SECONDS = 0.25
"""How often an idle supervisor (no lane running, nothing pending) looks whether another process
committed; a commit of this process wakes it at once."""
RECHECK_SECONDS = 1.0
"""How often the supervisor looks at an outbox that held pending envelopes although nothing was
committed (a lane that stopped while its peer was backed off is started again)."""


class ClosableTransport(PeerTransport, Protocol):
    """A transport the worker closes when it stops."""

    def close(self) -> None: ...


TransportFactory = Callable[[IdentityCard, str], ClosableTransport]


class DeliveryWorker:
    """Runs delivery loops in background threads until :meth:`stop`."""

    def __init__(
        self,
        ctx: NodeContext,
        parties: PartyService,
        delivery: DeliveryService,
        *,
        transport_factory: TransportFactory | None = None,
        publish: Callable[[], object] | None = None,
    ) -> None:
        """Prepare the worker for the node behind ``ctx`` (nothing runs until :meth:`start`)."""
        self._ctx = ctx
        self._parties = parties
        self._delivery = delivery
        self._factory = transport_factory or self._mtls_client
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._threads: dict[tuple[str, str], threading.Thread] = {}
        self._supervisor: threading.Thread | None = None
        self._ledger = LedgerService(ctx)
        self._lock = SealerLock(ctx.db)
        self._sealer: threading.Thread | None = None
        self._publish = publish
        self._published: float | None = None
        self._pending = True  # whether envelopes were pending at the supervisor's last query
        self._looked = 0.0
        self._bell: BellAnswer | None = None

    def _mtls_client(self, card: IdentityCard, lane: str) -> ClosableTransport:
        home = self._ctx.home
        cert_pem = read_bounded(home.tls_cert, limit=MAX_DOCUMENT_BYTES, what="the node's TLS certificate")
        key_pem = read_bounded(home.tls_key, limit=MAX_DOCUMENT_BYTES, what="the node's TLS key")
        return PeerClient(
            card.endpoint,
            identity=TlsIdentity(key_pem, cert_pem, certificate_fingerprint(cert_pem)),
            server_cert_pem=card.tls_certificate_pem.encode("ascii"),
            timeout=120.0 if lane == "routine" else 15.0,
        )

    def start(self) -> None:
        """Start the supervisor (idempotent)."""
        if self._supervisor is not None:
            return
        # Another process's FLASH commit (`accord send`) wakes the lanes and the supervisor at
        # once (store's commit bell); without it they see it at their next poll.
        self._bell = self._ctx.db.answer_bell(self._wake.set)
        self._supervisor = threading.Thread(target=self._supervise, name="accord-delivery", daemon=True)
        self._supervisor.start()
        self._sealer = threading.Thread(target=self._seal_loop, name="accord-ledger", daemon=True)
        self._sealer.start()

    def wake(self) -> None:
        """Look at the outbox now (after a local send)."""
        self._wake.set()
        self._ctx.db.poke()

    def stop(self, timeout: float = 10.0) -> None:
        """Stop every loop and close the connections."""
        self._stop.set()
        self._wake.set()
        self._ctx.db.poke()
        for thread in [*self._threads.values(), *([self._supervisor] if self._supervisor else [])]:
            thread.join(timeout)
        if self._sealer is not None:
            self._sealer.join(timeout)
        if self._bell is not None:
            self._bell.close()
        if self._sealer is None or not self._sealer.is_alive():
            self._lock.release()  # the sealer loop releases it too; this covers a worker never started

    def wait_until_idle(self, timeout: float) -> bool:
        """Wait until nothing is pending (True) or ``timeout`` seconds pass (False)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._delivery.pending_count() == 0:
                return True
            time.sleep(0.05)
        return self._delivery.pending_count() == 0

    def _supervise(self) -> None:
        db = self._ctx.db
        watch = db.watch()
        try:
            while not self._stop.is_set():
                # A commit that queues an envelope from now on ends the idle wait below; the
                # journal's commits do not (another process's are seen by the watch).
                seen = db.queued_commits()
                self._look(watch)
                if self._idle():
                    db.wait_for_commit(seen, IDLE_LOOK_SECONDS, queued=True)
                else:
                    self._wake.wait(POLL_SECONDS * 5)
        finally:
            watch.close()

    def _idle(self) -> bool:
        """Whether nothing was pending at the last query and no lane runs (then look less often)."""
        return not (self._pending or self._wake.is_set() or any(t.is_alive() for t in self._threads.values()))

    def _look(self, watch: ChangeWatch) -> None:
        """One round of the supervisor: start the lanes needed, querying only if it may find any.

        It queries when something was committed since the last round, when woken, or every
        :data:`RECHECK_SECONDS` while envelopes were pending at the last query (their lanes
        may have stopped while the peer was backed off).
        """
        woken = self._wake.is_set()
        self._wake.clear()
        now = time.monotonic()
        if watch.changed() or woken or (self._pending and now - self._looked >= RECHECK_SECONDS):
            self._looked = now
            self._pending = self._start_lanes()

    def _start_lanes(self) -> bool:
        """Start a loop for every (peer, lane) with pending envelopes; True if there were any."""
        found = True
        try:
            pairs = self._delivery.peers_with_pending()
            found = bool(pairs)
            for peer, lane in pairs:
                key = (peer, lane)
                if key not in self._threads or not self._threads[key].is_alive():
                    thread = threading.Thread(
                        target=self._lane, args=(peer, lane), name=f"accord-{peer}-{lane}", daemon=True
                    )
                    self._threads[key] = thread
                    thread.start()
        except AccordError as exc:  # the database is unavailable: try again shortly
            log.warning("delivery supervisor: %s", exc)
        return found

    @property
    def sealing(self) -> bool:
        """Whether this worker seals the node's ledger (it held the sealer lock at its last try)."""
        return self._lock.held

    def _seal_loop(self) -> None:
        # Every SEAL_SECONDS, start to start; once more after stop(), so that nothing
        # journalled while the worker ran waits for its next start.
        watch = self._ctx.db.watch()
        try:
            while not self._stop.wait(max(0.0, SEAL_SECONDS - self._seal(watch))):
                pass
            self._seal()
        finally:
            watch.close()
            self._lock.release()

    def _holds_lock(self) -> bool:
        """Whether this worker is the node's sealer now (takes the lock when it is free)."""
        was = self._lock.held
        try:
            holds = self._lock.hold()
        except AccordError as exc:  # the database is unavailable: try again at the next round
            log.warning("ledger sealer lock: %s", exc)
            holds = False
        if holds != was:
            if holds:
                log.info("this worker seals the ledger now (it holds the sealer lock)")
            else:
                log.warning("this worker no longer holds the sealer lock: another worker seals")
        return holds

    def _seal(self, watch: ChangeWatch | None = None) -> float:
        """Seal the ledger now (with a ``watch``: if anything was committed since it last looked).

        Only the holder of the sealer lock seals and publishes (PostgreSQL; on SQLite this
        worker always does).

        Returns:
            The seconds it took.
        """
        started = time.monotonic()
        if not self._holds_lock():
            return time.monotonic() - started
        if watch is None or watch.changed():
            try:
                self._ledger.seal()
            except AccordError as exc:  # the database is unavailable, or the ledger is damaged
                log.warning("ledger seal: %s", exc)
        activity = self._ctx.exchange_activity
        if self._publish is not None and (
            self._published is None or started - self._published >= PUBLISH_SECONDS or activity.is_set()
        ):
            activity.clear()
            self._published = started
            try:
                self._publish()
            except AccordError as exc:
                log.warning("ledger publish: %s", exc)
        return time.monotonic() - started

    def _lane(self, peer: str, lane: str) -> None:
        transport: ClosableTransport | None = None
        watch = self._ctx.db.watch()
        # Where the lane's transmissions travel while the lane prepares the next one
        # (DeliveryService.deliver_pipelined): one at a time, in order.
        post_in = ThreadPoolExecutor(max_workers=1, thread_name_prefix=f"accord-{peer}-{lane}-post")
        try:
            with self._ctx.db.transaction() as session:
                _, _ = self._parties.signer(session, peer)
            card = next(c for c in self._parties.all() if c.node_id == peer)
            transport = self._factory(card, lane)
            idle_since = time.monotonic()
            while not self._stop.is_set():
                watch.changed()  # what is committed from now on wakes the rest below
                seen = self._ctx.db.commits(rings=lane == "flash")
                result = self._delivery.deliver_pipelined(peer, lane, transport, post_in)
                if result.sent:
                    idle_since = time.monotonic()
                    if result.error:
                        log.info("delivery to %s (%s): %s", peer, lane, result.error)
                        self._stop.wait(POLL_SECONDS)
                    continue
                if not self._rest(peer, lane, watch, seen, idle_since):
                    return  # nothing pending for a while: the supervisor restarts us on demand
        except (AccordError, StopIteration) as exc:
            log.warning("delivery lane %s/%s stopped: %s", peer, lane, exc)
        finally:
            post_in.shutdown(wait=True)
            watch.close()
            if transport is not None:
                transport.close()

    def _rest(self, peer: str, lane: str, watch: ChangeWatch, seen: int, idle_since: float) -> bool:
        """Wait until the lane has an envelope due, or stop; False: the lane should end.

        A commit in this process wakes the lane at once (``Database.wait_for_commit``), and so
        does another process's FLASH commit the FLASH lane (the commit bell); any other commit
        of another process is seen by the ``watch`` within :data:`POLL_SECONDS` (one
        ``PRAGMA``, no query), so a FLASH envelope from ``accord send`` waits no longer than it
        did when the lane polled the outbox. After a commit the lane asks only when its next
        envelope is due (one query): a commit that queued nothing for it (the console's
        journal) leaves it resting. An envelope backed off for a peer that is down wakes the
        lane when it is due (at the latest every :data:`REST_SECONDS`), not before.
        """
        due_in = self._delivery.seconds_until_due(peer, lane)
        first = True
        while not self._stop.is_set():
            now = time.monotonic()
            if due_in is None:  # nothing pending: end after IDLE_SECONDS without work
                if now - idle_since >= IDLE_SECONDS:
                    return False
                wake_at = idle_since + IDLE_SECONDS
            elif due_in > 0:
                wake_at = now + min(due_in, REST_SECONDS)
            elif first:  # due but not sent: held back behind a more urgent lane until a commit
                wake_at = now + REST_SECONDS
            else:
                return True  # due after a commit: send it
            committed, seen = self._wait_for_commit(watch, seen, wake_at, rings=lane == "flash")
            if not committed:
                return True  # its time came: try (or the worker stops)
            first = False
            due_in = self._delivery.seconds_until_due(peer, lane)
        return True

    def _wait_for_commit(
        self, watch: ChangeWatch, seen: int, until: float, *, rings: bool = False
    ) -> tuple[bool, int]:
        """Wait for a commit (True) until monotonic time ``until`` or stop (False), with the commit count.

        ``rings`` (the FLASH lane): another process's FLASH commit, told by the commit bell, wakes
        it at once too (``Database.commits(rings=True)``); the other lanes see it at their poll.
        """
        db = self._ctx.db
        while not self._stop.is_set():
            if watch.changed():
                return True, db.commits(rings=rings)
            remaining = until - time.monotonic()
            if remaining <= 0:
                break
            now_seen = db.wait_for_commit(seen, min(POLL_SECONDS, remaining), rings=rings)
            if now_seen != seen:
                seen = now_seen
                if watch.changed():  # a commit the watch had not reported: the query that follows sees it
                    return True, now_seen
                # The watch reported this commit already (it saw the database before this process
                # counted it): no second look for it; rest on.
        return False, seen

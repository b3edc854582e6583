"""A delivery lane rests between envelopes: it wakes on a commit or when its next envelope is due.

It used to poll the outbox every 20 ms for 10 s after its last envelope (and for as long as an
envelope waited for a peer that is down), so a served node under console traffic never rested.
Now a commit in this process wakes it at once, another process's within ``POLL_SECONDS`` (the
``PRAGMA data_version`` of a ``ChangeWatch``, no query), and a backed-off envelope when it is due.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from sqlalchemy import select
from support_exchange_adversarial import FederationLike, report

from accord.exchange import PeerUnavailable
from accord.items import Precedence
from accord.node import DeliveryService, DeliveryWorker, Node
from accord.node._worker import IDLE_SECONDS
from accord.store import Database, NewEvent, OutboxRow, append_event, format_stamp
from support_federation import Loopback
from support_sql import recorded_statements

KOR = "kor-mnd"


class Link(Loopback):
    """A loopback the worker can close, whose peer can be made unreachable."""

    def __init__(self, node: Node) -> None:
        super().__init__(node)
        self.down = False

    def post_transmission(self, body: bytes) -> bytes:
        if self.down:
            raise PeerUnavailable("the peer is down")
        return super().post_transmission(body)

    def close(self) -> None:
        pass


class Resting:
    """``DeliveryWorker._rest`` run in a thread of its own (a watch belongs to its thread)."""

    def __init__(
        self, worker: DeliveryWorker, node: Node, *, idle_since: float, lane: str = "routine"
    ) -> None:
        self.result: bool | None = None
        self.seconds = 0.0
        self._ready = threading.Event()
        self._args = (worker, node, idle_since, lane)
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        assert self._ready.wait(5)

    def _run(self) -> None:
        worker, node, idle_since, lane = self._args
        watch = node.ctx.db.watch()
        try:
            watch.changed()
            seen = node.ctx.db.commits()
            self._ready.set()
            started = time.monotonic()
            self.result = worker._rest(KOR, lane, watch, seen, idle_since)
            self.seconds = time.monotonic() - started
        finally:
            watch.close()

    def join(self, timeout: float) -> bool:
        self._thread.join(timeout)
        return not self._thread.is_alive()


def _journal(db: Database, node: Node) -> None:
    with db.transaction() as session:
        append_event(session, NewEvent(at=node.ctx.now(), actor="test", action="test.commit", outcome="ok"))


def test_a_send_in_this_process_wakes_a_resting_lane_at_once(federation: FederationLike) -> None:
    jpn = federation.jpn
    item = report(jpn)
    with recorded_statements(jpn, skip=frozenset({"BEGIN"})) as statements:
        resting = Resting(jpn.worker(), jpn, idle_since=time.monotonic())
        _journal(jpn.ctx.db, jpn)  # a commit that queues nothing for the lane (the console's journal)
        assert not resting.join(0.5)  # it looked once more, and rests on
        jpn.sending.send(item, to="KOR", actor="sato")
        assert resting.join(2)
    assert resting.result is True
    assert resting.seconds < IDLE_SECONDS / 2
    looks = [s for s in statements if s.startswith("Thread") and "min(outbox.next_attempt_at)" in s]
    assert len(looks) == 3, statements  # on rest, after the journal, after the send


def test_another_processs_commit_is_seen_by_the_watch(federation: FederationLike) -> None:
    jpn, kor = federation.jpn, federation.kor
    link = Link(kor)
    link.down = True
    jpn.sending.send(report(jpn), to="KOR", actor="sato")
    assert jpn.delivery.deliver_once(KOR, "routine", link).error  # backed off: due later
    other = Database(jpn.ctx.db.engine.url.render_as_string(hide_password=False))  # as `accord send` would
    try:
        resting = Resting(jpn.worker(), jpn, idle_since=time.monotonic())
        assert not resting.join(0.3)
        before = jpn.ctx.db.commits()
        with other.transaction() as session:  # the envelope is due now (as a new one would be)
            row = session.scalars(select(OutboxRow)).one()
            row.next_attempt_at = format_stamp(jpn.ctx.now())
        assert jpn.ctx.db.commits() == before  # this process's signal knows nothing of it
        assert resting.join(2)
        assert resting.result is True
    finally:
        other.dispose()


def test_a_resting_lane_runs_one_query_and_ends_when_idle(federation: FederationLike) -> None:
    jpn = federation.jpn
    worker = jpn.worker()
    with recorded_statements(jpn, skip=frozenset({"BEGIN"})) as statements:
        resting = Resting(worker, jpn, idle_since=time.monotonic() - IDLE_SECONDS + 0.5)
        assert resting.join(5)
    assert resting.result is True  # it rested until the idle time was up
    assert len(statements) == 1, statements  # when its next envelope is due (none): no polling
    resting = Resting(worker, jpn, idle_since=time.monotonic() - IDLE_SECONDS)
    assert resting.join(2)
    assert resting.result is False  # idle long enough: the lane ends


def test_an_envelope_backed_off_for_a_peer_that_is_down_does_not_wake_the_lane(
    federation: FederationLike,
) -> None:
    jpn, kor = federation.jpn, federation.kor
    delivery = DeliveryService(jpn.ctx, jpn.parties, jpn.agreements, rand=lambda: 0.0)
    worker = DeliveryWorker(jpn.ctx, jpn.parties, delivery)
    link = Link(kor)
    link.down = True
    jpn.sending.send(report(jpn), to="KOR", actor="sato")
    assert delivery.deliver_once(KOR, "routine", link).error
    due_in = delivery.seconds_until_due(KOR, "routine")
    assert due_in is not None
    assert due_in > 0  # backed off (the test clock does not move)
    with recorded_statements(jpn, skip=frozenset({"BEGIN"})) as statements:
        resting = Resting(worker, jpn, idle_since=time.monotonic() - IDLE_SECONDS)
        assert not resting.join(min(due_in, 1.0) / 2)
        assert len(statements) == 1, statements  # it looked when the envelope is due, then rests
        worker._stop.set()  # stop() ends the rest
        assert resting.join(2)


def test_the_worker_delivers_a_send_at_once_and_then_runs_no_query(federation: FederationLike) -> None:
    jpn, kor = federation.jpn, federation.kor
    links: list[Link] = []

    def factory(_card: Any, _lane: str) -> Link:
        links.append(Link(kor))
        return links[-1]

    worker = jpn.worker(transport_factory=factory)
    worker.start()
    try:
        jpn.sending.send(report(jpn), to="KOR", actor="sato")
        assert worker.wait_until_idle(10)
        with recorded_statements(jpn, skip=frozenset({"BEGIN"})) as statements:
            time.sleep(1.0)
        # The lane wakes only for the commits of the sealer (a checkpoint); it polled 50 times.
        looks = [s for s in statements if s.startswith(f"accord-{KOR}-") and "next_attempt_at <=" in s]
        assert len(looks) <= 3, statements
        started = time.monotonic()
        jpn.sending.send(report(jpn, Precedence.FLASH, title="flash"), to="KOR", actor="sato")
        assert worker.wait_until_idle(10)
        assert time.monotonic() - started < 5
    finally:
        worker.stop()
    assert sum(len(link.posted) for link in links) >= 2

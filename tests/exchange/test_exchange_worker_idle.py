"""An idle worker writes nothing and queries nothing, yet a send still wakes it (issue 14, ``bench/idle.py``).

Once nothing is pending and no lane runs, the supervisor waits for a commit of this process
(which wakes it at once) and looks for another process's only every ``IDLE_LOOK_SECONDS``
(one ``PRAGMA``); the sealer seals only what was committed, and witnessing offers no
checkpoint without news. No timing is asserted: the checks are what is written and queried,
and that a send gets through.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import func, select
from support_exchange_adversarial import FederationLike, report

from accord.items import Precedence
from accord.node import UNSAFE_FAST_PASSWORD_HASHING, DeliveryWorker, Node
from accord.node._worker import IDLE_LOOK_SECONDS
from accord.store import JournalRow, LedgerCheckpointRow, NewEvent, OutboxRow, append_event
from support_federation import Loopback
from support_sql import recorded_statements

KOR = "kor-mnd"


class Link(Loopback):
    """A loopback the worker can close, counting what it posted."""

    def close(self) -> None:
        pass


def _footprint(*nodes: Node) -> list[tuple[int, int, int]]:
    """Journal rows, checkpoints and outbox rows of each node."""
    out = []
    for node in nodes:
        with node.ctx.db.transaction(read_only=True) as session:
            out.append(
                (
                    session.scalar(select(func.count()).select_from(JournalRow)) or 0,
                    session.scalar(select(func.count()).select_from(LedgerCheckpointRow)) or 0,
                    session.scalar(select(func.count()).select_from(OutboxRow)) or 0,
                )
            )
    return out


def _until(condition: Callable[[], bool], timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


@contextmanager
def _serving(federation: FederationLike) -> Iterator[tuple[DeliveryWorker, list[Link]]]:
    """JPN's worker (with witnessing: ``Node.worker`` publishes), delivering to KOR in process."""
    links: list[Link] = []

    def factory(_card: Any, _lane: str) -> Link:
        links.append(Link(federation.kor))
        return links[-1]

    worker = federation.jpn.worker(transport_factory=factory)
    worker.start()
    try:
        yield worker, links
    finally:
        worker.stop()


def _settled(federation: FederationLike, quiet: float = 2.5) -> list[tuple[int, int, int]]:
    """Wait until neither node's footprint changed for ``quiet`` seconds (the witnessing is over)."""
    last = _footprint(federation.jpn, federation.kor)
    since = time.monotonic()
    deadline = since + 60
    while time.monotonic() < deadline:
        time.sleep(0.2)
        now = _footprint(federation.jpn, federation.kor)
        if now != last:
            last, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return now
    raise AssertionError(f"the nodes did not settle: {last}")


def _posted(links: list[Link]) -> int:
    return sum(len(link.posted) for link in links)


def test_an_idle_worker_writes_nothing_and_runs_no_query_then_a_send_wakes_it(
    federation: FederationLike,
) -> None:
    jpn = federation.jpn
    with _serving(federation) as (worker, links):
        jpn.sending.send(report(jpn), to="KOR", actor="sato")
        assert worker.wait_until_idle(30)
        settled = _settled(federation)
        with recorded_statements(jpn) as statements:
            time.sleep(3.0)  # idle: no lane runs (they ended), nothing is pending
        assert _footprint(jpn, federation.kor) == settled  # no journal row, checkpoint or envelope
        writes = [
            s for s in statements if s.split(": ", 1)[1].lstrip().startswith(("INSERT", "UPDATE", "DELETE"))
        ]
        assert writes == []
        supervisor = [s for s in statements if s.startswith("accord-delivery:")]
        assert supervisor == []  # it looked with a PRAGMA of its own connection, and queried nothing
        # A send in this process wakes the resting supervisor (a commit), and it is delivered.
        posted = _posted(links)
        jpn.sending.send(report(jpn, Precedence.FLASH, title="flash"), to="KOR", actor="sato")
        assert _until(lambda: _posted(links) > posted)
        assert worker.wait_until_idle(30)


def test_an_idle_worker_sees_an_envelope_queued_by_another_process(federation: FederationLike) -> None:
    jpn = federation.jpn
    item = report(jpn)
    # Another process (``accord send`` beside ``accord serve``): its commits do not reach this
    # process's commit signal, only the database.
    other = Node.open(
        jpn.ctx.home.root, clock=federation.clock, password_hashing=UNSAFE_FAST_PASSWORD_HASHING
    )
    try:
        with _serving(federation) as (worker, links):
            assert _until(worker._idle)  # the first look found nothing: it rests
            other.sending.send(item, to="KOR", actor="sato")  # not counted in jpn's commit signal
            assert _until(lambda: _posted(links) > 0)
            assert worker.wait_until_idle(30)
    finally:
        other.close()


def test_the_journals_commits_do_not_wake_an_idle_supervisor_to_query(make_node: Callable[..., Node]) -> None:
    """Every action journals: a commit that queued no envelope leaves the supervisor resting.

    Only a commit that queued an envelope wakes it at once (``Database.queued``, the test above
    and ``tests/store``); other commits are seen by its watch every ``IDLE_LOOK_SECONDS``, one
    outbox query each time at most (``bench/ledger.py --durable-only``, a node without peers:
    the supervisor spent a fifth of the process's CPU querying the outbox after each journal
    commit).
    """
    node = make_node("JPN")
    worker = node.worker()
    worker.start()
    try:
        assert _until(worker._idle)  # the first look found nothing: no lane runs, it rests
        commits = 40
        with recorded_statements(node) as statements:
            started = time.monotonic()
            for n in range(commits):
                with node.ctx.db.transaction() as session:
                    event = NewEvent(at=node.ctx.now(), actor="sato", action="test.event", outcome=f"{n}")
                    append_event(session, event)
                time.sleep(0.02)
            elapsed = time.monotonic() - started
    finally:
        worker.stop()
    looks = [s for s in statements if s.startswith("accord-delivery:") and "FROM outbox" in s]
    assert len(looks) <= elapsed / IDLE_LOOK_SECONDS + 2 < commits

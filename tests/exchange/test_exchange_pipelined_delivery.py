"""A lane prepares its next transmission while one travels, and still sends one at a time, in order.

``DeliveryService.deliver_pipelined`` (what the worker's lanes run) takes and signs
transmission N + 1 while N is with the peer, and records N's receipts while N + 1 travels.
What the receiver relies on must hold: it gets a lane's transmissions one at a time, each
after it answered the one before, in the order they were queued (a notice after its item).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Executor, Future, ThreadPoolExecutor
from typing import Any

from support_exchange_adversarial import FederationLike, envelopes_of, outbox_rows, report

from accord.errors import TransportError
from accord.exchange import EnvelopeHeader
from accord.items import Precedence
from accord.node import DeliveryResult
from support_federation import Loopback

KOR = "kor-mnd"


class OneAtATime(Loopback):
    """A loopback that notes how many transmissions it was handed at once and what each carried."""

    def __init__(self, *args: object, fail_at: int | None = None) -> None:
        super().__init__(*args)  # type: ignore[arg-type]
        self._lock = threading.Lock()
        self._now = 0
        self.most_at_once = 0
        self.seqs: list[list[int]] = []
        self._fail_at = fail_at

    def post_transmission(self, body: bytes) -> bytes:
        with self._lock:
            self._now += 1
            self.most_at_once = max(self.most_at_once, self._now)
        try:
            self.seqs.append([EnvelopeHeader.parse(e.header).seq for e in envelopes_of(body)])
            if self._fail_at == len(self.seqs):
                raise TransportError("the peer went away")
            return super().post_transmission(body)
        finally:
            with self._lock:
                self._now -= 1


class _Later(Future[Any]):
    """A post that runs only when its answer is asked for (``result``)."""

    def __init__(self, call: Callable[[], Any]) -> None:
        super().__init__()
        self._call = call

    def result(self, timeout: float | None = None) -> Any:
        if not self.done():
            try:
                self.set_result(self._call())
            except Exception as exc:  # noqa: BLE001 - handed to the caller by result(), as a pool would
                self.set_exception(exc)
        return super().result(timeout)


class Deferred(Executor):
    """Posts when the lane waits for the answer: the lane's next take comes before the post, always.

    It notes what the sender had receipted when each post was handed to it (a pool starts it then).
    """

    def __init__(self, fed: FederationLike) -> None:
        self._fed = fed
        self.receipted_at_post: list[int] = []

    def submit(self, fn: Callable[..., Any], /, *args: Any, **kwargs: Any) -> Future[Any]:
        self.receipted_at_post.append(sum(row.status == "receipted" for row in outbox_rows(self._fed.jpn)))
        return _Later(lambda: fn(*args, **kwargs))


class QueuesWhileTravelling(OneAtATime):
    """The first post queues a FLASH report at the sender while it travels."""

    def __init__(self, fed: FederationLike) -> None:
        super().__init__(fed.kor)
        self._fed = fed

    def post_transmission(self, body: bytes) -> bytes:
        answer = super().post_transmission(body)
        if len(self.seqs) == 1:
            later = report(self._fed.jpn, Precedence.FLASH, title="queued while the first travelled")
            self._fed.jpn.sending.send(later, to="KOR", actor="sato")
        return answer


def _queue(fed: FederationLike, count: int) -> None:
    items = [report(fed.jpn, Precedence.PRIORITY, title=f"report {n}") for n in range(count)]
    fed.jpn.sending.send_many(items, to="KOR", actor="sato")


def test_every_transmission_goes_alone_in_queue_order(federation: FederationLike) -> None:
    _queue(federation, 120)  # the priority lane takes 50 at a time: three transmissions
    transport = OneAtATime(federation.kor)
    with ThreadPoolExecutor(max_workers=1) as post_in:
        result = federation.jpn.delivery.deliver_pipelined(KOR, "priority", transport, post_in)
    assert result == DeliveryResult(sent=120, receipted=120)
    assert [len(seqs) for seqs in transport.seqs] == [50, 50, 20]
    assert transport.most_at_once == 1
    sent_in_order = [seq for seqs in transport.seqs for seq in seqs]
    assert sent_in_order == sorted(sent_in_order)
    assert len(set(sent_in_order)) == 120  # nothing prepared twice while its receipts were pending
    assert {row.status for row in outbox_rows(federation.jpn)} == {"receipted"}
    assert len(federation.kor.items.inbox().views) == 120


def test_a_transmission_that_fails_stops_the_run_and_waits(federation: FederationLike) -> None:
    _queue(federation, 120)
    transport = OneAtATime(federation.kor, fail_at=2)
    with ThreadPoolExecutor(max_workers=1) as post_in:
        result = federation.jpn.delivery.deliver_pipelined(KOR, "priority", transport, post_in)
    assert (result.sent, result.receipted) == (100, 50)
    assert result.error is not None
    assert "went away" in result.error
    assert len(transport.seqs) == 2  # the third was prepared but never posted
    rows = outbox_rows(federation.jpn)
    assert sum(row.status == "receipted" for row in rows) == 50
    waiting = [row for row in rows if row.status == "pending"]
    assert len(waiting) == 70
    assert sum(row.attempts == 1 for row in waiting) == 50  # the failed transmission backs off


def test_what_was_queued_while_a_transmission_travelled_goes_before_its_receipts_are_recorded(
    federation: FederationLike,
) -> None:
    first = report(federation.jpn, Precedence.FLASH, title="first")
    federation.jpn.sending.send(first, to="KOR", actor="sato")
    transport = QueuesWhileTravelling(federation)
    post_in = Deferred(federation)
    result = federation.jpn.delivery.deliver_pipelined(KOR, "flash", transport, post_in)
    # The second report was queued after the lane had taken (and found nothing) for the next
    # transmission: it still goes in this run, as soon as the first one's answer is back ...
    assert result == DeliveryResult(sent=2, receipted=2)
    assert [len(seqs) for seqs in transport.seqs] == [1, 1]
    # ... before the first one's receipt was recorded (that waits for the write lock).
    assert post_in.receipted_at_post == [0, 0]
    assert {row.status for row in outbox_rows(federation.jpn)} == {"receipted"}

"""Partition and store-and-forward over real mutual-TLS servers on 127.0.0.1 (issue 3, "faults").

JPN's delivery worker sends to KOR's real peer server (PeerServer, uvicorn, pinned
certificates). KOR's server is stopped: 28 envelopes of three precedences wait in JPN's
outbox with their attempts and the reason; KOR's server comes back on the same port:
everything arrives exactly once with its receipt, FLASH first, then PRIORITY, then ROUTINE.

The real clock runs (``utc_now``); the worker's delivery service draws no jitter
(``rand`` returns 0) so the production backoff, min(2^attempts, 300) s, is at its low end.
"""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func, select
from support_exchange_adversarial import FederationLike, events, outbox_rows, receipt_count, report

from accord.api import PeerServer, create_peer_app
from accord.exchange import PeerRejected, PeerUnavailable
from accord.items import Precedence
from accord.node import DeliveryService, DeliveryWorker, NewNode, NewUser, Node, example_agreement, federate
from accord.store import InboxMessageRow, ItemRow, OutboxRow
from support_federation import JPN_KOR_GSOMIA, Loopback

KOR = "kor-mnd"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    """Two nodes with endpoints on 127.0.0.1, pinned to each other, the GSOMIA in force."""

    jpn: Node
    kor: Node
    ports: dict[str, int]

    def server(self, node: Node, partner: Node) -> PeerServer:
        return PeerServer(
            create_peer_app(node.receiving),
            ("127.0.0.1", self.ports[node.config.node_id]),
            identity=node.tls_identity(),
            client_cert_pems=[partner.tls_identity().cert_pem],
        )


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    ports = {"jpn-mod": _free_port(), "kor-mnd": _free_port()}
    nodes = {
        node_id: Node.init(
            tmp_path / node_id,
            NewNode(party=node_id[:3].upper(), node_id=node_id, endpoint=f"https://127.0.0.1:{port}"),
        )
        for node_id, port in ports.items()
    }
    jpn, kor = nodes["jpn-mod"], nodes["kor-mnd"]
    try:
        text = example_agreement(JPN_KOR_GSOMIA)
        federate([jpn, kor], text, in_force_on=date(2016, 11, 23))
        jpn.users.add(
            NewUser("sato", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority"
        )
        kor.users.add(
            NewUser("kim", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
        )
        yield Served(jpn, kor, ports)
    finally:
        jpn.close()
        kor.close()


def _wait(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


def _count(node: Node, table: type[object]) -> int:
    with node.ctx.db.transaction() as session:
        return session.scalar(select(func.count()).select_from(table)) or 0


def _queue_while_down(jpn: Node, worker: DeliveryWorker, warmup: str) -> dict[Precedence, list[str]]:
    """Queue 20 ROUTINE, 5 PRIORITY, 3 FLASH while KOR is down; check that they wait, and why."""
    queued: dict[Precedence, list[str]] = {}
    # Worst case for ordering: the ROUTINE ones are queued (and first tried) first.
    for precedence, count in ((Precedence.ROUTINE, 20), (Precedence.PRIORITY, 5), (Precedence.FLASH, 3)):
        queued[precedence] = [report(jpn, precedence, title=f"{precedence.value} {i}") for i in range(count)]
        for item in queued[precedence]:
            jpn.sending.send(item, to="KOR", actor="sato")
    worker.wake()

    def waiting() -> list[OutboxRow]:
        return [r for r in outbox_rows(jpn) if r.item_id != warmup]

    _wait(lambda: all(r.attempts >= 1 for r in waiting()), 10, "a first attempt at every envelope")
    time.sleep(1.2)  # long enough for the first retries (backoff 1 s) to fail too
    rows = waiting()
    assert len(rows) == 28
    assert {r.status for r in rows} == {"pending"}
    assert all(r.attempts >= 1 for r in rows)
    assert all("cannot connect to the peer" in r.last_error for r in rows), {r.last_error for r in rows}
    assert len([e for e in jpn.delivery.outbox() if e.status == "pending"]) == 28
    return queued


def _exactly_once_in_order(served: Served, warmup: str, queued: dict[Precedence, list[str]]) -> None:
    jpn, kor = served.jpn, served.kor
    assert _count(kor, InboxMessageRow) == 29
    assert _count(kor, ItemRow) == 29
    assert receipt_count(jpn) == 29
    assert {r.status for r in outbox_rows(jpn)} == {"receipted"}
    sent = {item for items in queued.values() for item in items}
    assert {v.id for v in kor.items.inbox().views} == sent | {warmup}
    # In precedence order at KOR: journal order of the receptions, and reception times.
    seq = {e.item_id: e.seq for e in events(kor, "item.receive")}
    assert len(seq) == 29
    flash, priority, routine = (
        [seq[i] for i in queued[p]] for p in (Precedence.FLASH, Precedence.PRIORITY, Precedence.ROUTINE)
    )
    assert max(flash) < min(priority), (flash, priority)
    assert max(priority) < min(routine), (priority, routine)
    with kor.ctx.db.transaction() as session:
        received = {row.item_id: row.received_at for row in session.scalars(select(InboxMessageRow))}
    last_flash = max(received[i] for i in queued[Precedence.FLASH])
    assert last_flash <= min(received[i] for i in queued[Precedence.ROUTINE])


@pytest.mark.slow
def test_partner_down_then_back_delivers_everything_once_in_precedence_order(served: Served) -> None:
    jpn, kor = served.jpn, served.kor
    jpn_server, kor_server = served.server(jpn, kor), served.server(kor, jpn)
    delivery = DeliveryService(jpn.ctx, jpn.parties, jpn.agreements, rand=lambda: 0.0)
    worker = DeliveryWorker(jpn.ctx, jpn.parties, delivery)
    jpn_server.start()
    kor_server.start()
    worker.start()
    try:
        # The link works: one FLASH report goes through the real mTLS stack.
        warmup = report(jpn, Precedence.FLASH, title="link check")
        jpn.sending.send(warmup, to="KOR", actor="sato")
        worker.wake()
        assert worker.wait_until_idle(10)
        assert _count(kor, InboxMessageRow) == 1

        kor_server.stop()
        queued = _queue_while_down(jpn, worker, warmup)
        assert _count(kor, InboxMessageRow) == 1

        restarted = served.server(kor, jpn)  # the same port
        restarted.start()
        try:
            assert worker.wait_until_idle(15), [(e.precedence, e.attempts) for e in jpn.delivery.outbox()]
        finally:
            restarted.stop()
    finally:
        worker.stop()
        jpn_server.stop()
        kor_server.stop()
    _exactly_once_in_order(served, warmup, queued)


# --- the same rule, in process and with the test clock --------------------------------------


class Link(Loopback):
    """A loopback whose peer can be unreachable, or refuse every transmission."""

    def __init__(self, node: Node) -> None:
        super().__init__(node)
        self.failure: Exception | None = None

    def post_transmission(self, body: bytes) -> bytes:
        if self.failure is not None:
            raise self.failure
        return super().post_transmission(body)


def _service(node: Node) -> DeliveryService:
    return DeliveryService(node.ctx, node.parties, node.agreements, rand=lambda: 0.0)


def test_retries_wait_behind_more_urgent_envelopes_waiting_for_the_peer(federation: FederationLike) -> None:
    jpn, kor = federation.jpn, federation.kor
    service, link = _service(jpn), Link(kor)
    routine, flash = report(jpn, Precedence.ROUTINE), report(jpn, Precedence.FLASH)
    for item in (routine, flash):
        jpn.sending.send(item, to="KOR", actor="sato")
    link.failure = PeerUnavailable("cannot connect to the peer (test)")
    assert service.deliver_once(KOR, "routine", link).error is not None  # a first attempt always goes
    assert service.deliver_once(KOR, "flash", link).error is not None
    federation.clock.advance(minutes=10)
    link.failure = None
    assert service.deliver_once(KOR, "routine", link).sent == 0  # FLASH waited longer in rank: it goes first
    assert service.deliver_once(KOR, "flash", link).receipted == 1
    assert service.deliver_once(KOR, "routine", link).receipted == 1
    order = [e.item_id for e in events(kor, "item.receive")]
    assert order == [flash, routine]


def test_a_refused_urgent_envelope_holds_nothing_back(federation: FederationLike) -> None:
    jpn, kor = federation.jpn, federation.kor
    service, link = _service(jpn), Link(kor)
    routine, flash = report(jpn, Precedence.ROUTINE), report(jpn, Precedence.FLASH)
    for item in (routine, flash):
        jpn.sending.send(item, to="KOR", actor="sato")
    link.failure = PeerRejected("peer rejected the request (HTTP 400)")
    assert service.deliver_once(KOR, "flash", link).error is not None
    link.failure = None
    assert service.deliver_once(KOR, "routine", link).receipted == 1


def test_the_first_receipt_makes_what_waited_due_at_once(federation: FederationLike) -> None:
    jpn, kor = federation.jpn, federation.kor
    service, link = _service(jpn), Link(kor)
    waiting = report(jpn, Precedence.ROUTINE)
    jpn.sending.send(waiting, to="KOR", actor="sato")
    link.failure = PeerUnavailable("cannot connect to the peer (test)")
    for _ in range(4):  # attempts 1..4: the next one is 8 s away
        assert service.deliver_once(KOR, "routine", link).error is not None
        federation.clock.advance(seconds=5)
    assert service.deliver_once(KOR, "routine", link).sent == 0  # still in backoff
    link.failure = None
    jpn.sending.send(report(jpn, Precedence.FLASH), to="KOR", actor="sato")
    assert service.deliver_once(KOR, "flash", link).receipted == 1
    assert service.deliver_once(KOR, "routine", link).receipted == 1  # no clock change needed

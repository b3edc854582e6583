"""A FLASH report sent by another process is taken by the serving process's lane at once (issue 14).

The lane at rest used to see another process's commit only through its 20 ms poll
(``POLL_SECONDS``), most of the FLASH report's time from ``accord send`` to its lane. Here
every poll and timer of the worker is ten minutes, so the lane can only have been woken by
the commit bell (``accord.store._commit_bell``); the sending "process" is a second
:class:`Node` on JPN's home, which shares nothing with the serving one but the files.
"""

from __future__ import annotations

import socket
import time
from typing import Any

import pytest
from support_exchange_adversarial import FederationLike, report

from accord.items import Precedence
from accord.node import UNSAFE_FAST_PASSWORD_HASHING, DeliveryWorker, Node
from accord.node import _worker as worker_module
from support_federation import Loopback

KOR = "kor-mnd"
TEN_MINUTES = 600.0
LONG = 30.0  # what the lane must beat by far: a woken lane takes it in milliseconds


class Link(Loopback):
    """A loopback the worker can close."""

    def close(self) -> None:
        pass


def _posted(links: dict[str, Link], count: int) -> bool:
    """Whether the FLASH lane posted ``count`` transmissions within :data:`LONG` seconds."""
    deadline = time.monotonic() + LONG
    while time.monotonic() < deadline:
        if "flash" in links and len(links["flash"].posted) >= count:
            return True
        time.sleep(0.01)
    return False


@pytest.fixture
def no_polls(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every poll and timer of the delivery worker at ten minutes: only a wake-up moves it."""
    for name in ("POLL_SECONDS", "IDLE_SECONDS", "IDLE_LOOK_SECONDS", "RECHECK_SECONDS", "SEAL_SECONDS"):
        monkeypatch.setattr(worker_module, name, TEN_MINUTES)


@pytest.mark.usefixtures("no_polls")
def test_a_flash_sent_by_another_process_wakes_the_resting_lane(federation: FederationLike) -> None:
    jpn, kor = federation.jpn, federation.kor
    links: dict[str, Link] = {}
    started: list[str] = []

    def factory(_card: Any, lane: str) -> Link:
        started.append(lane)
        links[lane] = Link(kor)
        return links[lane]

    # No checkpoint publishing: with the supervisor's timers at ten minutes, witnessing queued while
    # the FLASH lane runs would wait for them, and the worker would never be idle.
    worker = DeliveryWorker(jpn.ctx, jpn.parties, jpn.delivery, transport_factory=factory)
    worker.start()
    other = Node.open(
        jpn.ctx.home.root, clock=federation.clock, password_hashing=UNSAFE_FAST_PASSWORD_HASHING
    )
    try:
        jpn.sending.send(report(jpn, Precedence.FLASH, title="first"), to="KOR", actor="sato")
        worker.wake()  # as the user API does after a send
        assert _posted(links, 1)  # in process: the FLASH lane started and sent it
        assert worker.wait_until_idle(LONG)  # every lane rests: nothing of this process commits now
        flash = report(other, Precedence.FLASH, title="from accord send")
        other.sending.send(flash, to="KOR", actor="sato")
        assert _posted(links, 2)  # the bell, not a poll (ten minutes away)
        assert started.count("flash") == 1  # the resting lane took it (no new lane)
    finally:
        other.close()
        worker.stop()
    assert list(jpn.ctx.home.run.iterdir()) == []  # the worker's socket went with it


def test_a_dead_socket_does_not_fail_a_flash_send(federation: FederationLike) -> None:
    jpn = federation.jpn
    run = jpn.ctx.home.run
    run.mkdir(mode=0o700)
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as dead:  # a server killed with -9
        dead.bind(str(run / "4242-deadbeef.sock"))
    sent = jpn.sending.send(report(jpn, Precedence.FLASH), to="KOR", actor="sato")
    assert len(sent) == 1
    assert list(run.iterdir()) == []  # the ring found nobody there and removed it

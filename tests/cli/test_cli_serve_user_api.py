"""The user API server of ``accord serve`` drops clients that stall (accord.cli._serve.UserApiServer)."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable, Iterator

import pytest

from accord.cli._serve import UserApiServer
from accord.errors import TransportError
from accord.node import Node

DEADLINE = 0.5
MARGIN = 2.5  # generous: the test machine is shared; without a deadline the wait is unbounded


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def user_api(make_node: Callable[..., Node]) -> Iterator[int]:
    port = _free_port()
    server = UserApiServer(make_node("JPN"), port, head_timeout=DEADLINE, body_idle_timeout=DEADLINE)
    server.start()
    try:
        yield port
    finally:
        server.stop()


def _seconds_until_closed(conn: socket.socket) -> float:
    started = time.monotonic()
    conn.settimeout(DEADLINE + MARGIN + 2)
    try:
        while conn.recv(4096):
            pass
    except TimeoutError:
        return float("inf")
    except OSError:  # reset: closed as well
        pass
    return time.monotonic() - started


def test_a_partial_request_head_is_dropped(user_api: int) -> None:
    with socket.create_connection(("127.0.0.1", user_api), timeout=5) as conn:
        conn.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0")
        assert _seconds_until_closed(conn) < DEADLINE + MARGIN


def test_a_whole_request_is_answered(user_api: int) -> None:
    with socket.create_connection(("127.0.0.1", user_api), timeout=5) as conn:
        conn.sendall(b"GET /api/v1/me HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        response = b""
        while chunk := conn.recv(4096):
            response += chunk
    assert response.startswith(b"HTTP/1.1 401 ")


def test_a_taken_port_is_refused_when_the_server_starts(make_node: Callable[..., Node]) -> None:
    """Bound before uvicorn runs: a clean TransportError (exit 11 from `accord serve`), not
    uvicorn's log line from a thread that dies after the node said it serves."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(TransportError, match=rf"cannot listen on 127\.0\.0\.1:{port}"):
            UserApiServer(make_node("JPN"), port).start()

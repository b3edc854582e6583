"""PeerServer drops connections that stall: TLS handshake, request head, request body (accord.api._server).

Each test talks to a real server on 127.0.0.1 over a raw socket, with deadlines shortened
to fractions of a second through the constructor; the production durations are checked
once, separately.
"""

from __future__ import annotations

import socket
import ssl
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from support_api import FakeHandler, Identities, ServeFactory

from accord.api import PeerServer
from accord.api._server import (
    BODY_IDLE_TIMEOUT_SECONDS,
    HANDSHAKE_TIMEOUT_SECONDS,
    REQUEST_HEAD_TIMEOUT_SECONDS,
)
from accord.errors import InvalidInput
from accord.exchange._client import PeerClient
from accord.exchange._tls import client_context

DEADLINE = 0.5
MARGIN = 2.5  # generous: the test machine is shared; without a deadline the wait is 40 s or more
GIVE_UP = DEADLINE + MARGIN + 2.0


@pytest.fixture
def quick(serve: ServeFactory) -> PeerServer:
    return serve(handshake_timeout=DEADLINE, request_head_timeout=DEADLINE, body_idle_timeout=DEADLINE)


def _connect(server: PeerServer) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=GIVE_UP)


@pytest.fixture
def pinned_tls(tls: Identities, quick: PeerServer) -> Iterator[ssl.SSLSocket]:
    """A connection of the pinned client KOR, mutual TLS handshake done."""
    context = client_context(tls.kor.cert_pem, tls.kor.key_pem, tls.jpn.cert_pem)
    context.check_hostname = False  # the pin is the check; the raw socket has no host name
    with context.wrap_socket(_connect(quick)) as conn:
        yield conn


def _seconds_until_closed(conn: socket.socket) -> float:
    """Seconds until the server closes the connection, reading (and dropping) what it sends."""
    started = time.monotonic()
    conn.settimeout(GIVE_UP)
    while True:
        try:
            if not conn.recv(4096):
                break
        except TimeoutError:
            return float("inf")
        except OSError:  # reset, or TLS cut short: closed as well
            break
    return time.monotonic() - started


def _health(conn: socket.socket) -> bytes:
    """Send a health request on ``conn`` and read its whole response."""
    conn.sendall(b"GET /peer/v1/health HTTP/1.1\r\nHost: jpn\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(4096)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += conn.recv(4096)
    return head.split(b"\r\n", 1)[0] + b" " + body


def test_production_deadlines_are_a_few_seconds_as_documented() -> None:
    assert 1 <= HANDSHAKE_TIMEOUT_SECONDS <= 10
    assert 1 <= REQUEST_HEAD_TIMEOUT_SECONDS <= 10
    assert 1 <= BODY_IDLE_TIMEOUT_SECONDS <= 30
    docs = (Path(__file__).parents[2] / "docs" / "exchange.md").read_text(encoding="utf-8")
    for name, seconds in [
        ("HANDSHAKE_TIMEOUT_SECONDS", HANDSHAKE_TIMEOUT_SECONDS),
        ("REQUEST_HEAD_TIMEOUT_SECONDS", REQUEST_HEAD_TIMEOUT_SECONDS),
        ("BODY_IDLE_TIMEOUT_SECONDS", BODY_IDLE_TIMEOUT_SECONDS),
    ]:
        assert f"| {seconds:g} | `{name}` |" in docs


@pytest.mark.parametrize(
    "sent",
    [
        pytest.param(b"", id="no-bytes"),
        pytest.param(b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", id="partial-tls-record"),
    ],
)
def test_a_tls_handshake_not_finished_in_time_is_dropped(quick: PeerServer, sent: bytes) -> None:
    with _connect(quick) as conn:
        conn.sendall(sent)
        assert _seconds_until_closed(conn) < DEADLINE + MARGIN


def test_bytes_that_are_not_tls_are_dropped_at_once(quick: PeerServer) -> None:
    with _connect(quick) as conn:
        conn.sendall(b"GET /peer/v1/health HTTP/1.1\r\nHost: jpn\r\n\r\n")
        assert _seconds_until_closed(conn) < MARGIN


def test_a_partial_request_head_after_the_handshake_is_dropped(pinned_tls: ssl.SSLSocket) -> None:
    pinned_tls.sendall(b"GET /peer/v1/health HTTP/1.1\r\nHost: jp")
    assert _seconds_until_closed(pinned_tls) < DEADLINE + MARGIN


def test_no_request_at_all_after_the_handshake_is_dropped(pinned_tls: ssl.SSLSocket) -> None:
    pinned_tls.settimeout(GIVE_UP)
    assert _seconds_until_closed(pinned_tls) < DEADLINE + MARGIN


def test_trickling_the_request_head_does_not_extend_its_deadline(pinned_tls: ssl.SSLSocket) -> None:
    started = time.monotonic()
    try:
        for byte in b"GET /peer/v1/health HTTP/1.1\r\nHost: jpn\r\n":  # never ends the head
            pinned_tls.sendall(bytes([byte]))
            time.sleep(DEADLINE / 5)
    except OSError:
        pass  # closed under our feet: what we want
    assert time.monotonic() - started + _seconds_until_closed(pinned_tls) < DEADLINE + MARGIN


def test_a_partial_head_after_a_served_request_is_dropped(pinned_tls: ssl.SSLSocket) -> None:
    assert _health(pinned_tls).startswith(b"HTTP/1.1 200 OK")
    pinned_tls.sendall(b"GET /peer/v1/hea")  # uvicorn's keep-alive timer stops at this byte
    assert _seconds_until_closed(pinned_tls) < DEADLINE + MARGIN


def test_a_stalled_request_body_is_dropped(pinned_tls: ssl.SSLSocket, handler: FakeHandler) -> None:
    pinned_tls.sendall(b"POST /peer/v1/transmissions HTTP/1.1\r\nHost: jpn\r\nContent-Length: 100\r\n\r\n{}")
    assert _seconds_until_closed(pinned_tls) < DEADLINE + MARGIN
    assert handler.transmissions == []


def test_a_slow_but_live_request_body_is_not_cut(pinned_tls: ssl.SSLSocket, handler: FakeHandler) -> None:
    body = b"{" + b" " * 8 + b"}"
    pinned_tls.sendall(b"POST /peer/v1/transmissions HTTP/1.1\r\nHost: jpn\r\nContent-Length: 10\r\n\r\n")
    for byte in body:  # 10 bytes over 4 deadlines, each well within one
        time.sleep(DEADLINE * 0.4)
        pinned_tls.sendall(bytes([byte]))
    response = b""
    while b'"r1"' not in response:
        chunk = pinned_tls.recv(4096)
        assert chunk, f"closed after {response!r}"
        response += chunk
    assert response.startswith(b"HTTP/1.1 200 OK")
    assert handler.transmissions == [body]


def test_requests_are_served_as_usual_with_the_deadlines(
    tls: Identities, quick: PeerServer, pinned_tls: ssl.SSLSocket
) -> None:
    assert _health(pinned_tls).startswith(b"HTTP/1.1 200 OK")
    assert _health(pinned_tls).startswith(b"HTTP/1.1 200 OK")  # kept alive for a second one
    with PeerClient(
        f"https://127.0.0.1:{quick.port}",
        identity=tls.kor,
        server_cert_pem=tls.jpn.cert_pem,
        timeout=5.0,
    ) as peer:
        assert peer.health()["status"] == "ok"
        assert peer.post_transmission(b"{}") == b'{"receipts":["r1"]}'


@pytest.mark.parametrize("name", ["handshake_timeout", "request_head_timeout", "body_idle_timeout"])
def test_a_timeout_must_be_positive(serve: ServeFactory, name: str) -> None:
    with pytest.raises(InvalidInput, match="must be positive"):
        serve(**{name: 0})

"""PeerServer: mutual TLS with pinned client certificates, lifecycle (accord.api._server)."""

from __future__ import annotations

import asyncio
import email.utils
import signal
import socket
import ssl
import threading
import time
from collections.abc import Callable
from typing import Any, cast

import httpx
import pytest
from support_api import FakeHandler, Identities, ServeFactory

from accord.api import PeerServer, RestingServer, create_peer_app
from accord.api._server import _pinned_protocol
from accord.crypto import TlsIdentity
from accord.errors import InvalidInput, TransportError
from accord.exchange._client import PeerClient, PeerUnavailable


def _client(tls: Identities, server: PeerServer, *, me: str = "kor", pin: str = "jpn") -> PeerClient:
    mine = getattr(tls, me)
    theirs = getattr(tls, pin)
    return PeerClient(
        f"https://127.0.0.1:{server.port}",
        identity=mine,
        server_cert_pem=theirs.cert_pem,
        timeout=5.0,
    )


def test_health_over_mutual_tls(client: PeerClient) -> None:
    assert client.health() == {"status": "ok", "node": "JPN"}
    assert client.post_transmission(b"{}") == b'{"receipts":["r1"]}'


def test_a_client_whose_certificate_is_not_pinned_is_refused(
    tls: Identities, server: PeerServer, handler: FakeHandler
) -> None:
    with _client(tls, server, me="rogue") as rogue, pytest.raises(PeerUnavailable) as refused:
        rogue.post_transmission(b"{}")
    assert refused.value.retryable
    assert "may not accept our certificate" in str(refused.value)
    assert handler.transmissions == []


def test_a_client_pinning_another_server_certificate_refuses_the_server(
    tls: Identities, server: PeerServer, handler: FakeHandler
) -> None:
    with _client(tls, server, pin="rogue") as wary, pytest.raises(PeerUnavailable) as refused:
        wary.post_transmission(b"{}")
    assert str(refused.value) == "TLS handshake failed: certificate does not match the pinned one"
    assert handler.transmissions == []


def test_a_client_without_certificate_is_refused(tls: Identities, server: PeerServer) -> None:
    bare = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    bare.load_verify_locations(cadata=tls.jpn.cert_pem.decode())
    with pytest.raises(httpx.TransportError):
        httpx.get(f"https://127.0.0.1:{server.port}/peer/v1/health", verify=bare, timeout=5)


def test_plain_http_is_refused(server: PeerServer) -> None:
    with pytest.raises(httpx.TransportError):
        httpx.get(f"http://127.0.0.1:{server.port}/peer/v1/health", timeout=5)


def test_several_partners_can_be_pinned(tls: Identities, serve: ServeFactory) -> None:
    server = serve(pins=(tls.kor.cert_pem, tls.rogue.cert_pem))
    for me in ("kor", "rogue"):
        with _client(tls, server, me=me) as peer:
            assert peer.health()["status"] == "ok"


def test_connection_refused_once_the_server_is_stopped(tls: Identities, server: PeerServer) -> None:
    with _client(tls, server) as peer:
        assert peer.health()["status"] == "ok"
        server.stop()
        with pytest.raises(PeerUnavailable) as down:
            peer.health()
    assert down.value.retryable


def test_stop_is_prompt_with_idle_keep_alive_connections(tls: Identities, server: PeerServer) -> None:
    with _client(tls, server) as peer:
        peer.health()  # leaves an idle pooled connection
        started = time.monotonic()
        server.stop()
        assert time.monotonic() - started < 3


def test_port_zero_picks_a_free_port_and_a_taken_port_is_a_transport_error(
    tls: Identities, server: PeerServer, handler: FakeHandler
) -> None:
    assert server.port > 0
    clash = PeerServer(
        create_peer_app(handler),
        ("127.0.0.1", server.port),
        identity=tls.jpn,
        client_cert_pems=[tls.kor.cert_pem],
    )
    with pytest.raises(TransportError, match="cannot listen"):
        clash.start()
    with pytest.raises(TransportError):
        _ = clash.port


def test_start_twice_is_refused_and_stop_is_idempotent(tls: Identities, handler: FakeHandler) -> None:
    server = PeerServer(
        create_peer_app(handler),
        ("127.0.0.1", 0),
        identity=tls.jpn,
        client_cert_pems=[tls.kor.cert_pem],
    )
    with server:
        with pytest.raises(TransportError, match="already running"):
            server.start()
        port = server.port
    server.stop()
    with pytest.raises(ConnectionRefusedError), socket.create_connection(("127.0.0.1", port), timeout=2):
        pass


def test_bad_key_material_is_refused_at_construction(tls: Identities, handler: FakeHandler) -> None:
    with pytest.raises(InvalidInput):
        PeerServer(
            create_peer_app(handler),
            ("127.0.0.1", 0),
            identity=TlsIdentity(tls.kor.key_pem, tls.jpn.cert_pem, tls.jpn.fingerprint),
            client_cert_pems=[tls.kor.cert_pem],
        )


class _FakeSSLObject:
    def __init__(self, der: bytes | None) -> None:
        self.der = der

    def getpeercert(self, binary_form: bool = False) -> bytes | None:
        return self.der


class _FakeTransport(asyncio.Transport):
    def __init__(self, der: bytes | None) -> None:
        super().__init__()
        self.ssl_object = _FakeSSLObject(der)
        self.aborted = False

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {
            "ssl_object": self.ssl_object,
            "peername": ("127.0.0.1", 1),
            "sockname": ("127.0.0.1", 2),
        }.get(name, default)

    def abort(self) -> None:
        self.aborted = True

    def is_closing(self) -> bool:
        return self.aborted


@pytest.mark.parametrize(
    ("who", "aborted"),
    [
        pytest.param("kor", False, id="pinned-leaf-served"),
        pytest.param("rogue", True, id="other-leaf-closed"),
        pytest.param(None, True, id="no-certificate-closed"),
    ],
)
def test_the_client_leaf_must_be_exactly_a_pinned_certificate(
    tls: Identities, who: str | None, aborted: bool
) -> None:
    # The handshake already demands a chain to a pinned certificate; this second check
    # (the leaf itself) cannot be reached with Accord's CA:FALSE certificates over a real
    # socket, so it is exercised on the protocol object directly.
    import uvicorn

    protocol_class = _pinned_protocol([tls.kor.cert_pem])
    config = uvicorn.Config(create_peer_app(FakeHandler()), log_level="warning")
    config.load()
    loop = asyncio.new_event_loop()
    try:
        protocol = protocol_class(config=config, server_state=cast(Any, _State()), app_state={}, _loop=loop)
        der = ssl.PEM_cert_to_DER_cert(getattr(tls, who).cert_pem.decode()) if who else None
        transport = _FakeTransport(der)
        protocol.connection_made(transport)
        assert transport.aborted is aborted
    finally:
        loop.close()


class _State:
    def __init__(self) -> None:
        self.total_requests = 0
        self.connections: set[object] = set()
        self.tasks: set[object] = set()
        self.default_headers: list[tuple[bytes, bytes]] = []


async def _hello(scope: Any, receive: Any, send: Any) -> None:
    assert scope["type"] == "http"
    await send({"type": "http.response.start", "status": 200, "headers": [(b"content-type", b"text/plain")]})
    await send({"type": "http.response.body", "body": b"hello"})


@pytest.mark.parametrize(
    "stop",
    [
        pytest.param(lambda server: server.request_exit(), id="request-exit-from-another-thread"),
        pytest.param(lambda server: server.handle_exit(signal.SIGTERM, None), id="signal-handler"),
    ],
)
def test_a_resting_server_serves_with_a_date_header_and_stops_when_told(
    stop: Callable[[RestingServer], None],
) -> None:
    import uvicorn

    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = RestingServer(uvicorn.Config(_hello, lifespan="off", log_level="warning"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert server.started
        response = httpx.get(f"http://127.0.0.1:{port}/", timeout=5)
        assert response.text == "hello"
        assert email.utils.parsedate_to_datetime(response.headers["date"]).tzinfo is not None
        stop(server)
        thread.join(10)
        assert not thread.is_alive()
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()


def test_a_resting_server_told_to_exit_before_its_loop_runs_exits_at_its_first_tick() -> None:
    import uvicorn

    sock = socket.create_server(("127.0.0.1", 0))
    server = RestingServer(uvicorn.Config(_hello, lifespan="off", log_level="warning"))
    server.request_exit()
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    thread.join(10)
    sock.close()
    assert not thread.is_alive()

"""PeerClient: requests, and every failure as PeerUnavailable or PeerRejected.

A small FastAPI app stands in for a peer that misbehaves; it is served by a real PeerServer
over mutual TLS on 127.0.0.1.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import anyio
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import Response

from accord.api._server import PeerServer
from accord.crypto import TlsIdentity, generate_tls_identity
from accord.errors import InvalidInput, TransportError
from accord.exchange._client import PeerClient, PeerRejected, PeerUnavailable


@dataclass(frozen=True)
class Ids:
    jpn: TlsIdentity
    kor: TlsIdentity


@pytest.fixture(scope="module")
def ids() -> Ids:
    now = datetime.now(UTC)
    return Ids(jpn=generate_tls_identity("JPN", now=now), kor=generate_tls_identity("KOR", now=now))


class Peer:
    """What the fake peer answers next, and what it saw."""

    def __init__(self) -> None:
        self.status = 200
        self.body = b'{"received": 7}'
        self.seen: list[tuple[str, str, bytes]] = []
        self.release = threading.Event()
        self.release.set()


def _app(peer: Peer) -> FastAPI:
    app = FastAPI()

    @app.api_route("/{path:path}", methods=["GET", "POST", "PUT"])
    async def anything(path: str, request: Request) -> Response:
        body = await request.body()
        raw_path = request.scope["raw_path"].decode("ascii")
        peer.seen.append((request.method, raw_path + "?" + request.url.query, body))
        while not peer.release.is_set():
            await anyio.sleep(0.02)
        return Response(peer.body, status_code=peer.status, media_type="application/json")

    return app


@pytest.fixture
def peer() -> Peer:
    return Peer()


@pytest.fixture
def server(ids: Ids, peer: Peer) -> Iterator[PeerServer]:
    server = PeerServer(
        _app(peer),
        ("127.0.0.1", 0),
        identity=ids.jpn,
        client_cert_pems=[ids.kor.cert_pem],
    )
    server.start()
    yield server
    peer.release.set()
    server.stop()


def _client(ids: Ids, port: int, **kwargs: float) -> PeerClient:
    return PeerClient(
        f"https://127.0.0.1:{port}",
        identity=ids.kor,
        server_cert_pem=ids.jpn.cert_pem,
        **kwargs,  # type: ignore[arg-type]
    )


@pytest.fixture
def client(ids: Ids, server: PeerServer) -> Iterator[PeerClient]:
    with _client(ids, server.port, timeout=5.0) as peer_client:
        yield peer_client


def test_requests_go_where_the_api_says(client: PeerClient, peer: Peer) -> None:
    assert client.post_transmission(b'{"t": 1}') == b'{"received": 7}'
    assert client.blob_status("sha256:ab-1") == 7
    assert client.put_blob("sha256:ab-1", 3, 10, iter([b"abc", b"", b"defg"])) == 7
    assert peer.seen == [
        ("POST", "/peer/v1/transmissions?", b'{"t": 1}'),
        ("GET", "/peer/v1/blobs/sha256%3Aab-1?", b""),
        ("PUT", "/peer/v1/blobs/sha256%3Aab-1?offset=3&total=10", b"abcdefg"),
    ]


def test_blob_ids_cannot_escape_the_blob_path(client: PeerClient, peer: Peer) -> None:
    client.blob_status("../transmissions")
    assert peer.seen[0][1] == "/peer/v1/blobs/..%2Ftransmissions?"  # one quoted path segment


@pytest.mark.parametrize(
    ("status", "error", "retryable"),
    [
        pytest.param(400, PeerRejected, False, id="400"),
        pytest.param(404, PeerRejected, False, id="404"),
        pytest.param(413, PeerRejected, False, id="413"),
        pytest.param(500, PeerUnavailable, True, id="500"),
        pytest.param(503, PeerUnavailable, True, id="503"),
        pytest.param(302, PeerUnavailable, True, id="redirect-not-followed"),
        pytest.param(204, PeerUnavailable, True, id="unexpected-success"),
    ],
)
def test_statuses_become_transport_errors(
    client: PeerClient, peer: Peer, status: int, error: type[TransportError], retryable: bool
) -> None:
    peer.status = status
    peer.body = b'{"error":"rejected"}' if status != 204 else b""
    with pytest.raises(error) as raised:
        client.post_transmission(b"{}")
    assert isinstance(raised.value, TransportError)
    assert raised.value.retryable is retryable  # type: ignore[attr-defined]
    assert str(status) in str(raised.value)
    assert "\n" not in str(raised.value)


def test_rejection_message(client: PeerClient, peer: Peer) -> None:
    peer.status = 400
    with pytest.raises(PeerRejected, match=r"^peer rejected the request \(HTTP 400\)$"):
        client.blob_status("b")


@pytest.mark.parametrize(
    "body",
    [
        pytest.param(b"not json", id="not-json"),
        pytest.param(b"[1]", id="not-an-object"),
        pytest.param(b'{"received": -1}', id="negative"),
        pytest.param(b'{"received": true}', id="bool"),
        pytest.param(b'{"received": "7"}', id="string"),
        pytest.param(b"{}", id="missing"),
    ],
)
def test_malformed_answers_are_unavailable(client: PeerClient, peer: Peer, body: bytes) -> None:
    peer.body = body
    with pytest.raises(PeerUnavailable):
        client.blob_status("b")


def test_health_document(client: PeerClient, peer: Peer) -> None:
    peer.body = b'{"status": "ok"}'
    assert client.health() == {"status": "ok"}
    assert peer.seen[-1][:2] == ("GET", "/peer/v1/health?")
    peer.body = b"[]"
    with pytest.raises(PeerUnavailable, match="malformed health"):
        client.health()


def test_an_oversized_answer_is_refused(ids: Ids, server: PeerServer, peer: Peer) -> None:
    peer.body = b"x" * 5000
    with (
        _client(ids, server.port, max_response_bytes=1000) as small,
        pytest.raises(PeerUnavailable, match="larger than allowed"),
    ):
        small.post_transmission(b"{}")


def test_a_slow_peer_times_out(ids: Ids, server: PeerServer, peer: Peer) -> None:
    peer.release.clear()
    with _client(ids, server.port, timeout=0.3) as impatient, pytest.raises(PeerUnavailable, match="in time"):
        impatient.post_transmission(b"{}")


def test_connection_refused_is_unavailable(ids: Ids) -> None:
    with socket_port() as port, _client(ids, port, timeout=2.0) as nobody:
        with pytest.raises(PeerUnavailable, match="cannot connect") as refused:
            nobody.health()
        assert refused.value.retryable


@pytest.mark.parametrize(
    "endpoint",
    [
        pytest.param("http://127.0.0.1:1", id="plain-http"),
        pytest.param("https://", id="no-host"),
        pytest.param("https://127.0.0.1:1/peer/v1", id="with-path"),
        pytest.param("127.0.0.1:1", id="no-scheme"),
    ],
)
def test_endpoint_must_be_an_https_origin(ids: Ids, endpoint: str) -> None:
    with pytest.raises(InvalidInput):
        PeerClient(endpoint, identity=ids.kor, server_cert_pem=ids.jpn.cert_pem)


@pytest.mark.parametrize(
    "kwargs",
    [
        pytest.param({"timeout": 0}, id="zero-timeout"),
        pytest.param({"timeout": True}, id="bool-timeout"),
        pytest.param({"max_response_bytes": 0}, id="zero-cap"),
        pytest.param({"server_cert_pem": b"nope"}, id="bad-pin"),
        pytest.param({"key_pem": b"-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"}, id="bad-key"),
    ],
)
def test_bad_client_settings_are_refused(ids: Ids, kwargs: dict[str, object]) -> None:
    settings: dict[str, object] = {
        "cert_pem": ids.kor.cert_pem,
        "key_pem": ids.kor.key_pem,
        "server_cert_pem": ids.jpn.cert_pem,
    }
    settings.update(kwargs)
    cert_pem, key_pem = settings.pop("cert_pem"), settings.pop("key_pem")
    identity = TlsIdentity(key_pem, cert_pem, ids.kor.fingerprint)  # type: ignore[arg-type]
    with pytest.raises(InvalidInput):
        PeerClient("https://127.0.0.1:1", identity=identity, **settings)  # type: ignore[arg-type]


def test_errors_are_transport_errors_with_the_right_flag() -> None:
    assert issubclass(PeerUnavailable, TransportError)
    assert issubclass(PeerRejected, TransportError)
    assert PeerUnavailable("x").retryable
    assert not PeerRejected("x").retryable


class socket_port:  # noqa: N801 - used as a context manager like a function
    """A port on 127.0.0.1 that nothing listens on (bound, never listened, then released)."""

    def __enter__(self) -> int:
        import socket

        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        port: int = self.sock.getsockname()[1]
        return port

    def __exit__(self, *exc_info: object) -> None:
        self.sock.close()

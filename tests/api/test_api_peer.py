"""The peer API's routes, error mapping and memory bounds (accord.api._peer).

Routing and mapping go in process through ``httpx.ASGITransport``; streaming goes through a
real PeerServer over mutual TLS on 127.0.0.1.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import anyio
import httpx
import pytest
from fastapi import FastAPI
from support_api import FakeHandler

from accord.api import MAX_PIECE_BYTES, create_peer_app
from accord.errors import (
    AccordError,
    AgreementStateError,
    Conflict,
    IntegrityError,
    InvalidInput,
    NotFound,
    PolicyDenied,
    StorageError,
    TransportError,
    VerificationFailed,
)
from accord.exchange._client import PeerClient, PeerRejected, PeerUnavailable

SECRET = "the reason names article 7 and a key id"


class Web:
    """A synchronous face on ``httpx.AsyncClient(transport=ASGITransport(app))``."""

    def __init__(self, app: FastAPI) -> None:
        self.app = app

    def request(
        self, method: str, path: str, content: bytes | AsyncIterator[bytes] | None = None
    ) -> httpx.Response:
        async def go() -> httpx.Response:
            transport = httpx.ASGITransport(app=self.app, raise_app_exceptions=False)
            async with httpx.AsyncClient(transport=transport, base_url="https://peer") as http:
                return await http.request(method, path, content=content)

        return anyio.run(go)

    def get(self, path: str) -> httpx.Response:
        return self.request("GET", path)

    def post(self, path: str, content: bytes | AsyncIterator[bytes]) -> httpx.Response:
        return self.request("POST", path, content)

    def put(self, path: str, content: bytes) -> httpx.Response:
        return self.request("PUT", path, content)

    def delete(self, path: str) -> httpx.Response:
        return self.request("DELETE", path)


@pytest.fixture
def web(handler: FakeHandler) -> Web:
    return Web(create_peer_app(handler, max_transmission_bytes=1000))


def test_transmission_round_trip(web: Web, handler: FakeHandler) -> None:
    response = web.post("/peer/v1/transmissions", content=b'{"a": 1}')
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/json"
    assert response.content == b'{"receipts":["r1"]}'
    assert handler.transmissions == [b'{"a": 1}']


def test_malformed_json_is_the_handlers_business(web: Web, handler: FakeHandler) -> None:
    response = web.post("/peer/v1/transmissions", content=b"{not json")
    assert response.status_code == 200
    assert handler.transmissions == [b"{not json"]


def test_blob_status_and_health(web: Web, handler: FakeHandler) -> None:
    handler.blobs["b-1"] = 42
    assert web.get("/peer/v1/blobs/b-1").json() == {"received": 42}
    assert web.get("/peer/v1/health").json() == {"status": "ok", "node": "JPN"}


def test_oversized_transmission_is_413_and_never_reaches_the_handler(web: Web, handler: FakeHandler) -> None:
    response = web.post("/peer/v1/transmissions", content=b"x" * 1001)
    assert response.status_code == 413
    assert response.json() == {"error": "rejected"}
    assert handler.transmissions == []


def test_oversized_transmission_without_content_length_is_cut_at_the_cap(
    web: Web, handler: FakeHandler
) -> None:
    async def chunks() -> AsyncIterator[bytes]:
        for _ in range(10):
            yield b"x" * 400

    response = web.post("/peer/v1/transmissions", content=chunks())
    assert response.status_code == 413
    assert handler.transmissions == []


def test_a_body_at_the_cap_is_accepted(web: Web, handler: FakeHandler) -> None:
    assert web.post("/peer/v1/transmissions", content=b"x" * 1000).status_code == 200


@dataclass(frozen=True)
class Mapped:
    """An error a handler raises, the status it maps to, and the one word the peer is told."""

    error: Exception
    status: int
    word: str


@pytest.mark.parametrize(
    "mapped",
    [
        pytest.param(Mapped(InvalidInput(SECRET), 400, "rejected"), id="invalid-input"),
        pytest.param(Mapped(VerificationFailed(SECRET), 400, "rejected"), id="verification-failed"),
        pytest.param(Mapped(PolicyDenied(SECRET), 400, "rejected"), id="policy-denied"),
        pytest.param(Mapped(AgreementStateError(SECRET), 400, "rejected"), id="agreement-state"),
        pytest.param(Mapped(NotFound(SECRET), 400, "rejected"), id="not-found"),
        pytest.param(Mapped(Conflict(SECRET), 400, "rejected"), id="conflict"),
        pytest.param(Mapped(IntegrityError(SECRET), 400, "rejected"), id="integrity"),
        pytest.param(Mapped(StorageError(SECRET), 503, "unavailable"), id="storage"),
        pytest.param(Mapped(TransportError(SECRET), 500, "internal"), id="other-accord-error"),
        pytest.param(Mapped(RuntimeError(SECRET), 500, "internal"), id="bug"),
    ],
)
@pytest.mark.parametrize(
    "route",
    [
        pytest.param(("POST", "/peer/v1/transmissions"), id="transmission"),
        pytest.param(("GET", "/peer/v1/blobs/b1"), id="blob-status"),
        pytest.param(("PUT", "/peer/v1/blobs/b1?offset=0&total=3"), id="blob-put"),
        pytest.param(("GET", "/peer/v1/health"), id="health"),
    ],
)
def test_errors_are_mapped_and_opaque(
    web: Web, handler: FakeHandler, mapped: Mapped, route: tuple[str, str]
) -> None:
    method, path = route
    handler.fail = mapped.error
    response = web.request(method, path, content=b"abc" if method != "GET" else None)
    assert response.status_code == mapped.status
    assert response.content == b'{"error":"' + mapped.word.encode() + b'"}'
    assert SECRET.encode() not in response.content


def test_an_unexpected_error_is_logged(
    web: Web, handler: FakeHandler, caplog: pytest.LogCaptureFixture
) -> None:
    handler.fail = RuntimeError("boom")
    with caplog.at_level(logging.ERROR, logger="accord.api"):
        assert web.get("/peer/v1/health").status_code == 500
    assert any(record.exc_info for record in caplog.records)


@pytest.mark.parametrize(
    "path",
    [
        pytest.param("/peer/v1/blobs/b1?offset=-1&total=3", id="negative-offset"),
        pytest.param("/peer/v1/blobs/b1?offset=4&total=3", id="offset-past-total"),
        pytest.param("/peer/v1/blobs/b1?offset=x&total=3", id="offset-not-int"),
        pytest.param("/peer/v1/blobs/b1?total=3", id="offset-missing"),
        pytest.param("/peer/v1/blobs/..?offset=0&total=3", id="dot-dot-id"),
        pytest.param("/peer/v1/blobs/.hidden?offset=0&total=3", id="dot-id"),
        pytest.param("/peer/v1/blobs/a%2Fb?offset=0&total=3", id="slash-in-id"),
        pytest.param("/peer/v1/blobs/" + "a" * 201 + "?offset=0&total=3", id="id-too-long"),
    ],
)
def test_bad_blob_requests_are_rejected_opaquely(web: Web, handler: FakeHandler, path: str) -> None:
    response = web.put(path, content=b"abc")
    assert 400 <= response.status_code < 500
    assert response.json() == {"error": "rejected"}
    assert handler.blobs == {}


def test_blob_longer_than_declared_is_rejected(web: Web, handler: FakeHandler) -> None:
    response = web.put("/peer/v1/blobs/b1?offset=0&total=3", content=b"abcd")
    assert response.status_code == 400
    assert response.json() == {"error": "rejected"}
    assert [type(e) for e in handler.errors] == [InvalidInput]


def test_unknown_routes_and_methods_are_opaque(web: Web) -> None:
    for response in (
        web.get("/nope"),
        web.delete("/peer/v1/health"),
        web.get("/docs"),
        web.get("/openapi.json"),
    ):
        assert 400 <= response.status_code < 500
        assert response.json() == {"error": "rejected"}


def test_the_cap_must_be_positive(handler: FakeHandler) -> None:
    with pytest.raises(InvalidInput):
        create_peer_app(handler, max_transmission_bytes=0)


def test_accord_error_root_maps_to_internal(web: Web, handler: FakeHandler) -> None:
    handler.fail = AccordError(SECRET)
    assert web.get("/peer/v1/health").json() == {"error": "internal"}


# -- streaming over a real server -------------------------------------------------------------

BLOB = 20 * 1024 * 1024


def test_a_20_mb_blob_is_streamed_to_the_handler_in_bounded_pieces(
    client: PeerClient, handler: FakeHandler
) -> None:
    sent = 0

    def pieces() -> Iterator[bytes]:
        nonlocal sent
        piece = b"\xa5" * (64 * 1024)
        while sent < BLOB:
            if sent == BLOB - len(piece):
                # Before the last piece leaves, the handler must already be consuming: a server
                # that buffered the whole body would not have called it yet.
                deadline = time.monotonic() + 5
                while handler.consumed == 0 and time.monotonic() < deadline:
                    time.sleep(0.01)
                assert handler.consumed > 0
            sent += len(piece)
            yield piece

    assert client.put_blob("imagery-1", 0, BLOB, pieces()) == BLOB
    assert handler.blobs == {"imagery-1": BLOB}
    assert sum(handler.piece_sizes) == BLOB
    assert max(handler.piece_sizes) <= MAX_PIECE_BYTES
    assert len(handler.piece_sizes) >= BLOB // MAX_PIECE_BYTES


def test_a_resumed_upload_reports_the_full_size(client: PeerClient, handler: FakeHandler) -> None:
    assert client.put_blob("sha256:ab_1.part", 0, 10, [b"abcd"]) == 4
    assert client.blob_status("sha256:ab_1.part") == 4
    assert client.put_blob("sha256:ab_1.part", 4, 10, [b"ef", b"ghij"]) == 10


def test_an_interrupted_upload_reaches_the_handler_as_truncated(
    client: PeerClient, handler: FakeHandler
) -> None:
    def pieces() -> Iterator[bytes]:
        yield b"x" * 300_000
        raise StorageError("the source file went away")

    with pytest.raises(StorageError):  # the sender's own error is not disguised as transport
        client.put_blob("b1", 0, 1_000_000, pieces())
    deadline = time.monotonic() + 5
    while not handler.errors and time.monotonic() < deadline:
        time.sleep(0.01)
    assert [type(e) for e in handler.errors] == [InvalidInput]
    assert "b1" not in handler.blobs


def test_handler_errors_reach_the_client_as_rejected_or_unavailable(
    client: PeerClient, handler: FakeHandler
) -> None:
    handler.fail = VerificationFailed(SECRET)
    with pytest.raises(PeerRejected) as rejected:
        client.post_transmission(b"{}")
    assert not rejected.value.retryable
    assert SECRET not in str(rejected.value)
    handler.fail = NotFound(SECRET)
    with pytest.raises(PeerRejected):
        client.blob_status("b1")
    handler.fail = StorageError(SECRET)
    with pytest.raises(PeerUnavailable) as unavailable:
        client.put_blob("b1", 0, 3, [b"abc"])
    assert unavailable.value.retryable


def test_oversized_transmission_over_tls_is_rejected_and_not_handled(
    client: PeerClient, handler: FakeHandler
) -> None:
    with pytest.raises(PeerRejected, match="413"):
        client.post_transmission(b"x" * (4 * 1024 * 1024))
    assert handler.transmissions == []
    # The connection pool recovers: the next request works.
    assert client.post_transmission(b"{}") == b'{"receipts":["r1"]}'


def test_parallel_uploads_share_one_client(client: PeerClient) -> None:
    results: list[int] = []

    def upload(name: str) -> None:
        results.append(client.put_blob(name, 0, 2_000_000, (b"y" * 100_000 for _ in range(20))))

    threads = [threading.Thread(target=upload, args=(f"p{i}",)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(20)
    assert results == [2_000_000] * 4

"""Fixtures for the peer API tests.

* ``tls`` — three TLS identities generated once: ``jpn`` (the server), ``kor`` (a pinned
  client) and ``rogue`` (valid, but pinned by nobody);
* ``handler`` — a :class:`FakeHandler` recording what the API hands it;
* ``serve`` — starts a :class:`PeerServer` on 127.0.0.1, port 0 (timeouts as keywords), stopped
  at teardown;
* ``client`` — a :class:`PeerClient` of KOR toward the served JPN node.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from fastapi import FastAPI
from support_api import FakeHandler, Identities, ServeFactory

from accord.api import PeerServer, ServerDeadlines, create_peer_app
from accord.crypto import generate_tls_identity
from accord.exchange._client import PeerClient


@pytest.fixture(scope="session")
def tls() -> Identities:
    now = datetime.now(UTC)
    return Identities(
        jpn=generate_tls_identity("JPN", now=now),
        kor=generate_tls_identity("KOR", now=now),
        rogue=generate_tls_identity("KOR", now=now),
    )


@pytest.fixture
def handler() -> FakeHandler:
    return FakeHandler()


@pytest.fixture
def serve(tls: Identities, handler: FakeHandler) -> Iterator[ServeFactory]:
    servers: list[PeerServer] = []

    def start(
        app: FastAPI | None = None, *, pins: tuple[bytes, ...] | None = None, **timeouts: float
    ) -> PeerServer:
        server = PeerServer(
            app if app is not None else create_peer_app(handler, max_transmission_bytes=1024 * 1024),
            ("127.0.0.1", 0),
            identity=tls.jpn,
            client_cert_pems=pins if pins is not None else (tls.kor.cert_pem,),
            deadlines=ServerDeadlines(**timeouts),
        )
        server.start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture
def server(serve: ServeFactory) -> PeerServer:
    return serve()


@pytest.fixture
def client(tls: Identities, server: PeerServer) -> Iterator[PeerClient]:
    with PeerClient(
        f"https://127.0.0.1:{server.port}",
        identity=tls.kor,
        server_cert_pem=tls.jpn.cert_pem,
        timeout=10.0,
    ) as peer:
        yield peer

"""Mutual TLS contexts with pinned self-signed certificates (accord.exchange._tls).

The handshake tests use plain stdlib sockets on 127.0.0.1, so they exercise OpenSSL's
verification of a self-signed end-entity certificate as its own trust anchor, in both
directions, with VERIFY_X509_STRICT on.
"""

from __future__ import annotations

import hashlib
import os
import socket
import ssl
import tempfile
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from accord.crypto import TlsIdentity, generate_tls_identity
from accord.errors import InvalidInput
from accord.exchange._tls import client_context, pin_matches, server_context


@dataclass(frozen=True)
class Ids:
    server: TlsIdentity
    client: TlsIdentity
    other: TlsIdentity


@pytest.fixture(scope="module")
def ids() -> Ids:
    now = datetime.now(UTC)
    return Ids(
        server=generate_tls_identity("JPN", now=now),
        client=generate_tls_identity("KOR", now=now),
        other=generate_tls_identity("KOR", now=now),
    )


def _handshake(server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext) -> tuple[object, object]:
    """Run one handshake plus a ping; return (server outcome, client outcome)."""
    listener = socket.create_server(("127.0.0.1", 0))
    outcome: dict[str, object] = {}

    def serve() -> None:
        conn, _ = listener.accept()
        try:
            with server_ctx.wrap_socket(conn, server_side=True) as tls:
                tls.recv(4)
                tls.sendall(b"pong")
                outcome["server"] = "ok"
        except (ssl.SSLError, OSError) as exc:
            outcome["server"] = exc

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        raw = socket.create_connection(listener.getsockname(), timeout=5)
        with client_ctx.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            tls.sendall(b"ping")
            outcome["client"] = tls.recv(4)
    except (ssl.SSLError, OSError) as exc:
        outcome["client"] = exc
    finally:
        thread.join(5)
        listener.close()
    return outcome["server"], outcome["client"]


def test_contexts_are_tls13_mutual_and_strict(ids: Ids) -> None:
    server = server_context(ids.server.cert_pem, ids.server.key_pem, [ids.client.cert_pem])
    client = client_context(ids.client.cert_pem, ids.client.key_pem, ids.server.cert_pem)
    for ctx in (server, client):
        assert ctx.minimum_version is ssl.TLSVersion.TLSv1_3
        assert ctx.verify_mode is ssl.CERT_REQUIRED
        assert ctx.verify_flags & ssl.VERIFY_X509_STRICT
        # Nothing from the system store: only the pinned certificate is a trust anchor.
        assert ctx.cert_store_stats()["x509"] == 1
    assert client.check_hostname


def test_server_trusts_exactly_the_given_partners(ids: Ids) -> None:
    ctx = server_context(ids.server.cert_pem, ids.server.key_pem, [ids.client.cert_pem, ids.other.cert_pem])
    assert ctx.cert_store_stats()["x509"] == 2


def test_pinned_peers_complete_the_handshake(ids: Ids) -> None:
    server = server_context(ids.server.cert_pem, ids.server.key_pem, [ids.client.cert_pem])
    client = client_context(ids.client.cert_pem, ids.client.key_pem, ids.server.cert_pem)
    assert _handshake(server, client) == ("ok", b"pong")


def test_server_refuses_an_unpinned_client_certificate(ids: Ids) -> None:
    server = server_context(ids.server.cert_pem, ids.server.key_pem, [ids.client.cert_pem])
    client = client_context(ids.other.cert_pem, ids.other.key_pem, ids.server.cert_pem)
    server_side, client_side = _handshake(server, client)
    assert isinstance(server_side, ssl.SSLCertVerificationError)
    assert isinstance(client_side, ssl.SSLError)


def test_client_refuses_a_server_that_is_not_the_pinned_one(ids: Ids) -> None:
    server = server_context(ids.server.cert_pem, ids.server.key_pem, [ids.client.cert_pem])
    client = client_context(ids.client.cert_pem, ids.client.key_pem, ids.other.cert_pem)
    _, client_side = _handshake(server, client)
    assert isinstance(client_side, ssl.SSLCertVerificationError)


def test_server_refuses_a_client_without_certificate(ids: Ids) -> None:
    server = server_context(ids.server.cert_pem, ids.server.key_pem, [ids.client.cert_pem])
    bare = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    bare.load_verify_locations(cadata=ids.server.cert_pem.decode())
    server_side, client_side = _handshake(server, bare)
    assert isinstance(server_side, ssl.SSLError)
    assert isinstance(client_side, ssl.SSLError)


def test_client_checks_the_host_name(ids: Ids) -> None:
    now = datetime.now(UTC)
    elsewhere = generate_tls_identity("JPN", now=now, hosts=("node.example",))
    server = server_context(elsewhere.cert_pem, elsewhere.key_pem, [ids.client.cert_pem])
    client = client_context(ids.client.cert_pem, ids.client.key_pem, elsewhere.cert_pem)
    _, client_side = _handshake(server, client)
    assert isinstance(client_side, ssl.SSLCertVerificationError)
    assert "mismatch" in str(client_side).lower()


def test_tls12_is_refused(ids: Ids) -> None:
    server = server_context(ids.server.cert_pem, ids.server.key_pem, [ids.client.cert_pem])
    old = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    old.maximum_version = ssl.TLSVersion.TLSv1_2
    old.load_verify_locations(cadata=ids.server.cert_pem.decode())
    server_side, client_side = _handshake(server, old)
    assert isinstance(server_side, ssl.SSLError)
    assert isinstance(client_side, ssl.SSLError)


def test_no_key_material_is_left_on_disk(ids: Ids) -> None:
    before_tmp = set(Path(tempfile.gettempdir()).iterdir())
    fds = Path("/proc/self/fd")
    before_fds = {p.name for p in fds.iterdir()} if fds.is_dir() else set()
    server_context(ids.server.cert_pem, ids.server.key_pem, [ids.client.cert_pem])
    client_context(ids.client.cert_pem, ids.client.key_pem, ids.server.cert_pem)
    assert {p for p in Path(tempfile.gettempdir()).iterdir() if p.name.startswith("accord-tls")} <= before_tmp
    if before_fds:
        assert {p.name for p in fds.iterdir()} <= before_fds


@pytest.mark.parametrize(
    ("cert", "key", "pins"),
    [
        pytest.param("server.cert", "server.key", [], id="no-pinned-partner"),
        pytest.param("server.cert", "server.key", [b"not pem"], id="pin-not-pem"),
        pytest.param("server.cert", "server.key", ["server.key"], id="pin-is-a-private-key"),
        pytest.param("server.cert", "client.key", ["client.cert"], id="key-does-not-match-cert"),
        pytest.param(b"garbage", "server.key", ["client.cert"], id="cert-not-pem"),
        pytest.param("server.cert", b"\xff\xfe", ["client.cert"], id="key-not-ascii"),
        pytest.param("server.cert", "server.key", "client.cert", id="pins-is-one-pem-not-a-list"),
    ],
)
def test_server_context_rejects_bad_material(ids: Ids, cert: object, key: object, pins: object) -> None:
    def resolve(value: object) -> object:
        if isinstance(value, str) and "." in value:
            who, part = value.split(".")
            identity: TlsIdentity = getattr(ids, who)
            return identity.cert_pem if part == "cert" else identity.key_pem
        if isinstance(value, list):
            return [resolve(item) for item in value]
        return value

    with pytest.raises(InvalidInput):
        server_context(resolve(cert), resolve(key), resolve(pins))  # type: ignore[arg-type]


def test_client_context_rejects_a_bad_pin(ids: Ids) -> None:
    with pytest.raises(InvalidInput):
        client_context(ids.client.cert_pem, ids.client.key_pem, b"-----BEGIN CERTIFICATE-----\nAAAA\n")


def test_pin_matches(ids: Ids) -> None:
    der = ssl.PEM_cert_to_DER_cert(ids.server.cert_pem.decode())
    assert pin_matches(der, ids.server.fingerprint)
    assert pin_matches(der, "sha256:" + hashlib.sha256(der).hexdigest())
    assert not pin_matches(der, ids.client.fingerprint)
    assert not pin_matches(der, hashlib.sha256(der).hexdigest())  # prefix required
    assert not pin_matches(der, "sha384:" + hashlib.sha256(der).hexdigest())
    assert not pin_matches(der, "")
    assert not pin_matches(der, "sha256:é")
    assert not pin_matches("not bytes", ids.server.fingerprint)  # type: ignore[arg-type]


def test_without_memfd_the_key_goes_to_a_private_directory_that_is_removed(
    ids: Ids, monkeypatch: pytest.MonkeyPatch
) -> None:
    from accord.exchange import _tls

    monkeypatch.delattr(os, "memfd_create", raising=False)
    seen: dict[str, int] = {}
    with _tls._private_file(b"secret") as path:
        seen["file"] = Path(path).stat().st_mode & 0o777
        seen["dir"] = Path(path).parent.stat().st_mode & 0o777
        assert Path(path).read_bytes() == b"secret"
    assert seen == {"file": 0o600, "dir": 0o700}
    assert not Path(path).parent.exists()
    # And a context still loads through that path.
    assert server_context(ids.server.cert_pem, ids.server.key_pem, [ids.client.cert_pem])

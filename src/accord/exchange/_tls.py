"""Mutual TLS contexts with pinned certificates.

Nodes authenticate each other with the self-signed certificates exchanged in their identity
cards; no certificate authority is trusted, the system store is never loaded. Invariants of
every context built here:

* TLS 1.3 only (``minimum_version``), so no renegotiation, no static RSA, no CBC suites;
* the peer must present a certificate (``CERT_REQUIRED`` on both sides);
* the trust store holds exactly the pinned partner certificates (``cadata``). OpenSSL accepts
  a self-signed end-entity certificate as its own trust anchor, and since those certificates
  carry ``basicConstraints CA:FALSE`` they cannot vouch for any other certificate;
* ``VERIFY_X509_STRICT`` is on (verified to accept Accord's certificates in both directions);
* the client checks the host name against the subjectAltName (``127.0.0.1``, ``localhost``).

The stdlib ``ssl`` module reads a certificate chain and its key only from a file. The key is
written to an anonymous memory file (Linux ``memfd_create``) that never reaches a disk and
disappears when closed; elsewhere to a private temporary directory (0700, file 0600) that is
removed right after loading.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import os
import shutil
import ssl
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from accord.errors import InvalidInput

__all__ = ["client_context", "pin_matches", "server_context"]

_FINGERPRINT_PREFIX = "sha256:"


def server_context(cert_pem: bytes, key_pem: bytes, client_cert_pems: Sequence[bytes]) -> ssl.SSLContext:
    """Build the context of a peer API server that accepts only pinned client certificates.

    Args:
        cert_pem: Our self-signed certificate, PEM.
        key_pem: Its private key, PEM (PKCS#8, unencrypted).
        client_cert_pems: The partners' certificates, PEM, one per pinned partner. No other
            client can complete the handshake.

    Returns:
        A server-side context (TLS 1.3, client certificate required).

    Raises:
        InvalidInput: If no partner certificate is given, or a certificate or the key is not
            valid PEM, or the key does not match the certificate.
    """
    if isinstance(client_cert_pems, bytes | str) or not client_cert_pems:
        raise InvalidInput("a TLS server needs at least one pinned partner certificate")
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    _harden(ctx)
    ctx.verify_mode = ssl.CERT_REQUIRED
    _load_identity(ctx, cert_pem, key_pem)
    for pem in client_cert_pems:
        _load_pin(ctx, pem)
    return ctx


def client_context(cert_pem: bytes, key_pem: bytes, server_cert_pem: bytes) -> ssl.SSLContext:
    """Build the context of a client that trusts exactly one pinned server certificate.

    Args:
        cert_pem: Our self-signed certificate, PEM, presented as the client certificate.
        key_pem: Its private key, PEM (PKCS#8, unencrypted).
        server_cert_pem: The partner's certificate, PEM; the only one the server may present.

    Returns:
        A client-side context (TLS 1.3, server verified, host name checked).

    Raises:
        InvalidInput: If a certificate or the key is not valid PEM, or the key does not match
            the certificate.
    """
    ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED and check_hostname by default
    _harden(ctx)
    ctx.verify_mode = ssl.CERT_REQUIRED
    ctx.check_hostname = True
    _load_identity(ctx, cert_pem, key_pem)
    _load_pin(ctx, server_cert_pem)
    return ctx


def pin_matches(cert_der: bytes, fingerprint: str) -> bool:
    """Tell whether a DER certificate has the pinned fingerprint, in constant time.

    Args:
        cert_der: The certificate, DER (as ``SSLSocket.getpeercert(binary_form=True)``).
        fingerprint: ``"sha256:"`` + lowercase hex of the SHA-256 of the DER certificate.

    Returns:
        True if the certificate is the pinned one; False otherwise, including when the
        fingerprint is malformed.
    """
    if not isinstance(cert_der, bytes) or not isinstance(fingerprint, str):
        return False
    expected = (_FINGERPRINT_PREFIX + hashlib.sha256(cert_der).hexdigest()).encode("ascii")
    return hmac.compare_digest(expected, fingerprint.strip().lower().encode("utf-8"))


def _harden(ctx: ssl.SSLContext) -> None:
    ctx.minimum_version = ssl.TLSVersion.TLSv1_3
    ctx.verify_flags |= ssl.VERIFY_X509_STRICT
    ctx.options |= ssl.OP_NO_COMPRESSION


def _load_pin(ctx: ssl.SSLContext, pem: bytes) -> None:
    text = _pem_text(pem, "certificate")
    if "PRIVATE KEY" in text:
        raise InvalidInput("a pinned certificate must not contain a private key")
    try:
        ctx.load_verify_locations(cadata=text)
    except (ssl.SSLError, ValueError) as exc:
        raise InvalidInput("not a valid PEM certificate to pin") from exc


def _load_identity(ctx: ssl.SSLContext, cert_pem: bytes, key_pem: bytes) -> None:
    cert_text = _pem_text(cert_pem, "certificate")
    key_text = _pem_text(key_pem, "private key")
    try:
        with _private_file(cert_text.encode("ascii") + b"\n" + key_text.encode("ascii")) as path:
            ctx.load_cert_chain(path)
    except ssl.SSLError as exc:
        raise InvalidInput("the TLS certificate or key is invalid, or they do not match") from exc


def _pem_text(pem: bytes, what: str) -> str:
    if not isinstance(pem, bytes):
        raise InvalidInput(f"the TLS {what} must be PEM bytes")
    try:
        text = pem.decode("ascii")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the TLS {what} is not PEM") from exc
    if "-----BEGIN " not in text:
        raise InvalidInput(f"the TLS {what} is not PEM")
    return text


@contextlib.contextmanager
def _private_file(data: bytes) -> Iterator[str]:
    """Yield a path to ``data`` that only this process can read, gone on exit."""
    memfd_create = getattr(os, "memfd_create", None)
    if memfd_create is not None and Path("/proc/self/fd").is_dir():
        # An anonymous in-memory file: never on disk, nothing left behind even on kill -9.
        fd = memfd_create("accord-tls", getattr(os, "MFD_CLOEXEC", 0))
        try:
            _write_all(fd, data)
            yield f"/proc/self/fd/{fd}"
        finally:
            os.close(fd)
        return
    directory = tempfile.mkdtemp(prefix="accord-tls-")  # created 0700
    try:
        path = Path(directory) / "identity.pem"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            _write_all(fd, data)
        finally:
            os.close(fd)
        yield str(path)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        written = os.write(fd, view)
        view = view[written:]

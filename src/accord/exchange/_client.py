"""The client side of the peer API, over mutual TLS with a pinned server certificate.

One :class:`PeerClient` is one connection pool. The delivery worker keeps one per precedence
lane and partner, so a FLASH transmission never queues behind a ROUTINE blob upload.

Every failure is a :class:`~accord.errors.TransportError` with a one-line reason and a
``retryable`` flag: :class:`PeerUnavailable` (retry later with backoff: the peer is down,
slow, overloaded, or the TLS handshake failed) or :class:`PeerRejected` (the peer refused the
request; sending the same bytes again will not help). The peer's error bodies are opaque by
design, so the reason says only what the status says.

httpx is imported when a client is made, not with the module: a command that never talks to
a peer (``accord item list``) opens the node, which imports this module, and should not pay
for the HTTP stack.
"""

from __future__ import annotations

import json
import ssl
from collections.abc import Iterable, Iterator
from types import TracebackType
from typing import TYPE_CHECKING
from urllib.parse import quote, urlsplit

from accord.crypto import TlsIdentity
from accord.errors import InvalidInput, TransportError
from accord.exchange._tls import client_context

if TYPE_CHECKING:
    import httpx

__all__ = ["PeerClient", "PeerRejected", "PeerUnavailable"]

_PREFIX = "/peer/v1"
_TLS_PIN_MISMATCH = "TLS handshake failed: certificate does not match the pinned one"


class PeerUnavailable(TransportError):
    """The peer could not be reached or could not serve the request now; retry later."""

    retryable: bool = True


class PeerRejected(TransportError):
    """The peer refused the request (HTTP 4xx); retrying the same request will not help."""

    retryable: bool = False


class PeerClient:
    """A synchronous HTTPS client of one partner's peer API."""

    def __init__(
        self,
        endpoint: str,
        *,
        identity: TlsIdentity,
        server_cert_pem: bytes,
        timeout: float = 30.0,
        max_response_bytes: int = 64 * 1024 * 1024,
    ) -> None:
        """Prepare the client; no connection is made until the first request.

        Args:
            endpoint: The partner's base URL, ``https://host:port`` (no path).
            identity: Our certificate (presented as the client certificate) and its private key.
            server_cert_pem: The partner's pinned certificate, PEM; no other is accepted.
            timeout: Seconds allowed to connect and for each read or write.
            max_response_bytes: The largest response body accepted from the peer.

        Raises:
            InvalidInput: If the endpoint is not an ``https`` URL, a certificate or the key is
                invalid, or ``timeout`` or ``max_response_bytes`` is not positive.
        """
        parts = urlsplit(endpoint) if isinstance(endpoint, str) else None
        if parts is None or parts.scheme != "https" or not parts.hostname or parts.path.strip("/"):
            raise InvalidInput("a peer endpoint must be an https://host:port URL")
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
            raise InvalidInput("the peer timeout must be a positive number of seconds")
        if isinstance(max_response_bytes, bool) or not isinstance(max_response_bytes, int):
            raise InvalidInput("max_response_bytes must be a positive integer")
        if max_response_bytes <= 0:
            raise InvalidInput("max_response_bytes must be a positive integer")
        context = client_context(identity.cert_pem, identity.key_pem, server_cert_pem)
        try:
            self._pinned_der = ssl.PEM_cert_to_DER_cert(server_cert_pem.decode("ascii").strip())
        except ValueError as exc:
            raise InvalidInput("the pinned server certificate must be one PEM certificate") from exc
        self._endpoint = endpoint.rstrip("/")
        self._max_response = max_response_bytes
        import httpx  # noqa: PLC0415 - see the module's docstring

        self._http = httpx.Client(
            verify=context,
            timeout=httpx.Timeout(timeout),
            trust_env=False,  # no proxy or CA bundle from the environment
            follow_redirects=False,
            headers={"user-agent": "accord-peer/1"},
        )

    @property
    def endpoint(self) -> str:
        """The partner's base URL."""
        return self._endpoint

    def post_transmission(self, body: bytes) -> bytes:
        """Send one transmission and return the peer's response body (its receipts).

        Args:
            body: The transmission, JSON bytes.

        Returns:
            The response body.

        Raises:
            PeerUnavailable: If the peer cannot be reached or answers 5xx (retryable).
            PeerRejected: If the peer answers 4xx (not retryable).
        """
        return self._request(
            "POST",
            f"{_PREFIX}/transmissions",
            content=body,
            headers={"content-type": "application/json"},
        )

    def blob_status(self, blob_id: str) -> int:
        """Ask how many bytes of a blob the peer already holds (to resume an upload).

        Args:
            blob_id: The blob's id.

        Returns:
            The number of bytes received so far.

        Raises:
            PeerUnavailable: If the peer cannot be reached, answers 5xx or answers badly.
            PeerRejected: If the peer answers 4xx.
        """
        return _received(self._request("GET", f"{_PREFIX}/blobs/{quote(blob_id, safe='')}"))

    def put_blob(self, blob_id: str, offset: int, total: int, pieces: Iterable[bytes]) -> int:
        """Upload a blob's bytes from ``offset`` on, streamed (chunked transfer encoding).

        Args:
            blob_id: The blob's id.
            offset: Where ``pieces`` start in the blob (what :meth:`blob_status` returned).
            total: The blob's full size.
            pieces: The bytes from ``offset``, consumed lazily; an exception they raise
                (e.g. a storage error reading the source) propagates unchanged.

        Returns:
            The peer's new received size.

        Raises:
            PeerUnavailable: If the peer cannot be reached, answers 5xx or answers badly.
            PeerRejected: If the peer answers 4xx.
        """
        path = f"{_PREFIX}/blobs/{quote(blob_id, safe='')}"
        body = self._request(
            "PUT",
            path,
            params={"offset": str(offset), "total": str(total)},
            content=_as_iterator(pieces),
            headers={"content-type": "application/octet-stream"},
        )
        return _received(body)

    def health(self) -> dict[str, object]:
        """Fetch the peer's health document.

        Returns:
            The decoded JSON object.

        Raises:
            PeerUnavailable: If the peer cannot be reached, answers 5xx or answers badly.
            PeerRejected: If the peer answers 4xx.
        """
        document = _json(self._request("GET", f"{_PREFIX}/health"))
        if not isinstance(document, dict):
            raise PeerUnavailable("the peer answered with a malformed health document")
        return document

    def close(self) -> None:
        """Close the connection pool."""
        self._http.close()

    def __enter__(self) -> PeerClient:
        """Return the client itself."""
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        """Close the connection pool."""
        self.close()

    def _request(
        self,
        method: str,
        path: str,
        *,
        content: bytes | Iterator[bytes] | None = None,
        params: dict[str, str] | None = None,
        headers: dict[str, str] | None = None,
    ) -> bytes:
        import httpx  # noqa: PLC0415 - loaded by __init__ already; see the module's docstring

        url = self._endpoint + path
        try:
            with self._http.stream(method, url, content=content, params=params, headers=headers) as response:
                self._check_pin(response)
                status = response.status_code
                if status != 200:
                    raise _status_error(status)
                return self._read_capped(response)
        except httpx.TimeoutException as exc:
            raise PeerUnavailable(f"the peer at {self._endpoint} did not answer in time") from exc
        except httpx.TransportError as exc:
            raise _connection_error(self._endpoint, exc) from exc
        except httpx.HTTPError as exc:  # e.g. a malformed URL built from a blob id
            raise PeerUnavailable(f"request to the peer at {self._endpoint} failed") from exc

    def _check_pin(self, response: httpx.Response) -> None:
        # The handshake accepted a chain ending at the pinned certificate; require the leaf
        # itself to be it, as the server does, so a pinned key can never vouch for another.
        stream = response.extensions.get("network_stream")
        ssl_object = stream.get_extra_info("ssl_object") if stream is not None else None
        der = ssl_object.getpeercert(True) if ssl_object is not None else None
        if der != self._pinned_der:
            raise PeerUnavailable(_TLS_PIN_MISMATCH)

    def _read_capped(self, response: httpx.Response) -> bytes:
        buffer = bytearray()
        for chunk in response.iter_bytes():
            buffer += chunk
            if len(buffer) > self._max_response:
                raise PeerUnavailable("the peer's response is larger than allowed")
        return bytes(buffer)


def _status_error(status: int) -> TransportError:
    if 400 <= status < 500:
        return PeerRejected(f"peer rejected the request (HTTP {status})")
    if 500 <= status < 600:
        return PeerUnavailable(f"peer unavailable (HTTP {status})")
    return PeerUnavailable(f"peer answered with unexpected HTTP status {status}")


def _connection_error(endpoint: str, exc: httpx.TransportError) -> PeerUnavailable:
    import httpx  # noqa: PLC0415 - loaded by PeerClient already; see the module's docstring

    tls = _find_ssl_error(exc)
    if isinstance(tls, ssl.SSLCertVerificationError):
        return PeerUnavailable(_TLS_PIN_MISMATCH)
    if tls is not None:
        reason = (tls.reason or "").lower()
        if "unknown_ca" in reason or "certificate" in reason or "bad_certificate" in reason:
            return PeerUnavailable("TLS handshake failed: the peer does not accept our certificate")
        return PeerUnavailable("TLS handshake failed")
    if isinstance(exc, httpx.ConnectError):
        return PeerUnavailable(f"cannot connect to the peer at {endpoint}")
    if isinstance(exc, httpx.RemoteProtocolError):
        # A TLS 1.3 server verifies our certificate after our handshake has completed and
        # asyncio servers drop the connection without an alert: this is what a refusal of
        # our certificate looks like from here (or a peer that died mid-request).
        return PeerUnavailable(
            f"the peer at {endpoint} closed the connection without answering"
            " (it may not accept our certificate)"
        )
    return PeerUnavailable(f"the connection to the peer at {endpoint} failed")


def _find_ssl_error(exc: BaseException) -> ssl.SSLError | None:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, ssl.SSLError):
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _as_iterator(pieces: Iterable[bytes]) -> Iterator[bytes]:
    for piece in pieces:
        if piece:
            yield bytes(piece)


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError as exc:
        raise PeerUnavailable("the peer answered with malformed JSON") from exc


def _received(body: bytes) -> int:
    document = _json(body)
    received = document.get("received") if isinstance(document, dict) else None
    if isinstance(received, bool) or not isinstance(received, int) or received < 0:
        raise PeerUnavailable("the peer answered without a valid received size")
    return received

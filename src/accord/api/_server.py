"""Serving an ASGI application over mutual TLS with uvicorn.

:class:`PeerServer` binds the listening socket itself (so a port that cannot be bound is a
:class:`~accord.errors.TransportError` at once, and ``port=0`` yields the real port), builds
the TLS context with :func:`accord.exchange._tls.server_context` and hands both to uvicorn
(``ssl_context_factory``), so no key is ever written to a file. On top of the handshake's
chain check, every accepted connection's client certificate must be byte-for-byte one of the
pinned ones, otherwise it is closed before any HTTP is read.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence

import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from accord.errors import TransportError
from accord.exchange._tls import server_context

__all__ = ["PeerServer"]

_log = logging.getLogger("accord.api")

_BACKLOG = 128
_GRACEFUL_SHUTDOWN_SECONDS = 5


class PeerServer:
    """An HTTPS server with client certificates pinned, run by uvicorn.

    Use :meth:`start` / :meth:`stop` to run it in a background thread, or
    :meth:`serve_forever` to run it in the calling (main) thread until Ctrl-C.
    """

    def __init__(
        self,
        app: FastAPI,
        *,
        host: str,
        port: int,
        cert_pem: bytes,
        key_pem: bytes,
        client_cert_pems: Sequence[bytes],
    ) -> None:
        """Prepare the server; nothing is bound until :meth:`start` or :meth:`serve_forever`.

        Args:
            app: The ASGI application (e.g. from :func:`accord.api.create_peer_app`).
            host: The address to listen on, e.g. ``"127.0.0.1"``.
            port: The port; 0 picks a free one (read it back from :attr:`port`).
            cert_pem: Our self-signed certificate, PEM.
            key_pem: Its private key, PEM.
            client_cert_pems: The pinned partner certificates; no other client is served.

        Raises:
            InvalidInput: If a certificate or the key is invalid, or no partner certificate
                is given.
        """
        self._context = server_context(cert_pem, key_pem, client_cert_pems)
        self._host = host
        self._requested_port = port
        self._protocol = _pinned_protocol(client_cert_pems)
        self._app = app
        self._socket: socket.socket | None = None
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        """The port the server listens on (the real one when constructed with ``port=0``).

        Raises:
            TransportError: If the server is not listening.
        """
        if self._socket is None:
            raise TransportError("the peer server is not listening")
        port: int = self._socket.getsockname()[1]
        return port

    def start(self, timeout: float = 10.0) -> None:
        """Listen and serve in a background thread; return once connections are accepted.

        Args:
            timeout: Seconds to wait for the server to be ready.

        Raises:
            TransportError: If the address cannot be bound, the server is already running,
                or it did not come up within ``timeout``.
        """
        if self._thread is not None:
            raise TransportError("the peer server is already running")
        sock = self._bind()
        server = self._make_server()
        thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="accord-peer-server")
        thread.daemon = True
        self._thread = thread
        thread.start()
        deadline = time.monotonic() + timeout
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise TransportError(f"the peer server on {self._host} did not start")
            time.sleep(0.01)

    def stop(self) -> None:
        """Stop serving, finish in-flight requests briefly, and close the socket. Idempotent."""
        server, thread, sock = self._server, self._thread, self._socket
        if server is not None:
            server.should_exit = True
        if thread is not None:
            thread.join(_GRACEFUL_SHUTDOWN_SECONDS + 5)
        if sock is not None:
            sock.close()
        self._server = self._thread = None
        self._socket = None

    def serve_forever(self) -> None:
        """Listen and serve in the calling thread until interrupted (Ctrl-C / SIGTERM).

        uvicorn shuts down cleanly on the signal and then re-raises it with the previous
        handler, so from the main thread Ctrl-C surfaces as ``KeyboardInterrupt`` after the
        socket is closed; ``accord serve`` catches it.

        Raises:
            TransportError: If the address cannot be bound or the server is already running.
        """
        if self._thread is not None or self._server is not None:
            raise TransportError("the peer server is already running")
        sock = self._bind()
        server = self._make_server()
        try:
            server.run(sockets=[sock])
        finally:
            sock.close()
            self._server = None
            self._socket = None

    def __enter__(self) -> PeerServer:
        """Start the server (see :meth:`start`).

        Raises:
            TransportError: As :meth:`start`.
        """
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        """Stop the server."""
        self.stop()

    def _bind(self) -> socket.socket:
        try:
            family, kind, proto, _, address = socket.getaddrinfo(
                self._host, self._requested_port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
            )[0]
            sock = socket.socket(family, kind, proto)
        except OSError as exc:
            raise TransportError(f"cannot listen on {self._host}:{self._requested_port}: {exc}") from exc
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.bind(address)
            sock.listen(_BACKLOG)
        except OSError as exc:
            sock.close()
            reason = exc.strerror or str(exc)
            raise TransportError(f"cannot listen on {self._host}:{self._requested_port}: {reason}") from exc
        self._socket = sock
        return sock

    def _make_server(self) -> uvicorn.Server:
        context = self._context

        def context_factory(config: uvicorn.Config, default: Callable[[], ssl.SSLContext]) -> ssl.SSLContext:
            return context

        config = uvicorn.Config(
            self._app,
            http=self._protocol,
            loop="asyncio",
            lifespan="off",
            ws="none",
            interface="asgi3",
            log_level="warning",
            access_log=False,  # request lines carry blob ids; the journal is the record
            server_header=False,
            date_header=True,
            proxy_headers=False,
            backlog=_BACKLOG,
            timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN_SECONDS,
            ssl_context_factory=context_factory,
        )
        server = uvicorn.Server(config)
        self._server = server
        return server


def _pinned_protocol(client_cert_pems: Sequence[bytes]) -> type[H11Protocol]:
    """Return an HTTP/1.1 protocol class that serves only the pinned client certificates.

    The TLS context already requires a certificate that chains to a pinned one; this closes
    any connection whose leaf is not exactly one of them (a pinned certificate that could
    issue others would otherwise admit its children).
    """
    # (SSLContext.get_ca_certs() lists only CA certificates, so the pins come from the PEMs.)
    pins = frozenset(ssl.PEM_cert_to_DER_cert(pem.decode("ascii").strip()) for pem in client_cert_pems)

    class PinnedH11Protocol(H11Protocol):
        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            ssl_object = transport.get_extra_info("ssl_object")
            der = ssl_object.getpeercert(True) if ssl_object is not None else None
            if der not in pins:
                _log.warning("peer API: closed a connection whose client certificate is not pinned")
                transport.abort()

        def shutdown(self) -> None:
            # An idle keep-alive connection is closed with a TLS close_notify, and asyncio
            # then waits (up to 30 s) for the client's, which a pooled idle client never
            # sends: drop idle connections at once so that stop() is prompt.
            idle = self.cycle is None or self.cycle.response_complete
            super().shutdown()
            if idle:
                self.transport.abort()

    return PinnedH11Protocol

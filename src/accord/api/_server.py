"""Serving an ASGI application over mutual TLS with uvicorn.

:class:`PeerServer` binds the listening socket itself (so a port that cannot be bound is a
:class:`~accord.errors.TransportError` at once, and ``port=0`` yields the real port), builds
the TLS context with :func:`accord.exchange._tls.server_context` and hands both to uvicorn
(``ssl_context_factory``), so no key is ever written to a file. On top of the handshake's
chain check, every accepted connection's client certificate must be byte-for-byte one of the
pinned ones, otherwise it is closed before any HTTP is read.

No connection is held by a client that does not go on: the TLS handshake must finish within
:data:`HANDSHAKE_TIMEOUT_SECONDS`, a request head must arrive whole within
:data:`REQUEST_HEAD_TIMEOUT_SECONDS` of the connection (or of the previous response), and a
request body may not stall for more than :data:`BODY_IDLE_TIMEOUT_SECONDS`; otherwise the
connection is dropped (see docs/exchange.md, "Peer API").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from types import FrameType
from typing import Any, ClassVar

import h11
import uvicorn
from fastapi import FastAPI
from uvicorn.protocols.http.h11_impl import H11Protocol

from accord.api._listening import listening_socket
from accord.crypto import TlsIdentity
from accord.errors import InvalidInput, TransportError
from accord.exchange._tls import server_context

__all__ = [
    "BODY_IDLE_TIMEOUT_SECONDS",
    "HANDSHAKE_TIMEOUT_SECONDS",
    "REQUEST_HEAD_TIMEOUT_SECONDS",
    "DeadlineH11Protocol",
    "PeerServer",
    "RestingServer",
    "ServerDeadlines",
    "deadline_protocol",
]

_log = logging.getLogger("accord.api")

_BACKLOG = 128
_GRACEFUL_SHUTDOWN_SECONDS = 5

HANDSHAKE_TIMEOUT_SECONDS = 5.0
"""Seconds a client has to finish the TLS handshake (asyncio's default is 60)."""

REQUEST_HEAD_TIMEOUT_SECONDS = 5.0
"""Seconds a client has to send a whole request head, from the connection or the last response."""

BODY_IDLE_TIMEOUT_SECONDS = 10.0
"""Seconds a request body may stall (no bytes while the server is ready to read)."""


@dataclass(frozen=True, slots=True)
class ServerDeadlines:
    """The peer server's deadlines, in seconds (see :func:`deadline_protocol`).

    Attributes:
        handshake_timeout: To finish the TLS handshake before the connection is dropped.
        request_head_timeout: To send a whole request head.
        body_idle_timeout: That a request body may stall.
    """

    handshake_timeout: float = HANDSHAKE_TIMEOUT_SECONDS
    request_head_timeout: float = REQUEST_HEAD_TIMEOUT_SECONDS
    body_idle_timeout: float = BODY_IDLE_TIMEOUT_SECONDS


class PeerServer:
    """An HTTPS server with client certificates pinned, run by uvicorn.

    Use :meth:`start` / :meth:`stop` to run it in a background thread, or
    :meth:`serve_forever` to run it in the calling (main) thread until Ctrl-C.
    """

    def __init__(
        self,
        app: FastAPI,
        address: tuple[str, int] | socket.socket,
        *,
        identity: TlsIdentity,
        client_cert_pems: Sequence[bytes],
        deadlines: ServerDeadlines = ServerDeadlines(),
    ) -> None:
        """Prepare the server; nothing is bound until :meth:`start` or :meth:`serve_forever`.

        Args:
            app: The ASGI application (e.g. from :func:`accord.api.create_peer_app`).
            address: The host and port to listen on, e.g. ``("127.0.0.1", 0)``; port 0 picks a
                free one (read it back from :attr:`port`). Or a socket already bound and
                listening (``accord serve --workers N``: the parent binds, every worker
                accepts on it).
            identity: Our self-signed certificate and its private key.
            client_cert_pems: The pinned partner certificates; no other client is served.
            deadlines: The handshake, request-head and body-idle deadlines.

        Raises:
            InvalidInput: If a certificate or the key is invalid, no partner certificate is
                given, or a timeout is not positive.
        """
        if not deadlines.handshake_timeout > 0:
            raise InvalidInput(
                f"the TLS handshake timeout must be positive, not {deadlines.handshake_timeout}"
            )
        self._context = server_context(identity.cert_pem, identity.key_pem, client_cert_pems)
        self._listening = address if isinstance(address, socket.socket) else None
        if isinstance(address, socket.socket):
            self._host, self._requested_port = address.getsockname()[:2]
        else:
            self._host, self._requested_port = address
        self._handshake_timeout = deadlines.handshake_timeout
        self._protocol = _pinned_protocol(
            client_cert_pems, deadlines.request_head_timeout, deadlines.body_idle_timeout
        )
        self._app = app
        self._socket: socket.socket | None = None
        self._server: RestingServer | None = None
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
            server.request_exit()
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

    def listen(self) -> None:
        """Bind the listening socket now, so that a taken port is refused before anything says
        the node serves; :meth:`serve_forever` and :meth:`start` then serve on it. Idempotent.

        Raises:
            TransportError: the address cannot be bound (e.g. the port is taken).
        """
        self._bind()

    def _bind(self) -> socket.socket:
        if self._socket is not None:
            return self._socket
        if self._listening is not None:
            self._socket = self._listening
            return self._listening
        sock = listening_socket(self._host, self._requested_port)
        self._socket = sock
        return sock

    def _make_server(self) -> RestingServer:
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
        server = _Server(config, handshake_timeout=self._handshake_timeout)
        self._server = server
        return server


TICK_SECONDS = 1.0
"""How often a :class:`RestingServer` does uvicorn's housekeeping (uvicorn: ten times a second)."""
_TICKS_PER_SECOND = 10  # uvicorn refreshes the Date header when its tick counter is a multiple of 10


class RestingServer(uvicorn.Server):
    """A uvicorn server whose main loop wakes once a second, not ten times, and stops at once.

    uvicorn's main loop wakes every 0.1 s to refresh the ``Date`` header (once a second) and
    to see whether it should exit; in an idle node the ticks of its two servers (the peer
    API, the user API and console) were a third of its CPU (``bench/idle.py``, issue 14).
    Here the loop waits a second between ticks, each of which refreshes the ``Date`` header
    as uvicorn's did once a second; :meth:`request_exit` (from another thread) and a signal
    wake it at once, so stopping takes no longer than before. Requests are served by the
    event loop as they come, whatever the tick.
    """

    def __init__(self, config: uvicorn.Config) -> None:
        """Prepare the server for ``config`` (nothing runs until :meth:`run`)."""
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._exit_requested: asyncio.Event | None = None

    async def main_loop(self) -> None:
        """Tick (``on_tick``) every :data:`TICK_SECONDS` until told to exit."""
        self._exit_requested = asyncio.Event()
        self._loop = asyncio.get_running_loop()
        counter = 0
        while not await self.on_tick(counter):
            counter = (counter + _TICKS_PER_SECOND) % 864_000
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._exit_requested.wait(), TICK_SECONDS)

    def request_exit(self) -> None:
        """Shut down gracefully, starting now (safe from any thread)."""
        self.should_exit = True
        loop, event = self._loop, self._exit_requested
        if loop is not None and event is not None:
            with contextlib.suppress(RuntimeError):  # the loop has already closed
                loop.call_soon_threadsafe(event.set)

    def handle_exit(self, sig: int, frame: FrameType | None) -> None:
        """On SIGINT or SIGTERM (main thread): as uvicorn, and wake the main loop."""
        super().handle_exit(sig, frame)
        self.request_exit()


class _Server(RestingServer):
    """A uvicorn server whose TLS handshakes time out after ``handshake_timeout`` seconds.

    uvicorn (0.54) calls ``loop.create_server(..., ssl=...)`` without
    ``ssl_handshake_timeout`` and has no setting for it, so a client that connects and
    sends nothing (or part of a TLS record) would hold the connection for asyncio's
    default of 60 s. The only change here is the event loop the server runs on: one whose
    ``create_server`` passes our timeout (see :class:`_HandshakeDeadlineLoop`).
    """

    def __init__(self, config: uvicorn.Config, *, handshake_timeout: float) -> None:
        super().__init__(config)
        self._handshake_timeout = handshake_timeout

    def run(self, sockets: list[socket.socket] | None = None) -> None:
        # As uvicorn.Server.run, with our loop instead of ``config.get_loop_factory()``.
        with asyncio.Runner(loop_factory=lambda: _HandshakeDeadlineLoop(self._handshake_timeout)) as runner:
            runner.run(self.serve(sockets=sockets))


class _HandshakeDeadlineLoop(asyncio.SelectorEventLoop):
    """An asyncio event loop whose servers drop a TLS handshake not done in time."""

    def __init__(self, handshake_timeout: float) -> None:
        super().__init__()
        self._handshake_timeout = handshake_timeout

    async def create_server(self, *args: Any, **kwargs: Any) -> asyncio.Server:
        kwargs.setdefault("ssl_handshake_timeout", self._handshake_timeout)
        return await super().create_server(*args, **kwargs)


class DeadlineH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, dropping clients that do not send their request.

    uvicorn starts its keep-alive timer only once a response is sent, and cancels it at the
    first byte received, so a client that connects and sends nothing, or sends part of a
    request head and stops, would otherwise hold the connection for ever. Here:

    * the whole request head must arrive within :attr:`head_timeout` seconds of the
      connection (after TLS) or of the previous response; a trickle of bytes does not
      extend it;
    * while a request body is being received, each chunk restarts a
      :attr:`body_idle_timeout` deadline; it does not run while the server itself has
      stopped reading (the application is behind, not the client), and a large body on a
      slow but live link is never cut.

    A connection that misses a deadline is aborted (no TLS close_notify exchange to wait
    for) and a warning is logged. Make a subclass with other durations with
    :func:`deadline_protocol`.
    """

    head_timeout: ClassVar[float] = REQUEST_HEAD_TIMEOUT_SECONDS
    body_idle_timeout: ClassVar[float] = BODY_IDLE_TIMEOUT_SECONDS
    server_name: ClassVar[str] = "HTTP server"

    _deadline: asyncio.TimerHandle | None = None
    _head_deadline_set = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        """Start the request-head deadline (uvicorn's protocol callback)."""
        super().connection_made(transport)
        self._follow()

    def connection_lost(self, exc: Exception | None) -> None:
        """Cancel the deadline (uvicorn's protocol callback)."""
        self._cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Handle the bytes, then set the deadline for what is due next."""
        super().data_received(data)
        self._follow()

    def on_response_complete(self) -> None:
        """Start the deadline for the next request head."""
        super().on_response_complete()
        self._follow()

    def _follow(self) -> None:
        # Set the deadline for what the client must send next: a head (IDLE), more of the
        # body (SEND_BODY), or nothing while its request is being answered.
        if self.transport.is_closing():
            self._cancel()
        elif self.conn.their_state is h11.IDLE:
            if not self._head_deadline_set:  # once per request: bytes do not extend it
                self._arm(self.head_timeout)
                self._head_deadline_set = True
        elif self.conn.their_state is h11.SEND_BODY:
            self._arm(self.body_idle_timeout)
            self._head_deadline_set = False
        else:
            self._cancel()
            self._head_deadline_set = False

    def _arm(self, seconds: float) -> None:
        self._cancel()
        self._deadline = self.loop.call_later(seconds, self._expired)

    def _cancel(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expired(self) -> None:
        self._deadline = None
        if self.transport.is_closing():
            return
        if self.conn.their_state is h11.SEND_BODY and self.flow.read_paused:
            self._arm(self.body_idle_timeout)  # we stopped reading: not the client's stall
            return
        what = "a whole request head" if self.conn.their_state is h11.IDLE else "its request body"
        _log.warning("%s: closed a connection that did not send %s in time", self.server_name, what)
        self.transport.abort()


def deadline_protocol(
    name: str,
    head_timeout: float = REQUEST_HEAD_TIMEOUT_SECONDS,
    body_idle_timeout: float = BODY_IDLE_TIMEOUT_SECONDS,
) -> type[DeadlineH11Protocol]:
    """Return a :class:`DeadlineH11Protocol` with these durations.

    Args:
        name: The server's name in the warning, e.g. ``"user API"``.
        head_timeout: Seconds for a whole request head.
        body_idle_timeout: Seconds a request body may stall.

    Returns:
        The protocol class, to pass as ``uvicorn.Config(http=...)``.

    Raises:
        InvalidInput: If a timeout is not positive.
    """
    _check_timeouts(head_timeout, body_idle_timeout)
    attributes = {"head_timeout": head_timeout, "body_idle_timeout": body_idle_timeout, "server_name": name}
    return type("DeadlineH11Protocol", (DeadlineH11Protocol,), attributes)


def _check_timeouts(head_timeout: float, body_idle_timeout: float) -> None:
    if not head_timeout > 0 or not body_idle_timeout > 0:
        raise InvalidInput(f"request timeouts must be positive, not {head_timeout} and {body_idle_timeout}")


def _pinned_protocol(
    client_cert_pems: Sequence[bytes],
    head_timeout: float = REQUEST_HEAD_TIMEOUT_SECONDS,
    body_idle_timeout: float = BODY_IDLE_TIMEOUT_SECONDS,
) -> type[DeadlineH11Protocol]:
    """Return a :class:`DeadlineH11Protocol` that serves only the pinned client certificates.

    The TLS context already requires a certificate that chains to a pinned one; this closes
    any connection whose leaf is not exactly one of them (a pinned certificate that could
    issue others would otherwise admit its children).
    """
    # (SSLContext.get_ca_certs() lists only CA certificates, so the pins come from the PEMs.)
    pins = frozenset(ssl.PEM_cert_to_DER_cert(pem.decode("ascii").strip()) for pem in client_cert_pems)

    _check_timeouts(head_timeout, body_idle_timeout)
    head, body = head_timeout, body_idle_timeout

    class PinnedH11Protocol(DeadlineH11Protocol):
        server_name = "peer API"
        head_timeout = head
        body_idle_timeout = body

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

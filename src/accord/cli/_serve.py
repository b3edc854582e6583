"""``accord serve``: the peer API over mutual TLS, the user API and web console, the delivery worker.

The user API (``/api/…``) and the web console (every other path) share one port, bound to
127.0.0.1 unless ``--web-host`` says otherwise (ADR 0006); ``--tls-cert``/``--tls-key`` serve
them over HTTPS, and a non-loopback address without TLS is refused unless
``--unsafe-plain-http`` is given: a password must not cross a network in clear.
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from accord.cli._common import console, node_at, refusals
from accord.cli._lazy import starting_up
from accord.cli._options import HomeOpt
from accord.errors import InvalidInput, TransportError
from accord.node import DeliveryWorker, Node, endpoint_address

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp, Receive, Scope, Send

    from accord.api import PeerServer

# The HTTP stack (FastAPI, uvicorn, the API, console and TAXII apps) is imported by the functions
# that serve, not with this module: every other `accord` command starts without it.

__all__ = ["UserApiServer", "running", "serve", "user_and_console_app", "user_app"]

_log = logging.getLogger("accord.serve")


def peer_server(node: Node, host: str, port: int, listening: socket.socket | None = None) -> PeerServer:
    """The node's peer API server, trusting exactly the pinned partners' certificates.

    ``listening``: a socket already listening (a worker of ``accord serve --workers N``).

    Raises:
        InvalidInput: no partner is pinned yet (nobody could connect).
    """
    cards = node.parties.all()
    if not cards:
        raise InvalidInput("no partner is pinned yet: `accord party add CARD` first")
    from accord.api import PeerServer, create_peer_app  # noqa: PLC0415 - the HTTP stack, when serving

    return PeerServer(
        create_peer_app(node.receiving),
        listening if listening is not None else (host, port),
        identity=node.tls_identity(),
        client_cert_pems=[c.tls_certificate_pem.encode("ascii") for c in cards],
    )


@contextlib.contextmanager
def running(node: Node, host: str, port: int) -> Iterator[tuple[PeerServer, DeliveryWorker]]:
    """Serve the peer API in a background thread and run the delivery worker, then stop both."""
    server = peer_server(node, host, port)
    worker = node.worker()
    server.start()
    worker.start()
    try:
        yield server, worker
    finally:
        worker.stop()
        server.stop()


def user_app(node: Node) -> FastAPI:
    """The app served under ``/api/`` and ``/taxii2/``: the user API, the STIX and STANAG 4778
    exporters and importers (``/api/v1/``), and the TAXII 2.1 router."""
    from accord.api import create_user_app  # noqa: PLC0415 - the HTTP stack, when serving
    from accord.interop import create_interop_router, create_taxii_router  # noqa: PLC0415

    app = create_user_app(node)
    app.include_router(create_interop_router(node))
    app.include_router(create_taxii_router(node))
    return app


def user_and_console_app(node: Node, *, secure_cookies: bool) -> ASGIApp:
    """The user API under ``/api/``, the TAXII 2.1 server under ``/taxii2/`` (issue 13), and the
    web console everywhere else, on one port (ADR 0006).

    Two applications with their own middleware (the API's body cap and JSON errors, the
    console's headers and pages), side by side: neither imports the other. The TAXII routes
    are a router of the user API app (same accounts; the body caps of
    :func:`accord.limits.user_api_body_cap`: 64 KiB, larger for the importers).
    """
    api = user_app(node)
    from accord.web import ConsoleSettings, create_console_app  # noqa: PLC0415 - the HTTP stack, when serving

    console = create_console_app(node, ConsoleSettings(secure_cookies=secure_cookies))

    async def dispatch(scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "") if scope["type"] in ("http", "websocket") else ""
        served_by_api = any(path == p or path.startswith(f"{p}/") for p in ("/api", "/taxii2"))
        target = api if served_by_api else console
        await target(scope, receive, send)

    return dispatch


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


class UserApiServer:
    """The user API and the web console (127.0.0.1 by default), run by uvicorn in a thread."""

    def __init__(
        self,
        node: Node,
        port: int,
        *,
        host: str = "127.0.0.1",
        tls: tuple[Path, Path] | None = None,
        unsafe_plain_http: bool = False,
        listening: socket.socket | None = None,
        **timeouts: float,
    ) -> None:
        """Prepare the server for ``node`` on ``host``:``port``.

        A client that does not send a whole request head in time, or stalls its body, is
        dropped (:func:`accord.api.deadline_protocol`; ``timeouts`` are its ``head_timeout``
        and ``body_idle_timeout``, for tests). ``tls`` is a certificate and key (PEM files).
        ``listening``: a socket already listening on ``host``:``port`` (a worker of
        ``accord serve --workers N``).

        Raises:
            InvalidInput: A timeout is not positive, or ``host`` is not a loopback address and
                neither ``tls`` nor ``unsafe_plain_http`` is given.
        """
        if tls is None and not _is_loopback(host):
            if not unsafe_plain_http:
                raise InvalidInput(
                    f"the console on {host} would take passwords in clear: give --tls-cert and --tls-key"
                )
            _log.warning("UNSAFE: the user API and console on %s over plain HTTP", host)
        self.scheme = "https" if tls is not None else "http"
        self.host = host
        import uvicorn  # noqa: PLC0415 - the HTTP stack, when serving

        from accord.api import RestingServer, deadline_protocol  # noqa: PLC0415

        config = uvicorn.Config(
            user_and_console_app(node, secure_cookies=tls is not None),
            host=host,
            port=port,
            http=deadline_protocol("user API", **timeouts),
            log_level="warning",
            access_log=False,
            ssl_certfile=str(tls[0]) if tls else None,
            ssl_keyfile=str(tls[1]) if tls else None,
        )
        self._server = RestingServer(config)
        self._address = (host, port)
        self._listening = listening
        self._thread: threading.Thread | None = None

    def start(self, timeout: float = 10.0) -> None:
        """Start serving; return once it listens.

        Raises:
            TransportError: the address cannot be bound (the port is taken), or the server
                did not start in time.
        """
        # Bound here, not by uvicorn in its thread: a taken port is a clean refusal
        # (exit 11), not uvicorn's log line from a thread that dies.
        from accord.api._listening import listening_socket  # noqa: PLC0415

        listening = self._listening or listening_socket(*self._address)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [listening]}, name="accord-user-api", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise TransportError("the user API did not start (is the port taken?)")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop serving."""
        self._server.request_exit()
        if self._thread is not None:
            self._thread.join(10)


def serve(
    home: HomeOpt = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: the endpoint's).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default: the endpoint's).")] = None,
    api_port: Annotated[
        int | None,
        typer.Option(help="Port of the user API and web console (default: the peer port + 1; 0: none)."),
    ] = None,
    web_host: Annotated[
        str, typer.Option(help="Address of the user API and web console (another than loopback needs TLS).")
    ] = "127.0.0.1",
    tls_cert: Annotated[
        Path | None, typer.Option(help="TLS certificate (PEM) to serve the user API and console over HTTPS.")
    ] = None,
    tls_key: Annotated[Path | None, typer.Option(help="The private key (PEM) of --tls-cert.")] = None,
    unsafe_plain_http: Annotated[
        bool, typer.Option(help="Allow plain HTTP on a non-loopback --web-host (passwords in clear; unsafe).")
    ] = False,
    workers: Annotated[
        int,
        typer.Option(
            min=1,
            help="Worker processes, each serving both APIs and delivering (more than 1 needs PostgreSQL).",
        ),
    ] = 1,
    worker_sockets: Annotated[
        str | None,
        typer.Option(hidden=True, help="Internal: the listening sockets a worker inherits from its parent."),
    ] = None,
) -> None:
    """Run the node: the peer API over mutual TLS, the user API and web console, the delivery worker."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    options = _ServeOptions(host, port, api_port, web_host, tls_cert, tls_key, unsafe_plain_http)
    with refusals():
        if workers > 1:
            _serve_workers(home, workers, options)
            return
        inherited = _inherited(worker_sockets) if worker_sockets is not None else None
        with node_at(home) as node:
            _serve_one(node, options, inherited)


@dataclass(frozen=True)
class _ServeOptions:
    host: str | None
    port: int | None
    api_port: int | None
    web_host: str
    tls_cert: Path | None
    tls_key: Path | None
    unsafe_plain_http: bool

    def addresses(self, node: Node) -> tuple[str, int, int]:
        """The peer API's host and port, and the user API's port (0: none)."""
        default_host, default_port = endpoint_address(node.config.endpoint)
        peer_port = self.port if self.port is not None else default_port
        return (
            self.host or default_host,
            peer_port,
            self.api_port if self.api_port is not None else peer_port + 1,
        )

    def tls(self) -> tuple[Path, Path] | None:
        """The user API's certificate and key, or None.

        Raises:
            InvalidInput: only one of them is given.
        """
        if (self.tls_cert is None) != (self.tls_key is None):
            raise InvalidInput("give both --tls-cert and --tls-key, or neither")
        return (
            (self.tls_cert, self.tls_key) if self.tls_cert is not None and self.tls_key is not None else None
        )


def _inherited(spec: str) -> tuple[socket.socket, socket.socket | None]:
    """The peer API's and user API's sockets a worker inherited (``PEER_FD,API_FD``; -1: none)."""
    from accord.cli._workers import exit_with_parent, inherited_socket  # noqa: PLC0415

    try:
        peer_fd, api_fd = (int(part) for part in spec.split(","))
    except ValueError as exc:
        raise InvalidInput(f"--worker-sockets must be PEER_FD,API_FD, not {spec!r}") from exc
    exit_with_parent(os.getppid())
    return inherited_socket(peer_fd), inherited_socket(api_fd) if api_fd >= 0 else None


def _serve_workers(home: Path | None, count: int, options: _ServeOptions) -> None:
    """``--workers N``: bind the ports once, run N workers on them (PostgreSQL only).

    Raises:
        InvalidInput: the node's database is SQLite, or the options are wrong.
        TransportError: a port cannot be bound.
    """
    from accord.cli._workers import WorkerPool, listen, worker_command  # noqa: PLC0415

    with node_at(home) as node:
        if node.ctx.db.dialect != "postgresql":
            raise InvalidInput(
                f"--workers {count} needs the node's database on PostgreSQL (database_url in the node's "
                "config); SQLite has one writer: serve it with one worker (the default)"
            )
        peer_server(node, *options.addresses(node)[:2])  # the same refusals as one worker's
        host, peer_port, user_port = options.addresses(node)
        options.tls()
        root = str(node.ctx.home.root)
        party, node_id = node.config.party, node.config.node_id
    sockets = [listen(host, peer_port)]
    if user_port:
        if options.tls_cert is None and not _is_loopback(options.web_host) and not options.unsafe_plain_http:
            raise InvalidInput(
                f"the console on {options.web_host} would take passwords in clear: "
                "give --tls-cert and --tls-key"
            )
        sockets.append(listen(options.web_host, user_port))
    fds = f"{sockets[0].fileno()},{sockets[1].fileno() if user_port else -1}"
    args = [
        "--host",
        host,
        "--port",
        str(peer_port),
        "--api-port",
        str(user_port),
        "--web-host",
        options.web_host,
    ]
    if options.tls_cert is not None and options.tls_key is not None:
        args += ["--tls-cert", str(options.tls_cert), "--tls-key", str(options.tls_key)]
    if options.unsafe_plain_http:
        args.append("--unsafe-plain-http")
    args += ["--worker-sockets", fds]
    console.print(
        f"{party} node {node_id}: {count} workers on https://{host}:{peer_port}"
        + (f" and {options.web_host}:{user_port}" if user_port else "")
        + " (PostgreSQL); Ctrl-C stops them."
    )
    WorkerPool(count, lambda _index: worker_command(root, args), sockets).run()
    console.print("Stopped.")


def _serve_one(
    node: Node, options: _ServeOptions, inherited: tuple[socket.socket, socket.socket | None] | None
) -> None:
    """Serve ``node`` in this process (alone, or as one worker of ``--workers N``)."""
    host, peer_port, user_port = options.addresses(node)
    with starting_up():
        server = peer_server(node, host, peer_port, inherited[0] if inherited else None)
        tls = options.tls()
        user_api = (
            UserApiServer(
                node,
                user_port,
                host=options.web_host,
                tls=tls,
                unsafe_plain_http=options.unsafe_plain_http,
                listening=inherited[1] if inherited else None,
            )
            if user_port
            else None
        )
    server.listen()
    if user_api is not None:
        user_api.start()
    worker = node.worker()
    worker.start()
    console.print(
        (f"worker {os.getpid()}: " if inherited else "")
        + f"{node.config.party} node {node.config.node_id} serving the peer API on "
        f"https://{host}:{peer_port} "
        f"(partners: {', '.join(c.party + ' ' + c.node_id for c in node.parties.all())}); "
        + (
            f"web console on {user_api.scheme}://{options.web_host}:{user_port}/ (user API under /api/docs); "
            if user_api
            else ""
        )
        + "Ctrl-C stops."
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        # uvicorn returns on SIGTERM and re-raises SIGINT: either way say so, then finish the
        # delivery lanes and the console (a few seconds, in-flight work completes).
        console.print("Stopping.")
        worker.stop()
        if user_api is not None:
            user_api.stop()

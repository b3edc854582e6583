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
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from urllib.parse import urlsplit

import typer

from accord.cli._common import HomeOpt, console, node_at, refusals
from accord.errors import InvalidInput, TransportError
from accord.node import DeliveryWorker, Node

if TYPE_CHECKING:
    from fastapi import FastAPI
    from starlette.types import ASGIApp, Receive, Scope, Send

    from accord.api import PeerServer

# The HTTP stack (FastAPI, uvicorn, the API, console and TAXII apps) is imported by the functions
# that serve, not with this module: every other `accord` command starts without it.

__all__ = ["UserApiServer", "endpoint_address", "running", "serve", "user_and_console_app", "user_app"]

_log = logging.getLogger("accord.serve")


def endpoint_address(endpoint: str) -> tuple[str, int]:
    """Host and port of an ``https://host:port`` endpoint.

    Raises:
        InvalidInput: not such a URL.
    """
    parts = urlsplit(endpoint)
    if parts.scheme != "https" or not parts.hostname or parts.port is None:
        raise InvalidInput(f"endpoint {endpoint!r} must be https://host:port")
    return parts.hostname, parts.port


def peer_server(node: Node, host: str, port: int) -> PeerServer:
    """The node's peer API server, trusting exactly the pinned partners' certificates.

    Raises:
        InvalidInput: no partner is pinned yet (nobody could connect).
    """
    cards = node.parties.all()
    if not cards:
        raise InvalidInput("no partner is pinned yet: `accord party add CARD` first")
    from accord.api import PeerServer, create_peer_app  # noqa: PLC0415 - the HTTP stack, when serving

    return PeerServer(
        create_peer_app(node.receiving),
        (host, port),
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
    are a router of the user API app (same body cap, same accounts).
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
        **timeouts: float,
    ) -> None:
        """Prepare the server for ``node`` on ``host``:``port``.

        A client that does not send a whole request head in time, or stalls its body, is
        dropped (:func:`accord.api.deadline_protocol`; ``timeouts`` are its ``head_timeout``
        and ``body_idle_timeout``, for tests). ``tls`` is a certificate and key (PEM files).

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
        self._thread = threading.Thread(target=self._server.run, name="accord-user-api", daemon=True)

    def start(self, timeout: float = 10.0) -> None:
        """Start serving; return once it listens.

        Raises:
            TransportError: it did not start in time (port taken?).
        """
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise TransportError("the user API did not start (is the port taken?)")
            time.sleep(0.02)

    def stop(self) -> None:
        """Stop serving."""
        self._server.request_exit()
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
) -> None:
    """Run the node: the peer API over mutual TLS, the user API and web console, the delivery worker."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    with refusals(), node_at(home) as node:
        default_host, default_port = endpoint_address(node.config.endpoint)
        peer_port = port if port is not None else default_port
        server = peer_server(node, host or default_host, peer_port)
        user_port = api_port if api_port is not None else peer_port + 1
        if (tls_cert is None) != (tls_key is None):
            raise InvalidInput("give both --tls-cert and --tls-key, or neither")
        tls = (tls_cert, tls_key) if tls_cert is not None and tls_key is not None else None
        user_api = (
            UserApiServer(node, user_port, host=web_host, tls=tls, unsafe_plain_http=unsafe_plain_http)
            if user_port
            else None
        )
        if user_api is not None:
            user_api.start()
        worker = node.worker()
        worker.start()
        console.print(
            f"{node.config.party} node {node.config.node_id} serving the peer API on "
            f"https://{host or default_host}:{port if port is not None else default_port} "
            f"(partners: {', '.join(c.party + ' ' + c.node_id for c in node.parties.all())}); "
            + (
                f"web console on {user_api.scheme}://{web_host}:{user_port}/ (user API under /api/docs); "
                if user_api
                else ""
            )
            + "Ctrl-C stops."
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            console.print("Stopping.")
        finally:
            worker.stop()
            if user_api is not None:
                user_api.stop()

"""``accord serve``: the peer API over mutual TLS, the user API on 127.0.0.1, the delivery worker."""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import urlsplit

import typer
import uvicorn

from accord.api import PeerServer, create_peer_app, create_user_app, deadline_protocol
from accord.cli._common import HomeOpt, console, node_at, refusals
from accord.errors import InvalidInput, TransportError
from accord.node import DeliveryWorker, Node

__all__ = ["endpoint_address", "running", "serve"]


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


class UserApiServer:
    """The user API on 127.0.0.1 (plain HTTP, loopback only), run by uvicorn in a thread."""

    def __init__(self, node: Node, port: int, **timeouts: float) -> None:
        """Prepare the server for ``node`` on 127.0.0.1:``port``.

        A client that does not send a whole request head in time, or stalls its body, is
        dropped (:func:`accord.api.deadline_protocol`; ``timeouts`` are its ``head_timeout``
        and ``body_idle_timeout``, for tests).

        Raises:
            InvalidInput: A timeout is not positive.
        """
        config = uvicorn.Config(
            create_user_app(node),
            host="127.0.0.1",
            port=port,
            http=deadline_protocol("user API", **timeouts),
            log_level="warning",
            access_log=False,
        )
        self._server = uvicorn.Server(config)
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
        self._server.should_exit = True
        self._thread.join(10)


def serve(
    home: HomeOpt = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: the endpoint's).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default: the endpoint's).")] = None,
    api_port: Annotated[
        int | None,
        typer.Option(help="Port of the user API on 127.0.0.1 (default: the peer port + 1; 0: none)."),
    ] = None,
) -> None:
    """Run the node: the peer API over mutual TLS, the user API on 127.0.0.1, and the delivery worker."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    with refusals(), node_at(home) as node:
        default_host, default_port = endpoint_address(node.config.endpoint)
        peer_port = port if port is not None else default_port
        server = peer_server(node, host or default_host, peer_port)
        user_port = api_port if api_port is not None else peer_port + 1
        user_api = UserApiServer(node, user_port) if user_port else None
        if user_api is not None:
            user_api.start()
        worker = node.worker()
        worker.start()
        console.print(
            f"{node.config.party} node {node.config.node_id} serving the peer API on "
            f"https://{host or default_host}:{port if port is not None else default_port} "
            f"(partners: {', '.join(c.party + ' ' + c.node_id for c in node.parties.all())}); "
            + (f"user API on http://127.0.0.1:{user_port}/api/docs; " if user_api else "")
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

"""``accord serve``: the peer API over mutual TLS and the delivery worker, in one process."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Annotated
from urllib.parse import urlsplit

import typer

from accord.api import PeerServer, create_peer_app
from accord.cli._common import HomeOpt, console, node_at, refusals
from accord.errors import InvalidInput
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
    cert, key = node.tls_identity()
    return PeerServer(
        create_peer_app(node.receiving),
        host=host,
        port=port,
        cert_pem=cert,
        key_pem=key,
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


def serve(
    home: HomeOpt = None,
    host: Annotated[str | None, typer.Option(help="Address to listen on (default: the endpoint's).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (default: the endpoint's).")] = None,
) -> None:
    """Run the node: the peer API over mutual TLS (pinned certificates only) and the delivery worker."""
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    with refusals(), node_at(home) as node:
        default_host, default_port = endpoint_address(node.config.endpoint)
        server = peer_server(node, host or default_host, port if port is not None else default_port)
        worker = node.worker()
        worker.start()
        console.print(
            f"{node.config.party} node {node.config.node_id} serving the peer API on "
            f"https://{host or default_host}:{port if port is not None else default_port} "
            f"(partners: {', '.join(c.party + ' ' + c.node_id for c in node.parties.all())}); Ctrl-C stops."
        )
        try:
            server.serve_forever()
        except KeyboardInterrupt:
            console.print("Stopping.")
        finally:
            worker.stop()

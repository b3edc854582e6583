"""The listening TCP socket of the peer API and of ``accord serve --workers`` (whose workers inherit it)."""

from __future__ import annotations

import socket

from accord.errors import TransportError

__all__ = ["listening_socket"]


def listening_socket(host: str, port: int, backlog: int = 128) -> socket.socket:
    """A TCP socket bound to ``host``:``port`` (0: any free port) and listening.

    Raises:
        TransportError: the address cannot be resolved or bound (e.g. the port is taken).
    """
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
        sock = socket.socket(family, kind, proto)
    except OSError as exc:
        raise TransportError(f"cannot listen on {host}:{port}: {exc}") from exc
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(backlog)
    except OSError as exc:
        sock.close()
        raise TransportError(f"cannot listen on {host}:{port}: {exc.strerror or exc}") from exc
    return sock

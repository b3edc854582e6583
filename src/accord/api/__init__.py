"""The interface layer: HTTP APIs a node serves.

* the peer API — :func:`create_peer_app` around a :class:`PeerHandler` the node implements,
  served over mutual TLS with pinned certificates by :class:`PeerServer`;
* the user API — :func:`create_user_app`, bearer tokens, served on 127.0.0.1 by ``accord serve``
  (with :func:`deadline_protocol`, as the peer API, so a stalled client is dropped).

Toward a peer every failure is one opaque error body; the reason stays at the node.
"""

from __future__ import annotations

from accord.api._peer import MAX_PIECE_BYTES, PeerHandler, create_peer_app
from accord.api._server import PeerServer, RestingServer, ServerDeadlines, deadline_protocol
from accord.api._user import create_user_app

__all__ = [
    "MAX_PIECE_BYTES",
    "PeerHandler",
    "PeerServer",
    "RestingServer",
    "ServerDeadlines",
    "create_peer_app",
    "create_user_app",
    "deadline_protocol",
]

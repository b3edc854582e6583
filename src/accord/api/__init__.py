"""The interface layer: HTTP APIs a node serves.

* the peer API — :func:`create_peer_app` around a :class:`PeerHandler` the node implements,
  served over mutual TLS with pinned certificates by :class:`PeerServer`.

Toward a peer every failure is one opaque error body; the reason stays at the node.
"""

from __future__ import annotations

from accord.api._peer import MAX_PIECE_BYTES, PeerHandler, create_peer_app
from accord.api._server import PeerServer

__all__ = ["MAX_PIECE_BYTES", "PeerHandler", "PeerServer", "create_peer_app"]

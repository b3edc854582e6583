"""The two hash functions of the log and the root of the empty tree (RFC 9162 §2.1.1).

Leaves and interior nodes are hashed with different one-byte prefixes so that no leaf can
be presented as an interior node and the other way round (a second preimage of a leaf
cannot be forged from a subtree); RFC 9162 §2.1.1 fixes 0x00 for leaves and 0x01 for
nodes, and the hash of the empty tree as the hash of the empty string.
"""

from __future__ import annotations

import hashlib

__all__ = ["EMPTY_ROOT", "HASH_SIZE", "leaf_hash", "node_hash"]

HASH_SIZE = 32
"""Bytes in every hash of the log (SHA-256)."""

EMPTY_ROOT = hashlib.sha256(b"").digest()
"""MTH({}) = SHA-256() — the root of the tree with no leaves (RFC 9162 §2.1.1)."""

_LEAF_PREFIX = b"\x00"
_NODE_PREFIX = b"\x01"


def leaf_hash(data: bytes) -> bytes:
    """MTH({d}) = SHA-256(0x00 || d): the hash of one leaf's data (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_LEAF_PREFIX + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right): the hash of an interior node (RFC 9162 §2.1.1)."""
    return hashlib.sha256(_NODE_PREFIX + left + right).digest()

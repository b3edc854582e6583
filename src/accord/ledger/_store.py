"""Where the tree's hashes live: the :class:`HashStore` protocol and an in-memory store.

The tree stores the hash of every *perfect aligned subtree* and nothing else: the node at
``(level, index)`` is MTH(D[index·2^level : (index+1)·2^level]), the hash of the
2^level leaves starting at leaf ``index·2^level`` (RFC 9162 §2.1.1). Level 0 holds the
leaf hashes. Such a node never changes once written — later leaves only add nodes to its
right or above it — so a store is append-only, and any historical root or proof can be
computed from it (:mod:`accord.ledger._merkle`). A tree of ``n`` leaves holds fewer than
``2n`` nodes.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from accord.errors import IntegrityError, InvalidInput

__all__ = ["HashStore", "MemoryHashStore"]


class HashStore(Protocol):
    """Storage of the perfect-subtree hashes of one log (in memory, SQLite, PostgreSQL…).

    The store holds no logic of the tree: :class:`~accord.ledger.MerkleTree` decides what
    to write, and verifies nothing the store says beyond its presence. A durable store
    writes each :meth:`put_many` batch atomically (one transaction), so that ``size()``
    never counts a leaf whose parent nodes were not written with it.
    """

    def get(self, level: int, index: int) -> bytes:
        """The hash of the perfect subtree of 2^level leaves starting at leaf index·2^level.

        Raises:
            KeyError: no such node has been written.
        """
        ...

    def put_many(self, items: Iterable[tuple[int, int, bytes]]) -> None:
        """Write ``(level, index, hash)`` nodes, all or none."""
        ...

    def size(self) -> int:
        """The number of leaves (level-0 nodes) written."""
        ...


class MemoryHashStore:
    """A :class:`HashStore` in lists, one per level; for tests, rebuilds and verifiers.

    Nodes are appended in index order on each level (the order in which
    :class:`~accord.ledger.MerkleTree` writes them). Rewriting a node with the hash it
    already has is accepted (so a batch can be replayed); rewriting it with another hash
    or leaving a gap is refused, and the batch is then not applied at all.
    """

    def __init__(self) -> None:
        """An empty store (a tree of no leaves)."""
        self._levels: list[list[bytes]] = []

    def get(self, level: int, index: int) -> bytes:
        """The node at ``(level, index)``.

        Raises:
            KeyError: no such node (also for a negative level or index).
        """
        if level < 0 or index < 0 or level >= len(self._levels):
            raise KeyError((level, index))
        nodes = self._levels[level]
        if index >= len(nodes):
            raise KeyError((level, index))
        return nodes[index]

    def put_many(self, items: Iterable[tuple[int, int, bytes]]) -> None:
        """Append the nodes, all or none.

        Raises:
            InvalidInput: a node would leave a gap on its level, or has a negative position.
            IntegrityError: a node already written would change (the log is append-only).
        """
        levels = self._levels
        before = [len(nodes) for nodes in levels]
        try:
            for level, index, digest in items:
                if level < 0 or index < 0:
                    raise InvalidInput(f"no ledger node at negative position ({level}, {index})")
                while len(levels) <= level:
                    levels.append([])
                nodes = levels[level]
                if index == len(nodes):
                    nodes.append(digest)
                elif index > len(nodes):
                    raise InvalidInput(
                        f"ledger node ({level}, {index}) would leave a gap after {len(nodes)} nodes"
                    )
                elif nodes[index] != digest:
                    raise IntegrityError(f"ledger node ({level}, {index}) is already written: append only")
        except BaseException:
            del levels[len(before) :]
            for nodes, length in zip(levels, before, strict=True):
                del nodes[length:]
            raise

    def size(self) -> int:
        """The number of leaves written."""
        return len(self._levels[0]) if self._levels else 0

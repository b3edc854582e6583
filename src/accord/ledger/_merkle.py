"""The Merkle tree of the ledger over a :class:`HashStore` (RFC 9162 §2.1).

Invariants (each method relies on them and keeps them):

* the store holds, for the first ``store.size()`` leaves, the hash of every perfect aligned
  subtree — ``(level, index)`` covers leaves [index·2^level, (index+1)·2^level) — and no
  other node (:mod:`accord.ledger._store`);
* nodes are only ever added: the root and the proofs of any historical size are computed
  from the same nodes as those of the current size;
* the tree keeps no state of its own between calls: every call starts from
  ``store.size()``, so a rolled-back transaction or another process's append cannot leave
  it stale. Writers must still be serialised (one transaction around an append).

Every range the RFC's recursions of §2.1.1 (MTH), §2.1.3.1 (PATH) and §2.1.4.1
(SUBPROOF) visit starts at a multiple of the smallest power of two not below its width,
so it is the concatenation of the perfect subtrees given by the binary digits of its
width, largest first. A perfect range is therefore one store read, and a range on the
right edge at most ⌊log2 n⌋+1 reads; each proof meets at most one right-edge range and
needs at most 2·⌈log2 n⌉+1 reads in all.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable

from accord.errors import IntegrityError, InvalidInput
from accord.ledger._hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash
from accord.ledger._store import HashStore, MemoryHashStore

__all__ = ["MerkleTree", "rebuild"]

_REBUILD_CHUNK = 1 << 16


def _split(width: int) -> int:
    """k, the largest power of two smaller than ``width`` (>= 2), as RFC 9162 §2.1.1 defines it."""
    return 1 << ((width - 1).bit_length() - 1)


class MerkleTree:
    """An append-only RFC 9162 Merkle tree whose nodes live in a :class:`HashStore`.

    Leaf indices start at 0. Sizes are numbers of leaves: ``root(n)``, the proofs and the
    checkpoints all speak of the tree of the first ``n`` leaves.
    """

    def __init__(self, store: HashStore) -> None:
        """A tree over ``store`` (which may already hold leaves)."""
        self._store = store

    @property
    def store(self) -> HashStore:
        """The store the nodes are read from and written to."""
        return self._store

    def size(self) -> int:
        """The number of leaves in the tree."""
        return self._store.size()

    # --- appending -------------------------------------------------------------------------

    def append(self, leaf_data: bytes) -> int:
        """Append one leaf (its data is hashed with :func:`leaf_hash`); return its index.

        Writes the leaf hash and every perfect subtree it completes, in one ``put_many``.
        """
        return self._append((leaf_hash(leaf_data),)).start

    def append_many(self, datas: Iterable[bytes]) -> range:
        """Append leaves in order, in one ``put_many``; return their indices."""
        return self._append(leaf_hash(data) for data in datas)

    def append_leaf_hashes(self, hashes: Iterable[bytes]) -> range:
        """Append leaves already hashed with :func:`leaf_hash`, in one ``put_many``.

        Raises:
            InvalidInput: a hash is not 32 bytes; nothing is written then.
        """
        return self._append(hashes, check=True)

    def _append(self, hashes: Iterable[bytes], *, check: bool = False) -> range:
        start = size = self._store.size()
        writes: list[tuple[int, int, bytes]] = []
        # The last node of each level written in this batch that still awaits its right
        # sibling; before the first such node, the left sibling is read from the store.
        pending: dict[int, bytes] = {}
        for digest in hashes:
            if check and (type(digest) is not bytes or len(digest) != HASH_SIZE):
                raise InvalidInput(f"leaf {size}: a leaf hash is {HASH_SIZE} bytes, not {digest!r}")
            writes.append((0, size, digest))
            level, index, node = 0, size, digest
            while index & 1:
                left = pending.pop(level, None)
                if left is None:
                    left = self._get(level, index - 1, start)
                node = node_hash(left, node)
                level += 1
                index >>= 1
                writes.append((level, index, node))
            pending[level] = node
            size += 1
        if writes:
            self._store.put_many(writes)
        return range(start, size)

    # --- reading ---------------------------------------------------------------------------

    def _get(self, level: int, index: int, size: int) -> bytes:
        try:
            return self._store.get(level, index)
        except KeyError as exc:
            raise IntegrityError(
                f"the ledger store lacks node ({level}, {index}) although it holds {size} leaves"
            ) from exc

    def _mth(self, lo: int, hi: int, size: int) -> bytes:
        """MTH(D[lo:hi]) for a range the RFC recursion visits (see the module docstring)."""
        parts = []
        while lo < hi:
            level = (hi - lo).bit_length() - 1
            parts.append(self._get(level, lo >> level, size))
            lo += 1 << level
        # MTH(D_n) = HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])): fold from the right.
        root = parts.pop()
        while parts:
            root = node_hash(parts.pop(), root)
        return root

    def _check_size(self, size: int, what: str) -> int:
        held = self._store.size()
        if not 0 <= size <= held:
            raise InvalidInput(f"{what}: no tree of {size} leaves, the log holds {held}")
        return held

    def root(self, size: int | None = None) -> bytes:
        """MTH of the first ``size`` leaves (default: all), RFC 9162 §2.1.1.

        The root of the empty tree is :data:`EMPTY_ROOT`.

        Raises:
            InvalidInput: ``size`` is negative or more than the tree holds.
        """
        held = self._store.size()
        if size is None:
            size = held
        self._check_size(size, "root")
        return EMPTY_ROOT if size == 0 else self._mth(0, size, held)

    def inclusion_proof(self, index: int, size: int) -> list[bytes]:
        """PATH(index, D[0:size]) of RFC 9162 §2.1.3.1: the audit path of leaf ``index``.

        The path lists the siblings from the leaf up, as the RFC's recursion
        ``PATH(m, D[0:k]) : MTH(D[k:n])`` orders them; a tree of one leaf has an empty path.

        Raises:
            InvalidInput: ``size`` is more than the tree holds, or ``index`` is not in
                ``0 <= index < size`` (the RFC defines PATH only there).
        """
        held = self._check_size(size, "inclusion proof")
        if not 0 <= index < size:
            raise InvalidInput(f"inclusion proof: leaf {index} is not in a tree of {size} leaves")
        lo, hi = 0, size
        upper: list[bytes] = []  # from the root down
        while (hi - lo) & (hi - lo - 1):  # not a perfect subtree yet
            k = _split(hi - lo)
            if index < lo + k:
                upper.append(self._mth(lo + k, hi, held))
                hi = lo + k
            else:
                upper.append(self._mth(lo, lo + k, held))
                lo += k
        # Inside a perfect subtree every sibling is a stored node.
        path = [self._get(level, (index >> level) ^ 1, held) for level in range((hi - lo).bit_length() - 1)]
        path.extend(reversed(upper))
        return path

    def consistency_proof(self, old_size: int, new_size: int) -> list[bytes]:
        """PROOF(old_size, D[0:new_size]) of RFC 9162 §2.1.4.1.

        RFC 9162 defines the proof for ``0 < old_size < new_size``. For ``old_size ==
        new_size`` its definition, SUBPROOF(m, D_m, true), gives the empty list; for
        ``old_size == 0`` it defines nothing, and the empty list is returned too — the
        empty tree is a prefix of every tree (see :func:`verify_consistency`).

        Raises:
            InvalidInput: ``new_size`` is more than the tree holds, or ``old_size`` is
                negative or more than ``new_size``.
        """
        held = self._check_size(new_size, "consistency proof")
        if not 0 <= old_size <= new_size:
            raise InvalidInput(
                f"consistency proof: old size {old_size} is not between 0 and the new size {new_size}"
            )
        if old_size in (0, new_size):
            return []
        lo, hi, whole = 0, new_size, True  # ``whole`` is the RFC's b
        upper: list[bytes] = []  # from the root down
        while old_size != hi:
            k = _split(hi - lo)
            if old_size <= lo + k:
                # SUBPROOF(m, D[0:k], b) : MTH(D[k:n])
                upper.append(self._mth(lo + k, hi, held))
                hi = lo + k
            else:
                # SUBPROOF(m - k, D[k:n], false) : MTH(D[0:k])
                upper.append(self._mth(lo, lo + k, held))
                lo += k
                whole = False
        if not whole:
            # SUBPROOF(m, D_m, false) = {MTH(D_m)}
            upper.append(self._mth(lo, hi, held))
        upper.reverse()
        return upper


def rebuild(leaf_hashes: Iterable[bytes]) -> MemoryHashStore:
    """Recompute every node of a log from its leaf hashes, in memory.

    A verifier recomputes the tree from the leaves it holds and compares roots and nodes
    with what it was given.

    Raises:
        InvalidInput: a leaf hash is not 32 bytes.
    """
    store = MemoryHashStore()
    tree = MerkleTree(store)
    hashes = iter(leaf_hashes)
    while chunk := list(itertools.islice(hashes, _REBUILD_CHUNK)):
        tree.append_leaf_hashes(chunk)
    return store

"""Verifying inclusion and consistency proofs, exactly as RFC 9162 §2.1.3.2 and §2.1.4.2 say.

Pure functions of the proof and the claimed hashes: they need no store, so a peer, an
auditor or a court can run them on what the node handed over. Each raises
:class:`~accord.errors.VerificationFailed` and returns nothing on success, so a caller
cannot forget to look at a boolean. Beyond the RFC's algorithms they refuse hashes that
are not 32 bytes (a SHA-256 log has no others) and negative sizes.
"""

from __future__ import annotations

from collections.abc import Sequence

from accord.errors import VerificationFailed
from accord.ledger._hashing import EMPTY_ROOT, HASH_SIZE, node_hash

__all__ = ["verify_consistency", "verify_inclusion"]


def _check_hashes(what: str, hashes: Sequence[bytes]) -> None:
    for position, digest in enumerate(hashes):
        if not isinstance(digest, bytes) or len(digest) != HASH_SIZE:
            raise VerificationFailed(f"{what}: element {position} is not a {HASH_SIZE}-byte hash")


def verify_inclusion(leaf_hash: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> None:
    """Check that the leaf with hash ``leaf_hash`` is leaf ``index`` of the tree ``(size, root)``.

    RFC 9162 §2.1.3.2, step by step; ``leaf_hash`` is MTH({d}) = SHA-256(0x00 || d).
    Take ``size`` and ``root`` from one signed :class:`~accord.ledger.Checkpoint`: the
    algorithm binds a size to its root only through that signature (the path of leaf 0
    of 3 leaves also passes for "size 4" paired with the root of size 3).

    Raises:
        VerificationFailed: the proof does not prove it (wrong leaf, index, size, root,
            or a proof altered, reordered, shortened or lengthened).
    """
    _check_hashes("inclusion proof", [leaf_hash, root])
    _check_hashes("inclusion proof", proof)
    # 1. leaf_index >= tree_size fails the verification.
    if not 0 <= index < size:
        raise VerificationFailed(f"inclusion proof: leaf {index} is not in a tree of {size} leaves")
    # 2. fn = leaf_index, sn = tree_size - 1.  3. r = hash.
    fn, sn, r = index, size - 1, leaf_hash
    # 4. For each p in the inclusion path:
    for p in proof:
        if sn == 0:
            raise VerificationFailed(f"inclusion proof: longer than a path in a tree of {size} leaves")
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            # If LSB(fn) is not set, shift until LSB(fn) is set or fn is 0.
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    # 5. sn must be 0 and r the root.
    if sn != 0:
        raise VerificationFailed(f"inclusion proof: shorter than a path in a tree of {size} leaves")
    if r != root:
        raise VerificationFailed(f"inclusion proof: leaf {index} does not lead to the root of size {size}")


def verify_consistency(
    old_size: int, new_size: int, old_root: bytes, new_root: bytes, proof: Sequence[bytes]
) -> None:
    """Check that the tree ``(new_size, new_root)`` extends the tree ``(old_size, old_root)``.

    RFC 9162 §2.1.4.2, step by step, for ``0 < old_size < new_size``; each size and its
    root come from one signed :class:`~accord.ledger.Checkpoint`. The cases the RFC
    leaves out are decided as its proof definition (§2.1.4.1) implies:

    * ``old_size == new_size``: the proof must be empty and the roots equal;
    * ``old_size == 0``: the proof must be empty and ``old_root`` must be the empty tree's
      root (:data:`EMPTY_ROOT`), which every tree extends; when ``new_size`` is 0 too,
      ``new_root`` must be it as well.

    Raises:
        VerificationFailed: the proof does not prove it (wrong sizes or roots, a log that
            rewrote history, or a proof altered, reordered, shortened or lengthened).
    """
    _check_hashes("consistency proof", [old_root, new_root])
    _check_hashes("consistency proof", proof)
    if not 0 <= old_size <= new_size:
        raise VerificationFailed(
            f"consistency proof: a log does not shrink from {old_size} to {new_size} leaves"
        )
    if old_size in (0, new_size):
        if proof:
            raise VerificationFailed(
                f"consistency proof: from {old_size} to {new_size} leaves the proof is empty"
            )
        if old_size == 0 and old_root != EMPTY_ROOT:
            raise VerificationFailed("consistency proof: the old root is not the root of the empty tree")
        if old_size == new_size and old_root != new_root:
            raise VerificationFailed(f"consistency proof: two different roots for {new_size} leaves")
        return
    # 1. An empty consistency path fails the verification.
    if not proof:
        raise VerificationFailed(f"consistency proof: empty from {old_size} to {new_size} leaves")
    path = list(proof)
    # 2. If first is an exact power of 2, prepend first_hash to the path.
    if old_size & (old_size - 1) == 0:
        path.insert(0, old_root)
    # 3. fn = first - 1, sn = second - 1.
    fn, sn = old_size - 1, new_size - 1
    # 4. While LSB(fn) is set, right-shift fn and sn.
    while fn & 1:
        fn >>= 1
        sn >>= 1
    # 5. fr = sr = the first value of the path.
    fr = sr = path[0]
    # 6. For each subsequent value c:
    for c in path[1:]:
        if sn == 0:
            raise VerificationFailed(
                f"consistency proof: longer than a proof from {old_size} to {new_size} leaves"
            )
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            # If LSB(fn) is not set, shift until LSB(fn) is set or fn is 0.
            while fn and not fn & 1:
                fn >>= 1
                sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    # 7. fr must be first_hash, sr second_hash, and sn 0.
    if sn != 0:
        raise VerificationFailed(
            f"consistency proof: shorter than a proof from {old_size} to {new_size} leaves"
        )
    if fr != old_root:
        raise VerificationFailed(f"consistency proof: does not lead to the old root of size {old_size}")
    if sr != new_root:
        raise VerificationFailed(f"consistency proof: does not lead to the new root of size {new_size}")

"""Altered leaves, proofs, indices, sizes and roots never verify (RFC 9162 §2.1.3.2, §2.1.4.2).

For every tree of 1..33 leaves, every leaf and every pair of sizes, each honest proof is
corrupted in every way listed in ``_inclusion_probes`` / ``_consistency_probes`` (the
corruptions of transparency-dev/merkle's ``proof/verify_test.go`` and more); each must
raise :class:`VerificationFailed`.

A proof is checked against a *checkpoint*: a size and the root of that size, signed
together. Pairing a size with the root of another size is not something a verifier does,
and the RFC's algorithms do not detect it in every case (see
``test_size_and_root_must_come_from_one_checkpoint``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import pytest

from accord.errors import VerificationFailed
from accord.ledger import (
    EMPTY_ROOT,
    MemoryHashStore,
    MerkleTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

N = 33
DATA = [f"entry {i}".encode() for i in range(N)]
LEAF_HASHES = [leaf_hash(d) for d in DATA]
OTHER = bytes.fromhex("abacaba000000000000000000000000000000000000000000060061e00123456")


@pytest.fixture(scope="module")
def tree() -> MerkleTree:
    tree = MerkleTree(MemoryHashStore())
    tree.append_many(DATA)
    return tree


@pytest.fixture(scope="module")
def roots(tree: MerkleTree) -> list[bytes]:
    return [tree.root(n) for n in range(N + 1)]


def _flip(digest: bytes, bit: int = 3) -> bytes:
    return bytes([digest[0] ^ (1 << bit)]) + digest[1:]


def _proof_variants(proof: Sequence[bytes], root: bytes) -> Iterator[tuple[str, list[bytes]]]:
    proof = list(proof)
    for i in range(len(proof)):
        yield f"proof[{i}] bit flipped", [*proof[:i], _flip(proof[i]), *proof[i + 1 :]]
        yield f"proof[{i}] replaced", [*proof[:i], OTHER, *proof[i + 1 :]]
    for i in range(len(proof) - 1):
        if proof[i] != proof[i + 1]:
            swapped = list(proof)
            swapped[i], swapped[i + 1] = swapped[i + 1], swapped[i]
            yield f"proof[{i}] and proof[{i + 1}] swapped", swapped
    if proof:
        yield "last element removed", proof[:-1]
        yield "first element removed", proof[1:]
        yield "element inserted", [proof[0], OTHER, *proof[1:]]
    if proof[::-1] != proof:
        yield "reversed", proof[::-1]
    yield "trailing hash", [*proof, OTHER]
    yield "trailing root", [*proof, root]
    yield "preceding hash", [OTHER, *proof]
    yield "preceding root", [root, *proof]
    yield "trailing empty element", [*proof, b""]
    yield "preceding empty element", [b"", *proof]


def _inclusion_probes(
    index: int, size: int, proof: list[bytes], roots: list[bytes]
) -> Iterator[tuple[str, bytes, int, int, list[bytes], bytes]]:
    leaf, root = LEAF_HASHES[index], roots[size]
    for other in range(N):
        if other != index:
            yield f"leaf {other}'s hash", LEAF_HASHES[other], index, size, proof, root
    yield "leaf data altered", leaf_hash(DATA[index] + b"!"), index, size, proof, root
    yield "leaf hash bit flipped", _flip(leaf), index, size, proof, root
    yield "leaf given as data hash, not leaf hash", leaf_hash(leaf), index, size, proof, root
    for other in (-1, *range(size + 2)):
        if other != index:
            yield f"index {other}", leaf, other, size, proof, root
    for other in range(1, N + 1):
        if other != size:
            yield f"size {other} with its root", leaf, index, other, proof, roots[other]
    yield "size 0", leaf, index, 0, proof, EMPTY_ROOT
    yield "root bit flipped", leaf, index, size, proof, _flip(root)
    yield "empty tree's root", leaf, index, size, proof, EMPTY_ROOT
    yield "short root", leaf, index, size, proof, root[:31]
    for name, variant in _proof_variants(proof, root):
        yield name, leaf, index, size, variant, root


@pytest.mark.parametrize("size", range(1, N + 1))
def test_every_corrupted_inclusion_proof_fails(tree: MerkleTree, roots: list[bytes], size: int) -> None:
    verified = []
    for index in range(size):
        proof = tree.inclusion_proof(index, size)
        verify_inclusion(LEAF_HASHES[index], index, size, proof, roots[size])
        for name, leaf, i, n, variant, root in _inclusion_probes(index, size, proof, roots):
            try:
                verify_inclusion(leaf, i, n, variant, root)
            except VerificationFailed:
                continue
            verified.append(f"leaf {index}: {name}")
    assert verified == []


def _consistency_probes(
    old: int, new: int, proof: list[bytes], roots: list[bytes]
) -> Iterator[tuple[str, int, int, bytes, bytes, list[bytes]]]:
    old_root, new_root = roots[old], roots[new]
    for other in range(N + 1):
        if other != old:
            yield f"old size {other} with its root", other, new, roots[other], new_root, proof
        if other != new:
            yield f"new size {other} with its root", old, other, old_root, roots[other], proof
    yield "old size -1", -1, new, old_root, new_root, proof
    yield "sizes swapped", new, old, new_root, old_root, proof
    yield "roots swapped", old, new, new_root, old_root, proof
    yield "old root bit flipped", old, new, _flip(old_root), new_root, proof
    yield "new root bit flipped", old, new, old_root, _flip(new_root), proof
    yield "old root replaced", old, new, OTHER, new_root, proof
    yield "new root replaced", old, new, old_root, OTHER, proof
    yield "short old root", old, new, old_root[:31], new_root, proof
    yield "empty proof", old, new, old_root, new_root, []
    for name, variant in _proof_variants(proof, new_root):
        yield name, old, new, old_root, new_root, variant
    yield "preceding old root", old, new, old_root, new_root, [old_root, *proof]
    yield "trailing old root", old, new, old_root, new_root, [*proof, old_root]


@pytest.mark.parametrize("new", range(2, N + 1))
def test_every_corrupted_consistency_proof_fails(tree: MerkleTree, roots: list[bytes], new: int) -> None:
    verified = []
    for old in range(1, new):
        proof = tree.consistency_proof(old, new)
        verify_consistency(old, new, roots[old], roots[new], proof)
        for name, m, n, old_root, new_root, variant in _consistency_probes(old, new, proof, roots):
            try:
                verify_consistency(m, n, old_root, new_root, variant)
            except VerificationFailed:
                continue
            verified.append(f"{old} to {new}: {name}")
    assert verified == []


def test_rewritten_history_fails_consistency(tree: MerkleTree) -> None:
    # A log that changed leaf 5 after checkpoint 12 cannot prove that its tree of 20 extends it.
    forged = MerkleTree(MemoryHashStore())
    forged.append_many([*DATA[:5], b"rewritten", *DATA[6:20]])
    for old in range(6, 20):
        with pytest.raises(VerificationFailed):
            verify_consistency(old, 20, tree.root(old), forged.root(20), forged.consistency_proof(old, 20))


def test_sizes_that_are_always_consistent(roots: list[bytes]) -> None:
    verify_consistency(0, 0, EMPTY_ROOT, EMPTY_ROOT, [])
    verify_consistency(7, 7, roots[7], roots[7], [])
    verify_consistency(0, 7, EMPTY_ROOT, roots[7], [])


@pytest.mark.parametrize(
    ("old", "new", "old_root", "new_root", "proof"),
    [
        pytest.param(0, 0, EMPTY_ROOT, OTHER, [], id="two roots of the empty tree"),
        pytest.param(0, 0, OTHER, OTHER, [], id="empty tree with another root"),
        pytest.param(0, 3, OTHER, OTHER, [], id="empty old tree with another root"),
        pytest.param(0, 3, EMPTY_ROOT, OTHER, [EMPTY_ROOT], id="proof from the empty tree not empty"),
        pytest.param(3, 3, OTHER, _flip(OTHER), [], id="two roots of one size"),
        pytest.param(3, 3, OTHER, OTHER, [OTHER], id="proof between equal sizes not empty"),
        pytest.param(3, 2, OTHER, OTHER, [OTHER], id="log shrank"),
        pytest.param(1, 2, OTHER, OTHER, [], id="empty proof"),
    ],
)
def test_degenerate_consistency_claims_fail(
    old: int, new: int, old_root: bytes, new_root: bytes, proof: list[bytes]
) -> None:
    with pytest.raises(VerificationFailed):
        verify_consistency(old, new, old_root, new_root, proof)


@pytest.mark.parametrize(
    ("index", "size"),
    [
        pytest.param(0, 0, id="empty tree"),
        pytest.param(1, 1, id="past the end"),
        pytest.param(-1, 1, id="negative"),
    ],
)
def test_inclusion_outside_the_tree_fails(index: int, size: int) -> None:
    with pytest.raises(VerificationFailed, match="not in a tree"):
        verify_inclusion(LEAF_HASHES[0], index, size, [], LEAF_HASHES[0])


def test_size_and_root_must_come_from_one_checkpoint(tree: MerkleTree, roots: list[bytes]) -> None:
    # RFC 9162's verification binds the size to the root only through the checkpoint both
    # come from: the path of leaf 0 in the tree of 3 leaves also "verifies" for a claimed
    # size 4 *with the root of size 3*. Verifiers therefore take size and root from one
    # signed Checkpoint, never from separate sources; with the root of size 4 it fails.
    proof = tree.inclusion_proof(0, 3)
    verify_inclusion(LEAF_HASHES[0], 0, 4, proof, roots[3])
    with pytest.raises(VerificationFailed):
        verify_inclusion(LEAF_HASHES[0], 0, 4, proof, roots[4])

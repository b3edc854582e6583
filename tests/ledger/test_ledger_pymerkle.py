"""Cross-check against pymerkle (an independent implementation), when it is installed.

pymerkle >= 7 with ``algorithm="sha256"`` and its default security mode hashes leaves as
SHA-256(0x00 || d) and nodes as SHA-256(0x01 || l || r), the RFC 9162 prefixes (its
``disable_security=True`` drops them; we never set it), and numbers leaves from 1. Its
inclusion proof is ``[leaf hash] + PATH``; its consistency proof has a layout of its own,
so for consistency only the roots it resolves to are compared.
"""

from __future__ import annotations

from typing import Any

import pytest

pymerkle = pytest.importorskip(
    "pymerkle", minversion="7", reason="pymerkle>=7 is a bench extra: pip install -e '.[bench]'"
)

from accord.ledger import MemoryHashStore, MerkleTree, leaf_hash  # noqa: E402

N = 100
DATA = [f"journal entry {i}".encode() for i in range(N)]


@pytest.fixture(scope="module")
def trees() -> tuple[MerkleTree, Any]:
    ours = MerkleTree(MemoryHashStore())
    ours.append_many(DATA)
    theirs = pymerkle.InmemoryTree(algorithm="sha256")
    for data in DATA:
        theirs.append_entry(data)
    assert theirs.security
    return ours, theirs


def test_same_roots_for_every_size(trees: tuple[MerkleTree, Any]) -> None:
    ours, theirs = trees
    for size in range(N + 1):
        assert theirs.get_root(size) == ours.root(size), size


def test_same_leaf_hashes(trees: tuple[MerkleTree, Any]) -> None:
    _, theirs = trees
    for index in range(N):
        assert theirs.get_leaf(index + 1) == leaf_hash(DATA[index])


def test_same_inclusion_paths(trees: tuple[MerkleTree, Any]) -> None:
    ours, theirs = trees
    for size in range(1, N + 1, 7):
        for index in range(size):
            proof = theirs.prove_inclusion(index + 1, size)
            assert proof.path == [leaf_hash(DATA[index]), *ours.inclusion_proof(index, size)]


def test_their_consistency_proofs_resolve_to_our_roots(trees: tuple[MerkleTree, Any]) -> None:
    ours, theirs = trees
    for new in range(1, N + 1, 5):
        for old in range(1, new + 1):
            proof = theirs.prove_consistency(old, new)
            assert proof.retrieve_prior_state() == ours.root(old)
            assert proof.compute_root() == ours.root(new)
            pymerkle.verify_consistency(ours.root(old), ours.root(new), proof)

"""The store-based tree against the naive RFC 9162 reference, on every small shape and at random.

Every size 0..70, every leaf index and every pair of sizes (m, n) with 0 < m <= n <= 70
are compared with :mod:`reference_ledger`, and every proof is checked by the verifiers;
Hypothesis then draws larger trees.
"""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_ledger import ref_mth, ref_path, ref_proof

from accord.ledger import (
    EMPTY_ROOT,
    MemoryHashStore,
    MerkleTree,
    leaf_hash,
    node_hash,
    verify_consistency,
    verify_inclusion,
)

SMALL = 70
DATA = [f"journal entry {i}".encode() for i in range(SMALL)]


@pytest.fixture(scope="module")
def small_tree() -> MerkleTree:
    tree = MerkleTree(MemoryHashStore())
    tree.append_many(DATA)
    return tree


def test_hash_functions_are_rfc_9162_2_1_1() -> None:
    assert leaf_hash(b"abc") == hashlib.sha256(b"\x00abc").digest()
    left, right = bytes(range(32)), bytes(range(32, 64))
    assert node_hash(left, right) == hashlib.sha256(b"\x01" + left + right).digest()
    assert hashlib.sha256(b"").digest() == EMPTY_ROOT


@pytest.mark.parametrize("size", range(SMALL + 1))
def test_root_of_every_historical_size(small_tree: MerkleTree, size: int) -> None:
    assert small_tree.root(size) == ref_mth(DATA[:size])


@pytest.mark.parametrize("size", range(SMALL + 1))
def test_root_while_growing(size: int) -> None:
    tree = MerkleTree(MemoryHashStore())
    for i, data in enumerate(DATA[:size]):
        assert tree.append(data) == i
    assert tree.size() == size
    assert tree.root() == ref_mth(DATA[:size])


@pytest.mark.parametrize("size", range(1, SMALL + 1))
def test_inclusion_proof_of_every_leaf(small_tree: MerkleTree, size: int) -> None:
    root = small_tree.root(size)
    for index in range(size):
        proof = small_tree.inclusion_proof(index, size)
        assert proof == ref_path(index, DATA[:size]), index
        verify_inclusion(leaf_hash(DATA[index]), index, size, proof, root)


@pytest.mark.parametrize("new_size", range(1, SMALL + 1))
def test_consistency_proof_of_every_pair(small_tree: MerkleTree, new_size: int) -> None:
    new_root = small_tree.root(new_size)
    for old_size in range(1, new_size + 1):
        proof = small_tree.consistency_proof(old_size, new_size)
        assert proof == ref_proof(old_size, DATA[:new_size]), old_size
        verify_consistency(old_size, new_size, small_tree.root(old_size), new_root, proof)


def test_consistency_from_the_empty_tree(small_tree: MerkleTree) -> None:
    # RFC 9162 defines PROOF(m, D_n) for 0 < m; from the empty tree there is nothing to prove.
    for new_size in range(SMALL + 1):
        assert small_tree.consistency_proof(0, new_size) == []
        verify_consistency(0, new_size, EMPTY_ROOT, small_tree.root(new_size), [])


@st.composite
def trees_with_sizes(draw: st.DrawFn) -> tuple[list[bytes], int, int, int]:
    total = draw(st.integers(1, 3000))
    new_size = draw(st.integers(1, total))
    old_size = draw(st.integers(1, new_size))
    index = draw(st.integers(0, new_size - 1))
    return [b"h" + i.to_bytes(4, "big") for i in range(total)], new_size, old_size, index


@settings(max_examples=60, deadline=None)
@given(trees_with_sizes(), st.integers(1, 700))
def test_larger_random_trees(case: tuple[list[bytes], int, int, int], batch: int) -> None:
    data, new_size, old_size, index = case
    tree = MerkleTree(MemoryHashStore())
    for start in range(0, len(data), batch):  # appends in batches of any size give one tree
        tree.append_many(data[start : start + batch])
    new_root, old_root = tree.root(new_size), tree.root(old_size)
    assert new_root == ref_mth(data[:new_size])
    assert old_root == ref_mth(data[:old_size])
    inclusion = tree.inclusion_proof(index, new_size)
    assert inclusion == ref_path(index, data[:new_size])
    verify_inclusion(leaf_hash(data[index]), index, new_size, inclusion, new_root)
    consistency = tree.consistency_proof(old_size, new_size)
    assert consistency == ref_proof(old_size, data[:new_size])
    verify_consistency(old_size, new_size, old_root, new_root, consistency)

"""The Certificate Transparency known-answer vectors (RFC 6962 and RFC 9162 hash alike).

Source: transparency-dev/merkle, ``proof/verify_test.go`` (commit 02194e9a), whose
``leaves``, ``roots``, ``inclusionProofs`` and ``consistencyProofs`` go back to the C++
``merkle_tree_test`` of Google's certificate-transparency; that file numbers leaves from
1, and they are numbered from 0 here. Every value was also recomputed with the naive
reference (``reference_ledger``); the tests below check both.
"""

from __future__ import annotations

import pytest
from reference_ledger import ref_mth, ref_path, ref_proof

from accord.ledger import (
    EMPTY_ROOT,
    MemoryHashStore,
    MerkleTree,
    leaf_hash,
    verify_consistency,
    verify_inclusion,
)

LEAVES = [
    bytes.fromhex(h)
    for h in (
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    )
]

# ROOTS[n] is the root of the first n leaves; ROOTS[0] = SHA-256("").
ROOTS = [
    bytes.fromhex(h)
    for h in (
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
        "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
        "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
        "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
        "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
        "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
        "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
    )
]


def _hashes(*hexes: str) -> list[bytes]:
    return [bytes.fromhex(h) for h in hexes]


# (leaf index from 0, tree size, audit path)
INCLUSION = [
    (0, 1, []),
    (
        0,
        8,
        _hashes(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        5,
        8,
        _hashes(
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (2, 3, _hashes("fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125")),
    (
        1,
        5,
        _hashes(
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
]

# (old size, new size, consistency proof)
CONSISTENCY = [
    (1, 1, []),
    (
        1,
        8,
        _hashes(
            "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4",
        ),
    ),
    (
        6,
        8,
        _hashes(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
    (
        2,
        5,
        _hashes(
            "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
            "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
        ),
    ),
    (
        6,
        7,
        _hashes(
            "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
            "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
            "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
        ),
    ),
]


@pytest.fixture(scope="module")
def tree() -> MerkleTree:
    tree = MerkleTree(MemoryHashStore())
    assert tree.append_many(LEAVES) == range(8)
    return tree


def test_empty_root() -> None:
    assert EMPTY_ROOT == ROOTS[0] == ref_mth([])
    assert MerkleTree(MemoryHashStore()).root() == EMPTY_ROOT


def test_first_leaf_hash_is_the_root_of_one() -> None:
    assert leaf_hash(b"") == ROOTS[1]


@pytest.mark.parametrize("size", range(9))
def test_published_roots(tree: MerkleTree, size: int) -> None:
    assert ref_mth(LEAVES[:size]) == ROOTS[size]
    assert tree.root(size) == ROOTS[size]


@pytest.mark.parametrize(("index", "size", "path"), INCLUSION, ids=[f"{i}-of-{n}" for i, n, _ in INCLUSION])
def test_published_inclusion_proofs(tree: MerkleTree, index: int, size: int, path: list[bytes]) -> None:
    assert ref_path(index, LEAVES[:size]) == path
    assert tree.inclusion_proof(index, size) == path
    verify_inclusion(leaf_hash(LEAVES[index]), index, size, path, ROOTS[size])


@pytest.mark.parametrize(("old", "new", "proof"), CONSISTENCY, ids=[f"{m}-to-{n}" for m, n, _ in CONSISTENCY])
def test_published_consistency_proofs(tree: MerkleTree, old: int, new: int, proof: list[bytes]) -> None:
    assert ref_proof(old, LEAVES[:new]) == proof
    assert tree.consistency_proof(old, new) == proof
    verify_consistency(old, new, ROOTS[old], ROOTS[new], proof)

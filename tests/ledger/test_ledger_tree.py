"""The tree over its store: appends, historical sizes, invalid arguments, store reads, rebuild."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable

import pytest
from reference_ledger import ref_mth

from accord.errors import IntegrityError, InvalidInput
from accord.ledger import EMPTY_ROOT, MemoryHashStore, MerkleTree, leaf_hash, rebuild, verify_consistency


class CountingStore(MemoryHashStore):
    """A memory store that counts reads and writes (a fake at the storage boundary)."""

    def __init__(self) -> None:
        super().__init__()
        self.gets = 0
        self.puts = 0
        self.batches = 0

    def get(self, level: int, index: int) -> bytes:
        self.gets += 1
        return super().get(level, index)

    def put_many(self, items: Iterable[tuple[int, int, bytes]]) -> None:
        items = list(items)
        self.puts += len(items)
        self.batches += 1
        super().put_many(items)


def _tree(n: int) -> MerkleTree:
    tree = MerkleTree(MemoryHashStore())
    tree.append_many(i.to_bytes(4, "big") for i in range(n))
    return tree


# --- appending -----------------------------------------------------------------------------


def test_append_returns_indices_and_writes_two_nodes_per_leaf_amortised() -> None:
    store = CountingStore()
    tree = MerkleTree(store)
    assert [tree.append(i.to_bytes(2, "big")) for i in range(1024)] == list(range(1024))
    # Each append writes its leaf and the subtrees it completes: 1024 leaves + 1023 nodes.
    assert store.puts == 2047
    assert store.batches == 1024
    # Each completed subtree reads its left sibling: the trailing one bits of the index.
    assert store.gets == 1023


def test_append_many_is_one_batch_and_reads_only_the_right_edge() -> None:
    store = CountingStore()
    tree = MerkleTree(store)
    tree.append_many(i.to_bytes(2, "big") for i in range(1000))
    assert store.batches == 1
    assert store.gets == 0
    assert tree.append_many([b"x"] * 500) == range(1000, 1500)
    assert store.batches == 2
    # Only the perfect subtrees of the first batch that the second batch completes are read.
    assert store.gets <= bin(1000).count("1")
    assert tree.root() == ref_mth([i.to_bytes(2, "big") for i in range(1000)] + [b"x"] * 500)


def test_append_many_of_nothing_writes_nothing() -> None:
    store = CountingStore()
    assert MerkleTree(store).append_many([]) == range(0)
    assert store.batches == 0


def test_append_leaf_hashes_equals_append() -> None:
    data = [f"item {i}".encode() for i in range(37)]
    by_data, by_hash = _tree(0), _tree(0)
    by_data.append_many(data)
    assert by_hash.append_leaf_hashes(leaf_hash(d) for d in data) == range(37)
    assert by_hash.root() == by_data.root()


@pytest.mark.parametrize(
    "bad",
    [
        pytest.param(b"\x00" * 31, id="31 bytes"),
        pytest.param(b"\x00" * 33, id="33 bytes"),
        pytest.param(bytearray(32), id="bytearray"),
        pytest.param("0" * 32, id="text"),
    ],
)
def test_append_leaf_hashes_refuses_a_malformed_hash_and_writes_nothing(bad: object) -> None:
    tree = _tree(5)
    before = tree.root()
    with pytest.raises(InvalidInput, match="leaf 7"):
        tree.append_leaf_hashes([leaf_hash(b"a"), leaf_hash(b"b"), bad])  # type: ignore[list-item]
    assert tree.size() == 5
    assert tree.root() == before


def test_the_tree_keeps_no_state_between_calls() -> None:
    # Two trees on one store (or a tree after another process appended) see the same log.
    store = MemoryHashStore()
    first, second = MerkleTree(store), MerkleTree(store)
    first.append_many([b"a", b"b", b"c"])
    second.append(b"d")
    first.append(b"e")
    assert first.root() == second.root() == ref_mth([b"a", b"b", b"c", b"d", b"e"])
    assert first.store is store


# --- historical sizes and invalid arguments ---------------------------------------------------


def test_empty_tree() -> None:
    tree = _tree(0)
    assert tree.size() == 0
    assert tree.root() == tree.root(0) == EMPTY_ROOT
    assert tree.consistency_proof(0, 0) == []


def test_roots_of_earlier_sizes_do_not_change_when_the_log_grows() -> None:
    tree = _tree(0)
    roots = []
    for i in range(100):
        tree.append(bytes([i]))
        roots.append(tree.root())
    assert [tree.root(n + 1) for n in range(100)] == roots


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda t: t.root(11), "no tree of 11 leaves, the log holds 10", id="root past the end"),
        pytest.param(lambda t: t.root(-1), "no tree of -1 leaves", id="root negative"),
        pytest.param(
            lambda t: t.inclusion_proof(10, 10), "leaf 10 is not in a tree of 10", id="index == size"
        ),
        pytest.param(lambda t: t.inclusion_proof(3, 2), "leaf 3 is not in a tree of 2", id="index > size"),
        pytest.param(lambda t: t.inclusion_proof(-1, 5), "leaf -1 is not in", id="negative index"),
        pytest.param(lambda t: t.inclusion_proof(0, 0), "leaf 0 is not in a tree of 0", id="empty tree"),
        pytest.param(lambda t: t.inclusion_proof(0, 11), "no tree of 11 leaves", id="size past the end"),
        pytest.param(
            lambda t: t.consistency_proof(5, 11), "no tree of 11 leaves", id="new size past the end"
        ),
        pytest.param(lambda t: t.consistency_proof(6, 5), "old size 6 is not between 0", id="old > new"),
        pytest.param(lambda t: t.consistency_proof(-1, 5), "old size -1", id="negative old size"),
    ],
)
def test_invalid_arguments(call: Callable[[MerkleTree], object], message: str) -> None:
    tree = _tree(10)
    with pytest.raises(InvalidInput, match=message):
        call(tree)


def test_a_store_that_lost_a_node_is_an_integrity_error() -> None:
    class Lossy(MemoryHashStore):
        def get(self, level: int, index: int) -> bytes:
            if (level, index) == (2, 2):
                raise KeyError((level, index))
            return super().get(level, index)

    tree = MerkleTree(Lossy())
    tree.append_many(bytes([i]) for i in range(13))
    with pytest.raises(IntegrityError, match=r"lacks node \(2, 2\) although it holds 13 leaves"):
        tree.root()


# --- the memory store --------------------------------------------------------------------------


def test_memory_store_is_append_only_and_atomic() -> None:
    store = MemoryHashStore()
    a, b = leaf_hash(b"a"), leaf_hash(b"b")
    store.put_many([(0, 0, a), (0, 1, b)])
    store.put_many([(0, 1, b)])  # replaying a node with its own hash is harmless
    with pytest.raises(IntegrityError, match="append only"):
        store.put_many([(0, 2, a), (0, 1, a)])
    with pytest.raises(InvalidInput, match="gap"):
        store.put_many([(1, 0, a), (0, 3, a)])
    with pytest.raises(InvalidInput, match="negative"):
        store.put_many([(0, -1, a)])
    assert store.size() == 2
    with pytest.raises(KeyError):
        store.get(0, 2)
    with pytest.raises(KeyError):
        store.get(1, 0)
    with pytest.raises(KeyError):
        store.get(0, -1)
    with pytest.raises(KeyError):
        store.get(-1, 0)


# --- O(log n) store reads ----------------------------------------------------------------------

BIG = (1 << 16) + 12_345


@pytest.fixture(scope="module")
def big() -> tuple[MerkleTree, CountingStore]:
    store = CountingStore()
    tree = MerkleTree(store)
    tree.append_many(i.to_bytes(4, "big") for i in range(BIG))
    return tree, store


def _reads(store: CountingStore, call: Callable[[], object]) -> int:
    before = store.gets
    call()
    return store.gets - before


def test_proofs_need_logarithmic_store_reads(big: tuple[MerkleTree, CountingStore]) -> None:
    tree, store = big
    rng = random.Random(9162)  # noqa: S311 - reproducible sample, not a secret
    bound = 2 * math.ceil(math.log2(BIG)) + 1  # 35 for 77,881 leaves
    sizes = [BIG, BIG - 1, 1 << 16, (1 << 16) + 1, *(rng.randrange(1, BIG + 1) for _ in range(200))]
    worst_inclusion = worst_consistency = worst_root = 0
    for size in sizes:
        worst_root = max(worst_root, _reads(store, lambda s=size: tree.root(s)))
        for index in (0, size - 1, size // 2, rng.randrange(size)):
            worst_inclusion = max(
                worst_inclusion, _reads(store, lambda i=index, s=size: tree.inclusion_proof(i, s))
            )
        for old in (1, size - 1, size // 2, rng.randrange(1, size + 1)):
            if 0 < old <= size:
                worst_consistency = max(
                    worst_consistency, _reads(store, lambda m=old, s=size: tree.consistency_proof(m, s))
                )
    assert worst_root <= math.ceil(math.log2(BIG)) + 1
    assert worst_inclusion <= bound
    assert worst_consistency <= bound


def test_rebuild_recomputes_every_node(big: tuple[MerkleTree, CountingStore]) -> None:
    tree, store = big
    leaves = [store.get(0, i) for i in range(BIG)]
    rebuilt = MerkleTree(rebuild(leaves))
    assert rebuilt.size() == BIG
    assert rebuilt.root() == tree.root()
    for level in range(17):
        for index in (0, (BIG >> level) - 1):
            assert rebuilt.store.get(level, index) == store.get(level, index)
    # A verifier holding an earlier checkpoint checks the rebuilt log against it.
    verify_consistency(1000, BIG, tree.root(1000), rebuilt.root(), rebuilt.consistency_proof(1000, BIG))
    assert rebuild([]).size() == 0


def test_rebuild_refuses_malformed_leaf_hashes() -> None:
    with pytest.raises(InvalidInput):
        rebuild([b"short"])

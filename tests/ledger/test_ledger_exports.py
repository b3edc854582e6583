"""The public surface of accord.ledger is exactly this list (others code against it)."""

from __future__ import annotations

import accord.ledger

EXPECTED = [
    "CHECKPOINT_TYPE",
    "CHECKPOINT_VERSION",
    "COSIGNATURE_V1",
    "ED25519",
    "EMPTY_ROOT",
    "HASH_SIZE",
    "MLDSA65_COSIGNATURE",
    "MLDSA65_NOTE",
    "Checkpoint",
    "HashStore",
    "MemoryHashStore",
    "MerkleTree",
    "NoteSignature",
    "SignedNote",
    "checkpoint_from_text",
    "checkpoint_text",
    "cosignature_message",
    "key_id",
    "leaf_hash",
    "node_hash",
    "note_name",
    "rebuild",
    "signature_lines",
    "split_timestamped",
    "timestamped",
    "verify_consistency",
    "verify_inclusion",
    "vkey",
]


def test_all_is_exactly_the_documented_api() -> None:
    assert accord.ledger.__all__ == EXPECTED


def test_every_name_in_all_exists_and_is_documented() -> None:
    for name in accord.ledger.__all__:
        member = getattr(accord.ledger, name)
        if callable(member):
            assert member.__doc__, name


def test_the_memory_store_is_a_hash_store() -> None:
    store: accord.ledger.HashStore = accord.ledger.MemoryHashStore()
    assert store.size() == 0

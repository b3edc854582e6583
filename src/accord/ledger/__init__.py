"""The tamper-evident ledger's Merkle tree: RFC 9162 (Certificate Transparency 2.0) hashing.

A mechanism layer: pure, no I/O, no clock, no cryptography beyond :mod:`hashlib`. It
imports only :mod:`accord.canonical` and :mod:`accord.errors`. The node journals every
action as a leaf, stores the nodes through a :class:`HashStore` of its own (a durable
one over the database), and signs :class:`Checkpoint` statements with
:mod:`accord.crypto`; peers and auditors check what it hands over with the verifiers,
which need no store.

* :mod:`._hashing` — :func:`leaf_hash`, :func:`node_hash`, :data:`EMPTY_ROOT`,
  :data:`HASH_SIZE` (RFC 9162 §2.1.1);
* :mod:`._store` — the :class:`HashStore` protocol and :class:`MemoryHashStore`;
* :mod:`._merkle` — :class:`MerkleTree` (roots of any historical size, inclusion and
  consistency proofs, §2.1.3.1 and §2.1.4.1, in O(log n) store reads) and
  :func:`rebuild`;
* :mod:`._proofs` — :func:`verify_inclusion` (§2.1.3.2) and
  :func:`verify_consistency` (§2.1.4.2);
* :mod:`._checkpoint` — :class:`Checkpoint`, the statement a node signs;
* :mod:`._note` — C2SP signed notes (:class:`SignedNote`), checkpoints as tlog-checkpoint
  note text (:func:`checkpoint_text`) and tlog-cosignature messages.
"""

from __future__ import annotations

from accord.ledger._checkpoint import CHECKPOINT_TYPE, CHECKPOINT_VERSION, Checkpoint
from accord.ledger._hashing import EMPTY_ROOT, HASH_SIZE, leaf_hash, node_hash
from accord.ledger._merkle import MerkleTree, rebuild
from accord.ledger._note import (
    COSIGNATURE_V1,
    ED25519,
    MLDSA65_COSIGNATURE,
    MLDSA65_NOTE,
    NoteSignature,
    SignedNote,
    checkpoint_from_text,
    checkpoint_text,
    cosignature_message,
    key_id,
    note_name,
    signature_lines,
    split_timestamped,
    timestamped,
    vkey,
)
from accord.ledger._proofs import verify_consistency, verify_inclusion
from accord.ledger._store import HashStore, MemoryHashStore

__all__ = [
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

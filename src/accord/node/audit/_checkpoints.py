"""The ledger's signed formats: a signed checkpoint, an inclusion proof, and checking one (Arts. 8, 18).

A :class:`SignedCheckpoint` is a :class:`~accord.ledger.Checkpoint` — the size and root of
the node's RFC 9162 Merkle tree at a time — with the node's dual signature (Ed25519 and
ML-DSA-65) over its statement, under the purpose :data:`CHECKPOINT_PURPOSE`. It is what
the node stores after each seal (``ledger_checkpoints``) and what partners witness.

An :class:`InclusionProof` carries one journal event, its leaf index, the latest signed
checkpoint (in Accord's JSON form and as a C2SP tlog-checkpoint signed note) and the audit
path; :func:`check_proof` checks it with the node's public identity card alone — what a
partner's security representative needs to verify the node's evidence (Arts. 8, 18).
:func:`note_vkeys` gives the C2SP verifier keys a transparency-log tool is configured with.

These are peer-facing formats: nothing here reads the database or the clock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from accord.canonical import canonical_json, loads_object
from accord.crypto import DualSignature, VerifyKeys
from accord.errors import InvalidInput, VerificationFailed
from accord.exchange import IdentityCard, checkpoint_vkeys, cosigner_vkeys, verify_checkpoint_note
from accord.ledger import HASH_SIZE, Checkpoint, leaf_hash, verify_inclusion
from accord.store import LedgerCheckpointRow

__all__ = [
    "CHECKPOINT_PURPOSE",
    "PROOF_TYPE",
    "PROOF_VERSION",
    "InclusionProof",
    "SignedCheckpoint",
    "check_proof",
    "note_vkeys",
]

CHECKPOINT_PURPOSE = "checkpoint"
"""The signature purpose of a checkpoint (:meth:`accord.crypto.SigningKeys.sign`)."""
PROOF_TYPE = "accord-inclusion-proof"
PROOF_VERSION = 1
_PROOF_KEYS = frozenset({"type", "v", "leaf_index", "leaf", "checkpoint", "signature", "path"})
_PROOF_NOTE = "checkpoint_note"
"""The proof's optional key: the checkpoint as a C2SP signed note (proofs made before have none)."""
_SIGNED_KEYS = frozenset({"checkpoint", "signature"})


@dataclass(frozen=True)
class SignedCheckpoint:
    """A :class:`~accord.ledger.Checkpoint` and the node's dual signature over its statement."""

    checkpoint: Checkpoint
    signature: DualSignature

    def verify(self, keys: VerifyKeys) -> None:
        """Check the signature with the node's public keys (both halves must verify).

        Raises:
            VerificationFailed: the signature is not the keys' over this statement.
        """
        keys.verify(CHECKPOINT_PURPOSE, self.checkpoint.statement(), self.signature)

    def to_dict(self) -> dict[str, object]:
        """``{"checkpoint": statement as JSON, "signature": {"ed25519", "mldsa65"}}``."""
        return {"checkpoint": self.checkpoint.to_dict(), "signature": self.signature.to_dict()}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SignedCheckpoint:
        """Parse :meth:`to_dict` output strictly (the signature is not checked here).

        Raises:
            InvalidInput: keys missing or unknown, or a malformed checkpoint or signature.
        """
        if set(data) != _SIGNED_KEYS:
            raise InvalidInput(f"a signed checkpoint has exactly the keys {sorted(_SIGNED_KEYS)}")
        checkpoint, signature = data["checkpoint"], data["signature"]
        if not isinstance(checkpoint, dict) or not isinstance(signature, dict):
            raise InvalidInput("a signed checkpoint's checkpoint and signature are objects")
        return cls(Checkpoint.from_dict(checkpoint), DualSignature.from_dict(signature))

    @classmethod
    def from_row(cls, row: LedgerCheckpointRow) -> SignedCheckpoint:
        """The checkpoint a ``ledger_checkpoints`` row holds (the signature is not checked here).

        Raises:
            InvalidInput: the row does not hold a well-formed checkpoint and signature.
        """
        try:
            root = bytes.fromhex(row.root)
        except (ValueError, TypeError) as exc:
            raise InvalidInput(f"checkpoint of size {row.size}: its root is not hex") from exc
        checkpoint = Checkpoint(row.origin, row.size, root, row.time)
        return cls(
            checkpoint, DualSignature.from_dict(loads_object(row.signature_json, "a checkpoint signature"))
        )

    def to_row(self) -> LedgerCheckpointRow:
        """The row that stores it."""
        cp = self.checkpoint
        return LedgerCheckpointRow(
            size=cp.size,
            root=cp.root.hex(),
            time=cp.timestamp,
            origin=cp.origin,
            signature_json=canonical_json(self.signature.to_dict()).decode("ascii"),
        )


@dataclass(frozen=True)
class InclusionProof:
    """Evidence that one journal event is leaf ``leaf_index`` of a node's signed ledger.

    Attributes:
        leaf_index: The event's leaf number (0-based).
        leaf: The leaf data: the event's canonical JSON bytes (:func:`~accord.store.leaf_data`).
        signed: The node's latest signed checkpoint when the proof was made.
        path: The audit path of RFC 9162 §2.1.3.1, from the leaf up.
        note: The same checkpoint as a C2SP tlog-checkpoint signed note (with the partners'
            cosignatures the node held), for transparency-log tools; None in proofs made
            before notes were added.
    """

    leaf_index: int
    leaf: bytes
    signed: SignedCheckpoint
    path: tuple[bytes, ...]
    note: str | None = None

    @property
    def event(self) -> dict[str, object]:
        """The event the leaf stands for, as a JSON object."""
        return loads_object(self.leaf, "the proof's leaf")

    def verify(self, keys: VerifyKeys) -> None:
        """Check the checkpoint's signature, then the audit path to its root (RFC 9162 §2.1.3.2).

        A proof that carries the checkpoint's note must carry one the node signed, of the
        same checkpoint (:func:`~accord.exchange.verify_checkpoint_note`).

        Raises:
            VerificationFailed: the checkpoint or its note is not signed by ``keys``, the note
                states another checkpoint, or the event is not that leaf of that tree.
            InvalidInput: the note is not a signed checkpoint note.
        """
        self.signed.verify(keys)
        checkpoint = self.signed.checkpoint
        if self.note is not None:
            stated, _ = verify_checkpoint_note(self.note, checkpoint.origin, keys)
            if stated != checkpoint:
                raise VerificationFailed("the proof's checkpoint note states another checkpoint")
        verify_inclusion(leaf_hash(self.leaf), self.leaf_index, checkpoint.size, self.path, checkpoint.root)

    def to_dict(self) -> dict[str, object]:
        """The proof as a JSON object; ``leaf`` is the event's canonical JSON as text."""
        out: dict[str, object] = {
            "type": PROOF_TYPE,
            "v": PROOF_VERSION,
            "leaf_index": self.leaf_index,
            "leaf": self.leaf.decode("utf-8"),
            "checkpoint": self.signed.checkpoint.to_dict(),
            "signature": self.signed.signature.to_dict(),
            "path": [node.hex() for node in self.path],
        }
        if self.note is not None:
            out[_PROOF_NOTE] = self.note
        return out

    def to_json(self) -> str:
        """The proof file's text (indented JSON, one key per line, for a reader)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str | bytes) -> InclusionProof:
        """Parse a proof file strictly (nothing is verified here: see :meth:`verify`).

        Raises:
            InvalidInput: not a proof of this version, or a field is malformed.
        """
        data = loads_object(text, "an inclusion proof")
        if set(data) - {_PROOF_NOTE} != _PROOF_KEYS:
            raise InvalidInput(
                f"an inclusion proof has exactly the keys {sorted(_PROOF_KEYS)}, and optionally {_PROOF_NOTE}"
            )
        note = data.get(_PROOF_NOTE)
        if note is not None and not isinstance(note, str):
            raise InvalidInput(f"an inclusion proof's {_PROOF_NOTE} is the text of a signed note")
        if data["type"] != PROOF_TYPE or data["v"] != PROOF_VERSION or isinstance(data["v"], bool):
            raise InvalidInput(f"not an {PROOF_TYPE} version {PROOF_VERSION}")
        index, leaf, path = data["leaf_index"], data["leaf"], data["path"]
        if isinstance(index, bool) or not isinstance(index, int) or index < 0:
            raise InvalidInput("an inclusion proof's leaf_index is a leaf number")
        if not isinstance(leaf, str):
            raise InvalidInput("an inclusion proof's leaf is the event's JSON text")
        if not isinstance(path, list) or not all(_is_hash_hex(node) for node in path):
            raise InvalidInput(f"an inclusion proof's path is a list of {HASH_SIZE}-byte hashes in hex")
        signed = SignedCheckpoint.from_dict(
            {"checkpoint": data["checkpoint"], "signature": data["signature"]}
        )
        proof = cls(index, leaf.encode("utf-8"), signed, tuple(bytes.fromhex(node) for node in path), note)
        _ = proof.event  # the leaf must be an event: a JSON object
        return proof


def _is_hash_hex(value: object) -> bool:
    return (
        isinstance(value, str) and len(value) == 2 * HASH_SIZE and set(value) <= frozenset("0123456789abcdef")
    )


def note_vkeys(card: IdentityCard) -> dict[str, str]:
    """The C2SP verifier keys (vkeys) of a node's checkpoint notes and cosignatures, from its card.

    ``checkpoint`` (type ``0x01``) and ``cosignature`` (type ``0x04``) are what any
    transparency-log tool is configured with; the ``-mldsa65`` ones are Accord's second lines.
    """
    checkpoint = checkpoint_vkeys(card.node_id, card.signing_keys)
    cosignature = cosigner_vkeys(card.node_id, card.signing_keys)
    return {
        "checkpoint": checkpoint[0],
        "checkpoint-mldsa65": checkpoint[1],
        "cosignature": cosignature[0],
        "cosignature-mldsa65": cosignature[1],
    }


def check_proof(proof_text: str | bytes, card_text: str | bytes) -> InclusionProof:
    """Check an inclusion proof with the node's public identity card only (no node, no database).

    The card's self-signature is verified (:meth:`IdentityCard.parse`); the proof's
    checkpoint must name the card's node and carry that node's dual signature (and so must
    its signed note, when the proof carries one, stating the same checkpoint); the audit
    path must lead from the event to the checkpoint's root. Whether the card is the node's
    true card is the reader's to establish (its fingerprint, out of band).

    Returns:
        The verified proof (its :attr:`~InclusionProof.event` is what is proven).

    Raises:
        InvalidInput: the proof or the card is malformed.
        VerificationFailed: the card, the checkpoint's signature or the audit path does not
            verify, or the proof comes from another node than the card's.
    """
    card = IdentityCard.parse(card_text)
    proof = InclusionProof.from_json(proof_text)
    origin = proof.signed.checkpoint.origin
    if origin != card.node_id:
        raise VerificationFailed(f"the proof is about the ledger of {origin}, the card is of {card.node_id}")
    proof.verify(card.signing_keys)
    return proof

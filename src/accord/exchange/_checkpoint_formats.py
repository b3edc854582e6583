"""The ledger's signed formats: a signed checkpoint, an inclusion proof, and checking one (Arts. 8, 18).

A :class:`SignedCheckpoint` is a :class:`~accord.ledger.Checkpoint` — the size and root of
the node's RFC 9162 Merkle tree at a time — with the node's dual signature (Ed25519 and
ML-DSA-65) over its statement, under the purpose :data:`CHECKPOINT_PURPOSE`. It is what
the node stores after each seal (``ledger_checkpoints``, mapped by
:mod:`accord.node.audit._checkpoint_rows`) and what partners witness.

An :class:`InclusionProof` carries one journal event, its leaf index, the latest signed
checkpoint (in Accord's JSON form and as a C2SP tlog-checkpoint signed note) and the audit
path; :func:`check_proof` checks it with the node's public identity card alone — what a
partner's security representative needs to verify the node's evidence (Arts. 8, 18).
:func:`note_vkeys` gives the C2SP verifier keys a transparency-log tool is configured with.

Fields are checked by the exchange's vocabulary (:mod:`accord.exchange._fields`): the
checkpoint's origin is a node id, the path a list of hashes. The leaf and the note are
taken byte for byte, not normalised: the leaf's bytes are what the audit path proves and
the note's are what its signature lines sign, so both are checked by verifying them.
Nothing here reads the database or the clock.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from accord.canonical import loads_object
from accord.crypto import DualSignature, VerifyKeys
from accord.errors import InvalidInput, VerificationFailed
from accord.exchange._checkpoint_notes import checkpoint_vkeys, cosigner_vkeys, verify_checkpoint_note
from accord.exchange._fields import (
    exact_keys,
    int_field,
    merkle_path,
    obj_field,
    require_dual_signature,
    signature_field,
    str_field,
    wire_id,
)
from accord.exchange._identity import IdentityCard
from accord.ledger import HASH_SIZE, Checkpoint, leaf_hash, verify_inclusion

__all__ = [
    "CHECKPOINT_PURPOSE",
    "PROOF_TYPE",
    "PROOF_VERSION",
    "InclusionProof",
    "SignedCheckpoint",
    "check_proof",
    "note_vkeys",
]

CHECKPOINT_PURPOSE: Final = "checkpoint"
"""The signature purpose of a checkpoint (:meth:`accord.crypto.SigningKeys.sign`)."""
PROOF_TYPE: Final = "accord-inclusion-proof"
PROOF_VERSION: Final = 1
_PROOF_KEYS: Final = {"type", "v", "leaf_index", "leaf", "checkpoint", "signature", "path"}
_PROOF_NOTE: Final = "checkpoint_note"
"""The proof's optional key: the checkpoint as a C2SP signed note (proofs made before have none)."""
_SIGNED_KEYS: Final = {"checkpoint", "signature"}


@dataclass(frozen=True)
class SignedCheckpoint:
    """A :class:`~accord.ledger.Checkpoint` and the node's dual signature over its statement."""

    checkpoint: Checkpoint
    signature: DualSignature

    def __post_init__(self) -> None:
        """Refuse a checkpoint that is not a node's.

        Raises:
            InvalidInput: not a checkpoint and a dual signature, or its origin is not a node id.
        """
        what = "signed checkpoint"
        if not isinstance(self.checkpoint, Checkpoint):
            raise InvalidInput(f"{what}: checkpoint must be a checkpoint")
        wire_id(self.checkpoint.origin, f"{what}: origin")
        require_dual_signature(self.signature, what)

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
        what = "a signed checkpoint"
        exact_keys(data, _SIGNED_KEYS, what)
        checkpoint = Checkpoint.from_dict(obj_field(data, "checkpoint", what))
        return cls(checkpoint, signature_field(data, what))


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

    def __post_init__(self) -> None:
        """Refuse a proof that could not have come from a ledger.

        Raises:
            InvalidInput: a field has the wrong type or form, or the leaf is not an event.
        """
        what = "inclusion proof"
        if type(self.leaf_index) is not int or self.leaf_index < 0:
            raise InvalidInput(f"an {what}'s leaf_index is a leaf number")
        if not isinstance(self.leaf, bytes) or not isinstance(self.signed, SignedCheckpoint):
            raise InvalidInput(f"an {what} holds the leaf's bytes and a signed checkpoint")
        if not all(isinstance(node, bytes) and len(node) == HASH_SIZE for node in self.path):
            raise InvalidInput(f"an {what}'s path is a list of {HASH_SIZE}-byte hashes in hex")
        if self.note is not None and not isinstance(self.note, str):
            raise InvalidInput(f"an {what}'s {_PROOF_NOTE} is the text of a signed note")
        object.__setattr__(self, "path", tuple(self.path))
        _ = self.event  # the leaf must be an event: a JSON object

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
        what = "an inclusion proof"
        data = loads_object(text, what)
        exact_keys(data, _PROOF_KEYS, what, optional=frozenset({_PROOF_NOTE}))
        version = data["v"]
        if data["type"] != PROOF_TYPE or type(version) is not int or version != PROOF_VERSION:
            raise InvalidInput(f"not an {PROOF_TYPE} version {PROOF_VERSION}")
        note = str_field(data, _PROOF_NOTE, f"{what}'s signed note") if _PROOF_NOTE in data else None
        signed = SignedCheckpoint.from_dict({key: data[key] for key in _SIGNED_KEYS})
        return cls(
            leaf_index=int_field(data, "leaf_index", f"{what}'s leaf number"),
            leaf=str_field(data, "leaf", f"{what}'s event JSON text").encode("utf-8"),
            signed=signed,
            path=merkle_path(data["path"], f"{what}'s path"),
            note=note,
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

"""Wire formats of ledger witnessing: partners keep and countersign each other's checkpoints.

A node's ledger (``docs/ledger.md``) is tamper-evident to the node itself only up to its
newest checkpoint: a node that deletes its newest events together with their tree nodes
and checkpoints, or rewrites its history and re-signs it, still verifies on its own. Its
partners see through that when they keep the checkpoints they were given and demand that
each new one extends the last (RFC 9162 §2.1.4; the "gossip" of RFC 9162 §8.3). Two
messages, each in an envelope of its own type (``EnvelopeHeader.type``):

* **checkpoint** (origin → partner) — :class:`CheckpointStatement`: the origin's signed
  checkpoint (its own dual signature, purpose ``checkpoint``), the size of the last
  checkpoint the origin believes the partner holds, and the consistency proof from that
  size to this one. The statement needs no signature of its own: the checkpoint is signed,
  the proof is checked against two signed roots, and the transmission that carries it is
  signed by the origin; a wrong ``previous_size`` only makes the proof unusable.
* **countersignature** (partner → origin) — :class:`Countersignature`: the witness names
  the checkpoint it holds (origin, size, root, time) and signs that with both its keys
  (purpose ``checkpoint-witness``). The origin keeps it: evidence, towards an auditor,
  that a partner saw this state of its ledger. Since the C2SP forms were added, it also
  carries ``cosignature``: the same statement as c2sp.org/tlog-cosignature v1 signature
  lines (:mod:`accord.exchange._checkpoint_notes`), which the origin appends to its
  checkpoint note for tools other than Accord. A countersignature without it (the first
  form) is still read.

* **proof-request** (witness → origin) — :class:`ProofRequest`: a witness that was shown a
  checkpoint it cannot relate to one it holds (a larger one whose proof starts elsewhere,
  or one a fellow witness holds) names the origin's checkpoint and the size to prove from;
  the origin answers with a ``checkpoint`` statement of that very checkpoint whose proof
  starts at that size. A proof that fails, or that does not come, is an alarm.
* **gossip** (witness → fellow witness) — :class:`Gossip`: the latest checkpoint it holds of
  each other node, with that node's signature, so that a node showing one partner one
  history and another partner another (a *split view*) is caught.

Two signed checkpoints of one origin that are not consistent — the same size with another
root, a larger one that does not extend the smaller, a later one that is smaller — prove
that the origin forked or rolled back its ledger; the witness keeps both as evidence.

The habits of ``_formats`` hold: canonical JSON, strict parsing, objects valid from
construction.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Final

from accord.canonical import canonical_json, loads_object, parse_time
from accord.crypto import DualSignature, SigningKeys, VerifyKeys
from accord.errors import InvalidInput, VerificationFailed
from accord.exchange._checkpoint_formats import CHECKPOINT_PURPOSE
from accord.exchange._checkpoint_notes import cosign_checkpoint, verify_cosignature
from accord.exchange._fields import (
    FORMAT_VERSION,
    MAX_PROOF_HASHES,
    UNSIGNED,
    exact_keys,
    list_field,
    load_versioned,
    merkle_path,
    signature_field,
    time_text,
    versioned,
    wire_id,
)
from accord.ledger import HASH_SIZE, Checkpoint, NoteSignature, signature_lines, verify_consistency

__all__ = [
    "COUNTERSIGNATURE_PURPOSE",
    "MAX_GOSSIP_CHECKPOINTS",
    "MAX_PROOF_HASHES",
    "CheckpointStatement",
    "Countersignature",
    "Gossip",
    "ProofRequest",
]

COUNTERSIGNATURE_PURPOSE: Final = "checkpoint-witness"
"""The purpose a witness signs a countersignature for: it never verifies as anything else."""
COUNTERSIGNATURE_TYPE: Final = "accord-checkpoint-witness"
_STATEMENT_KEYS: Final = {"checkpoint", "signature", "previous_size", "proof"}
_COUNTER_KEYS: Final = {"witness", "checkpoint", "signed_at", "signature"}
_REQUEST_KEYS: Final = {"checkpoint", "from_size"}
_GOSSIP_KEYS: Final = {"witness", "checkpoints"}
_SIGNED_KEYS: Final = {"checkpoint", "signature"}
MAX_GOSSIP_CHECKPOINTS: Final = 1000
"""Most checkpoints one gossip message carries (one per node the witness holds one of)."""


def _checkpoint(value: object, what: str) -> Checkpoint:
    if not isinstance(value, dict):
        raise InvalidInput(f"{what}: checkpoint must be an object")
    return Checkpoint.from_dict(value)


def _witness(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{what}: witness must be a node id")
    return wire_id(value, what)


def _size(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidInput(f"{what}: a size is a number of leaves, not {value!r}")
    return value


@dataclass(frozen=True)
class CheckpointStatement:
    """An origin's signed checkpoint, offered to a partner with a proof that it extends the last.

    Attributes:
        checkpoint: The origin's checkpoint (``checkpoint.origin`` is the sender).
        signature: The origin's dual signature over ``checkpoint.statement()``.
        previous_size: The size of the origin's checkpoint the partner last held, as far as
            the origin knows (0 the first time); not more than ``checkpoint.size``.
        proof: PROOF(previous_size, D[0:size]) of RFC 9162 §2.1.4.1 (empty when
            ``previous_size`` is 0 or equals the size).
    """

    checkpoint: Checkpoint
    signature: DualSignature
    previous_size: int
    proof: tuple[bytes, ...]

    def __post_init__(self) -> None:
        """Refuse a statement that could not have come from a log.

        Raises:
            InvalidInput: a field has the wrong type, or the sizes or proof are impossible.
        """
        what = "checkpoint statement"
        if not isinstance(self.checkpoint, Checkpoint) or not isinstance(self.signature, DualSignature):
            raise InvalidInput(f"{what}: a checkpoint and its dual signature")
        if _size(self.previous_size, what) > self.checkpoint.size:
            raise InvalidInput(f"{what}: previous_size {self.previous_size} is beyond the checkpoint's size")
        proof = tuple(self.proof)
        if len(proof) > MAX_PROOF_HASHES or not all(
            isinstance(node, bytes) and len(node) == HASH_SIZE for node in proof
        ):
            raise InvalidInput(f"{what}: a proof is at most {MAX_PROOF_HASHES} hashes of {HASH_SIZE} bytes")
        object.__setattr__(self, "proof", proof)

    def verify(self, keys: VerifyKeys) -> None:
        """Check the origin's signature over the checkpoint (both halves).

        Raises:
            VerificationFailed: not signed by ``keys``, or a field of the checkpoint changed.
        """
        keys.verify(CHECKPOINT_PURPOSE, self.checkpoint.statement(), self.signature)

    def check_extends(self, held: Checkpoint) -> None:
        """Check that this checkpoint extends ``held``, of the same origin (RFC 9162 §2.1.4.2).

        ``held`` is the checkpoint the partner holds; the proof must start at its size.

        Raises:
            InvalidInput: ``held`` is of another origin, or the proof starts at another size
                (it cannot be checked; that proves nothing either way).
            VerificationFailed: the proof does not prove it: the origin's log was rewritten
                (or the proof was altered).
        """
        new = self.checkpoint
        if held.origin != new.origin:
            raise InvalidInput(f"a checkpoint of {held.origin} is not extended by one of {new.origin}")
        if held.size != self.previous_size:
            raise InvalidInput(
                f"the proof starts at size {self.previous_size}; the checkpoint held is of size {held.size}"
            )
        verify_consistency(held.size, new.size, held.root, new.root, self.proof)

    def to_bytes(self) -> bytes:
        """Canonical JSON (the envelope's payload)."""
        return canonical_json(
            {
                "v": FORMAT_VERSION,
                "checkpoint": self.checkpoint.to_dict(),
                "signature": self.signature.to_dict(),
                "previous_size": self.previous_size,
                "proof": [node.hex() for node in self.proof],
            }
        )

    @classmethod
    def parse(cls, data: bytes | str) -> CheckpointStatement:
        """Parse (not verify) a statement, strictly.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "checkpoint statement"
        obj = load_versioned(data, _STATEMENT_KEYS, what)
        return cls(
            checkpoint=_checkpoint(obj["checkpoint"], what),
            signature=signature_field(obj, what),
            previous_size=_size(obj["previous_size"], what),
            proof=merkle_path(obj["proof"], f"{what}: proof"),
        )


@dataclass(frozen=True)
class Countersignature:
    """A witness's signed word that it holds a checkpoint of another node's ledger.

    Attributes:
        witness: The node id of the witness (the signer).
        checkpoint: The origin's checkpoint it holds (origin, size, root, time).
        signed_at: When it countersigned, as ``2026-11-25T09:00:00Z``.
        signature: The witness's dual signature (purpose ``checkpoint-witness``).
        cosignature: The same, as tlog-cosignature v1 signature lines (Ed25519 and
            ML-DSA-65) timestamped ``signed_at``; None in the first form, which had none.
    """

    witness: str
    checkpoint: Checkpoint
    signed_at: str
    signature: DualSignature
    cosignature: tuple[NoteSignature, ...] | None = None

    def __post_init__(self) -> None:
        """Refuse malformed fields.

        Raises:
            InvalidInput: a field has the wrong type or form.
        """
        what = "countersignature"
        _witness(self.witness, what)
        if not isinstance(self.checkpoint, Checkpoint):
            raise InvalidInput(f"{what}: checkpoint must be a checkpoint")
        if self.witness == self.checkpoint.origin:
            raise InvalidInput(f"{what}: a node does not witness its own ledger")
        time_text(self.signed_at, f"{what}: signed_at")
        if not isinstance(self.signature, DualSignature):
            raise InvalidInput(f"{what}: signature must be a dual signature")
        if self.cosignature is not None and (
            not isinstance(self.cosignature, tuple)
            or len(self.cosignature) != 2
            or not all(isinstance(line, NoteSignature) for line in self.cosignature)
        ):
            raise InvalidInput(f"{what}: cosignature is two note signature lines")

    @property
    def timestamp(self) -> int:
        """``signed_at`` in POSIX seconds: the cosignature's timestamp."""
        return int(parse_time(self.signed_at).timestamp())

    @classmethod
    def make(
        cls, keys: SigningKeys, *, witness: str, checkpoint: Checkpoint, signed_at: str
    ) -> Countersignature:
        """Check the fields and sign them with the witness node's keys.

        Raises:
            InvalidInput: a field is invalid.
        """
        unsigned = cls(witness, checkpoint, signed_at, UNSIGNED)
        return replace(
            unsigned,
            signature=keys.sign(COUNTERSIGNATURE_PURPOSE, unsigned.statement()),
            cosignature=cosign_checkpoint(keys, witness, checkpoint, unsigned.timestamp),
        )

    def statement(self) -> bytes:
        """The exact bytes the witness signs."""
        return canonical_json(
            {
                "type": COUNTERSIGNATURE_TYPE,
                "v": FORMAT_VERSION,
                "witness": self.witness,
                "checkpoint": self.checkpoint.to_dict(),
                "signed_at": self.signed_at,
            }
        )

    def verify(self, keys: VerifyKeys) -> None:
        """Check the witness's signature, and its cosignature lines when it carries them.

        Raises:
            VerificationFailed: not signed by ``keys``, a field was changed, or the
                cosignature does not verify or is timestamped other than ``signed_at``.
        """
        try:
            keys.verify(COUNTERSIGNATURE_PURPOSE, self.statement(), self.signature)
        except VerificationFailed as exc:
            raise VerificationFailed(f"the countersignature of {self.witness} does not verify") from exc
        if self.cosignature is not None:
            when = verify_cosignature(self.cosignature, self.witness, keys, self.checkpoint)
            if when != self.timestamp:
                raise VerificationFailed(f"the cosignature of {self.witness} is not of the time it signed")

    def cosignature_text(self) -> str | None:
        """The cosignature's signature lines, to append to the checkpoint's note (or None)."""
        return None if self.cosignature is None else "".join(line.line() for line in self.cosignature)

    def to_dict(self) -> dict[str, object]:
        """The JSON form, signature included (and ``cosignature``, the lines' text, when carried)."""
        out: dict[str, object] = {
            "v": FORMAT_VERSION,
            "witness": self.witness,
            "checkpoint": self.checkpoint.to_dict(),
            "signed_at": self.signed_at,
            "signature": self.signature.to_dict(),
        }
        text = self.cosignature_text()
        if text is not None:
            out["cosignature"] = text
        return out

    def to_bytes(self) -> bytes:
        """Canonical JSON (the envelope's payload)."""
        return canonical_json(self.to_dict())

    @classmethod
    def parse(cls, data: bytes | str) -> Countersignature:
        """Parse (not verify) a countersignature, strictly.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "countersignature"
        obj = loads_object(data, what)
        # The first form had no cosignature; both are read.
        obj = versioned(obj, _COUNTER_KEYS | ({"cosignature"} & set(obj)), what)
        witness, signed_at = obj["witness"], obj["signed_at"]
        if not isinstance(witness, str) or not isinstance(signed_at, str):
            raise InvalidInput(f"{what}: witness and signed_at are text")
        cosignature = None
        if "cosignature" in obj:
            text = obj["cosignature"]
            if not isinstance(text, str):
                raise InvalidInput(f"{what}: cosignature is the text of signature lines")
            cosignature = signature_lines(text)
        return cls(
            witness=witness,
            checkpoint=_checkpoint(obj["checkpoint"], what),
            signed_at=signed_at,
            signature=signature_field(obj, what),
            cosignature=cosignature,
        )


@dataclass(frozen=True)
class ProofRequest:
    """A witness asks the origin to prove that ``checkpoint`` extends its tree of ``from_size``.

    Attributes:
        checkpoint: A checkpoint of the origin's ledger (the recipient's) that the witness
            was shown.
        from_size: The size of the origin's checkpoint the proof must start from (RFC 9162
            §2.1.4.1: PROOF(from_size, D[0:checkpoint.size])).
    """

    checkpoint: Checkpoint
    from_size: int

    def __post_init__(self) -> None:
        """Refuse impossible sizes.

        Raises:
            InvalidInput: a field has the wrong type, or ``from_size`` is beyond the checkpoint.
        """
        what = "proof request"
        if not isinstance(self.checkpoint, Checkpoint):
            raise InvalidInput(f"{what}: checkpoint must be a checkpoint")
        if _size(self.from_size, what) > self.checkpoint.size:
            raise InvalidInput(f"{what}: from_size {self.from_size} is beyond the checkpoint's size")

    def to_bytes(self) -> bytes:
        """Canonical JSON (the envelope's payload)."""
        return canonical_json(
            {"v": FORMAT_VERSION, "checkpoint": self.checkpoint.to_dict(), "from_size": self.from_size}
        )

    @classmethod
    def parse(cls, data: bytes | str) -> ProofRequest:
        """Parse a request, strictly.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "proof request"
        obj = load_versioned(data, _REQUEST_KEYS, what)
        return cls(_checkpoint(obj["checkpoint"], what), _size(obj["from_size"], what))


@dataclass(frozen=True)
class Gossip:
    """What a witness holds of other nodes' ledgers, told to a fellow witness.

    Attributes:
        witness: The node id of the witness (the sender).
        checkpoints: Per node, the latest checkpoint of its ledger the witness holds, with
            that node's dual signature (purpose ``checkpoint``): ``(checkpoint, signature)``.
    """

    witness: str
    checkpoints: tuple[tuple[Checkpoint, DualSignature], ...]

    def __post_init__(self) -> None:
        """Refuse malformed fields.

        Raises:
            InvalidInput: a field has the wrong type, or two checkpoints of one node.
        """
        what = "gossip"
        _witness(self.witness, what)
        pairs = tuple(self.checkpoints)
        if len(pairs) > MAX_GOSSIP_CHECKPOINTS:
            raise InvalidInput(f"{what}: at most {MAX_GOSSIP_CHECKPOINTS} checkpoints")
        origins = set()
        for pair in pairs:
            if (
                not isinstance(pair, tuple)
                or len(pair) != 2
                or not isinstance(pair[0], Checkpoint)
                or not isinstance(pair[1], DualSignature)
            ):
                raise InvalidInput(f"{what}: each entry is a checkpoint and its dual signature")
            if pair[0].origin in origins or pair[0].origin == self.witness:
                raise InvalidInput(f"{what}: one checkpoint per other node")
            origins.add(pair[0].origin)
        object.__setattr__(self, "checkpoints", pairs)

    def to_bytes(self) -> bytes:
        """Canonical JSON (the envelope's payload)."""
        return canonical_json(
            {
                "v": FORMAT_VERSION,
                "witness": self.witness,
                "checkpoints": [
                    {"checkpoint": cp.to_dict(), "signature": sig.to_dict()} for cp, sig in self.checkpoints
                ],
            }
        )

    @classmethod
    def parse(cls, data: bytes | str) -> Gossip:
        """Parse (not verify) gossip, strictly.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "gossip"
        obj = load_versioned(data, _GOSSIP_KEYS, what)
        witness = obj["witness"]
        if not isinstance(witness, str):
            raise InvalidInput(f"{what}: witness is a node id")
        entries = list_field(obj, "checkpoints", what)
        if len(entries) > MAX_GOSSIP_CHECKPOINTS:
            raise InvalidInput(f"{what}: at most {MAX_GOSSIP_CHECKPOINTS} checkpoints")
        pairs = []
        for entry in entries:
            if not isinstance(entry, dict):
                raise InvalidInput(f"{what}: each entry is an object")
            exact_keys(entry, _SIGNED_KEYS, what)
            pairs.append(
                (
                    _checkpoint(entry["checkpoint"], what),
                    signature_field(entry, what),
                )
            )
        return cls(witness, tuple(pairs))

"""The ledger's signed formats in `accord.exchange`: signed checkpoint and inclusion proof, without a node.

Their wire bytes are pinned (the digests were taken from the forms the node made before the formats
moved here from ``accord.node.audit``), and their parsing goes through the exchange's field vocabulary.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

import pytest

from accord.crypto import DualSignature, SigningKeys
from accord.errors import InvalidInput, VerificationFailed
from accord.exchange import CHECKPOINT_PURPOSE, InclusionProof, SignedCheckpoint
from accord.ledger import Checkpoint, MemoryHashStore, MerkleTree, leaf_hash

AT = "2026-11-25T09:00:00Z"
# Fixed bytes of the right lengths: the bytes of the forms, not a signature, are under test here.
FIXED = DualSignature(bytes(range(64)), bytes(i % 251 for i in range(3309)))
LEAVES = [json.dumps({"seq": i, "秘": True}, ensure_ascii=False).encode() for i in range(7)]

Edit = Callable[[dict[str, Any]], None]


def _tree() -> MerkleTree:
    tree = MerkleTree(MemoryHashStore())
    tree.append_leaf_hashes([leaf_hash(leaf) for leaf in LEAVES])
    return tree


def _proof(signature: DualSignature = FIXED, note: str | None = "note text\n") -> InclusionProof:
    tree = _tree()
    signed = SignedCheckpoint(Checkpoint("jpn-mod", 7, tree.root(), AT), signature)
    return InclusionProof(3, LEAVES[3], signed, tuple(tree.inclusion_proof(3, 7)), note)


def _sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_wire_bytes_are_those_the_node_made_before_the_move() -> None:
    proof = _proof()
    assert _sha256(json.dumps(proof.signed.to_dict(), sort_keys=True)) == (
        "b9c3334faf7893917cc647b2e1230c343e1a484259389affc932e4078cebbb98"
    )
    assert _sha256(proof.to_json()) == "5b584947cfba583017c37f7069705ff3224450394521a59ec8765782fd0046a9"
    assert _sha256(_proof(note=None).to_json()) == (
        "00f5b6813bb4f2b208185da0d563ce7188affd77a8263da2db0ee3e87bd230a0"
    )


def test_both_round_trip_and_a_signed_proof_verifies() -> None:
    keys = SigningKeys.generate()
    proof = _proof()
    checkpoint = proof.signed.checkpoint
    signed = SignedCheckpoint(checkpoint, keys.sign(CHECKPOINT_PURPOSE, checkpoint.statement()))
    assert SignedCheckpoint.from_dict(signed.to_dict()) == signed
    assert InclusionProof.from_json(proof.to_json()) == proof
    assert InclusionProof.from_json(_proof(note=None).to_json()).note is None
    unsigned_note = InclusionProof(proof.leaf_index, proof.leaf, signed, proof.path)
    unsigned_note.verify(keys.public())
    with pytest.raises(VerificationFailed):
        proof.verify(keys.public())  # the fixed bytes are no signature


def _set(key: str, value: object) -> Edit:
    return lambda data: data.__setitem__(key, value)


def _checkpoint(key: str, value: object) -> Edit:
    return lambda data: data["checkpoint"].__setitem__(key, value)


REFUSED: dict[str, tuple[Edit, str]] = {
    "a key missing": (lambda d: d.pop("path"), r"missing \['path'\]"),
    "an unknown key": (_set("extra", 1), r"exactly the keys .*unknown \['extra'\]"),
    "a version that is a boolean": (_set("v", True), "version 1"),
    "a version that is a float": (_set("v", 1.0), "version 1"),
    "a leaf index that is a boolean": (_set("leaf_index", True), "leaf number"),
    "a leaf that is not text": (_set("leaf", {"seq": 3}), "event JSON text"),
    "a note that is null": (_set("checkpoint_note", None), "signed note"),
    "a note that is not text": (_set("checkpoint_note", 7), "signed note"),
    "a path that is not a list": (_set("path", "ab" * 32), "list of at most 128 hashes"),
    "a path too long": (_set("path", ["ab" * 32] * 129), "list of at most 128 hashes"),
    "a path hash in upper case": (_set("path", ["AB" * 32]), "hashes in hex"),
    "a path hash too short": (_set("path", ["ab" * 31]), "hashes in hex"),
    "a signature that is not an object": (_set("signature", "sig"), "signature must be an object"),
    "an origin that is not a node id": (_checkpoint("origin", "JPN MOD"), "not a node or message id"),
    "an origin with a bidi override": (_checkpoint("origin", "jpn-\u202emod"), "not a node or message id"),
    "a checkpoint time in another spelling": (_checkpoint("time", "2026-11-25T09:00:00+00:00"), "written as"),
}


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_a_malformed_proof_is_refused_before_anything_is_verified(case: tuple[Edit, str]) -> None:
    edit, match = case
    data = json.loads(_proof().to_json())
    edit(data)
    with pytest.raises(InvalidInput, match=match):
        InclusionProof.from_json(json.dumps(data))


def test_objects_are_valid_from_construction() -> None:
    proof = _proof()
    checkpoint = proof.signed.checkpoint
    with pytest.raises(InvalidInput, match="not a node or message id"):
        SignedCheckpoint(Checkpoint("Jpn_mod", 7, checkpoint.root, AT), FIXED)
    with pytest.raises(InvalidInput, match="dual signature"):
        SignedCheckpoint(checkpoint, "signature")  # type: ignore[arg-type]
    with pytest.raises(InvalidInput, match="leaf number"):
        InclusionProof(-1, proof.leaf, proof.signed, proof.path)
    with pytest.raises(InvalidInput, match="JSON object"):
        InclusionProof(3, b"[1,2]", proof.signed, proof.path)
    with pytest.raises(InvalidInput, match="hashes"):
        InclusionProof(3, proof.leaf, proof.signed, (b"\x00" * 31,))

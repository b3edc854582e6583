"""Checkpoints and cosignatures as C2SP signed notes, signed and checked (accord.exchange._checkpoint_notes).

Both signature lines are required; any byte changed in the note or a cosignature is refused;
the Ed25519 lines verify as plain RFC 8032 signatures over the note text, so other
transparency-log tools can check them; the countersignature's first form is still read.
"""

from __future__ import annotations

import base64
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from accord.crypto import SigningKeys
from accord.errors import InvalidInput, VerificationFailed
from accord.exchange import (
    Countersignature,
    checkpoint_vkeys,
    cosign_checkpoint,
    cosigner_vkeys,
    sign_checkpoint_note,
    verify_checkpoint_note,
    verify_cosignature,
)
from accord.ledger import Checkpoint, MemoryHashStore, MerkleTree, SignedNote, checkpoint_text, leaf_hash

ORIGIN = SigningKeys.from_seeds(bytes(range(0x10, 0x30)), bytes(range(0x30, 0x50)))
WITNESS = SigningKeys.from_seeds(bytes(range(0x50, 0x70)), bytes(range(0x70, 0x90)))
OTHER = SigningKeys.generate()
AT = "2026-11-25T09:00:05Z"
REFUSED = (InvalidInput, VerificationFailed)


def _checkpoint() -> Checkpoint:
    tree = MerkleTree(MemoryHashStore())
    tree.append_leaf_hashes([leaf_hash(f"event {i}".encode()) for i in range(6)])
    return Checkpoint("jpn-mod", 6, tree.root(), "2026-11-25T09:00:00Z")


CHECKPOINT = _checkpoint()
NOTE = sign_checkpoint_note(ORIGIN, CHECKPOINT).encode()


def test_a_signed_checkpoint_note_verifies_and_states_the_checkpoint() -> None:
    checkpoint, note = verify_checkpoint_note(NOTE, "jpn-mod", ORIGIN.public())
    assert checkpoint == CHECKPOINT
    assert note.text == checkpoint_text(CHECKPOINT)
    assert [sig.name for sig in note.signatures] == ["accord/jpn-mod", "accord/jpn-mod"]


def test_the_ed25519_line_is_a_plain_rfc8032_signature_of_the_note_text() -> None:
    # What any C2SP note verifier does with the 0x01 vkey; pyca directly, not accord.crypto.
    note = SignedNote.parse(NOTE)
    ed_vkey, _ = checkpoint_vkeys("jpn-mod", ORIGIN.public())
    name, key_id_hex, _ = ed_vkey.split("+")
    line = note.matching(name, bytes.fromhex(key_id_hex))[0]
    Ed25519PublicKey.from_public_bytes(ORIGIN.public().ed25519).verify(line.signature, note.text.encode())


def _positions(data: bytes, exhaustive: bool) -> range | list[int]:
    # Every byte up to the ML-DSA-65 line's signature (text, names, key IDs, the Ed25519
    # line); in that 4.4 KB of base64, every 29th unless exhaustive (marked slow).
    if exhaustive:
        return range(len(data))
    start = data.rindex(b"\n\xe2\x80\x94 ") + 40
    return [*range(start), *range(start, len(data), 29), len(data) - 1]


def _untraced_if(exhaustive: bool, request: pytest.FixtureRequest) -> None:
    # The exhaustive runs take every path the sampled ones take (checked arc by arc: they
    # cover nothing the rest of this file does not), thousands of times: coverage is paused
    # for them (the ``untraced`` fixture), which more than halves their CPU.
    if exhaustive:
        request.getfixturevalue("untraced")


@pytest.mark.parametrize(
    "exhaustive", [pytest.param(False, id="sampled"), pytest.param(True, id="every", marks=pytest.mark.slow)]
)
def test_every_changed_byte_of_a_checkpoint_note_is_refused(
    exhaustive: bool, request: pytest.FixtureRequest
) -> None:
    _untraced_if(exhaustive, request)
    data = NOTE.encode("utf-8")
    for position in _positions(data, exhaustive):
        changed = data[:position] + bytes([data[position] ^ 0x01]) + data[position + 1 :]
        with pytest.raises(REFUSED):
            verify_checkpoint_note(changed, "jpn-mod", ORIGIN.public())


@pytest.mark.parametrize("drop", [0, 1], ids=["without-ed25519", "without-mldsa65"])
def test_a_note_with_one_signature_line_is_refused(drop: int) -> None:
    note = SignedNote.parse(NOTE)
    kept = SignedNote(note.text, tuple(sig for n, sig in enumerate(note.signatures) if n != drop))
    with pytest.raises(VerificationFailed):
        verify_checkpoint_note(kept.encode(), "jpn-mod", ORIGIN.public())


def test_a_note_of_another_node_or_key_is_refused() -> None:
    with pytest.raises(VerificationFailed):
        verify_checkpoint_note(NOTE, "kor-mnd", ORIGIN.public())
    with pytest.raises(VerificationFailed):
        verify_checkpoint_note(NOTE, "jpn-mod", OTHER.public())


def _check_cosigned(data: bytes) -> None:
    verify_cosignature(SignedNote.parse(data).signatures, "kor-mnd", WITNESS.public(), CHECKPOINT)


@pytest.mark.parametrize(
    "exhaustive", [pytest.param(False, id="sampled"), pytest.param(True, id="every", marks=pytest.mark.slow)]
)
def test_a_cosignature_verifies_and_any_changed_byte_is_refused(
    exhaustive: bool, request: pytest.FixtureRequest
) -> None:
    _untraced_if(exhaustive, request)
    lines = cosign_checkpoint(WITNESS, "kor-mnd", CHECKPOINT, 1795597205)
    assert verify_cosignature(lines, "kor-mnd", WITNESS.public(), CHECKPOINT) == 1795597205
    note = SignedNote.parse(NOTE).with_signatures(*lines)
    # The cosigned note still verifies as the origin's (unknown keys are ignored) ...
    verify_checkpoint_note(note.encode(), "jpn-mod", ORIGIN.public())
    block = "".join(line.line() for line in lines).encode("utf-8")
    for position in _positions(block, exhaustive):
        changed = block[:position] + bytes([block[position] ^ 0x01]) + block[position + 1 :]
        with pytest.raises(REFUSED):
            _check_cosigned(NOTE.encode() + changed)


def test_a_cosignature_of_another_checkpoint_or_witness_key_is_refused() -> None:
    lines = cosign_checkpoint(WITNESS, "kor-mnd", CHECKPOINT, 1795597205)
    later = Checkpoint("jpn-mod", 6, CHECKPOINT.root, "2026-11-25T09:00:01Z")
    with pytest.raises(VerificationFailed):
        verify_cosignature(lines, "kor-mnd", WITNESS.public(), later)
    with pytest.raises(VerificationFailed):
        verify_cosignature(lines, "kor-mnd", OTHER.public(), CHECKPOINT)


def test_the_cosigner_vkey_uses_the_cosignature_type() -> None:
    ed_vkey, ml_vkey = cosigner_vkeys("kor-mnd", WITNESS.public())
    name, ed_id, ed_key = ed_vkey.split("+", 2)
    assert name == "accord/kor-mnd"
    assert base64.b64decode(ed_key) == b"\x04" + WITNESS.public().ed25519
    _, ml_id, ml_key = ml_vkey.split("+", 2)
    assert base64.b64decode(ml_key) == b"\xffaccord/ml-dsa-65/cosignature-v1" + WITNESS.public().mldsa65
    assert ml_id != ed_id


def test_a_countersignature_carries_a_c2sp_cosignature_of_its_time() -> None:
    counter = Countersignature.make(WITNESS, witness="kor-mnd", checkpoint=CHECKPOINT, signed_at=AT)
    assert counter.cosignature is not None
    assert (
        verify_cosignature(counter.cosignature, "kor-mnd", WITNESS.public(), CHECKPOINT) == counter.timestamp
    )
    parsed = Countersignature.parse(counter.to_bytes())
    assert parsed == counter
    parsed.verify(WITNESS.public())


def test_a_countersignature_in_its_first_form_is_still_read() -> None:
    counter = Countersignature.make(WITNESS, witness="kor-mnd", checkpoint=CHECKPOINT, signed_at=AT)
    first_form = json.loads(counter.to_bytes())
    del first_form["cosignature"]
    parsed = Countersignature.parse(json.dumps(first_form))
    assert parsed.cosignature is None
    parsed.verify(WITNESS.public())


def test_a_countersignature_whose_cosignature_is_of_another_time_is_refused() -> None:
    counter = Countersignature.make(WITNESS, witness="kor-mnd", checkpoint=CHECKPOINT, signed_at=AT)
    other = cosign_checkpoint(WITNESS, "kor-mnd", CHECKPOINT, counter.timestamp + 1)
    data = json.loads(counter.to_bytes())
    data["cosignature"] = "".join(line.line() for line in other)
    with pytest.raises(VerificationFailed):
        Countersignature.parse(json.dumps(data)).verify(WITNESS.public())


def test_a_note_is_never_signed_over_a_nul_byte() -> None:
    # The domain separation from purpose signatures, which all begin b"accord-v1\\x00".
    with pytest.raises(InvalidInput):
        ORIGIN.sign_note(b"accord-v1\x00checkpoint\x00{}")

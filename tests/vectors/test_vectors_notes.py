"""Known-answer vectors for C2SP checkpoint notes and cosignatures (tests/vectors/note_vectors.json)."""

from __future__ import annotations

import base64
import json
import sys
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

sys.path.insert(0, str(Path(__file__).parent))
import generate_note_vectors as gen

from accord.crypto import SigningKeys, VerifyKeys, verify_ed25519_note
from accord.errors import VerificationFailed
from accord.exchange import verify_checkpoint_note, verify_cosignature
from accord.ledger import ED25519, NoteSignature, SignedNote, key_id, vkey

COMMITTED = json.loads(gen.VECTORS_PATH.read_text(encoding="utf-8"))
ORIGIN = VerifyKeys.from_dict(COMMITTED["origin_public"])
WITNESS = VerifyKeys.from_dict(COMMITTED["witness_public"])


def test_regeneration_matches_the_committed_vectors() -> None:
    # Everything but the two ML-DSA-65 signatures is re-derived exactly from the committed ones.
    assert gen.regenerate_from(COMMITTED) == COMMITTED


def test_the_committed_note_verifies_with_its_cosignature() -> None:
    checkpoint, note = verify_checkpoint_note(COMMITTED["note"], "jpn-mod", ORIGIN)
    assert checkpoint.to_dict() == COMMITTED["checkpoint"]
    when = verify_cosignature(note.signatures, "kor-mnd", WITNESS, checkpoint)
    assert when == COMMITTED["cosignature_timestamp"]


def test_the_ed25519_lines_verify_with_the_vkeys_alone() -> None:
    # As a C2SP tool would: vkey → name, key ID, key; the line with that name and ID; RFC 8032.
    note = SignedNote.parse(COMMITTED["note"])
    for role, message in (
        ("checkpoint", COMMITTED["checkpoint_text"]),
        ("cosignature", COMMITTED["cosignature_message"]),
    ):
        name, hex_id, material = COMMITTED["vkeys"][role].split("+", 2)
        public = base64.b64decode(material)
        (line,) = note.matching(name, bytes.fromhex(hex_id))
        signature = line.signature if role == "checkpoint" else line.signature[8:]
        Ed25519PublicKey.from_public_bytes(public[1:]).verify(signature, message.encode())


def test_a_changed_committed_note_is_refused() -> None:
    note = COMMITTED["note"].replace("\n6\n", "\n7\n")
    with pytest.raises(VerificationFailed):
        verify_checkpoint_note(note, "jpn-mod", ORIGIN)


def test_the_c2sp_spec_example_verifies() -> None:
    example = COMMITTED["external"]["c2sp_signed_note_example"]
    name, hex_id, material = example["vkey"].split("+", 2)
    public = base64.b64decode(material)
    assert public[:1] == ED25519
    assert key_id(name, ED25519, public[1:]).hex() == hex_id
    note = SignedNote.parse(example["note"])
    (line,) = note.matching(name, bytes.fromhex(hex_id))
    verify_ed25519_note(public[1:], note.text.encode(), line.signature)
    with pytest.raises(VerificationFailed):
        verify_ed25519_note(public[1:], note.text.replace("an", "the").encode(), line.signature)
    assert note.encode() == example["note"]


def test_signing_the_go_sumdb_note_example_writes_the_same_note() -> None:
    # Ed25519 is deterministic: the same seed and text give the same bytes (RFC 8032).
    example = COMMITTED["external"]["go_sumdb_note_example"]
    _, _, name, hex_id, material = example["skey"].split("+", 4)
    seed = base64.b64decode(material)
    assert seed[:1] == ED25519
    keys = SigningKeys.from_seeds(seed[1:], bytes(32))  # the ML-DSA half is not used
    public = keys.public().ed25519
    assert vkey(name, ED25519, public) == example["vkey"]
    text = SignedNote.parse(example["note"]).text
    signature = keys.sign_note(text.encode()).ed25519
    ours = SignedNote(text, (NoteSignature(name, key_id(name, ED25519, public), signature),))
    assert ours.encode() == example["note"]
    assert hex_id == "c74f20a3"

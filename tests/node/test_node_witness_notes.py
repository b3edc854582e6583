"""Checkpoints handed out as C2SP signed notes, with the partners' C2SP cosignatures (issue 10 item 5)."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from accord.errors import IntegrityError, NotFound, VerificationFailed
from accord.exchange import Countersignature, verify_checkpoint_note, verify_cosignature
from accord.ledger import SignedNote
from accord.node import check_proof
from accord.store import LedgerCheckpointRow, WitnessCountersignatureRow
from support_trio import Trio


def _witnessed(trio: Trio) -> int:
    """JPN seals and publishes; KOR and USA countersign; the countersignatures come back."""
    signed = trio.jpn.ledger.seal() or trio.jpn.ledger.latest_checkpoint()
    assert signed is not None
    trio.jpn.witness.publish()
    trio.deliver()
    return signed.checkpoint.size


def test_the_note_of_a_witnessed_checkpoint_carries_both_partners_cosignatures(trio: Trio) -> None:
    size = _witnessed(trio)
    text = trio.jpn.ledger.note(size)
    checkpoint, note = verify_checkpoint_note(text, "jpn-mod", trio.jpn.ctx.keys.public())
    assert checkpoint.size == size
    assert [sig.name for sig in note.signatures] == ["accord/jpn-mod"] * 2 + ["accord/kor-mnd"] * 2 + [
        "accord/usa-dod"
    ] * 2
    for witness, node in (("kor-mnd", trio.kor), ("usa-dod", trio.usa)):
        verify_cosignature(note.signatures, witness, node.ctx.keys.public(), checkpoint)


def test_a_proof_carries_the_checkpoint_note(trio: Trio) -> None:
    proof = trio.jpn.ledger.prove(1, actor="auditor")
    assert proof.note is not None
    card = trio.jpn.parties.own_card().to_json()
    checked = check_proof(proof.to_json(), card)
    assert checked.note == proof.note
    verify_checkpoint_note(proof.note, "jpn-mod", trio.jpn.ctx.keys.public())


def test_a_proof_whose_note_is_of_another_checkpoint_is_refused(trio: Trio) -> None:
    old = json.loads(trio.jpn.ledger.prove(1, actor="auditor").to_json())
    trio.jpn.ledger.seal()
    new = json.loads(trio.jpn.ledger.prove(1, actor="auditor").to_json())
    assert old["checkpoint"]["size"] < new["checkpoint"]["size"]
    new["checkpoint_note"] = old["checkpoint_note"]
    with pytest.raises(VerificationFailed, match="another checkpoint"):
        check_proof(json.dumps(new), trio.jpn.parties.own_card().to_json())


def test_a_proof_whose_note_was_altered_is_refused(trio: Trio) -> None:
    data = json.loads(trio.jpn.ledger.prove(1, actor="auditor").to_json())
    note = SignedNote.parse(data["checkpoint_note"])
    data["checkpoint_note"] = SignedNote(note.text, note.signatures[::-1]).encode()
    check_proof(json.dumps(data), trio.jpn.parties.own_card().to_json())  # the order of lines is free
    data["checkpoint_note"] = data["checkpoint_note"].replace("time 20", "time 19")
    with pytest.raises(VerificationFailed, match="does not verify"):
        check_proof(json.dumps(data), trio.jpn.parties.own_card().to_json())


def test_a_proof_made_before_notes_is_still_read(trio: Trio) -> None:
    data = json.loads(trio.jpn.ledger.prove(1, actor="auditor").to_json())
    del data["checkpoint_note"]
    assert check_proof(json.dumps(data), trio.jpn.parties.own_card().to_json()).note is None


def test_a_damaged_checkpoint_is_not_signed_again_as_a_note(trio: Trio) -> None:
    size = _witnessed(trio)
    with trio.jpn.ctx.db.transaction() as session:
        row = session.get(LedgerCheckpointRow, size)
        assert row is not None
        row.root = "ab" * 32
    with pytest.raises(IntegrityError, match="does not carry this node's signature"):
        trio.jpn.ledger.note(size)


def test_a_note_of_no_checkpoint_is_not_found(trio: Trio) -> None:
    with pytest.raises(NotFound):
        trio.jpn.ledger.note(10**9)


def test_a_countersignature_of_the_first_form_leaves_the_note_without_cosignature(trio: Trio) -> None:
    size = _witnessed(trio)
    with trio.jpn.ctx.db.transaction() as session:
        for row in session.scalars(select(WitnessCountersignatureRow)):
            first_form = json.loads(row.countersignature_json)
            del first_form["cosignature"]
            row.countersignature_json = json.dumps(first_form)
            assert Countersignature.parse(row.countersignature_json).cosignature is None
    _, note = verify_checkpoint_note(trio.jpn.ledger.note(size), "jpn-mod", trio.jpn.ctx.keys.public())
    assert len(note.signatures) == 2

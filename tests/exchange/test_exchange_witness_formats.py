"""Wire formats of ledger witnessing: the checkpoint statement and the countersignature.

Round trips (Hypothesis), strict parsing, tampering, domain separation, and the
consistency check a witness makes (RFC 9162 §2.1.4.2).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.crypto import SigningKeys
from accord.errors import InvalidInput, VerificationFailed
from accord.exchange import CHECKPOINT_PURPOSE, CheckpointStatement, Countersignature
from accord.exchange._witness_formats import COUNTERSIGNATURE_PURPOSE
from accord.ledger import Checkpoint, MemoryHashStore, MerkleTree, leaf_hash

ORIGIN = SigningKeys.generate()
WITNESS = SigningKeys.generate()
AT = "2026-11-25T09:00:00Z"


def _tree(leaves: int) -> MerkleTree:
    tree = MerkleTree(MemoryHashStore())
    tree.append_leaf_hashes([leaf_hash(f"event {i}".encode()) for i in range(leaves)])
    return tree


def _statement(old: int = 3, new: int = 7, keys: SigningKeys = ORIGIN) -> CheckpointStatement:
    tree = _tree(new)
    checkpoint = Checkpoint("jpn-mod", new, tree.root(), AT)
    signature = keys.sign(CHECKPOINT_PURPOSE, checkpoint.statement())
    return CheckpointStatement(checkpoint, signature, old, tuple(tree.consistency_proof(old, new)))


def _held(size: int) -> Checkpoint:
    return Checkpoint("jpn-mod", size, _tree(size).root(), "2026-11-25T08:00:00Z")


def _counter() -> Countersignature:
    return Countersignature.make(WITNESS, witness="kor-mnd", checkpoint=_held(5), signed_at=AT)


def test_the_checkpoint_purpose_is_pinned_and_apart_from_the_witness_one() -> None:
    # One constant for the node's seal and the witness formats (they used to be two, kept equal by this test).
    assert CHECKPOINT_PURPOSE == "checkpoint"
    assert COUNTERSIGNATURE_PURPOSE != CHECKPOINT_PURPOSE


@settings(max_examples=25, deadline=None)
@given(st.integers(min_value=0, max_value=40), st.integers(min_value=0, max_value=40))
def test_a_statement_round_trips_and_extends_what_it_says(a: int, b: int) -> None:
    old, new = sorted((a, b))
    statement = _statement(old, new)
    parsed = CheckpointStatement.parse(statement.to_bytes())
    assert parsed == statement
    assert parsed.to_bytes() == statement.to_bytes()
    parsed.verify(ORIGIN.public())
    parsed.check_extends(_held(old) if old else Checkpoint("jpn-mod", 0, _tree(0).root(), AT))


def test_a_statement_signed_by_other_keys_does_not_verify() -> None:
    with pytest.raises(VerificationFailed):
        _statement(keys=WITNESS).verify(ORIGIN.public())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("size", 8),
        ("root", "00" * 32),
        ("time", "2026-11-25T09:00:01Z"),
        ("origin", "usa-dod"),
    ],
    ids=["size", "root", "time", "origin"],
)
def test_a_tampered_checkpoint_does_not_verify(field: str, value: object) -> None:
    data: dict[str, Any] = json.loads(_statement().to_bytes())
    data["checkpoint"][field] = value
    with pytest.raises(VerificationFailed):
        CheckpointStatement.parse(json.dumps(data)).verify(ORIGIN.public())


def test_a_checkpoint_signature_is_not_a_countersignature() -> None:
    statement = _statement()
    counter = Countersignature("kor-mnd", statement.checkpoint, AT, statement.signature)
    with pytest.raises(VerificationFailed):
        counter.verify(ORIGIN.public())


def test_a_rewritten_history_does_not_extend_the_held_checkpoint() -> None:
    statement = _statement(3, 7)
    other = Checkpoint("jpn-mod", 3, leaf_hash(b"other"), AT)
    with pytest.raises(VerificationFailed):
        statement.check_extends(other)


def test_a_proof_from_another_size_cannot_be_checked() -> None:
    with pytest.raises(InvalidInput, match="starts at size 3"):
        _statement(3, 7).check_extends(_held(4))
    with pytest.raises(InvalidInput, match="is not extended"):
        _statement(3, 7).check_extends(Checkpoint("usa-dod", 3, _tree(3).root(), AT))


def test_a_tampered_proof_fails() -> None:
    data: dict[str, Any] = json.loads(_statement(3, 7).to_bytes())
    data["proof"][0] = "ab" * 32
    with pytest.raises(VerificationFailed):
        CheckpointStatement.parse(json.dumps(data)).check_extends(_held(3))


def _mutate(change: Any) -> str:
    data: dict[str, Any] = json.loads(_statement().to_bytes())
    change(data)
    return json.dumps(data)


@pytest.mark.parametrize(
    "text",
    [
        _mutate(lambda d: d.pop("proof")),
        _mutate(lambda d: d.update(extra=1)),
        _mutate(lambda d: d.update(v=2)),
        _mutate(lambda d: d.update(v=True)),
        _mutate(lambda d: d.update(previous_size=-1)),
        _mutate(lambda d: d.update(previous_size=8)),
        _mutate(lambda d: d.update(previous_size=True)),
        _mutate(lambda d: d.update(proof=["zz" * 32])),
        _mutate(lambda d: d.update(proof=["ab"])),
        _mutate(lambda d: d.update(proof=["ab" * 32] * 129)),
        _mutate(lambda d: d.update(proof="ab")),
        _mutate(lambda d: d.update(checkpoint=[])),
        _mutate(lambda d: d["checkpoint"].update(type="accord-other")),
        "[]",
        "not json",
    ],
    ids=[
        "missing-key",
        "unknown-key",
        "version",
        "bool-version",
        "negative-size",
        "size-beyond",
        "bool-size",
        "not-hex",
        "short-hash",
        "proof-too-long",
        "proof-not-list",
        "checkpoint-not-object",
        "checkpoint-type",
        "not-object",
        "not-json",
    ],
)
def test_a_malformed_statement_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        CheckpointStatement.parse(text)


def test_a_countersignature_round_trips_and_verifies() -> None:
    counter = _counter()
    parsed = Countersignature.parse(counter.to_bytes())
    assert parsed == counter
    parsed.verify(WITNESS.public())
    with pytest.raises(VerificationFailed):
        parsed.verify(ORIGIN.public())


@pytest.mark.parametrize(
    ("path", "value"),
    [
        (("witness",), "usa-dod"),
        (("signed_at",), "2026-11-25T09:00:01Z"),
        (("checkpoint", "size"), 6),
        (("checkpoint", "root"), "00" * 32),
        (("checkpoint", "origin"), "usa-dod"),
    ],
    ids=["witness", "signed_at", "size", "root", "origin"],
)
def test_a_tampered_countersignature_does_not_verify(path: tuple[str, ...], value: object) -> None:
    data: dict[str, Any] = json.loads(_counter().to_bytes())
    target = data
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value
    with pytest.raises(VerificationFailed):
        Countersignature.parse(json.dumps(data)).verify(WITNESS.public())


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d.update(witness="jpn-mod"),
        lambda d: d.update(witness="Not An Id"),
        lambda d: d.update(signed_at="2026-11-25 09:00"),
        lambda d: d.pop("signature"),
        lambda d: d.update(v=2),
    ],
    ids=["own-ledger", "bad-witness", "bad-time", "no-signature", "version"],
)
def test_a_malformed_countersignature_is_refused(change: Any) -> None:
    data: dict[str, Any] = json.loads(_counter().to_bytes())
    change(data)
    with pytest.raises(InvalidInput):
        Countersignature.parse(json.dumps(data))

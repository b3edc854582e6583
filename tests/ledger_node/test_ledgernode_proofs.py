"""`check_proof`: a third party with the node's card accepts exactly the proofs the node made."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support_ledgernode import Clock, Maker, sealed_node

from accord.errors import InvalidInput, VerificationFailed
from accord.exchange import InclusionProof, check_proof
from accord.node import NewNode, Node

Edit = Callable[[dict[str, Any]], None]


@pytest.fixture
def proven(make_node: Maker, clock: Clock) -> tuple[Node, dict[str, Any], str]:
    """The node, a proof of event 8 (leaf 7 of 21) as JSON data, and the node's card."""
    node = sealed_node(make_node, clock)
    proof = node.ledger.prove(8, actor="auditor")
    assert proof.leaf_index == 7
    return node, json.loads(proof.to_json()), node.parties.own_card().to_json()


def _event_field(key: str, value: object) -> Edit:
    def apply(data: dict[str, Any]) -> None:
        event = json.loads(data["leaf"])
        event[key] = value
        data["leaf"] = json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))

    return apply


def _set(key: str, value: object) -> Edit:
    return lambda data: data.__setitem__(key, value)


def _checkpoint(key: str, value: object) -> Edit:
    return lambda data: data["checkpoint"].__setitem__(key, value)


def _flip_path(position: int) -> Edit:
    def apply(data: dict[str, Any]) -> None:
        node = bytearray(bytes.fromhex(data["path"][position]))
        node[0] ^= 1
        data["path"][position] = node.hex()

    return apply


REFUSED: dict[str, tuple[Edit, type[Exception], str]] = {
    "the event's actor changed": (
        _event_field("actor", "nobody"),
        VerificationFailed,
        "leaf",
    ),
    "the event's outcome changed": (
        _event_field("outcome", "ok!"),
        VerificationFailed,
        "leaf",
    ),
    "the event's seq changed": (_event_field("seq", 9), VerificationFailed, "leaf"),
    "another leaf index": (_set("leaf_index", 6), VerificationFailed, "inclusion proof"),
    "a path hash flipped": (_flip_path(0), VerificationFailed, "inclusion proof"),
    "the path shortened": (lambda d: d["path"].pop(), VerificationFailed, "shorter"),
    "the path lengthened": (lambda d: d["path"].append("00" * 32), VerificationFailed, "longer"),
    "the path reversed": (lambda d: d["path"].reverse(), VerificationFailed, "inclusion proof"),
    "a larger checkpoint size": (_checkpoint("size", 22), VerificationFailed, "signature"),
    "another checkpoint root": (_checkpoint("root", "ab" * 32), VerificationFailed, "signature"),
    "another checkpoint time": (_checkpoint("time", "2026-11-25T10:00:00Z"), VerificationFailed, "signature"),
    "another origin": (_checkpoint("origin", "kor-mnd"), VerificationFailed, "ledger of kor-mnd"),
    "an unknown key": (_set("extra", 1), InvalidInput, "exactly the keys"),
    "another proof type": (_set("type", "accord-checkpoint"), InvalidInput, "not an accord-inclusion-proof"),
    "a leaf that is not an event": (_set("leaf", "[1,2]"), InvalidInput, "JSON object"),
    "a path that is not hashes": (_set("path", ["zz"]), InvalidInput, "hashes in hex"),
    "a negative leaf index": (_set("leaf_index", -1), InvalidInput, "leaf number"),
}


@pytest.mark.parametrize("case", REFUSED.values(), ids=REFUSED.keys())
def test_an_altered_proof_is_refused(
    proven: tuple[Node, dict[str, Any], str], case: tuple[Edit, type[Exception], str]
) -> None:
    _, data, card = proven
    edit, error, match = case
    assert check_proof(json.dumps(data), card).leaf_index == 7
    edit(data)
    with pytest.raises(error, match=match):
        check_proof(json.dumps(data), card)


def test_the_signature_of_another_checkpoint_is_refused(make_node: Maker, clock: Clock) -> None:
    node = sealed_node(make_node, clock)
    old = json.loads(node.ledger.prove(2, actor="auditor").to_json())  # signed at 21 leaves
    node.ledger.seal()  # the prove event: 22 leaves
    new = json.loads(node.ledger.prove(2, actor="auditor").to_json())
    assert (old["checkpoint"]["size"], new["checkpoint"]["size"]) == (21, 22)
    new["signature"] = old["signature"]
    with pytest.raises(VerificationFailed, match="signature"):
        check_proof(json.dumps(new), node.parties.own_card().to_json())


def test_another_nodes_card_is_refused(make_node: Maker, clock: Clock) -> None:
    node = sealed_node(make_node, clock)
    other = make_node("KOR", "kor-mnd")
    proof = node.ledger.prove(3, actor="auditor").to_json()
    with pytest.raises(VerificationFailed, match="the card is of kor-mnd"):
        check_proof(proof, other.parties.own_card().to_json())


def test_an_impostor_card_with_the_same_node_id_is_refused(
    make_node: Maker, clock: Clock, tmp_path: Path
) -> None:
    node = sealed_node(make_node, clock)
    impostor = Node.init(tmp_path / "impostor", NewNode(party="JPN", node_id="jpn-mod"), clock=clock)
    try:
        card = impostor.parties.own_card().to_json()
    finally:
        impostor.close()
    with pytest.raises(VerificationFailed, match="signature"):
        check_proof(node.ledger.prove(3, actor="auditor").to_json(), card)


def test_a_tampered_card_is_refused(proven: tuple[Node, dict[str, Any], str]) -> None:
    _, data, card = proven
    altered = json.loads(card)
    altered["endpoint"] = "https://evil.example:8443"
    with pytest.raises(VerificationFailed, match="identity card"):
        check_proof(json.dumps(data), json.dumps(altered))


def test_a_proof_file_round_trips(proven: tuple[Node, dict[str, Any], str]) -> None:
    _, data, card = proven
    proof = InclusionProof.from_json(json.dumps(data))
    assert json.loads(proof.to_json()) == data
    assert proof.event["seq"] == 8
    assert check_proof(proof.to_json().encode("utf-8"), card.encode("utf-8")) == proof

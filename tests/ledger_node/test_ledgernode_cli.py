"""`accord ledger …` in-process (Typer's CliRunner): seal, verify, prove, check-proof, checkpoints, note."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from support_ledgernode import LEAVES, Clock, Maker, journal, sealed_node, sql
from typer.testing import Result

from accord.cli import app
from accord.ledger import verify_consistency
from accord.node import Node
from support_cli import CliRunner

# The variables a command reads; never taken from the environment the tests run in.
_CLEAN_ENV: dict[str, str | None] = {"ACCORD_HOME": None, "ACCORD_TOKEN": None, "ACCORD_PASSWORD": None}


def accord(*args: str | Path, home: Path | None = None) -> Result:
    """Run ``accord ARGS [--home HOME]`` in-process."""
    argv = [str(a) for a in args] + (["--home", str(home)] if home is not None else [])
    return CliRunner().invoke(app, argv, env=_CLEAN_ENV, catch_exceptions=False)


@pytest.fixture
def node(make_node: Maker, clock: Clock) -> Node:
    """A node with 21 sealed events."""
    return sealed_node(make_node, clock)


def test_seal_prints_the_new_checkpoint(node: Node) -> None:
    home = node.ctx.home.root
    quiet = accord("ledger", "seal", "--json", home=home)
    assert quiet.exit_code == 0, quiet.stderr
    assert json.loads(quiet.stdout) == {
        "sealed": False,
        "checkpoint": node.ledger.checkpoints()[0].checkpoint.to_dict(),
    }
    journal(node, 1)
    sealed = accord("ledger", "seal", home=home)
    assert sealed.exit_code == 0, sealed.stderr
    assert f"Sealed: checkpoint of {LEAVES + 1} leaves" in sealed.stdout
    assert "signed by jpn-mod" in sealed.stdout


def test_prove_then_check_proof_with_the_card_only(node: Node, tmp_path: Path) -> None:
    home = node.ctx.home.root
    proof, card = tmp_path / "event-5.proof.json", tmp_path / "jpn.card.json"
    wrote = accord("ledger", "prove", "5", "--out", proof, home=home)
    assert wrote.exit_code == 0, wrote.stderr
    assert "Wrote the proof of event 5 (leaf 4 of" in wrote.stdout
    assert accord("identity", "export", "--out", card, home=home).exit_code == 0
    # No --home and no ACCORD_HOME: a third party holds only the two files.
    checked = accord("ledger", "check-proof", proof, "--card", card)
    assert checked.exit_code == 0, checked.stderr
    assert "Proof holds: event 5 (item.read by sato" in checked.stdout
    assert "is leaf 4 of the ledger of jpn-mod" in checked.stdout
    as_json = accord("ledger", "check-proof", proof, "--card", card, "--json")
    assert json.loads(as_json.stdout)["event"]["seq"] == 5


def test_prove_prints_the_proof_without_out(node: Node) -> None:
    printed = accord("ledger", "prove", "1", home=node.ctx.home.root)
    assert printed.exit_code == 0, printed.stderr
    data = json.loads(printed.stdout)
    assert (data["type"], data["leaf_index"], json.loads(data["leaf"])["action"]) == (
        "accord-inclusion-proof",
        0,
        "node.init",
    )


def test_check_proof_refuses_a_tampered_proof_and_another_card(
    node: Node, make_node: Maker, tmp_path: Path
) -> None:
    home = node.ctx.home.root
    proof, card, kor_card = tmp_path / "p.json", tmp_path / "jpn.json", tmp_path / "kor.json"
    accord("ledger", "prove", "5", "--out", proof, home=home)
    accord("identity", "export", "--out", card, home=home)
    kor = make_node("KOR", "kor-mnd")
    accord("identity", "export", "--out", kor_card, home=kor.ctx.home.root)
    wrong_card = accord("ledger", "check-proof", proof, "--card", kor_card)
    assert wrong_card.exit_code == 6
    assert "error: the proof is about the ledger of jpn-mod, the card is of kor-mnd" in wrong_card.stderr
    data = json.loads(proof.read_text(encoding="utf-8"))
    data["leaf"] = data["leaf"].replace('"sato"', '"suzuki"')
    proof.write_text(json.dumps(data), encoding="utf-8")
    altered = accord("ledger", "check-proof", proof, "--card", card)
    assert altered.exit_code == 6
    assert altered.stderr.startswith("error: inclusion proof:")
    missing = accord("ledger", "check-proof", tmp_path / "absent.json", "--card", card)
    assert missing.exit_code == 4


def test_prove_of_a_missing_event_exits_4(node: Node) -> None:
    result = accord("ledger", "prove", "999", home=node.ctx.home.root)
    assert result.exit_code == 4
    assert result.stderr == "error: no journal event 999\n"


@pytest.mark.parametrize("seq", ["0", "-5"], ids=["zero", "negative"])
def test_prove_of_a_number_below_1_is_a_range_error(node: Node, seq: str) -> None:
    result = accord("ledger", "prove", "--home", node.ctx.home.root, "--", seq)
    assert result.exit_code == 2
    assert "greater than or equal to 1" in result.stderr


def test_verify_exits_0_when_intact_and_9_with_the_first_bad_leaf(node: Node) -> None:
    home = node.ctx.home.root
    intact = accord("ledger", "verify", home=home)
    assert intact.exit_code == 0, intact.stderr
    assert f"Ledger intact: {LEAVES} leaves, 4 signed checkpoint(s) verified" in intact.stdout
    sql(node, "UPDATE journal SET outcome = 'refused' WHERE leaf = 12")
    broken = accord("ledger", "verify", home=home)
    assert broken.exit_code == 9
    assert broken.stderr.splitlines()[0].startswith("leaf 12 (altered): journal row seq 13 was altered")
    assert "error: ledger: first bad leaf 12 (altered)" in broken.stderr
    assert broken.stderr.count("journal row seq 13 was altered") == 1  # the reason once, not twice
    as_json = accord("ledger", "verify", "--json", home=home)
    assert as_json.exit_code == 9
    report = json.loads(as_json.stdout)
    assert (report["ok"], report["first"]["index"], report["first"]["kind"]) == (False, 12, "altered")


def test_checkpoints_lists_the_newest_first(node: Node) -> None:
    listed = accord("ledger", "checkpoints", "--json", "--limit", "2", home=node.ctx.home.root)
    assert listed.exit_code == 0, listed.stderr
    assert [c["size"] for c in json.loads(listed.stdout)] == [21, 16]
    table = accord("ledger", "checkpoints", home=node.ctx.home.root)
    assert table.exit_code == 0
    assert "jpn-mod" in table.stdout


def test_ledger_commands_need_a_node_except_check_proof() -> None:
    for command in (["seal"], ["verify"], ["prove", "1"], ["checkpoints"]):
        result = accord("ledger", *command)
        assert result.exit_code == 4, command
        assert "no node selected" in result.stderr


def test_check_proof_prints_the_fingerprint_of_the_card_it_used(node: Node, tmp_path: Path) -> None:
    home = node.ctx.home.root
    proof, card = tmp_path / "event-5.proof.json", tmp_path / "jpn.card.json"
    assert accord("ledger", "prove", "5", "--out", proof, home=home).exit_code == 0
    assert accord("identity", "export", "--out", card, home=home).exit_code == 0
    fingerprint = node.ctx.keys.public().fingerprint()
    checked = accord("ledger", "check-proof", proof, "--card", card)
    assert f"card used: jpn-mod, fingerprint {fingerprint}" in checked.stdout
    as_json = json.loads(accord("ledger", "check-proof", proof, "--card", card, "--json").stdout)
    assert as_json["card"] == {"node_id": "jpn-mod", "fingerprint": fingerprint}


def _rfc9162_root(leaves: list[bytes]) -> bytes:
    """MTH of RFC 9162 §2.1.1, written out here as an auditor's own code would be."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return hashlib.sha256(b"\x00" + leaves[0]).digest()
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _rfc9162_root(leaves[:k]) + _rfc9162_root(leaves[k:])).digest()


def test_export_gives_leaves_an_auditor_hashes_to_the_signed_roots(node: Node) -> None:
    home = node.ctx.home.root
    exported = accord("ledger", "export", "--from", "0", "--to", str(LEAVES), home=home)
    assert exported.exit_code == 0, exported.stderr
    leaves = exported.stdout_bytes.split(b"\n")[:-1]
    assert len(leaves) == LEAVES
    for signed in node.ledger.checkpoints():
        size = signed.checkpoint.size
        assert _rfc9162_root(leaves[:size]) == signed.checkpoint.root
    part = json.loads(accord("ledger", "export", "--from", "3", "--to", "5", "--json", home=home).stdout)
    assert part == [
        {"leaf_index": 3, "leaf": leaves[3].decode()},
        {"leaf_index": 4, "leaf": leaves[4].decode()},
    ]
    beyond = accord("ledger", "export", "--from", "0", "--to", str(LEAVES + 1), home=home)
    assert beyond.exit_code != 0
    assert "the ledger holds leaves 0 to 21" in beyond.stderr


def test_consistency_prints_a_proof_that_verifies_between_two_signed_checkpoints(node: Node) -> None:
    home = node.ctx.home.root
    roots = {s.checkpoint.size: s.checkpoint.root for s in node.ledger.checkpoints()}
    shown = accord("ledger", "consistency", "6", "16", "--json", home=home)
    assert shown.exit_code == 0, shown.stderr
    data = json.loads(shown.stdout)
    assert (data["old_size"], data["new_size"]) == (6, 16)
    verify_consistency(6, 16, roots[6], roots[16], [bytes.fromhex(h) for h in data["proof"]])
    text = accord("ledger", "consistency", "6", "16", home=home)
    assert text.stdout.splitlines()[1:] == data["proof"]
    assert accord("ledger", "consistency", "16", "6", home=home).exit_code != 0


def test_alarms_exit_non_zero_when_there_is_an_alarm(node: Node) -> None:
    home = node.ctx.home.root
    calm = accord("ledger", "alarms", home=home)
    assert calm.exit_code == 0
    assert "No alarm" in calm.stdout
    sql(node, "UPDATE ledger_nodes SET hash = :h WHERE level = 0 AND idx = 20", h=b"\x5a" * 32)
    journal(node, 1)
    assert accord("ledger", "seal", home=home).exit_code == 9
    alarmed = accord("ledger", "alarms", home=home)
    assert alarmed.exit_code == 9
    assert "damaged" in alarmed.stdout
    as_json = accord("ledger", "alarms", "--json", home=home)
    assert as_json.exit_code == 9
    assert json.loads(as_json.stdout)[0]["kind"] == "damaged"


def test_note_is_a_c2sp_checkpoint_an_auditor_checks_with_the_vkey_and_own_code(
    node: Node, tmp_path: Path
) -> None:
    home = node.ctx.home.root
    card = tmp_path / "jpn.card.json"
    assert accord("identity", "export", "--out", card, home=home).exit_code == 0
    vkeys = accord("ledger", "vkeys", "--card", card)  # no node home: the card alone
    assert vkeys.exit_code == 0, vkeys.stderr
    roles = dict(line.split(" ", 1) for line in vkeys.stdout.splitlines())
    assert set(roles) == {"checkpoint", "checkpoint-mldsa65", "cosignature", "cosignature-mldsa65"}
    assert accord("ledger", "vkeys", "--json", home=home).stdout.count(roles["checkpoint"]) == 1
    printed = accord("ledger", "note", home=home)
    assert printed.exit_code == 0, printed.stderr
    # What any C2SP verifier does, written out: vkey name+id+base64(0x01 || key) ...
    name, key_hex, material = roles["checkpoint"].split("+", 2)
    public = base64.b64decode(material)
    assert public[0] == 1
    assert hashlib.sha256(name.encode() + b"\n" + public).digest()[:4].hex() == key_hex
    text, signatures = printed.stdout.rsplit("\n\n", 1)
    text += "\n"
    ours = [line.split(" ")[2] for line in signatures.splitlines() if line.startswith(f"\u2014 {name} ")]
    blobs = [base64.b64decode(sig) for sig in ours]
    ed = next(blob[4:] for blob in blobs if blob[:4].hex() == key_hex)
    Ed25519PublicKey.from_public_bytes(public[1:]).verify(ed, text.encode())
    # ... and the checkpoint it states: origin, size, base64 root (RFC 9162 MTH), time.
    origin, size, root, time = text.splitlines()
    assert (origin, int(size)) == ("accord/jpn-mod", LEAVES)
    leaves = accord("ledger", "export", "--from", "0", "--to", size, home=home).stdout_bytes.split(b"\n")[:-1]
    assert base64.b64decode(root) == _rfc9162_root(leaves)
    assert time == "time " + node.ledger.checkpoints()[0].checkpoint.timestamp
    out = tmp_path / "checkpoint.note"
    assert accord("ledger", "note", "--size", size, "--out", out, home=home).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith(text)
    assert accord("ledger", "note", "--size", "999", home=home).exit_code == 4

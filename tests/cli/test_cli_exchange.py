"""The exchange commands end to end from the CLI, over the air gap (bundles): send, outbox,
bundle export/import both ways, inbox, receipts, quarantine — and refusals with one line each."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import Cli, Fed, journal

from accord.cli._common import EXIT_CODES
from accord.errors import InvalidInput, NotFound, PolicyDenied, VerificationFailed


def _code(family: type[Exception]) -> int:
    return next(code for fam, code in EXIT_CODES if fam is family)


def test_send_through_the_pouch_and_back(cli: Cli, fed: Fed, tmp_path: Path) -> None:
    sent = cli.json("send", fed.jpn_item, "--to", "KOR", "--as", "sato", home=fed.jpn)
    assert isinstance(sent, list)
    assert sent[0]["party"] == "KOR"
    (pending,) = cli.json("outbox", home=fed.jpn)  # type: ignore[misc]
    assert pending["status"] == "pending"
    assert pending["overdue"] is False

    pouch = tmp_path / "pouch.accord"
    exported = cli.json("bundle", "export", pouch, "--to", "KOR", home=fed.jpn)
    assert isinstance(exported, dict)
    assert exported["envelopes"] == 1
    back = tmp_path / "back.accord"
    imported = cli.json("bundle", "import", pouch, "--receipts-out", back, home=fed.kor)
    assert isinstance(imported, dict)
    assert (imported["receipts"], imported["rejected"]) == (1, 0)

    (held,) = cli.json("inbox", home=fed.kor)  # type: ignore[misc]
    assert held["id"] == fed.jpn_item
    assert held["banners"][0] == "군사Ⅲ급비밀 // 일본 제공 (PROVIDED BY JPN: 秘)"
    assert held["banners"][1].startswith("秘 (HI) // CONFIDENTIAL // REL TO JPN, KOR")
    shown = cli.json("item", "show", fed.jpn_item, "--as", "kim", home=fed.kor)
    assert isinstance(shown, dict)
    assert shown["content"]["title"] == "Launch assessment"

    recorded = cli.json("bundle", "import", back, home=fed.jpn)
    assert isinstance(recorded, dict)
    assert recorded["receipts"] == 1
    assert cli.json("outbox", home=fed.jpn) == []
    (receipt,) = cli.json("receipts", fed.jpn_item, home=fed.jpn)  # type: ignore[misc]
    assert receipt["alternative_label"]["classification"] == "군사Ⅲ급비밀"
    assert cli.json("quarantine", "list", home=fed.kor) == []
    # the text forms run too
    assert "군사Ⅲ급비밀" in cli.ok("inbox", home=fed.kor).stdout
    assert "Outbox empty." in cli.ok("outbox", home=fed.jpn).stdout


def _one_line(result_stderr: str) -> str:
    lines = result_stderr.splitlines()
    assert len(lines) == 1, result_stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_send_refusals_say_why_and_queue_nothing(cli: Cli, fed: Fed) -> None:
    before = len(journal(fed.jpn))
    wrong = cli("send", fed.jpn_item, "--to", "USA", "--as", "sato", home=fed.jpn)
    assert wrong.exit_code == _code(PolicyDenied)  # the item is labelled for JPN-KOR-GSOMIA-2016
    assert "USA is not a party to JPN-KOR-GSOMIA-2016" in _one_line(wrong.stderr)
    missing = cli("send", "jpn-nonexistent-item", "--to", "KOR", "--as", "sato", home=fed.jpn)
    assert missing.exit_code == _code(NotFound)
    assert "no item" in _one_line(missing.stderr)
    auditor = cli("user", "add", "ito", "--role", "auditor", "--clearance", "秘", home=fed.jpn)
    assert auditor.exit_code == 0
    denied = cli("send", fed.jpn_item, "--to", "KOR", "--as", "ito", home=fed.jpn)
    assert denied.exit_code == _code(PolicyDenied)
    assert "only officers and analysts release items" in _one_line(denied.stderr)
    assert cli.json("outbox", home=fed.jpn) == []
    refusals = [e for e in journal(fed.jpn)[before:] if e.action == "item.send"]
    assert [e.outcome for e in refusals] == ["refused", "refused", "refused"]


def test_altered_or_misaddressed_bundles_are_refused(cli: Cli, fed: Fed, tmp_path: Path) -> None:
    cli.ok("send", fed.jpn_item, "--to", "KOR", "--as", "sato", home=fed.jpn)
    pouch = tmp_path / "pouch.accord"
    cli.ok("bundle", "export", pouch, "--to", "KOR", home=fed.jpn)
    misaddressed = cli("bundle", "import", pouch, home=fed.jpn)
    assert misaddressed.exit_code == _code(InvalidInput)
    assert "not for this node" in _one_line(misaddressed.stderr)
    data = bytearray(pouch.read_bytes())
    spot = data.index(b'"transmission"') if b'"transmission"' in data else len(data) // 3
    data[spot + 5] ^= 0x01
    altered = tmp_path / "altered.accord"
    altered.write_bytes(bytes(data))
    result = cli("bundle", "import", altered, home=fed.kor)
    assert result.exit_code in (_code(InvalidInput), _code(VerificationFailed))
    _one_line(result.stderr)
    assert cli.json("inbox", home=fed.kor) == []
    nothing = cli("bundle", "import", tmp_path / "absent.accord", home=fed.kor)
    assert nothing.exit_code != 0
    _one_line(nothing.stderr)
    assert json.loads(cli.ok("quarantine", "list", "--json", home=fed.kor).stdout) == []

"""The exchange commands end to end from the CLI, over the air gap (bundles): send, outbox,
bundle export/import both ways, inbox, receipts, quarantine — and refusals with one line each."""

from __future__ import annotations

import json
from pathlib import Path

from cli_support import AGREEMENT_ID, PASSWORDS, Cli, Fed, as_user, journal

from accord.cli._common import EXIT_CODES
from accord.errors import InvalidInput, NotFound, PolicyDenied, VerificationFailed


def _code(family: type[Exception]) -> int:
    return next(code for fam, code in EXIT_CODES if fam is family)


def test_send_through_the_pouch_and_back(cli: Cli, fed: Fed, tmp_path: Path) -> None:
    sent = cli.json(
        "send", fed.jpn_item, "--to", "KOR", "--as", "suzuki", home=fed.jpn, env=as_user("suzuki")
    )
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

    (held,) = cli.json("inbox", "--as", "kim", home=fed.kor, env=as_user("kim"))  # type: ignore[misc]
    assert held["id"] == fed.jpn_item
    assert held["banners"][0] == "군사Ⅲ급비밀 // 일본 제공 (PROVIDED BY JPN: 秘)"
    assert held["banners"][1].startswith("秘 (HI) // CONFIDENTIAL // REL TO JPN, KOR")
    shown = cli.json("item", "show", fed.jpn_item, "--as", "kim", home=fed.kor, env=as_user("kim"))
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
    assert "군사Ⅲ급비밀" in cli.ok("inbox", "--as", "kim", home=fed.kor, env=as_user("kim")).stdout
    assert "Outbox empty." in cli.ok("outbox", home=fed.jpn).stdout


def _one_line(result_stderr: str) -> str:
    lines = result_stderr.splitlines()
    assert len(lines) == 1, result_stderr
    assert lines[0].startswith("error: ")
    return lines[0]


def test_send_refusals_say_why_and_queue_nothing(cli: Cli, fed: Fed) -> None:
    before = len(journal(fed.jpn))
    wrong = cli("send", fed.jpn_item, "--to", "USA", "--as", "suzuki", home=fed.jpn, env=as_user("suzuki"))
    assert wrong.exit_code == _code(PolicyDenied)  # the item is labelled for JPN-KOR-GSOMIA-2016
    assert "USA is not a party to JPN-KOR-GSOMIA-2016" in _one_line(wrong.stderr)
    missing = cli(
        "send", "jpn-nonexistent-item", "--to", "KOR", "--as", "suzuki", home=fed.jpn, env=as_user("suzuki")
    )
    assert missing.exit_code == _code(NotFound)
    assert "no item" in _one_line(missing.stderr)
    # Analysts write and read; only officers release (DESIGN.md §2).
    analyst = cli("send", fed.jpn_item, "--to", "KOR", "--as", "sato", home=fed.jpn, env=as_user("sato"))
    assert analyst.exit_code == _code(PolicyDenied)
    assert "the analyst role may not release items" in _one_line(analyst.stderr)
    # An auditor may not even read the item: it is answered as if it did not exist.
    auditor = cli("user", "add", "ito", "--role", "auditor", "--clearance", "秘", home=fed.jpn)
    assert auditor.exit_code == 0
    ito = {"ACCORD_PASSWORD": "ito's auditing passphrase"}
    cli.ok("user", "passwd", "ito", home=fed.jpn, env=ito)
    withheld = cli("send", fed.jpn_item, "--to", "KOR", "--as", "ito", home=fed.jpn, env=ito)
    assert withheld.exit_code == _code(NotFound)
    assert _one_line(withheld.stderr) == _one_line(missing.stderr).replace(
        "jpn-nonexistent-item", fed.jpn_item
    )
    assert cli.json("outbox", home=fed.jpn) == []
    refusals = [e for e in journal(fed.jpn)[before:] if e.action == "item.send"]
    assert [e.outcome for e in refusals] == ["refused"] * 4  # wrong party, missing, analyst, withheld


def test_receipts_of_an_item_the_node_does_not_hold_exit_4(cli: Cli, fed: Fed) -> None:
    missing = cli("receipts", "nope", home=fed.jpn)
    assert missing.exit_code == _code(NotFound)
    assert _one_line(missing.stderr) == "error: no item 'nope' at this node"
    assert "No receipts yet" in cli.ok("receipts", fed.jpn_item, home=fed.jpn).stdout  # held, none yet


def test_consent_list_refuses_an_unknown_status(cli: Cli, fed: Fed) -> None:
    env = as_user("suzuki")
    bogus = cli("consent", "list", "--status", "bogus", "--as", "suzuki", home=fed.jpn, env=env)
    assert bogus.exit_code == _code(InvalidInput)
    assert _one_line(bogus.stderr) == (
        "error: unknown consent status 'bogus'; use one of pending, approved, denied, revoked"
    )
    assert cli.json("consent", "list", "--status", "pending", "--as", "suzuki", home=fed.jpn, env=env) == []


def test_altered_or_misaddressed_bundles_are_refused(cli: Cli, fed: Fed, tmp_path: Path) -> None:
    cli.ok("send", fed.jpn_item, "--to", "KOR", "--as", "suzuki", home=fed.jpn, env=as_user("suzuki"))
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
    assert cli.json("inbox", "--as", "kim", home=fed.kor, env=as_user("kim")) == []
    nothing = cli("bundle", "import", tmp_path / "absent.accord", home=fed.kor)
    assert nothing.exit_code != 0
    _one_line(nothing.stderr)
    # Refused bundles are kept in quarantine with the reason (issue 10, item 15); a missing
    # file is not something a partner sent.
    (kept,) = json.loads(cli.ok("quarantine", "list", "--json", home=fed.kor).stdout)
    assert kept["reason"].startswith("bundle altered.accord refused: ")
    assert kept["bytes_kept"] == len(data)
    (wrong,) = json.loads(cli.ok("quarantine", "list", "--json", home=fed.jpn).stdout)
    assert "not for this node" in wrong["reason"]
    assert "altered.accord" in cli.ok("quarantine", "list", home=fed.kor).stdout


def test_reimporting_a_bundle_says_how_many_envelopes_were_new(cli: Cli, fed: Fed, tmp_path: Path) -> None:
    cli.ok("send", fed.jpn_item, "--to", "KOR", "--as", "suzuki", home=fed.jpn, env=as_user("suzuki"))
    pouch = tmp_path / "pouch.accord"
    cli.ok("bundle", "export", pouch, "--to", "KOR", home=fed.jpn)
    first = cli.ok("bundle", "import", pouch, home=fed.kor).stdout
    assert "Accepted 1 new envelope(s)" in first
    assert "0 already received before" in first
    again = cli.ok("bundle", "import", pouch, home=fed.kor).stdout
    assert "Accepted 0 new envelope(s)" in again
    assert "1 already received before" in again


def test_listings_show_only_what_the_user_may_read(cli: Cli, fed: Fed, tmp_path: Path) -> None:
    # A 極秘 (SECRET) item beside the fixture's 秘 (CONFIDENTIAL) one, both sent to KOR, where
    # they arrive as 군사Ⅱ급비밀 and 군사Ⅲ급비밀. People cleared for CONFIDENTIAL only see one.
    secret = cli.json(
        "item", "create", "--as", "sato", "--kind", "report", "--title", "Launch assessment (SECRET)",
        "--purpose", "Assessment of DPRK missile activity", "--classification", "極秘", "--rel", "KOR",
        "--ntk", "DPRK-MISSILE", "--agreement", AGREEMENT_ID, home=fed.jpn, env=as_user("sato"),
    )  # fmt: skip
    assert isinstance(secret, dict)
    cli.ok(
        "send",
        fed.jpn_item,
        secret["id"],
        "--to",
        "KOR",
        "--as",
        "suzuki",
        home=fed.jpn,
        env=as_user("suzuki"),
    )
    pouch = tmp_path / "pouch.accord"
    cli.ok("bundle", "export", pouch, "--to", "KOR", home=fed.jpn)
    cli.ok("bundle", "import", pouch, "--receipts-out", tmp_path / "back.accord", home=fed.kor)
    low = {"tanaka": (fed.jpn, "秘"), "park": (fed.kor, "군사Ⅲ급비밀")}
    passwords = {**PASSWORDS, "tanaka": "tanaka's own passphrase", "park": "park's own passphrase"}
    for name, (home, level) in low.items():
        cli.ok(
            "user", "add", name, "--role", "analyst", "--clearance", level, "--ntk", "DPRK-MISSILE", home=home
        )
        cli.ok("user", "passwd", name, home=home, env={"ACCORD_PASSWORD": passwords[name]})

    def ids(*args: str, home: Path, name: str) -> set[str]:
        found = cli.json(*args, "--as", name, home=home, env={"ACCORD_PASSWORD": passwords[name]})
        views = found["items"] if isinstance(found, dict) else found
        assert isinstance(views, list)
        return {str(v["id"]) for v in views}

    both = {fed.jpn_item, str(secret["id"])}
    assert ids("item", "list", home=fed.jpn, name="sato") == both
    assert ids("item", "list", home=fed.jpn, name="tanaka") == {fed.jpn_item}
    assert ids("inbox", home=fed.kor, name="kim") == both
    assert ids("inbox", home=fed.kor, name="park") == {fed.jpn_item}
    # The text form filters the same way.
    text = cli.ok("inbox", "--as", "park", home=fed.kor, env={"ACCORD_PASSWORD": passwords["park"]})
    assert "군사Ⅲ급비밀" in text.stdout
    assert "군사Ⅱ급비밀" not in text.stdout

"""Bad input through the CLI: the specific exit code, one line on stderr, nothing half-written.

Each case builds its bad input against a fresh copy of the federation, then runs one
command. The command must exit with the code :data:`accord.cli._common.EXIT_CODES` gives
the error's family, print exactly one line (``error: …`` naming the problem) on standard
error and nothing on standard output, leave every table and file as it was, and — where it
reached a node — leave exactly one journal row for the refused action (besides the
successful ``user.login`` of the person a command acts for with ``--as``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_support import AGREEMENT_ID, Cli, Fed, as_user, files_under, journal, row_counts

from accord.cli._common import EXIT_CODES
from accord.errors import (
    AgreementFormatError,
    Conflict,
    IntegrityError,
    ItemError,
    LabelError,
    NotFound,
    VerificationFailed,
)
from accord.node import Node
from accord.store import ItemRow


def code(family: type[Exception]) -> int:
    """The exit code of an error family, from the one map."""
    return next(c for f, c in EXIT_CODES if issubclass(family, f))


@dataclass(frozen=True)
class Case:
    """One bad input: how to make it, the command, and what must happen."""

    id: str
    make: Callable[[Cli, Fed, Path], list[str | Path]]
    family: type[Exception]
    reason: str
    node: str | None  # "jpn" / "kor": the node the command acts on; None: no node involved
    action: str | None  # the journal action refused, or None when the node was never reached
    login: str | None = None  # the user `--as` names, who logs in with their password first


def _other_agreement(fed: Fed, tmp: Path, new_id: str = "JPN-KOR-TEST") -> Path:
    folder = tmp / "other"
    folder.mkdir(exist_ok=True)
    file = folder / "other.toml"
    file.write_text(fed.agreement.read_text(encoding="utf-8").replace(AGREEMENT_ID, new_id), encoding="utf-8")
    return file


def malformed_toml(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    bad = tmp / "bad.toml"
    bad.write_text('id = "JPN-KOR\n[[parties]\n', encoding="utf-8")
    return ["agreement", "import", bad, "--home", fed.jpn]


def unsigned(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    return ["agreement", "import", _other_agreement(fed, tmp), "--home", fed.jpn]


def signed_by_jpn_only(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    file = _other_agreement(fed, tmp)
    cli.ok("agreement", "sign", file, "--out", tmp / "jpn.sig", home=fed.jpn)
    return ["agreement", "import", file, "--signature", tmp / "jpn.sig", "--home", fed.jpn]


def note_of_wrong_party(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    # KOR's node signed it, but the note claims to be given by JPN.
    forged = json.loads(fed.kor_note.read_text(encoding="utf-8"))
    forged["note"]["party"] = "JPN"
    (tmp / "forged.json").write_text(json.dumps(forged), encoding="utf-8")
    return ["agreement", "note", "import", tmp / "forged.json", "--home", fed.jpn]


def unknown_scheme(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    return ["init", tmp / "new-node", "--party", "JPN", "--scheme", "XXX"]


def unknown_level_user(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    return ["user", "add", "tanaka", "--role", "analyst", "--clearance", "超秘", "--home", fed.jpn]


def unknown_level_item(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    return [
        "item", "create", "--as", "sato", "--kind", "report", "--title", "t", "--purpose", "p",
        "--classification", "超秘", "--home", fed.jpn,
    ]  # fmt: skip


def _one_level_to_two(fed: Fed, tmp: Path) -> Path:
    # 極秘 in both rows: SECRET and CONFIDENTIAL at once (Art. 4 must be a function).
    text = _other_agreement(fed, tmp).read_text(encoding="utf-8")
    text = text.replace('JPN = ["秘"]', 'JPN = ["極秘"]')
    file = tmp / "two.toml"
    file.write_text(text, encoding="utf-8")
    return file


def one_level_to_two_sign(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    return ["agreement", "sign", _one_level_to_two(fed, tmp), "--out", tmp / "two.sig", "--home", fed.jpn]


def one_level_to_two_import(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    return ["agreement", "import", _one_level_to_two(fed, tmp), "--home", fed.kor]


def _label(cli: Cli, fed: Fed) -> dict[str, object]:
    text = cli.ok("item", "label", fed.jpn_item, "--as", "sato", home=fed.jpn, env=as_user("sato")).stdout
    label: dict[str, object] = json.loads(text)
    return label


def _label_file(
    cli: Cli, fed: Fed, tmp: Path, change: Callable[[dict[str, object]], None]
) -> list[str | Path]:
    label = _label(cli, fed)
    change(label)
    (tmp / "label.json").write_text(json.dumps(label, ensure_ascii=False), encoding="utf-8")
    return ["label", "show", tmp / "label.json"]


def _category(label: dict[str, object], tag: str) -> dict[str, object]:
    categories = label["categories"]
    assert isinstance(categories, list)
    found: dict[str, object] = next(c for c in categories if c["tag_name"] == tag)
    return found


def category_unknown_type(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    return _label_file(cli, fed, tmp, lambda lb: _category(lb, "Need To Know").update(type="SOMETIMES"))


def category_type_not_text(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    return _label_file(cli, fed, tmp, lambda lb: _category(lb, "Need To Know").update(type=7))


def releasable_to_restrictive(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    return _label_file(cli, fed, tmp, lambda lb: _category(lb, "Releasable To").update(type="RESTRICTIVE"))


def category_values_not_list(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    return _label_file(cli, fed, tmp, lambda lb: _category(lb, "Releasable To").update(values="KOR"))


def xml_entities(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    xml = cli.ok(
        "item", "label", fed.jpn_item, "--as", "sato", "--xml", home=fed.jpn, env=as_user("sato")
    ).stdout
    xml = xml.replace(
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE l [<!ENTITY lvl "秘">]>',
    ).replace("<slab:Classification>秘<", "<slab:Classification>&lvl;<")
    assert "&lvl;" in xml
    (tmp / "label.xml").write_text(xml, encoding="utf-8")
    return ["label", "show", tmp / "label.xml"]


def xml_doctype_only(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    xml = cli.ok(
        "item", "label", fed.jpn_item, "--as", "sato", "--xml", home=fed.jpn, env=as_user("sato")
    ).stdout
    xml = xml.replace("?>", '?>\n<!DOCTYPE l SYSTEM "http://127.0.0.1:9/l.dtd">', 1)
    (tmp / "label.xml").write_text(xml, encoding="utf-8")
    return ["label", "show", tmp / "label.xml"]


def missing_attachment(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    present = tmp / "present.bin"
    present.write_bytes(b"x" * 100_000)  # a good file before the absent one: neither may leave a blob
    return [
        "item", "create", "--as", "sato", "--kind", "report", "--title", "t", "--purpose", "p",
        "--classification", "秘", "--attach", present, "--attach", tmp / "absent.pgm", "--home", fed.jpn,
    ]  # fmt: skip


def _damage(fed: Fed, change: Callable[[ItemRow], None]) -> None:
    node = Node.open(fed.jpn)
    try:
        with node.ctx.db.transaction() as session:
            change(session.get_one(ItemRow, fed.jpn_item))
    finally:
        node.close()


def damaged_marking(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    def lower(row: ItemRow) -> None:
        marking = json.loads(row.marking_json)
        marking["originator"]["categories"][-1]["values"].append("USA")  # widen REL TO
        row.marking_json = json.dumps(marking, ensure_ascii=False)

    _damage(fed, lower)
    return ["item", "show", fed.jpn_item, "--as", "sato", "--home", fed.jpn]


def damaged_content(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    def flip(row: ItemRow) -> None:
        sealed = bytearray(row.content_sealed)
        sealed[-1] ^= 0x01
        row.content_sealed = bytes(sealed)

    _damage(fed, flip)
    return ["item", "show", fed.jpn_item, "--as", "sato", "--home", fed.jpn]


def init_over_node(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    return ["init", fed.jpn, "--party", "JPN", "--node-id", "jpn-mod"]


def no_home(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    return ["user", "list"]


def note_out_folder_missing(cli: Cli, fed: Fed, tmp: Path) -> list[str | Path]:
    # Refused before the note is recorded: otherwise JPN would hold a notice KOR never gets.
    return [
        "agreement", "note", "issue", AGREEMENT_ID, "--kind", "termination-notice",
        "--out", tmp / "no-such-folder" / "notice.json", "--home", fed.jpn,
    ]  # fmt: skip


CASES = [
    Case(
        "agreement-toml-malformed",
        malformed_toml,
        AgreementFormatError,
        "not valid TOML",
        "jpn",
        "agreement.import",
    ),
    Case(
        "agreement-unsigned",
        unsigned,
        VerificationFailed,
        "is not signed by JPN, KOR",
        "jpn",
        "agreement.import",
    ),
    Case(
        "agreement-signed-by-jpn-only",
        signed_by_jpn_only,
        VerificationFailed,
        "is not signed by KOR",
        "jpn",
        "agreement.import",
    ),
    Case(
        "note-signed-by-wrong-party",
        note_of_wrong_party,
        VerificationFailed,
        "given by JPN but signed by a node of KOR",
        "jpn",
        "agreement.note-import",
    ),
    Case(
        "init-unknown-scheme",
        unknown_scheme,
        LabelError,
        "no built-in classification scheme 'XXX'",
        None,
        None,
    ),
    Case(
        "user-add-unknown-level",
        unknown_level_user,
        LabelError,
        "unknown level '超秘' in scheme JPN",
        "jpn",
        "user.add",
    ),
    Case(
        "item-create-unknown-level",
        unknown_level_item,
        LabelError,
        "unknown level '超秘' in scheme JPN",
        "jpn",
        "item.create",
        login="sato",
    ),
    Case(
        "equivalence-one-level-to-two-sign",
        one_level_to_two_sign,
        AgreementFormatError,
        "maps one level to two",
        "jpn",
        "agreement.sign",
    ),
    Case(
        "equivalence-one-level-to-two-import",
        one_level_to_two_import,
        AgreementFormatError,
        "maps one level to two",
        "kor",
        "agreement.import",
    ),
    Case(
        "label-json-category-type-unknown",
        category_unknown_type,
        LabelError,
        "unknown type 'SOMETIMES'",
        None,
        None,
    ),
    Case(
        "label-json-category-type-not-text", category_type_not_text, LabelError, "unknown type 7", None, None
    ),
    Case(
        "label-json-releasable-to-restrictive",
        releasable_to_restrictive,
        LabelError,
        "'Releasable To' must be PERMISSIVE",
        None,
        None,
    ),
    Case(
        "label-json-category-values-not-list",
        category_values_not_list,
        LabelError,
        "values must be a list",
        None,
        None,
    ),
    Case("label-xml-entities", xml_entities, LabelError, "DTD or entities", None, None),
    Case("label-xml-doctype", xml_doctype_only, LabelError, "DTD or entities", None, None),
    Case(
        "item-attachment-missing",
        missing_attachment,
        NotFound,
        "absent.pgm does not exist",
        "jpn",
        "item.create",
        login="sato",
    ),
    Case(
        "item-marking-altered-in-db",
        damaged_marking,
        IntegrityError,
        "binding no longer verifies",
        "jpn",
        "item.read",
        login="sato",
    ),
    Case(
        "item-content-altered-in-db",
        damaged_content,
        IntegrityError,
        "binding no longer verifies",
        "jpn",
        "item.read",
        login="sato",
    ),
    Case("init-over-existing-node", init_over_node, Conflict, "a node already exists", "jpn", None),
    Case("no-home-no-env", no_home, NotFound, "give --home DIR or set ACCORD_HOME", None, None),
    Case("note-out-folder-missing", note_out_folder_missing, NotFound, "the folder", "jpn", None),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_refusal(case: Case, cli: Cli, fed: Fed, tmp_path: Path) -> None:
    work = tmp_path / "work"
    work.mkdir()
    argv = case.make(cli, fed, work)
    home = {"jpn": fed.jpn, "kor": fed.kor, None: None}[case.node]
    rows_before = row_counts(home) if home else None
    journal_before = journal(home) if home else []
    files_before = files_under(tmp_path)

    result = cli(*argv, env=as_user(case.login) if case.login else None)

    assert result.exit_code == code(case.family), result.output
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ")
    assert case.reason in lines[0]
    assert "Traceback" not in result.stderr
    # Nothing half-written: no new or removed file (blobs, keys, outputs), no new row.
    assert files_under(tmp_path) == files_before
    if home is not None:
        assert row_counts(home) == rows_before
        new = journal(home)[len(journal_before) :]
        logins = [(e.action, e.actor, e.outcome) for e in new if e.action == "user.login"]
        assert logins == ([("user.login", case.login, "ok")] if case.login else [])
        new = [e for e in new if e.action != "user.login"]
        if case.action is None:
            assert new == []
        else:
            (event,) = new
            assert (event.action, event.outcome) == (case.action, "refused")
            assert case.reason in str(event.detail["reason"])


def test_families_have_distinct_codes() -> None:
    # Scripts tell refusals apart by exit code; 0 (success) and 2 (usage) are never used.
    codes = [c for _, c in EXIT_CODES]
    assert len(set(codes)) == len(codes)
    assert not {0, 2} & set(codes)


def test_item_error_is_invalid_input() -> None:
    # Bad item fields share the invalid-input code with every other malformed input.
    assert code(ItemError) == code(AgreementFormatError) == 3


def test_usage_error_is_not_a_refusal(cli: Cli, fed: Fed) -> None:
    # A missing required option is the parser's usage error (2), not an Accord exit code.
    result = cli("user", "add", "tanaka", "--home", fed.jpn)
    assert result.exit_code == 2
    assert "--role" in result.stderr


def test_unreadable_attachment_output_does_not_leave_plaintext(cli: Cli, fed: Fed, tmp_path: Path) -> None:
    # `item attachment` to a folder that does not exist: refused before decrypting anything.
    result = cli(
        "item", "attachment", fed.jpn_item, "0", "--as", "sato", "--out", tmp_path / "no" / "x",
        home=fed.jpn, env=as_user("sato"),
    )  # fmt: skip
    assert result.exit_code == code(NotFound)
    assert result.stderr.count("\n") == 1


def test_listing_flags_a_damaged_item_and_lists_the_rest(cli: Cli, fed: Fed, tmp_path: Path) -> None:
    # One altered row must not hide the other items; it is flagged, journalled, and the
    # command exits with the integrity code so a script notices.
    damaged_marking(cli, fed, tmp_path)
    before = journal(fed.jpn)
    result = cli("item", "list", "--as", "sato", "--json", home=fed.jpn, env=as_user("sato"))
    assert result.exit_code == code(IntegrityError)
    assert result.stderr.count("\n") == 1
    assert "failed integrity checks" in result.stderr
    listing = json.loads(result.stdout)
    assert [d["id"] for d in listing["damaged"]] == [fed.jpn_item]
    assert fed.jpn_item not in [i["id"] for i in listing["items"]]
    new = journal(fed.jpn)[len(before) :]
    assert [(e.action, e.actor, e.outcome) for e in new if e.action == "user.login"] == [
        ("user.login", "sato", "ok")
    ]
    assert {e.action for e in new} <= {"user.login", "item.list"}
    (event,) = [e for e in new if e.outcome == "refused"]
    assert (event.action, event.outcome, event.item_id) == ("item.list", "refused", fed.jpn_item)


def test_home_may_come_before_the_command(cli: Cli, fed: Fed) -> None:
    result = cli("--home", str(fed.jpn), "user", "list", "--json")
    assert result.exit_code == 0, result.output
    assert "sato" in result.stdout


def test_attachment_output_is_not_silently_replaced(cli: Cli, fed: Fed, tmp_path: Path) -> None:
    out = tmp_path / "exists.bin"
    out.write_bytes(b"keep me")
    result = cli(
        "item", "attachment", fed.jpn_item, "0", "--as", "sato", "--out", out,
        home=fed.jpn, env=as_user("sato"),
    )  # fmt: skip
    assert result.exit_code == code(Conflict)
    assert "--force" in result.stderr
    assert out.read_bytes() == b"keep me"


def test_a_field_given_twice_is_refused_not_overwritten(cli: Cli, fed: Fed) -> None:
    # `--field count=1 --field count=2` silently stored 2 (found by a new user).
    result = cli(
        "item", "create", "--as", "sato", "--kind", "missile-launch", "--title", "t", "--purpose", "p",
        "--classification", "秘", "--field", "count=1", "--field", "count=2",
        home=fed.jpn, env=as_user("sato"),
    )  # fmt: skip
    assert result.exit_code == 3, result.stderr
    assert "--field 'count' is given twice" in result.stderr

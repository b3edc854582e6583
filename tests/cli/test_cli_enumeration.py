"""Every command is classified, and none that acts for a person shows a denied item (issue 4).

The command tree is walked from the Typer app itself, so a new command fails
``test_every_command_is_classified`` until it is put in one of the tables below:

* ``PERSON`` — acts for an authenticated person (``--as``): it must not reveal an item the
  policy denies that person, neither its id nor its title, in output or in counts;
* ``OPERATOR`` — the node operator, who holds the node's home (its keys and database): no
  person is asked about, so there is no subject to deny (outbox, receipts, quarantine,
  bundles, the ledger); documented in docs/policy.md;
* ``NO_ITEMS`` — shows no item content or metadata at all;
* ``AUDIT`` — reads the journal for a person whose duty it is (``--as``; officers, the
  authority, auditors: the decision point's ``read-journal``): the audit record shows item
  ids and refusal reasons whichever items the reader may read (docs/policy.md), never
  content; a person without the duty is refused and shown nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import typer.main
from cli_support import Cli, Fed, as_user, build_federation

from accord.cli import app

PERSON: dict[str, list[str]] = {
    "item show": ["item", "show", "{item}"],
    "item label": ["item", "label", "{item}"],
    "item attachment": ["item", "attachment", "{item}", "0", "--out", "{out}"],
    "item list": ["item", "list"],
    "inbox": ["inbox"],
    "send": ["send", "{item}", "--to", "KOR"],
    "release-request": ["release-request", "{item}", "--to", "USA", "--purpose", "probe"],
    "downgrade": ["downgrade", "{item}", "--to", "秘", "--reason", "probe"],
    "consent list": ["consent", "list"],
    "consent approve": ["consent", "approve", "req-" + "0" * 32],
    "consent deny": ["consent", "deny", "req-" + "0" * 32, "--reason", "probe"],
    "consent revoke": ["consent", "revoke", "consent-" + "0" * 32, "--reason", "probe"],
    "compromise report": ["compromise", "report", "{item}", "--actual", "--circumstances", "probe"],
    "compromise exposure": ["compromise", "exposure", "{item}"],
    "compromise close": ["compromise", "close", "case-" + "0" * 32, "--findings", "p", "--measures", "p"],
    "compromise list": ["compromise", "list"],
    "copy": ["copy", "{item}", "--count", "1"],
    "translate": ["translate", "{item}", "--file", __file__, "--lang", "ko"],
    "translation": ["translation", "tr-" + "0" * 32],
    "request-disposal": ["request-disposal", "{item}", "--holder", "KOR", "--reason", "probe"],
    "destroy": ["destroy", "{item}", "--method", "probe", "--witness", "sato"],
    "certificate": ["certificate", "{item}"],
    "holdings list": ["holdings", "list"],
    "holdings summary": ["holdings", "summary", "--for", "KOR", "--out", "{out}.summary"],
    "dissemination": ["dissemination", "{item}"],
    "reconcile": ["reconcile", "KOR", "--summary", "{out}.summary"],
    "search query": ["search", "launch"],
    "stix export": ["stix", "export", "{item}"],
    "item export-4778": ["item", "export-4778", "{item}"],
    # Creates; shows only the new item.
    "item create": [],
    "stix import": [],
    "item import-4778": [],
    "misp import": [],
}
OPERATOR = {
    "outbox",
    "receipts",
    "quarantine list",
    "bundle export",
    "bundle import",
    "serve",
    "demo",
    "search reindex",
    "search check",
    "item verify",
}
OPERATOR_PREFIXES = ("ledger ",)
NO_ITEMS = {
    "init",
    "identity export",
    "party add",
    "party list",
    "agreement sign",
    "agreement import",
    "agreement list",
    "agreement status",
    "agreement note issue",
    "agreement note import",
    "agreement note list",
    "user add",
    "user list",
    "user passwd",
    "user token",
    "user tokens",
    "user revoke-token",
    "user clearance",
    "label show",
    # Figures, leaf numbers and hashes only (docs/oversight.md; tests/node/test_node_oversight.py
    # scans a report for every item id, title, field value and user name).
    "oversight report",
    "oversight verify",
    "oversight compare",
    "oversight pdf",
}
AUDIT: dict[str, list[str]] = {
    "journal list": ["journal", "list"],
    "journal show": ["journal", "show", "1"],
}
PROBE = {"ACCORD_PASSWORD": "ito's probing passphrase"}


def _commands() -> Iterator[str]:
    def walk(command: object, path: list[str]) -> Iterator[str]:
        subs = getattr(command, "commands", None)
        if subs:
            for name, sub in subs.items():
                yield from walk(sub, [*path, name])
        else:
            yield " ".join(path)

    yield from walk(typer.main.get_command(app), [])


def test_every_command_is_classified() -> None:
    for name in _commands():
        classes = [
            name in PERSON,
            name in OPERATOR or name.startswith(OPERATOR_PREFIXES),
            name in NO_ITEMS,
            name in AUDIT,
        ]
        assert classes.count(True) == 1, f"accord {name}: classify it in test_cli_enumeration.py"


def test_every_person_command_takes_as() -> None:
    for name in _commands():
        if name in PERSON or name in AUDIT:
            command = typer.main.get_command(app)
            for part in name.split():
                command = command.commands[part]  # type: ignore[attr-defined]
            assert "as_user" in [p.name for p in command.params], f"accord {name} has no --as"


@pytest.fixture(scope="module")
def probed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Cli, Fed]:
    cli = Cli()
    fed = build_federation(cli, tmp_path_factory.mktemp("enumeration"))
    # An officer at JPN cleared 極秘 but without the need to know: the decision point denies
    # the JPN report (NTK DPRK-MISSILE) to them.
    cli.ok("user", "add", "ito", "--role", "officer", "--clearance", "極秘", home=fed.jpn)
    cli.ok("user", "passwd", "ito", home=fed.jpn, env=PROBE)
    return cli, fed


@pytest.mark.parametrize("name", sorted(n for n, argv in PERSON.items() if argv))
def test_no_person_command_reveals_a_denied_item(name: str, probed: tuple[Cli, Fed], tmp_path: Path) -> None:
    cli, fed = probed
    shown = cli.ok("item", "show", fed.jpn_item, "--as", "sato", home=fed.jpn, env=as_user("sato"))
    assert "Launch assessment" in shown.stdout  # the item exists and sato may read it
    argv = [part.format(item=fed.jpn_item, out=tmp_path / "out.bin") for part in PERSON[name]]
    no_json = (
        "item attachment",
        "item label",
        "certificate",
        "holdings summary",
        "stix export",
        "item export-4778",
    )
    for extra in ([], ["--json"]) if name not in no_json else ([],):
        result = cli(*argv, *extra, "--as", "ito", home=fed.jpn, env=PROBE)
        seen = result.stdout + result.stderr
        assert fed.jpn_item not in seen or "no item" in seen, f"accord {name} revealed the item: {seen}"
        assert "Launch assessment" not in seen, f"accord {name} revealed the title: {seen}"
        assert not (tmp_path / "out.bin").exists(), f"accord {name} wrote the attachment"
        if name in (
            "item show", "item label", "item attachment", "send", "release-request", "downgrade",
            "copy", "translate", "destroy", "certificate", "dissemination",
            "compromise report", "compromise exposure", "stix export", "item export-4778",
        ):  # fmt: skip
            # Answered exactly as for an item that does not exist.
            missing = cli(
                *[p.replace(fed.jpn_item, "jpn-" + "0" * 32) for p in argv], *extra, "--as", "ito",
                home=fed.jpn, env=PROBE,
            )  # fmt: skip
            assert result.exit_code == missing.exit_code == 4, seen
            assert seen.replace(fed.jpn_item, "X") == (missing.stdout + missing.stderr).replace(
                "jpn-" + "0" * 32, "X"
            ), f"accord {name}: the denied answer differs from the missing one"


@pytest.mark.parametrize("name", sorted(AUDIT))
def test_the_journal_shows_no_content_and_nothing_to_a_person_without_the_duty(
    name: str, probed: tuple[Cli, Fed]
) -> None:
    cli, fed = probed
    for extra in ([], ["--json"]):
        # sato, the analyst who wrote the report, has no duty to read the journal.
        denied = cli(*AUDIT[name], *extra, "--as", "sato", home=fed.jpn, env=as_user("sato"))
        assert denied.exit_code == 7, denied.stdout + denied.stderr
        assert denied.stdout == ""
        assert fed.jpn_item not in denied.stderr
        assert "may not read the journal" in denied.stderr
        # ito, an officer the item is withheld from, reads the audit record: never the content.
        shown = cli(*AUDIT[name], *extra, "--as", "ito", home=fed.jpn, env=PROBE)
        assert shown.exit_code == 0, shown.stdout + shown.stderr
        assert "Launch assessment" not in shown.stdout + shown.stderr
        assert "Assessment follows" not in shown.stdout + shown.stderr

"""``accord item list`` read by the console script's own parser (``accord.cli._list_argv``) ends
exactly as under Typer: the same standard output, standard error and exit code, and the same
journal events, for the argument lists it reads and for those it leaves to Typer.

Each argument list runs twice through the console script's ``main`` in this process: as the
script runs it, and with the parser made to leave everything to Typer.
"""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_support import PASSWORDS, Cli, Fed, journal

import accord.cli._list_argv
import accord.cli._main
from accord.cli._list_argv import ListArgs, parse
from accord.node import Node
from accord.store import ItemRow

H = "HOME"  # replaced by the node's home
T = "TOKEN"  # replaced by sato's API token


@dataclass(frozen=True)
class Run:
    code: int | str | None
    out: str
    err: str
    events: list[tuple[object, ...]]
    """The journal events the run wrote (without their sequence numbers and times)."""


# (argument list after `accord`, environment, whether the script's own parser reads it)
CASES: list[tuple[list[str], dict[str, str], bool]] = [
    (["--home", H, "item", "list", "--as", "sato"], {"ACCORD_TOKEN": T}, True),
    (["item", "list", "--as", "sato", "--home", H, "--json"], {"ACCORD_TOKEN": T}, True),
    (["item", "list", "--as=sato", f"--home={H}", "--limit=1", "--json"], {"ACCORD_TOKEN": T}, True),
    (["item", "list", "--json", "--all", "--as", "sato"], {"ACCORD_TOKEN": T, "ACCORD_HOME": H}, True),
    (["item", "list", "--as", "sato", "--all"], {"ACCORD_TOKEN": T, "ACCORD_HOME": H}, True),
    (["--home", H, "item", "list", "--as", "sato", "--offset", "5"], {"ACCORD_TOKEN": T}, True),
    (
        ["--home", H, "item", "list", "--as", "sato", "--offset", "0", "--limit", "1"],
        {"ACCORD_TOKEN": T},
        True,
    ),
    # The command's --home over the root's, the last of a repeated option.
    (
        ["--home", "/no/such/node", "item", "list", "--home", H, "--as", "x", "--as", "sato", "--limit", "3"],
        {"ACCORD_TOKEN": T},
        True,
    ),
    (
        ["--home", H, "item", "list", "--as", "sato"],
        {"ACCORD_TOKEN": T, "ACCORD_HOME": "/no/such/node"},
        True,
    ),
    # Refusals by the command itself: its message and exit code.
    (["item", "list", "--as", "sato"], {"ACCORD_TOKEN": T}, True),  # no node selected
    (["item", "list", "--as", "sato"], {"ACCORD_TOKEN": T, "ACCORD_HOME": ""}, True),
    (["--home", "/no/such/node", "item", "list", "--as", "sato"], {"ACCORD_TOKEN": T}, True),
    (["--home", H, "item", "list", "--as", "suzuki"], {"ACCORD_TOKEN": T}, True),  # sato's token
    (["--home", H, "item", "list", "--as", "sato"], {"ACCORD_TOKEN": "not-a-token"}, True),
    (["--home", H, "item", "list", "--as", "sato"], {"ACCORD_PASSWORD": "not sato's password"}, True),
    (["--home", H, "item", "list", "--as", "sato"], {"ACCORD_PASSWORD": PASSWORDS["sato"]}, True),
    # Left to Typer: usage errors, help, values it might read otherwise, no credentials.
    (["item", "list", "--as", "sato", "--home", H, "--limit", "0"], {"ACCORD_TOKEN": T}, False),
    (["item", "list", "--as", "sato", "--home", H, "--limit", "x"], {"ACCORD_TOKEN": T}, False),
    (["item", "list", "--as", "sato", "--home", H, "--limit", "007"], {"ACCORD_TOKEN": T}, False),
    (["item", "list", "--as", "sato", "--home", H, "--offset", "-1"], {"ACCORD_TOKEN": T}, False),
    (["item", "list", "--as", "sato", "--home", H, "--all", "--limit", "3"], {"ACCORD_TOKEN": T}, False),
    (["item", "list", "--home", H], {"ACCORD_TOKEN": T}, False),
    (["item", "list", "--home", H, "--as"], {"ACCORD_TOKEN": T}, False),
    (["item", "list", "--as", "", "--home", H], {"ACCORD_TOKEN": T}, False),
    (["item", "list", "--as", "sato", "--home", H, "--help"], {"ACCORD_TOKEN": T}, False),
    (["item", "list", "--as", "sato", "--home", H, "extra"], {"ACCORD_TOKEN": T}, False),
    (["item", "list", "--as", "sato", "--home", H, "--json=1"], {"ACCORD_TOKEN": T}, False),
    (["item", "list", "--as", "sato", "--home", H, "--jso"], {"ACCORD_TOKEN": T}, False),
    (["item", "list", "--as", "sato", "--home", H, "--", "--json"], {"ACCORD_TOKEN": T}, False),
    (["item", "--home", H, "list", "--as", "sato"], {"ACCORD_TOKEN": T}, False),
    (["--json", "item", "list", "--as", "sato", "--home", H], {"ACCORD_TOKEN": T}, False),
    (["item", "lists", "--as", "sato", "--home", H], {"ACCORD_TOKEN": T}, False),
    (["--home", H, "item", "list", "--as", "sato"], {}, False),  # no credentials: Typer's prompt
    (["--home", H, "item", "list", "--as", "sato"], {"ACCORD_TOKEN": "", "ACCORD_PASSWORD": ""}, False),
]


def _sato_token(cli: Cli, fed: Fed) -> str:
    issued = cli.json("user", "token", "sato", "--days", "1", home=fed.jpn)
    assert isinstance(issued, dict)
    return str(issued["secret"])


@dataclass
class _Runs:
    """``accord`` run in this process as the console script runs it, each run on a fresh copy of
    the node ``source`` at ``home`` (a refused login counts against the account: both ways of
    reading an argument list start from the same node)."""

    source: Path
    home: Path
    monkeypatch: pytest.MonkeyPatch
    capsys: pytest.CaptureFixture[str]

    def __call__(self, argv: list[str], env: dict[str, str], *, typer_only: bool) -> Run:
        """``accord ARGV`` with only ``env`` set of Accord's variables; with ``typer_only`` the
        script's own parser leaves every list to Typer."""
        shutil.rmtree(self.home, ignore_errors=True)
        shutil.copytree(self.source, self.home)
        before = len(journal(self.home))
        with self.monkeypatch.context() as patch:
            for name in ("ACCORD_HOME", "ACCORD_TOKEN", "ACCORD_PASSWORD"):
                patch.delenv(name, raising=False)
            for name, value in {"COLUMNS": "200", **env}.items():
                patch.setenv(name, value)
            patch.setattr("sys.argv", ["accord", *argv])
            patch.setattr(accord.cli._main, "QUICK_EXIT", False)  # the test needs its process after
            if typer_only:
                patch.setattr(accord.cli._list_argv, "parse", lambda argv, environ: None)
            self.capsys.readouterr()
            try:
                accord.cli._main.main()
            except SystemExit as exc:
                code = exc.code
            else:
                code = 0
        captured = self.capsys.readouterr()
        events = [
            (e.actor, e.action, e.item_id, e.outcome, dict(e.detail)) for e in journal(self.home)[before:]
        ]
        return Run(code, captured.out, captured.err, events)


def _case(
    case: list[str], home: Path, token: str, values: dict[str, str]
) -> tuple[list[str], dict[str, str]]:
    def put(text: str) -> str:
        return text.replace(H, str(home)).replace(T, token)

    return [put(a) for a in case], {k: put(v) for k, v in values.items()}


def test_each_argument_list_ends_as_under_typer(
    cli: Cli, fed: Fed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _sato_token(cli, fed)
    runs = _Runs(fed.jpn, tmp_path / "run" / "jpn", monkeypatch, capsys)
    for case, values, own in CASES:
        argv, env = _case(case, runs.home, token, values)
        assert (parse(["accord", *argv], env) is not None) is own, case
        ours = runs(argv, env, typer_only=False)
        assert ours == runs(argv, env, typer_only=True), case
        if own and ours.code == 0:
            assert "readable" in ours.out or '"total"' in ours.out, case
            assert ours.events[-1][:2] == ("sato", "item.list"), case  # the listing journalled


def test_a_damaged_item_is_reported_as_under_typer(
    cli: Cli, fed: Fed, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _sato_token(cli, fed)
    node = Node.open(fed.jpn)
    try:
        with node.ctx.db.transaction() as session:
            row = session.get_one(ItemRow, fed.jpn_item)
            row.content_sealed = row.content_sealed[:-1] + bytes([row.content_sealed[-1] ^ 1])
    finally:
        node.close()
    runs = _Runs(fed.jpn, tmp_path / "run" / "jpn", monkeypatch, capsys)
    for json_out in ([], ["--json"]):
        argv = ["--home", str(runs.home), "item", "list", "--as", "sato", *json_out]
        ours = runs(argv, {"ACCORD_TOKEN": token}, typer_only=False)
        assert ours == runs(argv, {"ACCORD_TOKEN": token}, typer_only=True)
        assert ours.code == 9
        assert ours.events[-1][:2] == ("sato", "item.list")  # the listing journalled
        assert "failed integrity checks" in ours.err


def test_what_the_parser_reads() -> None:
    env = {"ACCORD_TOKEN": "t"}
    assert parse(["accord", "--home", "a", "item", "list", "--as", "u", "--limit", "10"], env) == ListArgs(
        as_user="u", home=Path("a"), limit=10
    )
    assert parse(["accord", "item", "list", "--as", "u", "--all", "--offset=7", "--json"], env) == ListArgs(
        as_user="u", home=None, json_out=True, offset=7, show_all=True
    )
    assert parse(["accord", "item", "list", "--as", "u"], {**env, "ACCORD_HOME": "b"}) == ListArgs(
        as_user="u", home=Path("b")
    )
    # A shell-completion request is Typer's.
    assert (
        parse(["accord", "item", "list", "--as", "u"], {**env, "_ACCORD_COMPLETE": "bash_complete"}) is None
    )

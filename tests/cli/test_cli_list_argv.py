"""``accord item list`` read by the console script's own parser (``accord.cli._list_argv``) ends
exactly as under Typer: the same standard output, standard error and exit code, for the argument
lists it reads and for those it leaves to Typer.

Each argument list runs twice through the console script's ``main`` in this process: as the
script runs it, and with the parser made to leave everything to Typer.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from cli_support import PASSWORDS, Cli, Fed

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


def _accord(
    argv: list[str],
    env: dict[str, str],
    *,
    typer_only: bool,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> Run:
    """``accord ARGV`` as the console script runs it, in this process, with only ``env`` set of
    Accord's variables; with ``typer_only`` the script's own parser leaves every list to Typer."""
    for name in ("ACCORD_HOME", "ACCORD_TOKEN", "ACCORD_PASSWORD"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.argv", ["accord", *argv])
    monkeypatch.setattr(accord.cli._main, "QUICK_EXIT", False)  # the test needs its process after
    if typer_only:
        monkeypatch.setattr(accord.cli._list_argv, "parse", lambda argv, environ: None)
    capsys.readouterr()
    try:
        accord.cli._main.main()
    except SystemExit as exc:
        code = exc.code
    else:
        code = 0
    monkeypatch.undo()
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def _case(case: list[str], fed: Fed, token: str, values: dict[str, str]) -> tuple[list[str], dict[str, str]]:
    def put(text: str) -> str:
        return text.replace(H, str(fed.jpn)).replace(T, token)

    return [put(a) for a in case], {k: put(v) for k, v in values.items()}


def test_each_argument_list_ends_as_under_typer(
    cli: Cli, fed: Fed, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _sato_token(cli, fed)
    monkeypatch.setenv("COLUMNS", "200")
    for case, values, own in CASES:
        argv, env = _case(case, fed, token, values)
        assert (parse(["accord", *argv], env) is not None) is own, case
        with monkeypatch.context() as each:
            each.setenv("COLUMNS", "200")
            ours = _accord(argv, env, typer_only=False, monkeypatch=each, capsys=capsys)
        with monkeypatch.context() as each:
            each.setenv("COLUMNS", "200")
            typers = _accord(argv, env, typer_only=True, monkeypatch=each, capsys=capsys)
        assert ours == typers, case
        if own and ours.code == 0:
            assert "readable" in ours.out or '"total"' in ours.out, case


def test_a_damaged_item_is_reported_as_under_typer(
    cli: Cli, fed: Fed, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = _sato_token(cli, fed)
    node = Node.open(fed.jpn)
    try:
        with node.ctx.db.transaction() as session:
            row = session.get_one(ItemRow, fed.jpn_item)
            row.content_sealed = row.content_sealed[:-1] + bytes([row.content_sealed[-1] ^ 1])
    finally:
        node.close()
    for json_out in ([], ["--json"]):
        argv = ["--home", str(fed.jpn), "item", "list", "--as", "sato", *json_out]
        env = {"ACCORD_TOKEN": token, "COLUMNS": "200"}
        ours = _accord(argv, env, typer_only=False, monkeypatch=monkeypatch, capsys=capsys)
        typers = _accord(argv, env, typer_only=True, monkeypatch=monkeypatch, capsys=capsys)
        assert ours == typers
        assert ours.code == 9
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

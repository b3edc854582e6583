"""The commands are imported when used (``accord.cli._lazy``; issue 14's start-up targets).

``accord --help`` lists every command from the one-line helps of ``accord.cli._app.COMMANDS``
without importing any command module; these tests check that those helps are the commands'
own and, in fresh interpreters, that ``accord --help`` and ``accord item list`` import
nothing they do not need. No timing: what is imported is what costs the time
(``bench/startup.py`` measures it).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from cli_support import PASSWORDS, Cli, Fed

from accord.cli import app
from accord.cli._app import COMMANDS
from accord.cli._lazy import LazyGroup

# Runs `accord ARGS...` in this interpreter, then reports on standard error which modules
# were imported (after the output, so a command's own text never mixes with it).
_PROBE = """
import json, sys
import accord.cli._main
from accord.cli import main
accord.cli._main.QUICK_EXIT = False  # the report below needs the process after the command
sys.argv = ["accord", *sys.argv[1:]]
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
sys.stderr.write("\\nLOADED " + json.dumps({"code": code, "modules": sorted(sys.modules)}) + "\\n")
"""

# Never needed to print the command list: the node and everything under it.
_NOT_FOR_HELP = (
    "accord.node",
    "accord.store",
    "accord.crypto",
    "accord.exchange",
    "sqlalchemy",
    "cryptography",
    "pydantic",
    "argon2",
    "lxml",
)
# Never needed to list items: the HTTP stack, the interop formats, the console, the PDF
# writer, migrations, and what only tests and benchmarks use.
_NOT_FOR_LISTING = (
    "accord.api",
    "accord.web",
    "accord.interop",
    "accord.oversight._pdf_document",
    "cryptography.x509",  # the TLS helpers' (accord.crypto._tls): a listing makes no certificate
    # The exchange's wings, wired on first use (accord.node._wings), and the serving loops.
    "accord.node.transfer",
    "accord.node.custody",
    "accord.node.originator",
    "accord.node.audit._witness",
    "accord.node._worker",
    # Item creation, search and the whole ledger's check, made on first use by the node.
    "accord.node.holdings._creating",
    "accord.node.holdings._search",
    "accord.node.holdings._search_index",
    "accord.node.audit._ledger_verify",
    "mimetypes",
    # STANAG 4778 (lxml), bundles and the peer client: accord.exchange exports lazily.
    "accord.exchange._stanag4778",
    "accord.exchange._bundle",
    "accord.exchange._client",
    "lxml",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "httpcore",
    "anyio",
    "jinja2",
    "babel",
    "alembic",
    "mako",
    "fpdf",
    "fontTools",
    "PIL",
    "signxml",
    "pymisp",
    "cedarpy",
    "hypothesis",
)
# Nor, when the console script reads the listing itself (accord.cli._list_argv) and the user
# authenticates by an API token (the way for scripts): Typer and what it brings (its vendored
# Click, pydantic to coerce parameters, the command modules), the STANAG 4774 XML codec (its
# XML modules import urllib and ssl), PostgreSQL's dialect on a SQLite node, argon2, getpass.
_NOT_FOR_A_SCRIPTS_LISTING = (
    "typer",
    "click",
    "pydantic",
    "pydantic_core",
    "accord.cli._app",
    "accord.cli._lazy",
    "accord.cli._options",
    "accord.cli._item_cmds",
    "accord.markings._xml",
    "xml.sax",
    "defusedxml",
    "sqlalchemy.dialects.postgresql",
    "psycopg",
    "argon2",
    "getpass",
)


def _imported(args: list[str], env: dict[str, str] | None = None) -> tuple[int, set[str], str]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**os.environ, **(env or {})},
    )
    marker = done.stderr.rfind("\nLOADED ")
    assert marker >= 0, done.stderr
    report = json.loads(done.stderr[marker + len("\nLOADED ") :])
    return report["code"], set(report["modules"]), done.stdout


def _under(modules: set[str], packages: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m in packages or m.startswith(tuple(p + "." for p in packages)))


def test_each_listed_help_is_the_commands_own() -> None:
    assert len({c.name for c in COMMANDS}) == len(COMMANDS)
    for spec in COMMANDS:
        command = spec.load()
        assert command.name == spec.name
        own = (command.short_help or command.help or "").split("\n\n")[0].strip()
        assert spec.summary == own, f"accord {spec.name}: COMMANDS says {spec.summary!r}, the command {own!r}"


def test_the_help_is_the_same_once_every_command_is_loaded(capsys: pytest.CaptureFixture[str]) -> None:
    group = typer.main.get_command(app)
    assert isinstance(group, LazyGroup)

    def printed() -> str:
        with group.make_context("accord", [], resilient_parsing=True) as ctx:
            group.get_help(ctx)  # Typer's rich help prints to standard output
        return capsys.readouterr().out

    listed = printed()
    assert [name for name, _ in group.commands.items()] == [c.name for c in COMMANDS]  # loads each
    assert printed() == listed
    for spec in COMMANDS:
        assert spec.name in listed


def test_an_unknown_command_is_refused_with_suggestions(cli: Cli) -> None:
    result = cli("itme", "list")
    assert result.exit_code == 2
    assert "item" in result.stderr


def test_help_imports_no_command() -> None:
    code, modules, out = _imported(["--help"])
    assert code == 0
    for spec in COMMANDS:
        assert spec.name in out
    assert _under(modules, _NOT_FOR_HELP) == []
    assert _under(modules, _NOT_FOR_LISTING) == []
    assert sorted(m for m in modules if m.startswith("accord.cli.")) == [
        "accord.cli._commands",
        "accord.cli._main",
        "accord.cli._root_help",
    ]
    # Nor Typer: its help formatter imports Rich's Markdown and traceback (accord.cli._root_help).
    assert _under(modules, ("typer", "click", "rich.markdown", "markdown_it", "rich.traceback")) == []


def test_a_group_help_imports_its_commands_only() -> None:
    code, modules, out = _imported(["item", "--help"])
    assert code == 0
    assert "export-4778" in out
    assert "list" in out
    assert "accord.cli._item_cmds" in modules
    assert "accord.cli._exchange_cmds" not in modules
    assert _under(modules, _NOT_FOR_LISTING) == []


def test_item_list_imports_neither_the_http_stack_nor_interop(fed: Fed) -> None:
    code, modules, out = _imported(
        ["--home", str(fed.jpn), "item", "list", "--as", "sato"],
        {"ACCORD_PASSWORD": PASSWORDS["sato"], "COLUMNS": "200"},  # wide enough for whole ids
    )
    assert code == 0
    assert fed.jpn_item in out  # it did list: the node was opened, sato authenticated
    assert {"accord.node", "sqlalchemy"} <= modules
    assert _under(modules, _NOT_FOR_LISTING) == []


def test_a_scripts_listing_imports_no_typer(cli: Cli, fed: Fed) -> None:
    issued = cli.json("user", "token", "sato", "--days", "1", home=fed.jpn)
    assert isinstance(issued, dict)
    code, modules, out = _imported(
        ["--home", str(fed.jpn), "item", "list", "--as", "sato", "--json"],
        {"ACCORD_TOKEN": str(issued["secret"])},
    )
    assert code == 0
    assert fed.jpn_item in out
    assert {"accord.cli._list_argv", "accord.cli._item_list", "accord.node", "sqlalchemy"} <= modules
    assert _under(modules, _NOT_FOR_LISTING) == []
    assert _under(modules, _NOT_FOR_A_SCRIPTS_LISTING) == []


def test_the_commands_that_need_them_still_load_them(fed: Fed, tmp_path: Path) -> None:
    # The lazy imports moved into the commands: export-4778 still reaches the interop package.
    code, modules, _ = _imported(
        [
            "--home",
            str(fed.jpn),
            "item",
            "export-4778",
            fed.jpn_item,
            "--as",
            "sato",
            "--out",
            str(tmp_path / "b.xml"),
        ],
        {"ACCORD_PASSWORD": PASSWORDS["sato"]},
    )
    assert code == 0
    assert "accord.interop" in modules
    assert (tmp_path / "b.xml").read_bytes().startswith(b"<")

"""Every group and command answers ``--help``; every command has help text and, if it acts on
a node, ``--home`` (with ``ACCORD_HOME``). The commands are enumerated from the Typer app, so
a new command is covered the moment it is registered."""

from __future__ import annotations

import pytest
from cli_docs import Entry, leaves, walk
from cli_support import Cli

# Commands that do not act on an existing node: they create one, run their own, or read a file.
NODE_FREE = {
    "accord init",
    "accord demo",
    "accord label show",
    "accord ledger check-proof",
    "accord oversight verify",
    "accord oversight compare",
    "accord oversight pdf",
}

ENTRIES = list(walk())
LEAVES = leaves()


def test_the_tree_is_found() -> None:
    paths = {e.path for e in ENTRIES}
    assert {
        "accord",
        "accord init",
        "accord agreement note issue",
        "accord item create",
        "accord label show",
    } <= paths
    assert {e.path for e in LEAVES} >= NODE_FREE


@pytest.mark.parametrize("entry", ENTRIES, ids=[e.path for e in ENTRIES])
def test_help_exits_0(entry: Entry, cli: Cli) -> None:
    result = cli(*entry.path.split()[1:], "--help")
    assert result.exit_code == 0, result.output
    assert "Usage" in result.stdout
    assert result.stderr == ""
    first_line = (entry.command.help or "").strip().splitlines()[0]
    assert first_line[:30] in " ".join(result.stdout.split())


@pytest.mark.parametrize("entry", LEAVES, ids=[e.path for e in LEAVES])
def test_command_has_help_and_home(entry: Entry) -> None:
    assert (entry.command.help or "").strip(), f"{entry.path} has no help text"
    for param in entry.command.params:
        assert (getattr(param, "help", None) or "").strip(), f"{entry.path}: {param.name} has no help text"
    options = {opt: p for p in entry.command.params for opt in getattr(p, "opts", [])}
    if entry.path in NODE_FREE:
        assert "--home" not in options
        return
    assert "--home" in options, f"{entry.path} acts on a node but has no --home"
    assert options["--home"].envvar == "ACCORD_HOME"

"""Every ``accord …`` command shown in README.md and docs/*.md parses with the CLI as built.

Commands are taken from the fenced code blocks of the pages (docs/cli.md is generated from the
CLI and shows usage, not commands), resolved through Typer's command tree and parsed by each
command's own parser — never executed. An unknown command or option, a missing required
option (``accord inbox`` without ``--as``) or a stray argument fails the test. The only leniency
is for a placeholder in capitals (``SEQ``) where the command takes a number.
"""

from __future__ import annotations

import functools
import re
import shlex
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
import typer.main

from accord.cli import app

_ROOT = Path(__file__).resolve().parents[2]
_PAGES = [_ROOT / "README.md", *sorted(p for p in (_ROOT / "docs").glob("*.md") if p.name != "cli.md")]
_FENCE = re.compile(r"^```[^\n]*\n(.*?)^```", re.DOTALL | re.MULTILINE)
_SHELL_OPERATORS = ("|", "||", "&&", ";", "&")
_PLACEHOLDER = re.compile(r"[A-Z][A-Z0-9_]*")


def _commands(text: str) -> Iterator[tuple[str, list[str] | None]]:
    """Each line of a code block that runs ``accord``: the line and its arguments (None if unparsable)."""
    for block in _FENCE.findall(text):
        for line in block.replace("\\\n", " ").splitlines():
            try:
                tokens = shlex.split(line, comments=True)
            except ValueError:
                # Not shell (a diagram, a note's text): only a line that runs accord must parse.
                if re.search(r"(^|[\s/])accord\s", line):
                    yield line, None
                continue
            for i, token in enumerate(tokens):
                if token == "accord" or token.endswith("/accord"):
                    argv: list[str] = []
                    for arg in tokens[i + 1 :]:
                        if arg in _SHELL_OPERATORS or arg.startswith((">", "2>", "<")):
                            break
                        argv.append(arg)
                    yield line, argv
                    break


def _shown() -> list[Any]:
    found = []
    for page in _PAGES:
        for line, argv in _commands(page.read_text(encoding="utf-8")):
            found.append(pytest.param(line, argv, id=f"{page.name}: {line.strip()[:70]}"))
    return found


@functools.cache
def _tree() -> Any:
    return typer.main.get_command(app)


def parse(argv: list[str]) -> None:
    """Resolve and parse ``accord ARGV`` down to its command, without running anything.

    Raises:
        typer.TyperException: the command line does not parse (Click's usage errors).
    """
    command: Any = _tree()
    name, args, parent = "accord", list(argv), None
    while True:
        context = command.make_context(name, args, parent=parent)
        if not hasattr(command, "resolve_command"):
            return
        rest = [*getattr(context, "_protected_args", []), *context.args]
        name, command, args = command.resolve_command(context, rest)
        parent = context


def _parses(argv: list[str]) -> None:
    try:
        parse(argv)
    except typer.Exit:  # --help or --version: printed, nothing run
        return
    except typer.BadParameter as exc:
        # A value of the wrong type, for a number, where the page shows a placeholder (SEQ);
        # a missing parameter (MissingParameter is a BadParameter too) is never excused.
        missing = type(exc).__name__ == "MissingParameter"
        numeric = exc.param is not None and exc.param.bare_type() in ("int", "float")  # type: ignore[attr-defined]
        if missing or not (numeric and any(_PLACEHOLDER.fullmatch(a) for a in argv)):
            raise


@pytest.mark.parametrize(("line", "argv"), _shown())
def test_a_command_shown_in_the_docs_parses(line: str, argv: list[str] | None) -> None:
    assert argv is not None, f"not a shell line: {line!r}"
    try:
        _parses(argv)
    except typer.TyperException as exc:
        raise AssertionError(f"`{line.strip()}` does not parse: {exc}") from exc


def test_the_pages_show_many_commands() -> None:
    assert len(_shown()) > 100


@pytest.mark.parametrize(
    "argv",
    [
        ["inbox"],  # --as is required
        ["no-such-command"],
        ["outbox", "--no-such-option"],
        ["user", "tokens", "kim", "[--json]"],
        ["agreement", "frobnicate"],
    ],
    ids=" ".join,
)
def test_a_command_that_does_not_parse_is_caught(argv: list[str]) -> None:
    with pytest.raises(typer.TyperException):
        _parses(argv)

"""Generate ``docs/cli.md``, the CLI reference, from the Typer app itself.

The reference is never written by hand: this module walks the command tree that
``typer.main.get_command(accord.cli.app)`` builds and renders every group and command —
usage, help, arguments and options — as Markdown. ``test_cli_docs.py`` fails when the
checked-in file differs from what this produces (as simonw/sqlite-utils' ``test_docs.py``).

Regenerate with::

    .venv/bin/python tests/cli/cli_docs.py
"""

from __future__ import annotations

import sys
import typing
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer.main

from accord.cli import app

DOCS_FILE = Path(__file__).resolve().parents[2] / "docs" / "cli.md"
REGENERATE = ".venv/bin/python tests/cli/cli_docs.py"

_TYPE_NAMES: dict[object, str] = {str: "TEXT", int: "INTEGER", float: "NUMBER", Path: "PATH", bool: ""}


@dataclass(frozen=True)
class Entry:
    """One node of the command tree: its full path, the Click command and its context."""

    path: str
    command: Any
    context: Any

    @property
    def is_group(self) -> bool:
        """Whether it has sub-commands."""
        return hasattr(self.command, "commands")


def walk() -> Iterator[Entry]:
    """Every group and command of ``accord``, depth first, in registration order."""
    root = typer.main.get_command(app)

    def visit(command: Any, name: str, parent: Any) -> Iterator[Entry]:
        context = command.context_class(command, info_name=name, parent=parent)
        yield Entry(context.command_path, command, context)
        for sub_name, sub in getattr(command, "commands", {}).items():
            yield from visit(sub, sub_name, context)

    yield from visit(root, "accord", None)


def leaves() -> list[Entry]:
    """Every command that does something (not a group)."""
    return [e for e in walk() if not e.is_group]


def _type_name(param: Any) -> tuple[str, bool]:
    """A parameter's value placeholder and whether it may be repeated."""
    descriptor = getattr(param, "type_descriptor", None)
    annotation = getattr(descriptor, "annotation", None)
    repeated = bool(getattr(param, "multiple", False))
    if typing.get_origin(annotation) is list:
        (annotation,) = typing.get_args(annotation)
        repeated = True
    return _TYPE_NAMES.get(annotation, "VALUE"), repeated


def _cell(text: str | None) -> str:
    return (text or "").replace("|", "\\|").replace("\n", " ").strip()


def _usage(entry: Entry) -> str:
    pieces = ["[OPTIONS]"]
    for param in entry.command.params:
        if getattr(param, "param_type_name", "") == "argument":
            pieces.append(param.name.upper())
    if entry.is_group:
        pieces.append("COMMAND [ARGS]...")
    return f"{entry.path} {' '.join(pieces)}"


def _arguments(entry: Entry) -> list[str]:
    rows = [
        f"| `{p.name.upper()}` | {_type_name(p)[0]} | {'yes' if p.required else 'no'} | {_cell(p.help)} |"
        for p in entry.command.params
        if getattr(p, "param_type_name", "") == "argument"
    ]
    if not rows:
        return []
    return [
        "**Arguments**",
        "",
        "| argument | type | required | description |",
        "|---|---|---|---|",
        *rows,
        "",
    ]


def _options(entry: Entry) -> list[str]:
    rows = []
    for p in entry.command.params:
        if getattr(p, "param_type_name", "") != "option" or getattr(p, "hidden", False):
            continue
        kind, repeated = _type_name(p)
        name = ", ".join(f"`{o}`" for o in [*p.opts, *p.secondary_opts])
        value = "flag" if getattr(p, "is_flag", False) else kind + (" (repeatable)" if repeated else "")
        notes = []
        if p.required:
            notes.append("required")
        elif p.default not in (None, False, "", ()) and not getattr(p, "is_flag", False):
            notes.append(f"default `{p.default}`")
        if p.envvar:
            notes.append(f"env `{p.envvar}`")
        rows.append(f"| {name} | {value} | {'; '.join(notes)} | {_cell(p.help)} |")
    rows.append("| `--help` | flag |  | Show the help and exit. |")
    return ["**Options**", "", "| option | value | notes | description |", "|---|---|---|---|", *rows, ""]


def render() -> str:
    """The whole reference as Markdown."""
    entries = list(walk())
    out = [
        "# `accord` command-line reference",
        "",
        f"<!-- Generated from accord.cli.app by tests/cli/cli_docs.py; do not edit. Run: {REGENERATE} -->",
        "",
        "Every command exits 0 on success and non-zero with a one-line reason on standard error",
        "when it refuses (the exit codes are `accord.cli._common.EXIT_CODES`: 3 invalid input,",
        "4 not found, 5 conflict, 6 verification failed, 7 policy denied, 8 agreement state,",
        "9 integrity, 10 storage, 11 transport, 1 any other Accord error, 2 a usage error).",
        "A command that acts on a node takes `--home DIR` or reads `ACCORD_HOME`. A command that",
        "acts for a person takes `--as USER` and authenticates USER before anything else: with the",
        "API token in `ACCORD_TOKEN`, else the password in `ACCORD_PASSWORD`, else a hidden prompt",
        "when standard input is a terminal; otherwise it exits 7 (see `docs/accounts.md`).",
        "",
        "## Commands",
        "",
    ]
    for entry in entries[1:]:
        depth = entry.path.count(" ") - 1
        summary = _cell((entry.command.help or "").split("\n\n")[0])
        anchor = entry.path.replace(" ", "-")
        out.append(f"{'  ' * depth}- [`{entry.path}`](#{anchor}) — {summary}")
    out.append("")
    for entry in entries:
        level = "##" if entry.path.count(" ") < 2 else "###"
        out += [
            f'<a id="{entry.path.replace(" ", "-")}"></a>',
            "",
            f"{level} `{entry.path}`",
            "",
            _cell(entry.command.help) if entry.command.help else "",
            "",
            "```",
            _usage(entry),
            "```",
            "",
        ]
        if entry.is_group:
            out += ["| command | description |", "|---|---|"]
            for name, sub in entry.command.commands.items():
                out.append(f"| `{name}` | {_cell((sub.help or '').split(chr(10) * 2)[0])} |")
            out.append("")
        else:
            out += _arguments(entry) + _options(entry)
    return "\n".join(out).rstrip("\n") + "\n"


def main() -> int:
    """Write ``docs/cli.md``."""
    DOCS_FILE.write_text(render(), encoding="utf-8")
    sys.stdout.write(f"wrote {DOCS_FILE}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

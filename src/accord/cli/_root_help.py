"""``accord --help`` printed with Rich alone, as Typer prints it, without importing Typer.

Typer's help formatter (``typer.rich_utils``) imports Rich's Markdown renderer, its traceback
and syntax highlighting whatever the help needs: two thirds of the root help's CPU time
(bench/RESULTS.md, "Start-up"). The root help is made of known parts — usage, the app's help,
the options ``--home`` and ``--help``, and every command of :data:`COMMANDS` with its one-line
help — so it is drawn here with the same Rich tables, panels, styles and highlighting as
``typer.rich_utils.rich_format_help`` (Typer 0.29), from the same texts.

``tests/cli/test_cli_root_help.py`` checks that the output is byte for byte Typer's own, plain
and in colour and at several widths, and that it lists every command with its one-line help.
"""

from __future__ import annotations

import os
import sys

from rich.align import Align
from rich.columns import Columns
from rich.console import Console, Group
from rich.highlighter import RegexHighlighter
from rich.padding import Padding
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from rich.theme import Theme

from accord.cli._commands import COMMANDS, HOME_HELP, ROOT_HELP

__all__ = ["print_root_help"]

USAGE = "Usage: accord [OPTIONS] COMMAND [ARGS]..."
OPTIONS = (("--home", "<path>", HOME_HELP), ("--help", "<bool>", "Show this message and exit."))
"""The root command's options as Typer lists them: name, type, help."""


class _OptionHighlighter(RegexHighlighter):
    # typer.rich_utils.OptionHighlighter
    highlights = [  # noqa: RUF012 - Rich's own class attribute
        r"(^|\W)(?P<switch>\-\w+)(?![a-zA-Z0-9])",
        r"(^|\W)(?P<option>\-\-[\w\-]+)(?![a-zA-Z0-9])",
        r"(?P<types>\<[^\>]+\>)",
        r"(?P<usage>Usage: )",
    ]


class _NegativeHighlighter(RegexHighlighter):
    # typer.rich_utils.NegativeOptionHighlighter
    highlights = [  # noqa: RUF012 - Rich's own class attribute
        r"(^|\W)(?P<negative_switch>\-\w+)(?![a-zA-Z0-9])",
        r"(^|\W)(?P<negative_option>\-\-[\w\-]+)(?![a-zA-Z0-9])",
    ]


class _TypesHighlighter(RegexHighlighter):
    # typer.rich_utils.TypesHighlighter
    highlights = [  # noqa: RUF012 - Rich's own class attribute
        r"^(?P<types_sep>(\[|<))",
        r"(?P<types_sep>\|)",
        r"(?P<types_sep>(\]|>))(\.\.\.)?$",
    ]


def _console() -> Console:
    # typer.rich_utils._get_rich_console, with its settings read from the environment.
    width = os.environ.get("TERMINAL_WIDTH")
    force: bool | None = (
        True
        if os.environ.get("GITHUB_ACTIONS") or os.environ.get("FORCE_COLOR") or os.environ.get("PY_COLORS")
        else None
    )
    if os.environ.get("_TYPER_FORCE_DISABLE_TERMINAL"):
        force = False
    theme = Theme(
        {
            "option": "bold cyan",
            "switch": "bold green",
            "negative_option": "bold magenta",
            "negative_switch": "bold red",
            "types": "bold yellow",
            "types_sep": "dim",
            "usage": "yellow",
        }
    )
    return Console(
        theme=theme,
        highlighter=_OptionHighlighter(),
        color_system="auto",
        force_terminal=force,
        width=int(width) if width else None,
    )


def _grid(*, highlight: bool) -> Table:
    """The borderless table of one of the help's panels, as Typer's rich help formatter makes it."""
    return Table(
        highlight=highlight,
        show_header=False,
        expand=True,
        box=None,
        show_lines=False,
        leading=0,
        border_style=None,
        row_styles=None,
        pad_edge=False,
        padding=(0, 1),
    )


def print_root_help() -> None:
    """Print ``accord --help`` to standard output, as Typer's rich help formatter does."""
    console = _console()
    highlight = _OptionHighlighter()
    console.print(Padding(highlight(USAGE), 1), style="bold")
    console.print(Padding(Align(Group(highlight(Text.from_markup(ROOT_HELP))), pad=False), (0, 1, 1, 1)))
    options = _grid(highlight=True)
    negative, types = _NegativeHighlighter(), _TypesHighlighter()
    for name, kind, text in OPTIONS:
        options.add_row(
            highlight(name),
            highlight(""),
            negative(""),
            negative(""),
            types(Text(kind, style="bold yellow", overflow="fold")),
            Columns([highlight(Text.from_markup(text))]),
        )
    console.print(Panel(options, border_style="dim", title="Options", title_align="left"))
    commands = _grid(highlight=False)
    commands.add_column(style="bold cyan", no_wrap=True, width=max(len(c.name) for c in COMMANDS))
    commands.add_column("Description", justify="left", no_wrap=False, ratio=10)
    for command in COMMANDS:
        commands.add_row(Text(command.name), highlight(Text.from_markup(command.summary)))
    console.print(Panel(commands, border_style="dim", title="Commands", title_align="left"))
    # Click then echoes the (empty) text its formatter collected: one more line end.
    sys.stdout.write("\n")

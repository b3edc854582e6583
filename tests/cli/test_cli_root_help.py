"""``accord --help`` is printed without Typer (``accord.cli._root_help``; issue 14's start-up
target), and it is Typer's own help byte for byte: plain and in colour, at several widths,
listing every command with its one-line help.
"""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from accord.cli._commands import COMMANDS, HOME_HELP, ROOT_HELP
from accord.cli._main import is_root_help

# The console script's way: `accord --help` through accord.cli.main.
_FAST = "import sys; from accord.cli import main; sys.argv = ['accord', '--help']; main()"
# Typer's way: the app's own help, through its rich help formatter.
_TYPER = "from accord.cli._app import app; app(['--help'], prog_name='accord')"
_SCREENS = {
    "plain-80": {"COLUMNS": "80"},
    "plain-120": {"COLUMNS": "120"},
    "narrow-40": {"COLUMNS": "40"},
    "terminal-width-60": {"TERMINAL_WIDTH": "60"},
    "colour-80": {"COLUMNS": "80", "FORCE_COLOR": "1"},
    "colour-50": {"COLUMNS": "50", "PY_COLORS": "1"},
}
_ITS_OWN = ("COLUMNS", "LINES", "TERMINAL_WIDTH", "FORCE_COLOR", "PY_COLORS", "NO_COLOR", "GITHUB_ACTIONS")


def _run(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    outer = {k: v for k, v in os.environ.items() if k not in _ITS_OWN}
    return subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
        env={**outer, **env},
    )


@pytest.mark.parametrize("screen", list(_SCREENS), ids=list(_SCREENS))
def test_the_root_help_is_typers_own(screen: str) -> None:
    fast, typer = _run(_FAST, _SCREENS[screen]), _run(_TYPER, _SCREENS[screen])
    assert (fast.returncode, fast.stderr) == (0, "")
    assert typer.returncode == 0, typer.stderr
    assert fast.stdout == typer.stdout
    if "COLOR" in " ".join(_SCREENS[screen]):
        assert "\x1b[" in fast.stdout  # in colour, as Typer draws it in a terminal


def test_the_root_help_lists_every_command_with_its_one_line_help() -> None:
    out = _run(_FAST, {"COLUMNS": "400"}).stdout
    lines = [line.strip("│ ").split(None, 1) for line in out.splitlines()]
    listed = {parts[0]: parts[1].strip() for parts in lines if len(parts) == 2}
    for command in COMMANDS:
        assert listed.get(command.name) == command.summary, command.name
    assert listed.get("--home", "").endswith(HOME_HELP)
    assert ROOT_HELP in out
    assert "Usage: accord [OPTIONS] COMMAND [ARGS]..." in out


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["accord", "--help"], True),
        (["/usr/local/bin/accord", "--help"], True),
        (["accord"], False),  # no arguments: Typer's help on standard output, exit 2
        (["accord", "--help", "item"], False),
        (["accord", "item", "--help"], False),
        (["accord", "-h"], False),
        (["accord-dev", "--help"], False),  # another program name: Typer names it
    ],
    ids=lambda v: " ".join(v) if isinstance(v, list) else str(v),
)
def test_only_the_root_help_takes_the_light_path(argv: list[str], expected: bool) -> None:
    assert is_root_help(argv) is expected

"""A listing's process ends without the interpreter's teardown (``accord.cli._main``; issue 14's
start-up target), with all its output written; a command that fails, or does not opt in,
ends as usual.
"""

from __future__ import annotations

import os
import subprocess
import sys

from cli_support import PASSWORDS, Fed

# The console script's way, with a marker printed by the interpreter's ordinary exit.
_SCRIPT = """
import atexit, sys
atexit.register(lambda: sys.stderr.write("TEARDOWN\\n"))
from accord.cli import main
sys.argv = ["accord", *sys.argv[1:]]
main()
"""


def _accord(*args: str, password: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ACCORD_")}
    if password is not None:
        env["ACCORD_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-c", _SCRIPT, *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
        env={**env, "COLUMNS": "200"},
    )


def test_a_listing_ends_without_teardown_and_all_its_output_written(fed: Fed) -> None:
    done = _accord("--home", str(fed.jpn), "item", "list", "--as", "sato", password=PASSWORDS["sato"])
    assert done.returncode == 0, done.stderr
    assert fed.jpn_item in done.stdout
    assert done.stdout.splitlines()[-1] == "showing 1–1 of 1 readable"  # the last line, flushed
    assert "TEARDOWN" not in done.stderr
    as_json = _accord(
        "--home", str(fed.jpn), "item", "list", "--as", "sato", "--json", password=PASSWORDS["sato"]
    )
    assert as_json.returncode == 0
    assert as_json.stdout.rstrip().endswith("}")  # the whole document
    assert '"total": 1' in as_json.stdout
    # Read by Typer (the script's own parser leaves `007` to it): the same listing, the same end.
    by_typer = _accord(
        "--home", str(fed.jpn), "item", "list", "--as", "sato", "--limit", "007", password=PASSWORDS["sato"]
    )
    assert by_typer.returncode == 0, by_typer.stderr
    assert by_typer.stdout == done.stdout
    assert "TEARDOWN" not in by_typer.stderr


def test_a_failing_listing_and_other_commands_end_as_usual(fed: Fed) -> None:
    refused = _accord("--home", str(fed.jpn), "item", "list", "--as", "sato", "--limit", "0")
    assert refused.returncode == 2
    assert "TEARDOWN" in refused.stderr
    wrong = _accord("--home", str(fed.jpn), "item", "list", "--as", "sato", password="not the password")
    assert wrong.returncode != 0
    assert "TEARDOWN" in wrong.stderr
    other = _accord("--home", str(fed.jpn), "user", "list")
    assert other.returncode == 0, other.stderr
    assert "TEARDOWN" in other.stderr


def test_the_root_help_ends_without_teardown_and_is_whole() -> None:
    done = _accord("--help")
    assert done.returncode == 0
    assert "TEARDOWN" not in done.stderr
    assert done.stdout.splitlines()[-2].startswith("╰")  # the commands panel closed, then a blank line

"""`accord compromise report` takes exactly one of --actual and --possible (GSOMIA Art. 17).

A case is actual or possible, and the notice the originator receives says which: both
flags at once were accepted with the last one winning, and neither named only --actual.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from accord.cli import app
from support_cli import CliRunner

_REPORT = ["compromise", "report", "kor-0001", "--circumstances", "Seen on a screen.", "--as", "kim"]


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        pytest.param(["--possible", "--actual"], "give --actual or --possible, not both", id="both"),
        pytest.param(["--actual", "--possible"], "give --actual or --possible, not both", id="both-reversed"),
        pytest.param([], "give --actual or --possible", id="neither"),
    ],
)
def test_one_of_actual_or_possible_is_required(flags: list[str], message: str, tmp_path: Path) -> None:
    result = CliRunner().invoke(app, [*_REPORT, *flags, "--home", str(tmp_path / "none")])
    assert result.exit_code == 2, result.output
    assert message in " ".join(result.output.replace("│", " ").split())
    assert "Missing option" not in result.output

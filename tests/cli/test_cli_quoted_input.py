"""The CLI does not echo a huge id back: an error quotes it clipped (accord.errors.MAX_QUOTED)."""

from __future__ import annotations

import pytest
from cli_support import Cli, Fed, as_user


@pytest.mark.parametrize("command", [["item", "show"], ["consent", "approve"]])
def test_the_cli_does_not_echo_a_huge_id(cli: Cli, fed: Fed, command: list[str]) -> None:
    huge = "jpn-" + "0" * 100_000
    result = cli(*command, huge, "--as", "suzuki", home=fed.jpn, env=as_user("suzuki"))
    assert result.exit_code == 4, result.output
    assert result.stderr.count("\n") == 1
    assert "…" in result.stderr
    assert len(result.stderr) < 200

"""An ``--out`` that names a folder is the user's mistake (exit 3), not a database failure (exit 10).

docs/errors.md keeps exit 10 (StorageError) for the database; ``accord identity export --out
<existing folder>`` answered it. Every command that writes a file checks its ``--out`` before
doing anything (``check_writable``): a folder is refused there, once, for all of them.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from cli_support import Cli, Fed, as_user, journal

from accord.cli._common import EXIT_CODES
from accord.errors import InvalidInput


def _code(family: type[Exception]) -> int:
    return dict(EXIT_CODES)[family]


@pytest.mark.parametrize(
    "command",
    [
        pytest.param(["identity", "export"], id="identity-export"),
        pytest.param(["stix", "export", "{item}", "--as", "sato"], id="stix-export"),
        pytest.param(["item", "attachment", "{item}", "0", "--as", "sato"], id="item-attachment"),
        pytest.param(["ledger", "prove", "1"], id="ledger-prove"),
    ],
)
def test_an_out_that_is_a_folder_is_invalid_input(
    cli: Cli, fed: Fed, tmp_path: Path, command: list[str]
) -> None:
    folder = tmp_path / "exports"
    folder.mkdir()
    args = [a.replace("{item}", fed.jpn_item) for a in command]
    before = len(journal(fed.jpn))
    result = cli(*args, "--out", folder, home=fed.jpn, env=as_user("sato"))
    assert result.exit_code == _code(InvalidInput) == 3, result.output
    assert (
        result.stderr == f"error: cannot write {folder}: it is a folder; give the name of a file to write\n"
    )
    assert list(folder.iterdir()) == []  # nothing written into it, no .part left beside it
    assert not folder.with_name("exports.part").exists()
    assert len(journal(fed.jpn)) - before <= 1  # at most the login: nothing was exported

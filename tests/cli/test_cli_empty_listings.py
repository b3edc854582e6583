"""An empty listing prints one line saying so, not a table of headers with (or without) a line after it.

``accord outbox`` printed an empty table and then "Outbox empty."; other listings printed a
bare header row. ``print_listing(empty=…)`` now prints the line alone; ``--json`` is still ``[]``.
"""

from __future__ import annotations

import pytest
from cli_support import Cli, Fed, as_user

# (command, as whom or None: suzuki at JPN, else at KOR; the line) — each empty there.
EMPTY: list[tuple[list[str], str | None, str]] = [
    (["outbox"], None, "Outbox empty."),
    (["quarantine", "list"], None, "Nothing has been refused."),
    (["consent", "list"], "suzuki", "No consent request."),
    (["compromise", "list"], "suzuki", "No compromise case."),
    (["user", "tokens"], None, "No API token."),
]


@pytest.mark.parametrize(("command", "actor", "line"), EMPTY, ids=[" ".join(c) for c, _, _ in EMPTY])
def test_an_empty_listing_is_one_line(
    cli: Cli, fed: Fed, command: list[str], actor: str | None, line: str
) -> None:
    login = ["--as", actor] if actor else []
    env = as_user(actor) if actor else None
    home = fed.jpn if actor == "suzuki" else fed.kor
    shown = cli.ok(*command, *login, home=home, env=env)
    assert shown.stdout == line + "\n"
    assert cli.json(*command, *login, home=home, env=env) == []

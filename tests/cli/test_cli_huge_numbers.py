"""A number beyond what the database holds (64-bit integers) is bad input: exit 3 and one line.

``accord item list --offset 9223372036854775807`` used to overflow the SQLite driver and print a
Python traceback (a new user). The node bounds every number it is given
(:data:`accord.limits.MAX_NUMBER`) before any SQL, so the CLI, the user API and the console all
get the same ``InvalidInput`` (the API's side is in tests/api/test_api_user.py).
"""

from __future__ import annotations

import pytest
from cli_support import Cli, Fed, as_user

from accord.errors import InvalidInput
from accord.limits import MAX_NUMBER, bounded_number
from accord.node import Node

HUGE = ("9223372036854775807", "99999999999999999999", str(MAX_NUMBER + 1))

# (who, the command's words with {n} where the number goes)
_COMMANDS = [
    ("sato", ("item", "list", "--offset", "{n}")),
    ("sato", ("item", "list", "--limit", "{n}")),
    ("sato", ("item", "attachment", "{item}", "{n}", "--out", "{tmp}/a.bin")),
    ("suzuki", ("journal", "list", "--after", "{n}")),
    ("suzuki", ("journal", "show", "{n}")),
    (None, ("ledger", "prove", "{n}")),
    ("suzuki", ("ledger", "ack-alarm", "{n}", "--finding", "checked")),
    (None, ("ledger", "checkpoints", "--limit", "{n}")),
]


@pytest.mark.parametrize("number", HUGE)
@pytest.mark.parametrize("case", _COMMANDS, ids=[" ".join(w[:2]) + " " + w[2] for _, w in _COMMANDS])
def test_a_huge_number_is_refused_in_one_line(
    cli: Cli, fed: Fed, tmp_path: object, case: tuple[str | None, tuple[str, ...]], number: str
) -> None:
    who, words = case
    args = [w.format(n=number, item=fed.jpn_item, tmp=tmp_path) for w in words]
    if who is not None:
        args += ["--as", who]
    result = cli(*args, home=fed.jpn, env=as_user(who) if who else None)
    assert result.exit_code == 3, (args, result.stdout, result.stderr)
    assert "Traceback" not in result.output
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith("error:"), line


@pytest.mark.parametrize(
    ("value", "least", "accepted"),
    [(0, 0, True), (MAX_NUMBER, 0, True), (MAX_NUMBER + 1, 0, False), (2**63 - 1, 0, False), (-1, 0, False),
     (0, 1, False), (10**30, 1, False)],
)  # fmt: skip
def test_bounded_number(value: int, least: int, accepted: bool) -> None:
    if accepted:
        assert bounded_number(value, "n", least=least) == value
    else:
        with pytest.raises(InvalidInput, match="n must be"):
            bounded_number(value, "n", least=least)


def test_the_node_refuses_before_sql(fed: Fed) -> None:
    node = Node.open(fed.jpn)
    try:
        for call in (
            lambda: node.items.listing(actor="sato", limit=20, offset=2**63 - 1),
            lambda: node.items.listing(actor="sato", limit=2**63 - 1),
            lambda: node.journal.listing(actor="suzuki", after=10**20),
            lambda: node.items.attachment(fed.jpn_item, 10**20, actor="sato"),
        ):
            with pytest.raises(InvalidInput, match="must be at most"):
                call()
    finally:
        node.close()

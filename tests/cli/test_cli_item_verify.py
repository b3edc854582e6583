"""``accord item verify``: the auditor's check of every stored item, whoever may read it (exit 9 on damage).

Regression (new-user test, session 16): an item whose need-to-know was altered to a topic
nobody holds was answered "no item" to its readers and every check reported the node fine.
"""

from __future__ import annotations

import json

from cli_support import Cli, Fed, as_user

from accord.cli._common import EXIT_CODES
from accord.errors import IntegrityError, NotFound
from accord.node import Node
from accord.store import ItemRow


def _code(family: type[Exception]) -> int:
    return next(c for f, c in EXIT_CODES if issubclass(family, f))


def _need_to_know_nobody_holds(fed: Fed) -> None:
    node = Node.open(fed.jpn)
    try:
        with node.ctx.db.transaction() as session:
            row = session.get_one(ItemRow, fed.jpn_item)
            marking = json.loads(row.marking_json)
            (ntk,) = [c for c in marking["originator"]["categories"] if c["tag_name"] == "Need To Know"]
            ntk["values"] = ["NOBODY-HOLDS-THIS"]
            row.marking_json = json.dumps(marking, ensure_ascii=False)
    finally:
        node.close()


def test_intact_holdings_verify(cli: Cli, fed: Fed) -> None:
    result = cli("item", "verify", home=fed.jpn)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("Holdings intact: ")


def test_a_label_altered_to_deny_everyone_is_named_by_the_check(cli: Cli, fed: Fed) -> None:
    _need_to_know_nobody_holds(fed)
    shown = cli("item", "show", fed.jpn_item, "--as", "sato", home=fed.jpn, env=as_user("sato"))
    assert shown.exit_code == _code(NotFound)  # the reader is still told nothing
    assert fed.jpn_item in shown.stderr  # the id they asked for, as for any missing item
    result = cli("item", "verify", home=fed.jpn)
    assert result.exit_code == _code(IntegrityError)
    assert f"damaged: item {fed.jpn_item}:" in result.stderr
    as_json = cli("item", "verify", "--json", home=fed.jpn)
    assert as_json.exit_code == _code(IntegrityError)
    report = json.loads(as_json.stdout)
    assert (report["ok"], [d["id"] for d in report["damaged"]]) == (False, [fed.jpn_item])
    alarms = cli("ledger", "alarms", "--json", home=fed.jpn)
    assert alarms.exit_code == _code(IntegrityError)  # an open alarm, for the officers
    assert [a["kind"] for a in json.loads(alarms.stdout)] == ["item-damaged"]

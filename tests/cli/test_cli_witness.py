"""`accord ledger publish | witnesses | alarms`: offering our checkpoint, seeing the witnesses."""

from __future__ import annotations

from cli_support import Cli, Fed


def test_publish_offers_the_checkpoint_once(cli: Cli, fed: Fed) -> None:
    first = cli.json("ledger", "publish", home=fed.jpn)
    assert isinstance(first, dict)
    assert first["to"] == ["kor-mnd"]
    assert isinstance(first["size"], int)
    assert first["size"] > 0
    outbox = cli.json("outbox", home=fed.jpn)
    assert isinstance(outbox, list)
    assert any(entry["item_id"] is None and entry["peer"] == "kor-mnd" for entry in outbox)
    shown = cli.json("ledger", "witnesses", home=fed.jpn)
    assert isinstance(shown, list)
    [kor] = shown
    assert kor["node"] == "kor-mnd"
    assert kor["published"]["size"] == first["size"]
    assert kor["seen"] is None
    assert kor["countersigned"] is None
    assert "kor-mnd" in cli.ok("ledger", "witnesses", home=fed.jpn).stdout


def test_alarms_are_listed_and_none_at_first(cli: Cli, fed: Fed) -> None:
    assert cli.json("ledger", "alarms", home=fed.kor) == []
    assert "No alarm" in cli.ok("ledger", "alarms", home=fed.kor).stdout

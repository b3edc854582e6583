"""`accord journal list|show` and `accord ledger ack-alarm` (issue 10, items 17 and 20)."""

from __future__ import annotations

from cli_support import Cli, Fed, as_user

from accord.node import Node
from accord.store import WitnessAlarmRow


def test_an_officer_finds_why_an_action_was_refused(cli: Cli, fed: Fed) -> None:
    # At JPN, sato is refused a release (an analyst may not send).
    refused = cli("send", fed.jpn_item, "--to", "KOR", "--as", "sato", home=fed.jpn, env=as_user("sato"))
    assert refused.exit_code == 7
    page = cli.json(
        "journal",
        "list",
        "--refusals",
        "--actor",
        "sato",
        "--as",
        "suzuki",
        home=fed.jpn,
        env=as_user("suzuki"),
    )
    assert isinstance(page, dict)
    [event] = page["events"]
    assert (event["action"], event["outcome"], event["item_id"]) == ("item.send", "refused", fed.jpn_item)
    assert "the analyst role may not release items" in event["detail"]["reason"]
    assert page["next_after"] is None
    text = cli.ok(
        "journal", "list", "--refusals", "--as", "suzuki", home=fed.jpn, env=as_user("suzuki")
    ).stdout
    assert "item.send" in text
    assert "refused" in text
    shown = cli.json(
        "journal", "show", str(event["seq"]), "--as", "suzuki", home=fed.jpn, env=as_user("suzuki")
    )
    assert shown == {**event, "leaf": shown["leaf"]}  # type: ignore[index]
    assert (
        "may not release"
        in cli.ok(
            "journal", "show", str(event["seq"]), "--as", "suzuki", home=fed.jpn, env=as_user("suzuki")
        ).stdout
    )


def test_pages_continue_with_after(cli: Cli, fed: Fed) -> None:
    first = cli.json("journal", "list", "--limit", "2", "--as", "suzuki", home=fed.jpn, env=as_user("suzuki"))
    assert isinstance(first, dict)
    assert [e["seq"] for e in first["events"]] == [1, 2]
    assert first["next_after"] == 2
    text = cli.ok(
        "journal", "list", "--limit", "2", "--as", "suzuki", home=fed.jpn, env=as_user("suzuki")
    ).stdout
    assert "More: --after 2" in text
    second = cli.json(
        "journal",
        "list",
        "--limit",
        "2",
        "--after",
        "2",
        "--as",
        "suzuki",
        home=fed.jpn,
        env=as_user("suzuki"),
    )
    assert [e["seq"] for e in second["events"]] == [3, 4]  # type: ignore[index]


def test_bad_journal_requests_exit_with_their_reason(cli: Cli, fed: Fed) -> None:
    who = ("--as", "suzuki")
    bad_since = cli("journal", "list", "--since", "last week", *who, home=fed.jpn, env=as_user("suzuki"))
    assert bad_since.exit_code == 3
    assert "--since 'last week'" in bad_since.stderr
    assert cli("journal", "list", "--limit", "0", *who, home=fed.jpn, env=as_user("suzuki")).exit_code == 3
    assert cli("journal", "show", "999999", *who, home=fed.jpn, env=as_user("suzuki")).exit_code == 4
    analyst = cli("journal", "list", "--as", "sato", home=fed.jpn, env=as_user("sato"))
    assert analyst.exit_code == 7
    assert "the analyst role may not read the journal" in analyst.stderr


def _alarm_at(home: object) -> int:
    """An alarm row as the witness stores one (the evidence does not matter to acknowledging it)."""
    node = Node.open(home)  # type: ignore[arg-type]
    try:
        with node.ctx.db.transaction() as session:
            row = WitnessAlarmRow(
                origin="jpn-mod",
                kind="fork",
                reason="two roots for size 7",
                held_json="{}",
                presented_json="{}",
                message_id="m-1",
                detected_at="2026-11-25T09:00:00.000000Z",
            )
            session.add(row)
            session.flush()
            return row.id
    finally:
        node.close()


def test_an_officer_acknowledges_an_alarm_and_the_listing_says_so(cli: Cli, fed: Fed) -> None:
    alarm = _alarm_at(fed.jpn)
    listing = cli("ledger", "alarms", home=fed.jpn)
    assert listing.exit_code == 9  # an open alarm fails the check (issue 10 item 5)
    assert "open" in listing.stdout
    denied = cli(
        "ledger", "ack-alarm", str(alarm), "--finding", "x", "--as", "sato", home=fed.jpn, env=as_user("sato")
    )
    assert denied.exit_code == 7
    assert "analyst role may not acknowledge a ledger alarm" in denied.stderr
    acked = cli.json(
        "ledger", "ack-alarm", str(alarm), "--finding", "Backup restored at JPN; confirmed by phone.",
        "--as", "suzuki", home=fed.jpn, env=as_user("suzuki"),
    )  # fmt: skip
    assert isinstance(acked, dict)
    assert acked["status"] == "acknowledged"
    assert acked["acknowledged"]["by"] == "suzuki"
    [listed] = cli.json("ledger", "alarms", home=fed.jpn)  # type: ignore[misc]
    assert listed["acknowledged"]["finding"] == "Backup restored at JPN; confirmed by phone."
    closed = cli.ok("ledger", "alarms", home=fed.jpn)  # acknowledged: on record, exit 0
    assert "acknowledged by suzuki" in closed.stdout
    again = cli(
        "ledger",
        "ack-alarm",
        str(alarm),
        "--finding",
        "again",
        "--as",
        "suzuki",
        home=fed.jpn,
        env=as_user("suzuki"),
    )
    assert again.exit_code == 5
    missing = cli(
        "ledger", "ack-alarm", "999", "--finding", "x", "--as", "suzuki", home=fed.jpn, env=as_user("suzuki")
    )
    assert missing.exit_code == 4

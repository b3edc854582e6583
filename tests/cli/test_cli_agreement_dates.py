"""``agreement status`` and notes count the parties' days (issue 10 item 6)."""

from __future__ import annotations

from cli_support import AGREEMENT_ID, Cli, Fed


def test_status_names_the_zone_and_the_counting_rule(cli: Cli, fed: Fed) -> None:
    status = cli.json("agreement", "status", AGREEMENT_ID, "--at", "2020-01-01", home=fed.jpn)
    assert isinstance(status, dict)
    assert status["time_zone"] == "Asia/Seoul"
    assert status["notice_deadline"] == "2020-08-25"
    rule = str(status["notice_rule"])
    assert "D ≤ A − 90 days, counted in calendar days in Asia/Seoul" in rule
    text = cli.ok("agreement", "status", AGREEMENT_ID, "--at", "2020-01-01", home=fed.jpn).stdout
    assert f"renews 2020-11-23 unless notice is given by 2020-08-25 ({rule})" in text


def test_a_late_notice_is_warned_at_both_nodes(cli: Cli, fed: Fed) -> None:
    note = fed.root / "KOR.late.json"
    issued = cli.ok(
        "agreement", "note", "issue", AGREEMENT_ID, "--kind", "termination-notice",
        "--date", "2019-08-26", "--out", note, home=fed.kor,
    )  # fmt: skip
    expected = (
        "warning: the termination notice by KOR dated 2019-08-26 is after the deadline for "
        "2019-11-23: the agreement renews then and terminates 2020-11-23"
    )
    assert expected in issued.stderr
    recorded = cli.ok("agreement", "note", "import", note, home=fed.jpn)
    assert expected in recorded.stderr
    status = cli.json("agreement", "status", AGREEMENT_ID, "--at", "2019-09-01", home=fed.jpn)
    assert isinstance(status, dict)
    assert (status["terminates_on"], status["missed_term_end"]) == ("2020-11-23", "2019-11-23")
    assert str(status["late_notice_warning"]).startswith(expected.removeprefix("warning: "))


def test_a_notice_in_time_is_not_warned_as_late(cli: Cli, fed: Fed) -> None:
    issued = cli.ok(
        "agreement", "note", "issue", AGREEMENT_ID, "--kind", "termination-notice",
        "--date", "2019-08-25", home=fed.kor,
    )  # fmt: skip
    assert "after the deadline" not in issued.stderr
    # In time for 2019-11-23, but given years after its date: it is backdated, and that is said.
    assert len(issued.stderr.splitlines()) == 1
    assert issued.stderr.startswith("warning: note note-")
    assert "(termination-notice by KOR) is dated 2019-08-25" in issued.stderr
    assert "as of today the agreement is terminated (terminated on 2019-11-23)" in issued.stderr


def test_a_backdated_notice_is_warned_at_both_nodes(cli: Cli, fed: Fed) -> None:
    note = fed.root / "KOR.backdated.json"
    issued = cli.ok(
        "agreement", "note", "issue", AGREEMENT_ID, "--kind", "termination-notice",
        "--date", "2020-01-01", "--out", note, home=fed.kor,
    )  # fmt: skip
    recorded = cli.ok("agreement", "note", "import", note, home=fed.jpn)
    for result in (issued, recorded):
        assert "is dated 2020-01-01" in result.stderr
        assert (
            "it counts from that date, and as of today the agreement is terminated (terminated on 2020-11-23)"
            in (result.stderr.replace("\n", ""))
        )

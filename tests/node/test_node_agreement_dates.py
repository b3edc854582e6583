"""The agreement's day is the parties' day (issue 10 item 6): Art. 21 counts in Asia/Seoul, not UTC.

The Japan–ROK example names ``time_zone = "Asia/Seoul"`` (Seoul and Tokyo are both UTC+9): a
termination on a date takes effect at 00:00 there, i.e. at 15:00 UTC the day before.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from support_node import FederationLike, events

from accord.agreements import NoteKind, State
from accord.errors import AgreementStateError
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, Node, NoteDraft

NOTICE_DAY = date(2026, 11, 25)  # the federation's clock: 2026-11-25 09:00 UTC (18:00 KST)
ENDS = date(2027, 11, 23)  # the next anniversary of entry into force (2016-11-23)


def _item(node: Node, aid: str) -> str:
    return node.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "report", "text", "Assessment"),
            LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement=aid),
            Precedence.ROUTINE,
        ),
        actor="sato",
    ).id


def _terminate(federation: FederationLike) -> None:
    notice = federation.kor.agreements.issue_note(
        federation.agreement_id, NoteDraft(NoteKind.TERMINATION_NOTICE, on=NOTICE_DAY), actor="authority"
    )
    federation.jpn.agreements.import_note(notice.to_json(), actor="authority")


def test_a_release_at_01_05_kst_on_the_termination_day_is_refused(federation: FederationLike) -> None:
    jpn, aid = federation.jpn, federation.agreement_id
    item = _item(jpn, aid)
    _terminate(federation)
    # 2027-11-22 14:59 UTC is 23:59 KST the day before: still in force, the release is queued.
    federation.clock.now = datetime(2027, 11, 22, 14, 59, tzinfo=UTC)
    assert jpn.agreements.status(aid, federation.clock.now).state is State.NOTICE_GIVEN
    assert len(jpn.sending.send(item, to="KOR", actor="sato")) == 1
    # 16:05 UTC is 01:05 KST on 2027-11-23: terminated at 00:00 Seoul time, although the
    # UTC date is still 2027-11-22.
    federation.clock.now = datetime(2027, 11, 22, 16, 5, tzinfo=UTC)
    with pytest.raises(AgreementStateError, match=r"terminated on 2027-11-23 in Asia/Seoul: .*\(Art\. 21\)"):
        jpn.sending.send(item, to="KOR", actor="sato")
    status = jpn.agreements.status(aid, federation.clock.now)
    assert (status.state, status.at, status.terminates_on) == (State.TERMINATED, ENDS, ENDS)


def test_today_for_notes_is_the_parties_date(federation: FederationLike) -> None:
    kor, aid = federation.kor, federation.agreement_id
    federation.clock.now = datetime(2026, 12, 31, 15, 30, tzinfo=UTC)  # 2027-01-01 00:30 KST
    assert kor.agreements.today(aid) == date(2027, 1, 1)
    # A note dated the Seoul date is not "after today", although UTC is still on 2026-12-31.
    kor.agreements.issue_note(
        aid, NoteDraft(NoteKind.TERMINATION_NOTICE, on=date(2027, 1, 1)), actor="authority"
    )


def test_a_late_notice_is_journalled_with_a_warning(federation: FederationLike) -> None:
    kor, jpn, aid = federation.kor, federation.jpn, federation.agreement_id
    federation.clock.now = datetime(2027, 9, 1, 3, 0, tzinfo=UTC)  # after the 2027-08-25 deadline
    notice = kor.agreements.issue_note(
        aid, NoteDraft(NoteKind.TERMINATION_NOTICE, on=date(2027, 9, 1)), actor="authority"
    )
    jpn.agreements.import_note(notice.to_json(), actor="authority")
    for node, action in ((kor, "agreement.note"), (jpn, "agreement.note-import")):
        event = next(e for e in reversed(events(node)) if e.action == action)
        warning = str(event.detail["warning"])
        assert warning.startswith(
            "the termination notice by KOR dated 2027-09-01 is after the deadline for 2027-11-23: "
            "the agreement renews then and terminates 2028-11-23"
        )
        assert node.agreements.status(aid, federation.clock.now).late_notice_warning == warning


def test_a_backdated_notice_is_recorded_with_a_warning_at_both_nodes(federation: FederationLike) -> None:
    kor, jpn, aid = federation.kor, federation.jpn, federation.agreement_id
    backdated = date(2019, 6, 1)  # before the 2019-11-23 anniversary's deadline: it ended then
    notice = kor.agreements.issue_note(
        aid, NoteDraft(NoteKind.TERMINATION_NOTICE, on=backdated), actor="authority"
    )
    jpn.agreements.import_note(notice.to_json(), actor="authority")
    days = (NOTICE_DAY - backdated).days
    for node, action in ((kor, "agreement.note"), (jpn, "agreement.note-import")):
        event = next(e for e in reversed(events(node)) if e.action == action)
        assert event.detail["warning"] == (
            f"note {notice.note.id} (termination-notice by KOR) is dated 2019-06-01, {days} days before "
            "today (2026-11-25 in Asia/Seoul): it counts from that date, and as of today the agreement "
            "is terminated (terminated on 2019-11-23)"
        )
        assert node.agreements.note_warning(notice.note) == event.detail["warning"]


def test_a_note_of_a_few_days_ago_is_not_backdated(federation: FederationLike) -> None:
    kor, aid = federation.kor, federation.agreement_id
    recent = kor.agreements.issue_note(
        aid, NoteDraft(NoteKind.TERMINATION_NOTICE, on=date(2026, 11, 18)), actor="authority"
    )
    # Late for the 2026-11-23 anniversary (Art. 21), which is said; a week back is not backdated.
    warning = str(next(e for e in reversed(events(kor)) if e.action == "agreement.note").detail["warning"])
    assert warning.startswith("the termination notice by KOR dated 2026-11-18 is after the deadline")
    assert "before today" not in warning
    assert kor.agreements.note_warning(recent.note) == warning


@pytest.mark.parametrize(
    ("on", "refusal"),
    [
        # The entry-into-force notes are the last recorded: nothing may come before them.
        pytest.param(
            date(2016, 1, 1), r"dated before the last note \(2016-11-23\)", id="before-entry-into-force"
        ),
        pytest.param(date(2016, 11, 22), r"dated before the last note \(2016-11-23\)", id="the-day-before"),
    ],
)
def test_a_notice_before_the_agreement_or_its_last_note_is_refused(
    federation: FederationLike, on: date, refusal: str
) -> None:
    kor, aid = federation.kor, federation.agreement_id
    with pytest.raises(AgreementStateError, match=refusal):
        kor.agreements.issue_note(aid, NoteDraft(NoteKind.TERMINATION_NOTICE, on=on), actor="authority")


def test_a_note_before_the_last_recorded_one_is_refused(federation: FederationLike) -> None:
    kor, aid = federation.kor, federation.agreement_id
    kor.agreements.issue_note(
        aid, NoteDraft(NoteKind.TERMINATION_NOTICE, on=date(2026, 11, 20)), actor="authority"
    )
    amendment = NoteDraft(NoteKind.AMENDMENT, on=date(2026, 11, 19), amendment_digest="0" * 96)
    with pytest.raises(AgreementStateError, match=r"dated before the last note \(2026-11-20\)"):
        kor.agreements.issue_note(aid, amendment, actor="authority")

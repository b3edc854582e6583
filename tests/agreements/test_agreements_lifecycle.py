"""The Art. 21 lifecycle, replayed on the real history of the Japan–ROK GSOMIA.

Entry into force 2016-11-23; ROK notice of termination 2019-08-23 (effective 2019-11-23
00:00); ROK suspension of that notice 2019-11-22; withdrawal of both notes 2023-03-21.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.agreements import Agreement, Note, NoteKind, State, check_note, status
from accord.errors import AgreementStateError, InvalidInput

EIF, TERMINATE, SUSPEND, WITHDRAW, AMEND = (
    NoteKind.ENTRY_INTO_FORCE,
    NoteKind.TERMINATION_NOTICE,
    NoteKind.SUSPEND_NOTICE,
    NoteKind.WITHDRAW_NOTICE,
    NoteKind.AMENDMENT,
)
DIGEST = "ab" * 48


def d(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def note(
    kind: NoteKind,
    party: str,
    when: str,
    *refers_to: Note,
    digest: str | None = None,
    agreement_id: str = "JPN-KOR-GSOMIA-2016",
) -> Note:
    return Note(
        agreement_id=agreement_id,
        kind=kind,
        party=party,
        date=d(when),
        refers_to=tuple(n.id for n in refers_to),
        amendment_digest=digest,
    )


JPN_EIF = note(EIF, "JPN", "2016-11-23")
KOR_EIF = note(EIF, "KOR", "2016-11-23")
IN_FORCE = [JPN_EIF, KOR_EIF]
NOTICE = note(TERMINATE, "KOR", "2019-08-23")
SUSPENSION = note(SUSPEND, "KOR", "2019-11-22", NOTICE)
WITHDRAWAL = note(WITHDRAW, "KOR", "2023-03-21", NOTICE, SUSPENSION)
HISTORY = [*IN_FORCE, NOTICE, SUSPENSION, WITHDRAWAL]


@pytest.mark.parametrize(
    ("at", "next_renewal", "deadline"),
    [
        pytest.param("2016-11-23", "2017-11-23", "2017-08-25", id="day of entry into force"),
        pytest.param("2017-01-01", "2017-11-23", "2017-08-25", id="2017"),
        pytest.param("2017-11-23", "2018-11-23", "2018-08-25", id="renewal day: next term"),
        pytest.param("2018-06-30", "2018-11-23", "2018-08-25", id="2018"),
        pytest.param("2018-08-26", "2018-11-23", "2018-08-25", id="2018 deadline passed"),
        pytest.param("2020-02-29", "2020-11-23", "2020-08-25", id="2020 leap day"),
        pytest.param("2024-03-01", "2024-11-23", "2024-08-25", id="2024 leap year"),
        pytest.param("2025-12-31", "2026-11-23", "2026-08-25", id="2025 end of year"),
    ],
)
def test_renewal_and_notice_deadline(jpn_kor: Agreement, at: str, next_renewal: str, deadline: str) -> None:
    s = status(jpn_kor, IN_FORCE, d(at))
    assert s.state is State.IN_FORCE
    assert s.in_force_since == d("2016-11-23")
    assert s.next_renewal == d(next_renewal)
    assert s.notice_deadline == d(deadline) == d(next_renewal) - dt.timedelta(days=90)
    assert s.terminates_on is None
    assert s.new_exchange_allowed


@dataclasses.dataclass(frozen=True)
class Expected:
    """What the status says on the date asked."""

    state: State
    terminates_on: str | None = None
    pending: Note | None = None
    suspended: Note | None = None


# The real history, date by date: (notes known, date asked, what the status says)
REAL_HISTORY = [
    pytest.param([], "2016-11-22", Expected(State.DRAFT), id="no notes: draft"),
    pytest.param([JPN_EIF], "2016-11-23", Expected(State.DRAFT), id="one notification: draft"),
    pytest.param(HISTORY, "2016-11-22", Expected(State.DRAFT), id="before the notifications"),
    pytest.param(HISTORY, "2016-11-23", Expected(State.IN_FORCE), id="in force 2016-11-23"),
    pytest.param(HISTORY, "2019-08-22", Expected(State.IN_FORCE), id="day before the notice"),
    pytest.param(
        HISTORY,
        "2019-08-23",
        Expected(State.NOTICE_GIVEN, "2019-11-23", pending=NOTICE),
        id="ROK notice 2019-08-23",
    ),
    pytest.param(
        HISTORY, "2019-11-22", Expected(State.NOTICE_SUSPENDED, suspended=NOTICE), id="suspended 2019-11-22"
    ),
    pytest.param(
        HISTORY,
        "2019-11-23",
        Expected(State.NOTICE_SUSPENDED, suspended=NOTICE),
        id="no termination 2019-11-23",
    ),
    pytest.param(
        HISTORY, "2020-06-01", Expected(State.NOTICE_SUSPENDED, suspended=NOTICE), id="still in force 2020"
    ),
    pytest.param(
        HISTORY, "2022-12-31", Expected(State.NOTICE_SUSPENDED, suspended=NOTICE), id="still in force 2022"
    ),
    pytest.param(HISTORY, "2023-03-21", Expected(State.IN_FORCE), id="both notes withdrawn 2023-03-21"),
    pytest.param(HISTORY, "2025-01-01", Expected(State.IN_FORCE), id="normalised 2025"),
]


@pytest.mark.parametrize(("notes", "at", "expected"), REAL_HISTORY)
def test_real_history(jpn_kor: Agreement, notes: list[Note], at: str, expected: Expected) -> None:
    s = status(jpn_kor, notes, d(at))
    assert s.state is expected.state
    assert s.terminates_on == (d(expected.terminates_on) if expected.terminates_on else None)
    assert s.pending_notice == expected.pending
    assert s.suspended_notice == expected.suspended
    assert s.new_exchange_allowed is (expected.state is not State.DRAFT)
    assert s.protection_continues


def test_notice_summary(jpn_kor: Agreement) -> None:
    s = status(jpn_kor, HISTORY, d("2019-09-01"))
    # The summary names the hour and zone the notice takes effect in (issue 10 item 6).
    assert s.summary() == (
        "in force since 2016-11-23; notice given by KOR on 2019-08-23: terminates 2019-11-23 00:00 "
        "Asia/Seoul; protection continues after termination (Art. 21); "
        "dates are calendar days in Asia/Seoul"
    )
    assert s.late_notice_warning is None
    assert s.next_renewal is None  # the notice ends the agreement at the next anniversary
    assert s.notice_deadline is None


def test_suspended_notice_keeps_renewing(jpn_kor: Agreement) -> None:
    s = status(jpn_kor, HISTORY, d("2021-01-01"))
    assert s.next_renewal == d("2021-11-23")
    assert s.notice_deadline == d("2021-08-25")
    assert "is suspended" in s.summary()


def test_notes_are_applied_in_date_order(jpn_kor: Agreement) -> None:
    assert status(jpn_kor, list(reversed(HISTORY)), d("2020-01-01")).state is State.NOTICE_SUSPENDED


def test_counterfactual_without_suspension_terminates(jpn_kor: Agreement) -> None:
    notes = [*IN_FORCE, NOTICE]
    assert status(jpn_kor, notes, d("2019-11-22")).state is State.NOTICE_GIVEN
    s = status(jpn_kor, notes, d("2019-11-23"))  # effective 00:00
    assert s.state is State.TERMINATED
    assert s.terminates_on == d("2019-11-23")
    assert s.pending_notice == NOTICE
    assert s.protection_continues
    assert not s.new_exchange_allowed
    assert s.next_renewal is None
    assert "terminated on 2019-11-23" in s.summary()
    assert "protection continues" in s.summary()
    with pytest.raises(AgreementStateError, match="terminated on 2019-11-23"):
        check_note(jpn_kor, notes, note(SUSPEND, "KOR", "2019-11-23", NOTICE))


def test_protection_ends_only_if_the_agreement_says_so(jpn_kor: Agreement) -> None:
    mortal = dataclasses.replace(jpn_kor, protection_survives_termination=False)
    notes = [*IN_FORCE, NOTICE]
    assert status(mortal, notes, d("2019-11-22")).protection_continues
    assert not status(mortal, notes, d("2019-11-23")).protection_continues


# Issue 10 item 6: the agreement's day is the parties' day (Asia/Seoul), not UTC's.
SEOUL = ZoneInfo("Asia/Seoul")


@pytest.mark.parametrize(
    ("instant", "state"),
    [
        pytest.param(
            dt.datetime(2019, 11, 22, 23, 59, tzinfo=SEOUL), State.NOTICE_GIVEN, id="23:59 KST the day before"
        ),
        pytest.param(dt.datetime(2019, 11, 23, 0, 0, tzinfo=SEOUL), State.TERMINATED, id="00:00 KST"),
        pytest.param(dt.datetime(2019, 11, 23, 1, 5, tzinfo=SEOUL), State.TERMINATED, id="01:05 KST"),
        pytest.param(dt.datetime(2019, 11, 22, 16, 5, tzinfo=dt.UTC), State.TERMINATED, id="16:05 UTC"),
        pytest.param(
            dt.datetime(2019, 11, 23, 0, 5, tzinfo=ZoneInfo("Asia/Tokyo")), State.TERMINATED, id="00:05 JST"
        ),
        pytest.param(
            dt.datetime(2019, 11, 22, 14, 59, tzinfo=dt.UTC), State.NOTICE_GIVEN, id="14:59 UTC = 23:59 KST"
        ),
    ],
)
def test_termination_takes_effect_at_midnight_in_the_parties_zone(
    jpn_kor: Agreement, instant: dt.datetime, state: State
) -> None:
    s = status(jpn_kor, [*IN_FORCE, NOTICE], instant)
    assert s.state is state
    assert s.at == instant.astimezone(SEOUL).date()
    assert s.time_zone == "Asia/Seoul"


def test_entry_into_force_and_renewal_count_in_the_parties_zone(jpn_kor: Agreement) -> None:
    # 2016-11-22 16:00 UTC is already 2016-11-23 in Seoul: the agreement is in force.
    assert status(jpn_kor, IN_FORCE, dt.datetime(2016, 11, 22, 16, 0, tzinfo=dt.UTC)).state is State.IN_FORCE
    assert status(jpn_kor, IN_FORCE, dt.datetime(2016, 11, 22, 14, 0, tzinfo=dt.UTC)).state is State.DRAFT
    # The next renewal is asked about on the Seoul date (2017-11-23 at 00:30 KST).
    s = status(jpn_kor, IN_FORCE, dt.datetime(2017, 11, 22, 15, 30, tzinfo=dt.UTC))
    assert s.next_renewal == d("2018-11-23")


def test_a_file_without_time_zone_keeps_utc_days(jpn_kor: Agreement) -> None:
    legacy = dataclasses.replace(jpn_kor, time_zone="UTC")
    at = dt.datetime(2019, 11, 23, 1, 5, tzinfo=SEOUL)  # 2019-11-22 16:05 UTC
    assert status(legacy, [*IN_FORCE, NOTICE], at).state is State.NOTICE_GIVEN
    assert "dates are calendar days in UTC" in status(legacy, IN_FORCE, at).summary()


def test_a_naive_instant_is_refused(jpn_kor: Agreement) -> None:
    with pytest.raises(InvalidInput, match="no time zone"):
        status(jpn_kor, IN_FORCE, dt.datetime(2019, 11, 23, 1, 5))


def test_the_status_shows_the_counting_rule_of_the_notice_deadline(jpn_kor: Agreement) -> None:
    s = status(jpn_kor, IN_FORCE, d("2020-01-01"))
    rule = (
        "Art. 21: a notice given on day D ends the agreement at 00:00 on the first anniversary A of "
        "entry into force with D ≤ A − 90 days, counted in calendar days in Asia/Seoul; a later notice "
        "takes effect a term later"
    )
    assert s.notice_rule == rule
    assert s.summary() == (
        f"in force since 2016-11-23; renews 2020-11-23 unless notice is given by 2020-08-25 ({rule}); "
        "protection continues after termination (Art. 21); dates are calendar days in Asia/Seoul"
    )


def test_a_late_notice_is_flagged(jpn_kor: Agreement) -> None:
    late = note(TERMINATE, "KOR", "2019-08-26")  # the day after the deadline for 2019-11-23
    s = status(jpn_kor, [*IN_FORCE, late], d("2019-08-26"))
    assert s.missed_term_end == d("2019-11-23")
    assert s.terminates_on == d("2020-11-23")
    warning = s.late_notice_warning
    assert warning is not None
    assert warning.startswith(
        "the termination notice by KOR dated 2019-08-26 is after the deadline for 2019-11-23: "
        "the agreement renews then and terminates 2020-11-23 (Art. 21: "
    )
    assert "after the deadline for 2019-11-23: terminates 2020-11-23 00:00 Asia/Seoul" in s.summary()
    # On the deadline itself the notice is in time.
    in_time = status(jpn_kor, [*IN_FORCE, note(TERMINATE, "KOR", "2019-08-25")], d("2019-08-25"))
    assert (in_time.missed_term_end, in_time.late_notice_warning) == (None, None)


def test_late_notice_terminates_a_year_later(jpn_kor: Agreement) -> None:
    late = note(TERMINATE, "KOR", "2019-08-26")  # the day after the deadline
    s = status(jpn_kor, [*IN_FORCE, late], d("2019-09-01"))
    assert s.state is State.NOTICE_GIVEN
    assert s.terminates_on == d("2020-11-23")
    assert s.next_renewal == d("2019-11-23")  # it still renews once
    assert status(jpn_kor, [*IN_FORCE, late], d("2020-11-22")).state is State.NOTICE_GIVEN
    assert status(jpn_kor, [*IN_FORCE, late], d("2020-11-23")).state is State.TERMINATED


def test_withdrawing_only_the_suspension_revives_the_notice(jpn_kor: Agreement) -> None:
    revive = note(WITHDRAW, "KOR", "2020-03-01", SUSPENSION)
    notes = [*IN_FORCE, NOTICE, SUSPENSION, revive]
    s = status(jpn_kor, notes, d("2020-03-01"))
    assert s.state is State.NOTICE_GIVEN
    assert s.terminates_on == d("2020-11-23")
    assert status(jpn_kor, notes, d("2020-11-23")).state is State.TERMINATED


def test_without_renewal_it_ends_after_the_first_term(jpn_kor: Agreement) -> None:
    fixed = dataclasses.replace(jpn_kor, automatic_renewal=False, term_years=2)
    s = status(fixed, IN_FORCE, d("2017-01-01"))
    assert (s.state, s.next_renewal, s.notice_deadline, s.terminates_on) == (
        State.IN_FORCE,
        None,
        None,
        d("2018-11-23"),
    )
    assert "no automatic renewal" in s.summary()
    assert status(fixed, IN_FORCE, d("2018-11-23")).state is State.TERMINATED


def test_amendment_needs_every_party(jpn_kor: Agreement) -> None:
    jpn = note(AMEND, "JPN", "2018-01-10", digest=DIGEST)
    kor = note(AMEND, "KOR", "2018-02-01", digest=DIGEST)
    assert status(jpn_kor, [*IN_FORCE, jpn, kor], d("2018-01-31")).amendments == ()
    s = status(jpn_kor, [*IN_FORCE, jpn, kor], d("2018-02-01"))
    assert s.amendments == (DIGEST,)
    assert "1 amendment(s) agreed" in s.summary()


def test_draft_summary(jpn_kor: Agreement) -> None:
    s = status(jpn_kor, [], d("2016-01-01"))
    assert (s.state, s.in_force_since, s.next_renewal, s.new_exchange_allowed) == (
        State.DRAFT,
        None,
        None,
        False,
    )
    assert s.summary().startswith("draft")


def test_status_refuses_an_invalid_history(jpn_kor: Agreement) -> None:
    with pytest.raises(AgreementStateError, match="not in force"):
        status(jpn_kor, [NOTICE], d("2020-01-01"))


def test_leap_day_anniversary_falls_on_28_february(jpn_kor: Agreement) -> None:
    leap = [note(EIF, "JPN", "2020-02-29"), note(EIF, "KOR", "2020-02-29")]
    s = status(jpn_kor, leap, d("2020-03-01"))
    assert s.next_renewal == d("2021-02-28")
    assert status(jpn_kor, leap, d("2023-03-01")).next_renewal == d("2024-02-29")


OTHER = note(EIF, "JPN", "2016-11-23", agreement_id="USA-JPN-GSOMIA-2007")

# (notes already recorded, the new note, what the refusal says)
REJECTED = [
    pytest.param([], OTHER, "about agreement USA-JPN-GSOMIA-2007", id="wrong agreement id"),
    pytest.param([], note(EIF, "USA", "2016-11-23"), "USA is not a party", id="party not in agreement"),
    pytest.param([JPN_EIF], JPN_EIF, "duplicate", id="duplicate note"),
    pytest.param(
        [JPN_EIF], note(EIF, "JPN", "2016-11-24"), "JPN already notified", id="entry into force twice"
    ),
    pytest.param([], note(EIF, "JPN", "2016-11-22"), "before the signature", id="before signature"),
    pytest.param([JPN_EIF], note(TERMINATE, "KOR", "2016-12-01"), "not in force", id="notice while draft"),
    pytest.param(
        [*IN_FORCE, NOTICE],
        note(TERMINATE, "JPN", "2019-09-01"),
        "already pending",
        id="notice already pending",
    ),
    pytest.param(
        [*IN_FORCE, NOTICE], note(TERMINATE, "KOR", "2019-08-22"), "before the last note", id="dated early"
    ),
    pytest.param(
        IN_FORCE, note(SUSPEND, "KOR", "2019-11-22", NOTICE), "no pending", id="suspend without notice"
    ),
    pytest.param(
        [*IN_FORCE, NOTICE],
        note(SUSPEND, "KOR", "2019-11-22", JPN_EIF),
        "must refer to",
        id="suspend wrong note",
    ),
    pytest.param(
        [*IN_FORCE, NOTICE], note(SUSPEND, "KOR", "2019-11-22"), "must refer to", id="suspend refers to none"
    ),
    pytest.param(
        [*IN_FORCE, NOTICE],
        note(SUSPEND, "JPN", "2019-11-22", NOTICE),
        "only KOR",
        id="suspend by other party",
    ),
    pytest.param(
        [*IN_FORCE, NOTICE, SUSPENSION],
        note(SUSPEND, "KOR", "2019-11-23", NOTICE),
        "no pending",
        id="suspend twice",
    ),
    pytest.param(
        IN_FORCE, note(WITHDRAW, "KOR", "2023-03-21", NOTICE), "nothing|no termination", id="withdraw nothing"
    ),
    pytest.param(
        [*IN_FORCE, NOTICE, SUSPENSION],
        note(WITHDRAW, "KOR", "2023-03-21"),
        "must refer",
        id="withdraw refers to none",
    ),
    pytest.param(
        [*IN_FORCE, NOTICE, SUSPENSION],
        note(WITHDRAW, "KOR", "2023-03-21", JPN_EIF),
        "not a pending or suspended",
        id="withdraw wrong note",
    ),
    pytest.param(
        [*IN_FORCE, NOTICE],
        note(WITHDRAW, "JPN", "2019-09-01", NOTICE),
        "only KOR",
        id="withdraw by other party",
    ),
    pytest.param(
        IN_FORCE, note(AMEND, "JPN", "2018-01-01"), "must carry the digest", id="amendment without digest"
    ),
    pytest.param(
        IN_FORCE, note(AMEND, "JPN", "2018-01-01", digest="xyz"), "96 lowercase hex", id="bad digest"
    ),
    pytest.param(
        [*IN_FORCE, note(AMEND, "JPN", "2018-01-01", digest=DIGEST)],
        note(AMEND, "JPN", "2018-01-02", digest=DIGEST),
        "already consented",
        id="amendment consent twice",
    ),
    pytest.param(
        [
            *IN_FORCE,
            note(AMEND, "JPN", "2018-01-01", digest=DIGEST),
            note(AMEND, "KOR", "2018-01-01", digest=DIGEST),
        ],
        note(AMEND, "JPN", "2018-01-02", digest=DIGEST),
        "already agreed",
        id="amendment already agreed",
    ),
    pytest.param(
        IN_FORCE, note(TERMINATE, "KOR", "2019-08-23", digest=DIGEST), "only an amendment", id="stray digest"
    ),
    pytest.param(
        IN_FORCE, note(TERMINATE, "KOR", "2019-08-23", JPN_EIF), "only a suspension", id="stray reference"
    ),
    pytest.param(
        [*IN_FORCE, NOTICE],
        note(EIF, "JPN", "2019-12-01"),
        "terminated on 2019-11-23",
        id="any note after termination",
    ),
    pytest.param([NOTICE], JPN_EIF, "not in force", id="the recorded notes are themselves invalid"),
]


@pytest.mark.parametrize(("notes", "new", "message"), REJECTED)
def test_check_note_rejections(jpn_kor: Agreement, notes: list[Note], new: Note, message: str) -> None:
    with pytest.raises(AgreementStateError, match=message):
        check_note(jpn_kor, notes, new)


def test_check_note_accepts_the_real_history(jpn_kor: Agreement) -> None:
    for i, n in enumerate(HISTORY):
        check_note(jpn_kor, HISTORY[:i], n)


def test_another_party_may_give_notice_while_one_is_suspended(jpn_kor: Agreement) -> None:
    jpn_notice = note(TERMINATE, "JPN", "2020-01-10")
    notes = [*IN_FORCE, NOTICE, SUSPENSION]
    check_note(jpn_kor, notes, jpn_notice)
    s = status(jpn_kor, [*notes, jpn_notice], d("2020-02-01"))
    assert (s.state, s.pending_notice, s.suspended_notice, s.terminates_on) == (
        State.NOTICE_GIVEN,
        jpn_notice,
        NOTICE,
        d("2020-11-23"),
    )


@given(
    entry=st.dates(min_value=dt.date(1950, 1, 1), max_value=dt.date(2100, 12, 31)),
    offset=st.integers(min_value=0, max_value=40 * 366),
)
def test_renewal_and_deadline_property(jpn_kor: Agreement, entry: dt.date, offset: int) -> None:
    agreement = dataclasses.replace(jpn_kor, signed_on=entry)
    notes = [note(EIF, "JPN", entry.isoformat()), note(EIF, "KOR", entry.isoformat())]
    at = entry + dt.timedelta(days=offset)
    s = status(agreement, notes, at)
    assert s.state is State.IN_FORCE
    assert s.next_renewal is not None
    assert s.notice_deadline is not None
    assert at < s.next_renewal <= at + dt.timedelta(days=366)
    assert s.notice_deadline == s.next_renewal - dt.timedelta(days=90)
    # The notes are dated on their own day, which may be before `at`: that is the same history.
    on_time = note(TERMINATE, "KOR", s.notice_deadline.isoformat())
    assert status(agreement, [*notes, on_time], s.notice_deadline).terminates_on == s.next_renewal
    late_day = s.notice_deadline + dt.timedelta(days=1)
    late = note(TERMINATE, "KOR", late_day.isoformat())
    terminates = status(agreement, [*notes, late], late_day).terminates_on
    assert terminates is not None
    assert terminates > s.next_renewal
    assert status(agreement, [*notes, late], s.next_renewal).state is State.NOTICE_GIVEN


def test_reviving_a_suspended_notice_while_another_is_pending_is_refused(jpn_kor: Agreement) -> None:
    jpn_notice = note(TERMINATE, "JPN", "2020-01-10")
    notes = [*IN_FORCE, NOTICE, SUSPENSION, jpn_notice]
    with pytest.raises(AgreementStateError, match="another notice is pending"):
        check_note(jpn_kor, notes, note(WITHDRAW, "KOR", "2020-02-01", SUSPENSION))
    # KOR may withdraw its own suspended notice outright; JPN's notice stays pending.
    withdrawal = note(WITHDRAW, "KOR", "2020-02-01", NOTICE)
    s = status(jpn_kor, [*notes, withdrawal], d("2020-02-01"))
    assert (s.state, s.pending_notice, s.suspended_notice) == (State.NOTICE_GIVEN, jpn_notice, None)


def test_withdrawing_a_plain_notice_restores_in_force(jpn_kor: Agreement) -> None:
    withdrawal = note(WITHDRAW, "KOR", "2019-09-01", NOTICE)
    s = status(jpn_kor, [*IN_FORCE, NOTICE, withdrawal], d("2019-12-01"))
    assert (s.state, s.pending_notice, s.terminates_on) == (State.IN_FORCE, None, None)
    assert s.next_renewal == d("2020-11-23")


def test_notice_under_a_fixed_term_ends_it_at_the_term_end(jpn_kor: Agreement) -> None:
    fixed = dataclasses.replace(jpn_kor, automatic_renewal=False, term_years=3)
    s = status(fixed, [*IN_FORCE, NOTICE], d("2019-09-01"))
    assert (s.state, s.terminates_on) == (State.NOTICE_GIVEN, d("2019-11-23"))

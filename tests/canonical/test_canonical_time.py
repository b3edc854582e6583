"""format_time / parse_time: RFC 3339 in UTC to the second, never a naive time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.canonical import format_time, parse_time
from accord.errors import InvalidInput

KST = timezone(timedelta(hours=9))


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        pytest.param(datetime(2016, 11, 23, 9, 0, tzinfo=UTC), "2016-11-23T09:00:00Z", id="utc"),
        pytest.param(datetime(2023, 4, 13, 16, 22, tzinfo=KST), "2023-04-13T07:22:00Z", id="kst-to-z"),
        pytest.param(
            datetime(2023, 4, 13, 2, 22, tzinfo=timezone(timedelta(hours=-5))),
            "2023-04-13T07:22:00Z",
            id="est",
        ),
        pytest.param(datetime(2024, 1, 1, 3, 0, tzinfo=KST), "2023-12-31T18:00:00Z", id="crosses-year"),
        pytest.param(
            datetime(2024, 1, 1, 0, 0, 0, 999999, tzinfo=UTC), "2024-01-01T00:00:00Z", id="drops-fraction"
        ),
        pytest.param(datetime(5, 1, 1, tzinfo=UTC), "0005-01-01T00:00:00Z", id="year-5-zero-padded"),
        pytest.param(datetime(999, 12, 31, 23, 59, 59, tzinfo=UTC), "0999-12-31T23:59:59Z", id="year-999"),
    ],
)
def test_format_time(moment: datetime, text: str) -> None:
    assert format_time(moment) == text


def test_format_time_refuses_naive() -> None:
    with pytest.raises(InvalidInput, match="time zone"):
        format_time(datetime(2023, 4, 13, 7, 22))


def test_format_time_refuses_an_instant_outside_the_calendar() -> None:
    with pytest.raises(InvalidInput, match="out of range"):
        format_time(datetime(1, 1, 1, tzinfo=timezone(timedelta(hours=1))))


@pytest.mark.parametrize(
    ("text", "utc"),
    [
        pytest.param("2023-04-13T07:22:00Z", datetime(2023, 4, 13, 7, 22, tzinfo=UTC), id="z"),
        pytest.param("2023-04-13T07:22:00z", datetime(2023, 4, 13, 7, 22, tzinfo=UTC), id="lower-z"),
        pytest.param("2023-04-13T16:22:00+09:00", datetime(2023, 4, 13, 7, 22, tzinfo=UTC), id="plus-offset"),
        pytest.param(
            "2023-04-13T02:22:00-05:00", datetime(2023, 4, 13, 7, 22, tzinfo=UTC), id="minus-offset"
        ),
        pytest.param("2023-04-13T07:22:00+00:00", datetime(2023, 4, 13, 7, 22, tzinfo=UTC), id="zero-offset"),
        pytest.param(
            "2023-04-13T07:22:00.75Z", datetime(2023, 4, 13, 7, 22, tzinfo=UTC), id="fraction-dropped"
        ),
        pytest.param("  2023-04-13T07:22:00Z\n", datetime(2023, 4, 13, 7, 22, tzinfo=UTC), id="whitespace"),
    ],
)
def test_parse_time(text: str, utc: datetime) -> None:
    parsed = parse_time(text)
    assert parsed == utc
    assert parsed.tzinfo is UTC
    assert parsed.microsecond == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        pytest.param("2023-04-13T07:22:00", "no time zone", id="naive"),
        pytest.param("2023-04-13", "no time zone", id="date-only"),
        pytest.param("", "not an RFC 3339 time", id="empty"),
        pytest.param("yesterday", "not an RFC 3339 time", id="word"),
        pytest.param("Zulu", "not an RFC 3339 time", id="z-word"),
        pytest.param("2023-13-01T00:00:00Z", "not an RFC 3339 time", id="month-13"),
        pytest.param("2023-02-29T00:00:00Z", "not an RFC 3339 time", id="feb-29-non-leap"),
        pytest.param("2023-04-13T25:00:00Z", "not an RFC 3339 time", id="hour-25"),
        pytest.param("2023-04-13T07:22:00+25:00", "not an RFC 3339 time", id="offset-25h"),
        pytest.param("13/04/2023 07:22", "not an RFC 3339 time", id="european-format"),
        pytest.param("1681370520", "not an RFC 3339 time", id="epoch-seconds"),
        pytest.param("0001-01-01T00:00:00+01:00", "out of range", id="before-year-1-in-utc"),
        pytest.param("9999-12-31T23:00:00-05:00", "out of range", id="after-year-9999-in-utc"),
    ],
)
def test_parse_time_refuses(text: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        parse_time(text)


_offsets = st.integers(min_value=-23 * 60 - 59, max_value=23 * 60 + 59).map(
    lambda minutes: timezone(timedelta(minutes=minutes))
)
# Keep clear of the calendar's ends, where an offset would leave year 1..9999.
aware = st.datetimes(min_value=datetime(1, 1, 2), max_value=datetime(9999, 12, 30), timezones=_offsets)


@given(aware)
def test_format_then_parse_is_the_same_instant_to_the_second(moment: datetime) -> None:
    text = format_time(moment)
    assert len(text) == 20
    assert text.endswith("Z")
    parsed = parse_time(text)
    assert parsed == moment.replace(microsecond=0)
    assert format_time(parsed) == text


@given(aware)
def test_any_offset_spelling_parses_to_the_same_instant(moment: datetime) -> None:
    assert parse_time(moment.isoformat()) == moment.astimezone(UTC).replace(microsecond=0)

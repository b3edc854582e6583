"""``since`` and ``until`` of a search: the documented forms only, and no date that overflows.

``--until 9999-12-31`` (its next day), ``0001-01-01T00:00:00+01:00`` (before year 1 in UTC) and
``9999-12-31T23:59:59-05:00`` raised OverflowError: a traceback at the CLI, a 500 in the user
API (found by review). Stored times compare as text, so a year must have four digits.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accord.errors import InvalidInput
from accord.node.holdings._search import search_day


@pytest.mark.parametrize(
    ("text", "days_after"),
    [
        ("9999-12-31", 1),
        ("0001-01-01T00:00:00+01:00", 0),
        ("9999-12-31T23:59:59-05:00", 0),
        ("0999-12-31", 0),
        ("2026-W48-3", 0),
        ("20261125", 0),
        ("2026-11-25X09:00", 0),
        ("soon", 0),
        ("", 0),
    ],
    ids=["last-day-until", "before-year-1", "after-year-9999", "three-digit-year", "iso-week", "basic-format",
         "bad-separator", "words", "empty"],
)  # fmt: skip
def test_a_day_a_search_cannot_name_is_invalid_input(text: str, days_after: int) -> None:
    with pytest.raises(InvalidInput, match="--until"):
        search_day(text, "--until", days_after=days_after)


def test_days_and_times_are_read_in_utc() -> None:
    assert search_day("2026-11-25", "--until", days_after=1) == datetime(2026, 11, 26, tzinfo=UTC)
    assert search_day("2026-11-25T09:30:00+09:00", "--since") == datetime(2026, 11, 25, 0, 30, tzinfo=UTC)
    assert search_day("2026-11-25 09:30", "--since") == datetime(2026, 11, 25, 9, 30, tzinfo=UTC)
    assert search_day("9999-12-30", "--until", days_after=1) == datetime(9999, 12, 31, tzinfo=UTC)

"""What an error quotes of its input is clipped (accord.errors.MAX_QUOTED), wherever it is shown."""

from __future__ import annotations

import pytest

from accord.errors import MAX_QUOTED, InvalidInput, NotFound, Withheld


def test_a_huge_id_is_quoted_by_its_start_and_end_around_an_ellipsis() -> None:
    huge = "jpn-" + "a" * 100_000 + "-end"
    message = str(NotFound(f"no item {huge!r} at this node"))
    assert message == f"no item 'jpn-{'a' * 59}…{'a' * 11}-end' at this node"
    assert len(message) < 120


@pytest.mark.parametrize(
    "message",
    [
        pytest.param("no item 'jpn-0123456789abcdef0123456789abcdef' at this node", id="an-id"),
        pytest.param("digest " + "ab" * 48 + " does not match", id="a-sha384-digest"),
        pytest.param("x" * MAX_QUOTED, id="at-the-limit"),
        pytest.param("word " * 5_000, id="long-but-spaced"),
    ],
)
def test_what_is_not_longer_than_the_limit_is_shown_whole(message: str) -> None:
    assert str(InvalidInput(message)) == message


def test_a_withheld_item_is_clipped_as_a_missing_one() -> None:
    huge = "b" * 5_000
    withheld = Withheld(f"no item {huge!r} at this node", reason="clearance")
    assert str(withheld) == str(NotFound(f"no item {huge!r} at this node"))
    assert withheld.reason == "clearance"

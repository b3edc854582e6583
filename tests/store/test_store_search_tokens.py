"""The search index takes keyed tokens only (store/_search_index.py): its check against a pattern.

The check runs in C over a whole line (a translation table and counts); the pattern below is
what it must accept — 13-character lowercase base32 tokens and ``0`` gaps, separated by
single spaces, none empty — and hypothesis draws lines near it (a plain word, a capital, a ``0`` or a
``1`` inside a token, a space inside one, a short or long token).
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.errors import StorageError
from accord.store._search_index import _joined

PATTERN = re.compile(r"(?:(?:[a-z2-7]{13}|0)(?: (?:[a-z2-7]{13}|0))*)?")
BASE32 = "abcdefghijklmnopqrstuvwxyz234567"

keyed = st.text(alphabet=BASE32, min_size=13, max_size=13)
near = st.one_of(
    st.text(alphabet=BASE32 + "0189A _-é가", min_size=0, max_size=15),
    keyed.map(lambda t: t[:6] + " " + t[7:]),
    keyed.map(lambda t: t[:12]),
    keyed.map(lambda t: t + "a"),
    keyed.map(lambda t: t[:5] + "0" + t[6:]),
    st.sampled_from(["0", "00", "", "radar", "RADARABCDEFGH", "대한"]),
)
tokens = st.lists(st.one_of(keyed, keyed, st.just("0"), near), max_size=8)


def accepted(tokens: list[str]) -> bool:
    try:
        _joined(tokens)
    except StorageError:
        return False
    return True


@settings(max_examples=500, deadline=None)
@given(tokens)
def test_accepts_exactly_what_the_pattern_accepts(drawn: list[str]) -> None:
    line = " ".join(drawn)
    # The pattern alone would take [""] (an empty line): an empty token is refused too.
    expected = bool(PATTERN.fullmatch(line)) and line.count(" ") == max(len(drawn) - 1, 0) and "" not in drawn
    assert accepted(drawn) == expected


@pytest.mark.parametrize(
    "drawn",
    [
        pytest.param(["radar"], id="a-word"),
        pytest.param(["abcdefghijklm", "대한민국정보보호협정군사국"], id="hangul-of-13"),
        pytest.param(["abcdefghijk1m"], id="a-one"),
        pytest.param(["abcdefghijk0m"], id="a-zero-inside"),
        pytest.param(["abcdef hijklm"], id="a-space-inside"),
        pytest.param(["abcdefghijklM"], id="a-capital"),
        pytest.param(["0", ""], id="an-empty-token"),
        pytest.param(["00"], id="two-gaps-as-one"),
    ],
)
def test_refuses_what_is_not_a_keyed_token(drawn: list[str]) -> None:
    assert not accepted(drawn)


def test_accepts_keyed_tokens_and_gaps() -> None:
    assert accepted([])
    assert accepted(["abcdefghijklm", "0", "234567abcdefg"])

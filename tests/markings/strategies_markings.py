"""Hypothesis strategies for valid labels and markings, for any test that needs them.

Test modules in ``tests/markings`` import this directly (pytest's default ``prepend``
import mode puts this directory on ``sys.path``); tests elsewhere can add it themselves.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from hypothesis import strategies as st

from accord.markings import (
    NEED_TO_KNOW,
    ORIGINATOR_CONTROL,
    ORIGINATOR_CONTROLS,
    PROVIDED_BY,
    RELEASABLE_TO,
    SCHEMES,
    Category,
    CategoryType,
    ConfidentialityLabel,
    Issuance,
    Level,
    Marking,
    derive_alternative,
)

__all__ = ["aware_times", "categories", "labels", "levels", "markings", "party_codes", "printable_text"]

KNOWN_TAGS = frozenset({RELEASABLE_TO, NEED_TO_KNOW, ORIGINATOR_CONTROL, PROVIDED_BY})

ALL_LEVELS: tuple[Level, ...] = tuple(lvl for s in SCHEMES.values() for lvl in s.levels)

levels = st.sampled_from(ALL_LEVELS)

party_codes = st.one_of(
    st.sampled_from(["JPN", "KOR", "USA", "GBR", "AUS", "CAN", "NATO"]),
    st.from_regex(r"[A-Z]{3}", fullmatch=True),
)

topics = st.from_regex(r"[A-Z0-9]{1,8}(-[A-Z0-9]{1,8}){0,3}", fullmatch=True)

_OFFSETS = [
    UTC,
    timezone(timedelta(hours=9)),
    timezone(timedelta(hours=-5)),
    timezone(timedelta(hours=5, minutes=30)),
]

aware_times = st.datetimes(
    min_value=datetime(1990, 1, 1),
    max_value=datetime(2100, 1, 1),
    timezones=st.sampled_from(_OFFSETS),
)

# Hangul, CJK, kana, Latin and general text; never control characters or surrogates,
# which no label string may hold (they have no exact XML form).
_scripts = st.sampled_from(
    ["한국어", "군사", "日本語", "秘密", "カナ", "Café", "É", "e\u0301", "ﾊﾝｶｸ", "<&>\"'"]
)
printable_text = st.one_of(
    st.lists(_scripts, min_size=1, max_size=4).map(" ".join),
    st.text(
        alphabet=st.characters(exclude_categories=("Cc", "Cs"), exclude_characters="\ufffe\uffff"),
        min_size=1,
        max_size=20,
    ),
)

_custom_tags = printable_text.filter(lambda t: t not in KNOWN_TAGS)


@st.composite
def categories(draw: st.DrawFn) -> tuple[Category, ...]:
    """A tuple of valid categories: any of the four known tags, and perhaps a custom one."""
    result: list[Category] = []
    if draw(st.booleans()):
        result.append(
            Category(
                RELEASABLE_TO,
                CategoryType.PERMISSIVE,
                tuple(draw(st.lists(party_codes, min_size=1, max_size=5))),
            )
        )
    if draw(st.booleans()):
        result.append(
            Category(
                NEED_TO_KNOW, CategoryType.RESTRICTIVE, tuple(draw(st.lists(topics, min_size=1, max_size=3)))
            )
        )
    if draw(st.booleans()):
        controls = draw(st.sets(st.sampled_from(sorted(ORIGINATOR_CONTROLS)), min_size=1))
        result.append(Category(ORIGINATOR_CONTROL, CategoryType.RESTRICTIVE, tuple(controls)))
    if draw(st.booleans()):
        result.append(Category(PROVIDED_BY, CategoryType.INFORMATIVE, (draw(party_codes),)))
    if draw(st.booleans()):
        tag = draw(_custom_tags)
        values = tuple(draw(st.lists(printable_text, min_size=1, max_size=3)))
        result.append(Category(tag, draw(st.sampled_from(CategoryType)), values))
    return tuple(draw(st.permutations(result)))


@st.composite
def labels(draw: st.DrawFn, level: Level | None = None) -> ConfidentialityLabel:
    """A valid confidentiality label in any scheme (or at ``level``)."""
    lvl = level if level is not None else draw(levels)
    created = draw(aware_times)
    review = draw(st.none() | st.timedeltas(min_value=timedelta(0), max_value=timedelta(days=3650)))
    spelling = draw(st.sampled_from([lvl.native, lvl.romanised, lvl.romanised.upper()]))
    return ConfidentialityLabel(
        policy=lvl.scheme,
        classification=spelling,
        originator_id=draw(st.from_regex(r"[a-z]{3}-[a-z]{2,4}-[0-9]", fullmatch=True)),
        creation_time=created,
        categories=draw(categories()),
        privacy_mark=draw(st.none() | printable_text),
        review_time=None if review is None else created + review,
        agreement=draw(st.none() | st.from_regex(r"[a-z]{3}-[a-z]{3}-gsomia(-[0-9]{4})?", fullmatch=True)),
    )


@st.composite
def markings(draw: st.DrawFn) -> Marking:
    """A valid marking: an originator's label and alternatives in other schemes."""
    original = draw(labels())
    others = [code for code in SCHEMES if code != original.policy]
    chosen = draw(st.lists(st.sampled_from(others), unique=True, max_size=len(others)))
    marking = Marking(original)
    for code in chosen:
        alt = derive_alternative(
            original,
            draw(st.sampled_from(SCHEMES[code].levels)),
            provided_by=original.policy if original.policy != "NATO" else "NATO",
            issued=Issuance(f"{code.lower()}-node-1", draw(aware_times), original.agreement),
        )
        marking = marking.with_alternative(alt)
    return marking

"""Every unambiguous spelling of a level is accepted; only the native one is kept (issue 10, item 11).

The Japan–ROK text writes the Korean levels with ASCII Roman numerals (군사II급비밀); officers type
Arabic digits (군사2급비밀), spaces (군사 Ⅱ급 비밀) or full-width Latin letters (ｇｏｋｕｈｉ). All of them
name exactly one level once NFKC-normalised, and a label stores and shows the native spelling.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.errors import LabelError
from accord.markings import SCHEMES, ConfidentialityLabel, Family, Level, Scheme, scheme

ALL_LEVELS: tuple[Level, ...] = tuple(lvl for s in SCHEMES.values() for lvl in s.levels)
_NUMERALS = {"Ⅰ": 1, "Ⅱ": 2, "Ⅲ": 3}
_WHEN = datetime(2024, 5, 1, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("code", "text", "native"),
    [
        ("KOR", "군사II급비밀", "군사Ⅱ급비밀"),
        ("KOR", "군사2급비밀", "군사Ⅱ급비밀"),
        ("KOR", "군사 Ⅱ급 비밀", "군사Ⅱ급비밀"),
        ("KOR", "군사 II 급 비밀", "군사Ⅱ급비밀"),
        ("KOR", "군사ⅲ급비밀", "군사Ⅲ급비밀"),
        ("KOR", "군사Ｉ급비밀", "군사Ⅰ급비밀"),
        ("KOR", "군사１급비밀", "군사Ⅰ급비밀"),
        ("KOR", "gunsa II-geup bimil", "군사Ⅱ급비밀"),
        ("KOR", "Gunsa iii geup bimil", "군사Ⅲ급비밀"),
        ("KOR", "대외 비", "대외비"),
        ("JPN", "ｇｏｋｕｈｉ", "極秘"),
        ("JPN", "ＨＩ", "秘"),
        ("JPN", "特定 秘密", "特定秘密"),
        ("JPN", "tokutei_himitsu", "特定秘密"),
        ("USA", "ＴＯＰ ＳＥＣＲＥＴ", "TOP SECRET"),
        ("NATO", "nato-confidential", "NATO CONFIDENTIAL"),
    ],
    ids=str,
)
def test_published_and_typed_spellings_are_accepted(code: str, text: str, native: str) -> None:
    assert scheme(code).level(text).native == native


@pytest.mark.parametrize(
    ("code", "text"),
    [
        ("KOR", "군사급비밀"),  # no numeral: which level?
        ("KOR", "군사Ⅳ급비밀"),
        ("KOR", "군사IV급비밀"),
        ("KOR", "군사4급비밀"),
        ("KOR", "군사0급비밀"),
        ("KOR", "군사12급비밀"),
        ("KOR", "군사Ⅱ Ⅲ급비밀"),
        ("KOR", "gunsa geup bimil"),
        ("KOR", "군사비밀"),
        ("JPN", "h1"),  # a digit is a numeral only where a numeral is written
        ("JPN", "tokutei"),
        ("JPN", "秘密"),
        ("JPN", "himitsu"),
        ("USA", "SECRET II"),
        ("NATO", "NATO"),
        ("KOR", "-"),
        ("KOR", " "),
    ],
    ids=str,
)
def test_unknown_or_ambiguous_spellings_are_refused(code: str, text: str) -> None:
    with pytest.raises(LabelError, match="unknown level"):
        scheme(code).level(text)


def test_a_scheme_whose_levels_share_a_spelling_after_normalisation_is_refused() -> None:
    a = Level("KOR", "군사Ⅱ급비밀", "gunsa 2-geup bimil", Family.SECRET, 3)
    b = Level("KOR", "군사2급비밀", "gunsa two", Family.CONFIDENTIAL, 2)
    with pytest.raises(LabelError, match="spells two levels the same way"):
        Scheme("KOR", "test", (a, b))


def _full_width(text: str) -> str:
    return "".join(chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text)


_GAPS = (" ", "  ", "-", "_", "\u3000", "")


def _is_latin(text: str) -> bool:
    return bool(text) and all(c.isascii() and c.isalpha() for c in text)


@st.composite
def _spellings(draw: st.DrawFn) -> tuple[Level, str]:
    """A level and one way of writing it a person might use."""
    level = draw(st.sampled_from(ALL_LEVELS))
    text = draw(st.sampled_from([level.native, level.romanised]))
    number = next((n for ch, n in _NUMERALS.items() if ch in text), None)
    if number is None:
        number = next((int(ch) for ch in text if ch.isdigit()), None)
    # Cut the spelling into units: Latin words, the numeral, other single characters, gaps.
    units: list[tuple[str, str]] = []
    for ch in text:
        if number is not None and (ch in _NUMERALS or ch.isdigit()):
            forms = ["ⅠⅡⅢ"[number - 1], "ⅰⅱⅲ"[number - 1], "I" * number, "i" * number]
            forms += [_full_width("I" * number), str(number), _full_width(str(number))]
            units.append(("numeral", draw(st.sampled_from(forms))))
        elif ch in " -":
            units.append(("gap", ""))
        elif _is_latin(ch) and units and units[-1][0] == "word":
            units[-1] = ("word", units[-1][1] + ch)
        else:
            units.append(("word" if _is_latin(ch) else "char", ch))
    # Respell: any case or full width for Latin words, any spacing at unit boundaries — but a
    # numeral written in Latin letters keeps a gap from a Latin word (gunsa II geup), and a
    # space inside a Latin word would make two words, not a spacing of one.
    out: list[str] = []
    for i, (kind, written) in enumerate(units):
        unit = written
        if kind == "word":
            unit = draw(st.sampled_from([unit, unit.upper(), unit.lower(), unit.title(), _full_width(unit)]))
        if kind == "gap":
            before, after = units[i - 1], units[i + 1]
            latin_numeral = any(
                k == "numeral" and _is_latin(u.replace("Ｉ", "I")) for k, u in (before, after)
            )
            latin_word = any(k == "word" for k, _ in (before, after))
            gaps = _GAPS[:-1] if latin_numeral and latin_word else _GAPS
            out.append(draw(st.sampled_from(gaps)))
            continue
        if out and units[i - 1][0] in ("char", "numeral") and kind in ("char", "numeral"):
            out.append(draw(st.sampled_from(["", "", " ", "\u3000"])))
        out.append(unit)
    return level, "".join(out)


@given(_spellings())
def test_every_accepted_spelling_names_one_level_and_round_trips_to_the_native_one(
    drawn: tuple[Level, str],
) -> None:
    level, text = drawn
    found = scheme(level.scheme).level(text)
    assert found == level
    assert [lvl for lvl in scheme(level.scheme).levels if lvl.native == found.native] == [level]
    label = ConfidentialityLabel(level.scheme, text, "node-1", _WHEN)
    assert label.classification == level.native
    assert ConfidentialityLabel.from_json(label.canonical_bytes()) == label
    assert scheme(level.scheme).level(label.classification) == level


@given(st.sampled_from(ALL_LEVELS), st.sampled_from(["0", "4", "Ⅳ", "IV", "Ⅴ", "V", "12", ""]))
def test_a_korean_level_with_a_numeral_no_level_has_is_refused(level: Level, numeral: str) -> None:
    spelled = next((ch for ch in _NUMERALS if ch in level.native), None)
    if spelled is None:
        return
    with pytest.raises(LabelError, match="unknown level"):
        scheme(level.scheme).level(level.native.replace(spelled, numeral))

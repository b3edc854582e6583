"""Built-in classification schemes (DESIGN.md §1) and party names."""

from __future__ import annotations

import pytest

from accord.errors import LabelError
from accord.markings import SCHEMES, Family, Level, is_party_code, parse_level, party_name, scheme

TABLE = [
    ("KOR", "군사Ⅰ급비밀", "gunsa 1-geup bimil", Family.TOP_SECRET, 4, False),
    ("KOR", "군사Ⅱ급비밀", "gunsa 2-geup bimil", Family.SECRET, 3, False),
    ("KOR", "군사Ⅲ급비밀", "gunsa 3-geup bimil", Family.CONFIDENTIAL, 2, False),
    ("KOR", "대외비", "daeoebi", Family.RESTRICTED, 1, False),
    ("JPN", "機密", "kimitsu", Family.TOP_SECRET, 4, False),
    ("JPN", "特定秘密", "tokutei himitsu", Family.SECRET, 3, True),
    ("JPN", "極秘", "gokuhi", Family.SECRET, 3, False),
    ("JPN", "秘", "hi", Family.CONFIDENTIAL, 2, False),
    ("USA", "TOP SECRET", "TOP SECRET", Family.TOP_SECRET, 4, False),
    ("USA", "SECRET", "SECRET", Family.SECRET, 3, False),
    ("USA", "CONFIDENTIAL", "CONFIDENTIAL", Family.CONFIDENTIAL, 2, False),
    ("NATO", "COSMIC TOP SECRET", "COSMIC TOP SECRET", Family.TOP_SECRET, 4, False),
    ("NATO", "NATO SECRET", "NATO SECRET", Family.SECRET, 3, False),
    ("NATO", "NATO CONFIDENTIAL", "NATO CONFIDENTIAL", Family.CONFIDENTIAL, 2, False),
    ("NATO", "NATO RESTRICTED", "NATO RESTRICTED", Family.RESTRICTED, 1, False),
]


def test_the_four_schemes_are_built_in() -> None:
    assert list(SCHEMES) == ["KOR", "JPN", "USA", "NATO"]


@pytest.mark.parametrize("row", TABLE, ids=[f"{r[0]}:{r[2]}" for r in TABLE])
def test_each_level(row: tuple[str, str, str, Family, int, bool]) -> None:
    code, native = row[0], row[1]
    expected = Level(*row)
    assert scheme(code).level(native) == expected
    assert expected in scheme(code).levels
    assert expected.code == f"{code}:{native}"


@pytest.mark.parametrize("code", ["KOR", "JPN", "USA", "NATO"])
def test_levels_are_listed_highest_first_as_in_the_design(code: str) -> None:
    levels = scheme(code).levels
    assert [lvl.native for lvl in levels] == [r[1] for r in TABLE if r[0] == code]
    assert [lvl.rank for lvl in levels] == sorted((lvl.rank for lvl in levels), reverse=True)


def test_korean_roman_numerals_are_the_unicode_characters() -> None:
    natives = [lvl.native for lvl in scheme("KOR").levels]
    assert "\u2160" in natives[0]
    assert "\u2161" in natives[1]
    assert "\u2162" in natives[2]


@pytest.mark.parametrize(
    ("code", "text", "native"),
    [
        ("JPN", "秘", "秘"),
        ("JPN", "hi", "秘"),
        ("JPN", "HI", "秘"),
        ("JPN", "  Gokuhi ", "極秘"),
        ("JPN", "tokutei-himitsu", "特定秘密"),
        ("JPN", "SECRET", "極秘"),
        ("JPN", "confidential", "秘"),
        ("JPN", "top secret", "機密"),
        ("KOR", "GUNSA 3-GEUP BIMIL", "군사Ⅲ급비밀"),
        ("KOR", "gunsa  3 geup   bimil", "군사Ⅲ급비밀"),
        ("KOR", "gunsa-2-geup-bimil", "군사Ⅱ급비밀"),
        ("KOR", "restricted", "대외비"),
        ("KOR", "SECRET", "군사Ⅱ급비밀"),
        ("USA", "secret", "SECRET"),
        ("USA", "top-secret", "TOP SECRET"),
        ("NATO", "SECRET", "NATO SECRET"),
        ("NATO", "nato restricted", "NATO RESTRICTED"),
    ],
    ids=str,
)
def test_lookup_by_native_romanised_or_family(code: str, text: str, native: str) -> None:
    assert scheme(code).level(text).native == native


def test_designation_is_secret_but_not_chosen_by_family() -> None:
    designation = scheme("JPN").level("特定秘密")
    assert designation.designation
    assert designation.family is Family.SECRET
    assert designation.rank == scheme("JPN").level("極秘").rank == 3
    assert [lvl.native for lvl in scheme("JPN").levels if lvl.designation] == ["特定秘密"]


def test_unknown_level_message_lists_native_and_romanised_spellings() -> None:
    with pytest.raises(LabelError) as info:
        scheme("JPN").level("X")
    assert str(info.value) == (
        "unknown level 'X' in scheme JPN; "
        "known: 機密 (kimitsu), 特定秘密 (tokutei himitsu), 極秘 (gokuhi), 秘 (hi)"
    )


def test_unknown_level_message_names_each_english_level_once() -> None:
    with pytest.raises(LabelError) as info:
        scheme("USA").level("RESTRICTED")
    assert str(info.value).endswith("known: TOP SECRET, SECRET, CONFIDENTIAL")


@pytest.mark.parametrize(
    ("code", "text"), [("USA", "RESTRICTED"), ("KOR", "hi"), ("NATO", ""), ("JPN", "秘密")]
)
def test_unknown_levels(code: str, text: str) -> None:
    with pytest.raises(LabelError, match="unknown level"):
        scheme(code).level(text)


@pytest.mark.parametrize("code", ["XXX", "jpn", "", "GBR"])
def test_unknown_scheme(code: str) -> None:
    with pytest.raises(LabelError, match=r"unknown classification scheme"):
        scheme(code)


def test_unknown_scheme_message() -> None:
    with pytest.raises(LabelError) as info:
        scheme("XXX")
    assert str(info.value) == "unknown classification scheme 'XXX'"


def test_dominates() -> None:
    jpn = scheme("JPN")
    assert jpn.dominates(jpn.level("機密"), jpn.level("秘"))
    assert jpn.dominates(jpn.level("極秘"), jpn.level("特定秘密"))
    assert jpn.dominates(jpn.level("特定秘密"), jpn.level("極秘"))
    assert jpn.dominates(jpn.level("秘"), jpn.level("秘"))
    assert not jpn.dominates(jpn.level("秘"), jpn.level("極秘"))


def test_dominates_refuses_levels_of_another_scheme() -> None:
    with pytest.raises(LabelError, match="not a level of scheme JPN"):
        scheme("JPN").dominates(scheme("JPN").level("秘"), scheme("KOR").level("대외비"))
    with pytest.raises(LabelError):
        scheme("JPN").dominates(scheme("USA").level("SECRET"), scheme("JPN").level("秘"))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("JPN:秘", "JPN:秘"),
        ("JPN:hi", "JPN:秘"),
        ("KOR:gunsa 3-geup bimil", "KOR:군사Ⅲ급비밀"),
        ("USA:SECRET", "USA:SECRET"),
    ],
)
def test_parse_level(text: str, code: str) -> None:
    assert parse_level(text).code == code


@pytest.mark.parametrize("text", ["秘", "XXX:秘", "JPN:", "JPN:nope", ""])
def test_parse_level_refuses(text: str) -> None:
    with pytest.raises(LabelError):
        parse_level(text)


@pytest.mark.parametrize(
    ("code", "language", "name"),
    [
        ("JPN", "KOR", "일본"),
        ("USA", "KOR", "미국"),
        ("KOR", "KOR", "대한민국"),
        ("KOR", "JPN", "韓国"),
        ("USA", "JPN", "米国"),
        ("JPN", "JPN", "日本"),
        ("JPN", "USA", "Japan"),
        ("KOR", "USA", "Republic of Korea"),
        ("USA", "NATO", "United States"),
        ("KOR", "NATO", "Republic of Korea"),
        ("ZZZ", "KOR", "ZZZ"),
        ("ZZZ", "USA", "ZZZ"),
    ],
    ids=str,
)
def test_party_name(code: str, language: str, name: str) -> None:
    assert party_name(code, language) == name


def test_party_name_refuses_unknown_language_scheme() -> None:
    with pytest.raises(LabelError):
        party_name("JPN", "XXX")


@pytest.mark.parametrize(
    ("code", "ok"),
    [
        ("JPN", True),
        ("NATO", True),
        ("jpn", False),
        ("JP", False),
        ("JPNX", False),
        ("ＪＰＮ", False),
        ("J1N", False),
        ("", False),
    ],
)
def test_is_party_code(code: str, ok: bool) -> None:
    assert is_party_code(code) is ok

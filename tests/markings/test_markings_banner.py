"""Banner lines, exactly as a reader sees them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from accord.markings import (
    NEED_TO_KNOW,
    ORIGINATOR_CONTROL,
    RELEASABLE_TO,
    Category,
    CategoryType,
    ConfidentialityLabel,
    Issuance,
    Marking,
    banner,
    derive_alternative,
    parse_level,
    received_banner,
)

T0 = datetime(2024, 1, 15, 10, tzinfo=UTC)
P, R = CategoryType.PERMISSIVE, CategoryType.RESTRICTIVE


def make(
    level: str, rel: tuple[str, ...] = (), ntk: tuple[str, ...] = (), ctl: tuple[str, ...] = ()
) -> ConfidentialityLabel:
    lvl = parse_level(level)
    cats = []
    if rel:
        cats.append(Category(RELEASABLE_TO, P, rel))
    if ntk:
        cats.append(Category(NEED_TO_KNOW, R, ntk))
    if ctl:
        cats.append(Category(ORIGINATOR_CONTROL, R, ctl))
    return ConfidentialityLabel(lvl.scheme, lvl.native, "node-1", T0, tuple(cats))


BANNERS = [
    ("jpn-hi-rel", make("JPN:秘", rel=("KOR", "JPN")), "秘 (HI) // CONFIDENTIAL // REL TO JPN, KOR"),
    ("jpn-hi-bare", make("JPN:秘"), "秘 (HI) // CONFIDENTIAL"),
    ("jpn-designation", make("JPN:特定秘密"), "特定秘密 (TOKUTEI HIMITSU) // SECRET"),
    (
        "kor-2-full",
        make(
            "KOR:군사Ⅱ급비밀",
            rel=("USA", "JPN", "KOR"),
            ntk=("DPRK-MISSILE",),
            ctl=("PURPOSE-LIMITED", "NO-THIRD-PARTY"),
        ),
        "군사Ⅱ급비밀 (GUNSA 2-GEUP BIMIL) // SECRET // REL TO JPN, KOR, USA // NTK DPRK-MISSILE"
        " // NO THIRD-PARTY RELEASE // PURPOSE LIMITED",
    ),
    ("kor-restricted", make("KOR:대외비"), "대외비 (DAEOEBI) // RESTRICTED"),
    ("usa-secret", make("USA:SECRET"), "SECRET"),
    ("usa-secret-rel", make("USA:SECRET", rel=("JPN", "KOR", "USA")), "SECRET // REL TO JPN, KOR, USA"),
    ("usa-ts-purpose", make("USA:TOP SECRET", ctl=("PURPOSE-LIMITED",)), "TOP SECRET // PURPOSE LIMITED"),
    ("nato-secret", make("NATO:NATO SECRET"), "NATO SECRET // SECRET"),
    (
        "nato-cosmic-ntk",
        make("NATO:COSMIC TOP SECRET", ntk=("B-2", "A-1")),
        "COSMIC TOP SECRET // TOP SECRET // NTK A-1, B-2",
    ),
]


@pytest.mark.parametrize(("label", "expected"), [b[1:] for b in BANNERS], ids=[b[0] for b in BANNERS])
def test_banner(label: ConfidentialityLabel, expected: str) -> None:
    assert banner(label) == expected


def _received(original: ConfidentialityLabel, level: str, provider: str) -> Marking:
    alt = derive_alternative(
        original,
        parse_level(level),
        provided_by=provider,
        issued=Issuance("recv-1", T0),
    )
    return Marking(original).with_alternative(alt)


def test_received_at_kor() -> None:
    marking = _received(make("JPN:秘", ctl=("NO-THIRD-PARTY",)), "KOR:군사Ⅲ급비밀", "JPN")
    assert (
        received_banner(marking, "KOR")
        == "군사Ⅲ급비밀 // 일본 제공 (PROVIDED BY JPN: 秘) // NO THIRD-PARTY RELEASE"
    )


def test_received_at_jpn() -> None:
    marking = _received(make("KOR:군사Ⅲ급비밀", rel=("JPN",), ctl=("PURPOSE-LIMITED",)), "JPN:秘", "KOR")
    assert (
        received_banner(marking, "JPN") == "秘 // 韓国提供 (PROVIDED BY KOR: 군사Ⅲ급비밀) // PURPOSE LIMITED"
    )


def test_received_at_usa() -> None:
    marking = _received(make("JPN:極秘", ctl=("PURPOSE-LIMITED", "NO-THIRD-PARTY")), "USA:SECRET", "JPN")
    assert received_banner(marking, "USA") == (
        "SECRET // PROVIDED BY JPN: 極秘 // NO THIRD-PARTY RELEASE // PURPOSE LIMITED"
    )


def test_received_at_usa_without_controls() -> None:
    marking = _received(make("JPN:秘"), "USA:CONFIDENTIAL", "JPN")
    assert received_banner(marking, "USA") == "CONFIDENTIAL // PROVIDED BY JPN: 秘"


def test_received_at_nato() -> None:
    marking = _received(make("USA:SECRET"), "NATO:NATO SECRET", "USA")
    assert received_banner(marking, "NATO") == "NATO SECRET // PROVIDED BY USA: SECRET"


def test_received_without_alternative_is_the_originator_banner() -> None:
    marking = _received(make("JPN:秘", rel=("KOR",)), "KOR:군사Ⅲ급비밀", "JPN")
    assert received_banner(marking, "USA") == "秘 (HI) // CONFIDENTIAL // REL TO KOR"
    assert received_banner(marking, "JPN") == banner(marking.originator)


def test_banners_for_both_sides_of_one_item() -> None:
    original = make("JPN:秘", rel=("KOR", "JPN"), ntk=("DPRK-MISSILE",), ctl=("NO-THIRD-PARTY",))
    marking = _received(original, "KOR:군사Ⅲ급비밀", "JPN")
    assert banner(marking.originator) == (
        "秘 (HI) // CONFIDENTIAL // REL TO JPN, KOR // NTK DPRK-MISSILE // NO THIRD-PARTY RELEASE"
    )
    assert (
        received_banner(marking, "KOR")
        == "군사Ⅲ급비밀 // 일본 제공 (PROVIDED BY JPN: 秘) // NO THIRD-PARTY RELEASE"
    )

"""The banner of a page: the highest level it shows, in the viewer's scheme, with the page's controls."""

from __future__ import annotations

import pytest
from test_markings_banner import T0, make

from accord.errors import LabelError
from accord.markings import Family, Issuance, Marking, derive_alternative, page_banner, parse_level


def _received(original_level: str, alternative: str, **kw: tuple[str, ...]) -> Marking:
    original = make(original_level, **kw)
    alt = derive_alternative(
        original,
        parse_level(alternative),
        provided_by=original.policy,
        issued=Issuance("recv-1", T0),
    )
    return Marking(original).with_alternative(alt)


def test_a_page_with_no_item_shows_the_unclassified_banner_in_native_script() -> None:
    assert page_banner([], "KOR").text == "평문 (UNCLASSIFIED)"
    assert page_banner([], "JPN").text == "秘密区分なし (UNCLASSIFIED)"
    assert page_banner([], "USA").css_class == "banner-unclassified"


def test_a_received_item_counts_at_its_alternative_in_the_viewer_scheme() -> None:
    # The example: a JPN 極秘 item read at KOR is marked 군사Ⅱ급비밀.
    received = _received("JPN:極秘", "KOR:군사Ⅱ급비밀", rel=("JPN", "KOR"), ctl=("NO-THIRD-PARTY",))
    shown = page_banner([received], "KOR")
    assert (
        shown.text
        == "군사Ⅱ급비밀 (GUNSA 2-GEUP BIMIL) // SECRET // REL TO JPN, KOR // NO THIRD-PARTY RELEASE"
    )
    assert shown.family is Family.SECRET
    assert shown.css_class == "banner-secret"


def test_the_highest_level_and_the_page_controls_win() -> None:
    ours = Marking(make("KOR:군사Ⅲ급비밀", rel=("KOR", "JPN", "USA"), ntk=("A",)))
    theirs = _received("JPN:極秘", "KOR:군사Ⅱ급비밀", rel=("JPN", "KOR"), ntk=("B",))
    shown = page_banner([ours, theirs], "KOR")
    assert shown.level == parse_level("KOR:군사Ⅱ급비밀")
    # REL TO only where every item may go; every topic; USA dropped.
    assert shown.text.endswith("// REL TO JPN, KOR // NTK A, B")


def test_an_item_with_no_label_in_the_scheme_is_shown_as_itself_never_guessed() -> None:
    foreign = Marking(make("USA:SECRET", rel=("USA", "KOR")))
    shown = page_banner([foreign], "KOR")
    assert shown.level is None
    assert shown.unmapped == ("SECRET (USA)",)
    assert shown.family is Family.SECRET  # coloured as what it is
    assert shown.text.startswith("+ SECRET (USA)")


def test_an_unknown_scheme_is_refused() -> None:
    with pytest.raises(LabelError):
        page_banner([], "XXX")

"""Translation through the equivalence table (Japan–ROK GSOMIA Art. 4)."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from accord.agreements import Agreement
from accord.errors import NotFound, TranslationRefused
from accord.markings import ConfidentialityLabel, scheme

CREATED = dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)


def label(policy: str, classification: str) -> ConfidentialityLabel:
    return ConfidentialityLabel(
        policy=policy, classification=classification, originator_id=policy, creation_time=CREATED
    )


@pytest.mark.parametrize(
    ("policy", "classification", "to_scheme", "expected"),
    [
        pytest.param("JPN", "秘", "KOR", "군사Ⅲ급비밀", id="JPN 秘 -> KOR 군사Ⅲ급비밀"),
        pytest.param("JPN", "極秘", "KOR", "군사Ⅱ급비밀", id="JPN 極秘 -> KOR 군사Ⅱ급비밀"),
        pytest.param("JPN", "特定秘密", "KOR", "군사Ⅱ급비밀", id="JPN 特定秘密 -> KOR 군사Ⅱ급비밀"),
        pytest.param(
            "KOR", "군사Ⅱ급비밀", "JPN", "極秘", id="KOR 군사Ⅱ급비밀 -> JPN 極秘 (primary, not 特定秘密)"
        ),
        pytest.param("KOR", "군사Ⅲ급비밀", "JPN", "秘", id="KOR 군사Ⅲ급비밀 -> JPN 秘"),
        pytest.param("JPN", "gokuhi", "KOR", "군사Ⅱ급비밀", id="romanised spelling on the label"),
        pytest.param("JPN", "秘", "JPN", "秘", id="same scheme returns the level itself"),
        pytest.param("JPN", "特定秘密", "JPN", "特定秘密", id="same scheme keeps the designation"),
    ],
)
def test_translate_japan_rok(
    jpn_kor: Agreement, policy: str, classification: str, to_scheme: str, expected: str
) -> None:
    level = jpn_kor.translate(label(policy, classification), to_scheme)
    assert level == scheme(to_scheme).level(expected)


@pytest.mark.parametrize(
    ("policy", "classification", "to_scheme", "message"),
    [
        pytest.param(
            "JPN",
            "機密",
            "KOR",
            "機密 (TOP SECRET) is outside the scope of JPN-KOR-GSOMIA-2016: no equivalent in KOR (Art. 4)",
            id="JPN 機密 out of scope",
        ),
        pytest.param(
            "KOR",
            "군사Ⅰ급비밀",
            "JPN",
            "군사Ⅰ급비밀 (TOP SECRET) is outside the scope of JPN-KOR-GSOMIA-2016: "
            "no equivalent in JPN (Art. 4)",
            id="KOR 군사Ⅰ급비밀 out of scope",
        ),
        pytest.param(
            "KOR",
            "대외비",
            "JPN",
            "대외비 (RESTRICTED) is outside the scope of JPN-KOR-GSOMIA-2016: no equivalent in JPN (Art. 4)",
            id="KOR 대외비 out of scope",
        ),
        pytest.param(
            "KOR",
            "군사Ⅰ급비밀",
            "KOR",
            "군사Ⅰ급비밀 (TOP SECRET) is outside the scope of JPN-KOR-GSOMIA-2016: "
            "not in its equivalence table (Art. 4)",
            id="out of scope even within the same scheme",
        ),
        pytest.param(
            "USA",
            "SECRET",
            "KOR",
            "scheme USA is not used by agreement JPN-KOR-GSOMIA-2016 (Art. 4)",
            id="USA label under Japan-ROK",
        ),
        pytest.param(
            "JPN",
            "秘",
            "USA",
            "scheme USA is not used by agreement JPN-KOR-GSOMIA-2016 (Art. 4)",
            id="into USA under Japan-ROK",
        ),
        pytest.param(
            "JPN",
            "秘",
            "NOPE",
            "scheme NOPE is not used by agreement JPN-KOR-GSOMIA-2016 (Art. 4)",
            id="unknown target scheme",
        ),
    ],
)
def test_translate_refusals(
    jpn_kor: Agreement, policy: str, classification: str, to_scheme: str, message: str
) -> None:
    with pytest.raises(TranslationRefused) as caught:
        jpn_kor.translate(label(policy, classification), to_scheme)
    # The whole reason, article included (issue 10 item 9: name the article, Art. 4).
    assert str(caught.value) == message


@pytest.mark.parametrize(
    ("spelling", "in_scope"),
    [
        ("JPN:秘", True),
        ("JPN:特定秘密", True),
        ("JPN:機密", False),
        ("KOR:대외비", False),
        ("USA:SECRET", False),
    ],
)
def test_level_in_scope(jpn_kor: Agreement, spelling: str, in_scope: bool) -> None:
    code, _, text = spelling.partition(":")
    assert jpn_kor.level_in_scope(scheme(code).level(text)) is in_scope


def test_tisa_translates_across_three_schemes(tisa: Agreement) -> None:
    assert tisa.translate(label("JPN", "特定秘密"), "USA") == scheme("USA").level("SECRET")
    assert tisa.translate(label("USA", "CONFIDENTIAL"), "KOR") == scheme("KOR").level("군사Ⅲ급비밀")
    assert tisa.translate(label("KOR", "군사Ⅱ급비밀"), "JPN") == scheme("JPN").level("極秘")
    with pytest.raises(TranslationRefused, match="TOP SECRET"):
        tisa.translate(label("USA", "TOP SECRET"), "JPN")


@pytest.mark.parametrize(
    ("topics", "allowed"),
    [
        pytest.param(["DPRK-MISSILE"], True, id="one topic in scope"),
        pytest.param(["DPRK-MISSILE", "DPRK-NUCLEAR"], True, id="two topics in scope"),
        pytest.param(["DPRK-MISSILE", "CHN-NAVY"], False, id="one topic outside"),
        pytest.param([], False, id="no topic at all"),
    ],
)
def test_tisa_topic_scope(tisa: Agreement, topics: list[str], allowed: bool) -> None:
    assert tisa.topics_in_scope(topics) is allowed


def test_no_topic_scope_allows_anything(jpn_kor: Agreement) -> None:
    assert jpn_kor.topic_scope is None
    assert jpn_kor.topics_in_scope([])
    assert jpn_kor.topics_in_scope(["ANYTHING"])


def test_party_lookup(jpn_kor: Agreement) -> None:
    assert jpn_kor.party("KOR").competent_authority == "Ministry of National Defense"
    assert jpn_kor.party_codes == ("JPN", "KOR")
    assert jpn_kor.schemes == frozenset({"JPN", "KOR"})
    with pytest.raises(NotFound, match="USA is not a party"):
        jpn_kor.party("USA")


def test_agreement_is_hashable_and_immutable(jpn_kor: Agreement) -> None:
    assert hash(jpn_kor) == hash(jpn_kor)
    with pytest.raises(TypeError):
        jpn_kor.equivalence[0].levels["USA"] = ()  # type: ignore[index]


def test_a_row_without_the_target_scheme_refuses(tisa: Agreement) -> None:
    row = tisa.equivalence[1]
    partial = dataclasses.replace(row, levels={k: v for k, v in row.levels.items() if k != "KOR"})
    agreement = dataclasses.replace(tisa, equivalence=(tisa.equivalence[0], partial))
    with pytest.raises(
        TranslationRefused,
        match=r"^秘 \(CONFIDENTIAL\) is outside the scope of TISA-2014: no equivalent in KOR \(Art\. 4\)$",
    ):
        agreement.translate(label("JPN", "秘"), "KOR")

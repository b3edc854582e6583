"""Labels: construction, normalisation, canonical bytes, alternatives and markings."""

from __future__ import annotations

import json
import unicodedata
from dataclasses import FrozenInstanceError
from datetime import UTC, datetime, timedelta, timezone

import pytest

from accord.errors import LabelError
from accord.markings import (
    NEED_TO_KNOW,
    ORIGINATOR_CONTROL,
    PROVIDED_BY,
    RELEASABLE_TO,
    Category,
    CategoryType,
    ConfidentialityLabel,
    Issuance,
    Marking,
    derive_alternative,
    parse_level,
    scheme,
)

T0 = datetime(2024, 1, 15, 19, 0, 0, 654321, tzinfo=timezone(timedelta(hours=9)))

REL = CategoryType.PERMISSIVE
RES = CategoryType.RESTRICTIVE


def jpn_label(**changes: object) -> ConfidentialityLabel:
    fields: dict[str, object] = {
        "policy": "JPN",
        "classification": "秘",
        "originator_id": "jpn-mod-1",
        "creation_time": T0,
        "categories": (
            Category(RELEASABLE_TO, REL, ("KOR", "JPN")),
            Category(NEED_TO_KNOW, RES, ("DPRK-MISSILE",)),
            Category(ORIGINATOR_CONTROL, RES, ("NO-THIRD-PARTY",)),
        ),
        "agreement": "jpn-kor-gsomia",
    }
    fields.update(changes)
    return ConfidentialityLabel(**fields)  # type: ignore[arg-type]


def test_known_answer_canonical_bytes() -> None:
    expected = (
        '{"agreement":"jpn-kor-gsomia","categories":['
        '{"tag_name":"Need To Know","type":"RESTRICTIVE","values":["DPRK-MISSILE"]},'
        '{"tag_name":"Originator Control","type":"RESTRICTIVE","values":["NO-THIRD-PARTY"]},'
        '{"tag_name":"Releasable To","type":"PERMISSIVE","values":["JPN","KOR"]}],'
        '"classification":"秘","creation_time":"2024-01-15T10:00:00Z","originator_id":"jpn-mod-1","policy":"JPN"}'
    ).encode()
    assert jpn_label().canonical_bytes() == expected


def test_classification_is_normalised_to_native() -> None:
    assert jpn_label(classification="hi").classification == "秘"
    assert jpn_label(classification="CONFIDENTIAL").classification == "秘"
    assert jpn_label(classification="hi") == jpn_label()
    assert jpn_label().level == scheme("JPN").level("秘")


def test_times_are_utc_whole_seconds() -> None:
    label = jpn_label(review_time=T0 + timedelta(days=365))
    assert label.creation_time == datetime(2024, 1, 15, 10, 0, 0, tzinfo=UTC)
    assert label.creation_time.tzinfo is UTC
    assert label.review_time == datetime(2025, 1, 14, 10, 0, 0, tzinfo=UTC)


def test_review_time_equal_to_creation_is_allowed() -> None:
    assert jpn_label(review_time=T0).review_time == jpn_label().creation_time


def test_years_before_1000_are_zero_padded() -> None:
    label = jpn_label(creation_time=datetime(999, 1, 2, 3, 4, 5, tzinfo=UTC))
    assert b'"creation_time":"0999-01-02T03:04:05Z"' in label.canonical_bytes()
    assert ConfidentialityLabel.from_json(label.canonical_bytes()) == label


def test_properties() -> None:
    label = jpn_label()
    assert label.releasable_to == frozenset({"JPN", "KOR"})
    assert label.need_to_know == frozenset({"DPRK-MISSILE"})
    assert label.originator_controls == frozenset({"NO-THIRD-PARTY"})
    assert label.provided_by is None
    bare = jpn_label(categories=())
    assert bare.releasable_to == bare.need_to_know == bare.originator_controls == frozenset()


def test_canonical_bytes_ignore_input_order_of_categories_and_values() -> None:
    a = jpn_label(
        categories=(
            Category(ORIGINATOR_CONTROL, RES, ("PURPOSE-LIMITED", "NO-THIRD-PARTY")),
            Category(RELEASABLE_TO, REL, ("USA", "KOR", "JPN", "KOR")),
        )
    )
    b = jpn_label(
        categories=[
            Category(RELEASABLE_TO, REL, ["JPN", "USA", "KOR"]),  # type: ignore[arg-type]  # lists are accepted at run time
            Category(ORIGINATOR_CONTROL, RES, ["NO-THIRD-PARTY", "PURPOSE-LIMITED"]),  # type: ignore[arg-type]
        ]
    )
    assert a == b
    assert a.canonical_bytes() == b.canonical_bytes()
    assert a.categories[1].values == ("JPN", "KOR", "USA")


def test_strings_are_nfc_normalised() -> None:
    decomposed = "Cafe\u0301 \u1100\u1161"  # e + combining acute; Hangul jamo for 가
    label = jpn_label(privacy_mark=decomposed, originator_id="nœud-e\u0301")
    assert label.privacy_mark == unicodedata.normalize("NFC", decomposed) == "Café 가"
    assert label.originator_id == "nœud-é"
    assert label == jpn_label(privacy_mark="Café 가", originator_id="nœud-é")
    assert (
        label.canonical_bytes() == jpn_label(privacy_mark="Café 가", originator_id="nœud-é").canonical_bytes()
    )
    assert "Café 가".encode() in label.canonical_bytes()  # UTF-8, not \\u escapes


def test_canonical_json_is_compact_sorted_utf8() -> None:
    raw = jpn_label(privacy_mark="한국어").canonical_bytes()
    data = json.loads(raw)
    assert raw == json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    assert "review_time" not in data
    assert "privacy_mark" in data


def test_from_json_accepts_text_and_offsets() -> None:
    text = jpn_label().canonical_bytes().decode().replace("2024-01-15T10:00:00Z", "2024-01-15T19:00:00+09:00")
    assert ConfidentialityLabel.from_json(text) == jpn_label()


def test_labels_are_frozen() -> None:
    label = jpn_label()
    with pytest.raises(FrozenInstanceError):
        label.classification = "極秘"  # type: ignore[misc]
    with pytest.raises(FrozenInstanceError):
        label.categories[0].values = ()  # type: ignore[misc]


def test_with_classification() -> None:
    lower = jpn_label(classification="極秘").with_classification(scheme("JPN").level("秘"))
    assert lower == jpn_label()


def test_with_classification_refuses_another_scheme() -> None:
    with pytest.raises(LabelError, match="not of the label's scheme JPN"):
        jpn_label().with_classification(scheme("KOR").level("대외비"))


def test_unknown_tags_are_kept_with_any_type() -> None:
    label = jpn_label(categories=(Category("Additional Sensitivity", RES, ("CRYPTO",)),))
    assert label.categories[0].type is RES
    assert ConfidentialityLabel.from_json(label.canonical_bytes()) == label


def test_derive_alternative() -> None:
    original = jpn_label(
        privacy_mark="秘密", categories=(*jpn_label().categories, Category("Other", REL, ("X",)))
    )
    later = datetime(2024, 1, 16, tzinfo=UTC)
    alt = derive_alternative(
        original,
        scheme("KOR").level("군사Ⅲ급비밀"),
        provided_by="JPN",
        issued=Issuance("kor-mnd-1", later, "jpn-kor-gsomia"),
    )
    assert alt.policy == "KOR"
    assert alt.classification == "군사Ⅲ급비밀"
    assert alt.originator_id == "kor-mnd-1"
    assert alt.creation_time == later
    assert alt.agreement == "jpn-kor-gsomia"
    assert alt.provided_by == "JPN"
    assert alt.releasable_to == original.releasable_to
    assert alt.need_to_know == original.need_to_know
    assert alt.originator_controls == original.originator_controls
    assert [c.tag_name for c in alt.categories] == [
        NEED_TO_KNOW,
        ORIGINATOR_CONTROL,
        PROVIDED_BY,
        RELEASABLE_TO,
    ]
    assert alt.privacy_mark is None


def test_derive_alternative_refuses_the_original_scheme() -> None:
    with pytest.raises(LabelError, match="another scheme"):
        derive_alternative(
            jpn_label(),
            scheme("JPN").level("極秘"),
            provided_by="JPN",
            issued=Issuance("jpn-mod-1", T0),
        )


def test_derive_alternative_refuses_a_bad_provider() -> None:
    with pytest.raises(LabelError, match="not a party code"):
        derive_alternative(
            jpn_label(),
            scheme("KOR").level("군사Ⅲ급비밀"),
            provided_by="Japan",
            issued=Issuance("kor-mnd-1", T0),
        )


def _alt(level: str, *, node: str = "kor-mnd-1") -> ConfidentialityLabel:
    return derive_alternative(
        jpn_label(),
        parse_level(level),
        provided_by="JPN",
        issued=Issuance(node, T0, "jpn-kor-gsomia"),
    )


def test_marking_with_alternative_and_for_scheme() -> None:
    marking = (
        Marking(jpn_label())
        .with_alternative(_alt("USA:CONFIDENTIAL"))
        .with_alternative(_alt("KOR:군사Ⅲ급비밀"))
    )
    assert marking.for_scheme("JPN") == jpn_label()
    assert marking.for_scheme("KOR") == _alt("KOR:군사Ⅲ급비밀")
    assert marking.for_scheme("USA") == _alt("USA:CONFIDENTIAL")
    assert marking.for_scheme("NATO") is None
    assert [a.policy for a in marking.alternatives] == ["KOR", "USA"]
    assert Marking.from_json(marking.canonical_bytes()) == marking
    assert Marking.from_dict(marking.to_dict()).canonical_bytes() == marking.canonical_bytes()


def test_the_label_and_agreement_a_node_goes_by() -> None:
    kor = derive_alternative(
        jpn_label(agreement=None),
        parse_level("KOR:군사Ⅲ급비밀"),
        provided_by="JPN",
        issued=Issuance("kor-mnd-1", T0, "jpn-kor-gsomia-2016"),
    )
    marking = Marking(jpn_label(agreement="jpn-kor-gsomia")).with_alternative(kor)
    # A node reads its own scheme's label, and the agreement that label was issued under.
    assert (marking.label_in("KOR"), marking.agreement_in("KOR")) == (kor, "jpn-kor-gsomia-2016")
    assert (marking.label_in("JPN"), marking.agreement_in("JPN")) == (marking.originator, "jpn-kor-gsomia")
    # A scheme with no label of its own goes by the originator's.
    assert (marking.label_in("USA"), marking.agreement_in("USA")) == (marking.originator, "jpn-kor-gsomia")
    # An alternative that names no agreement falls back on the originator's; neither: none.
    unnamed = Marking(jpn_label(agreement="jpn-kor-gsomia")).with_alternative(_alt_without_agreement())
    assert unnamed.agreement_in("KOR") == "jpn-kor-gsomia"
    assert Marking(jpn_label(agreement=None)).agreement_in("KOR") is None


def _alt_without_agreement() -> ConfidentialityLabel:
    return derive_alternative(
        jpn_label(), parse_level("KOR:군사Ⅲ급비밀"), provided_by="JPN", issued=Issuance("kor-mnd-1", T0)
    )


def test_marking_never_overwrites_an_alternative() -> None:
    marking = Marking(jpn_label()).with_alternative(_alt("KOR:군사Ⅲ급비밀"))
    with pytest.raises(LabelError, match="already exists and is never overwritten"):
        marking.with_alternative(_alt("KOR:군사Ⅱ급비밀", node="kor-mnd-2"))
    assert marking.for_scheme("KOR") == _alt("KOR:군사Ⅲ급비밀")


def test_marking_never_overwrites_the_originator() -> None:
    with pytest.raises(LabelError, match="originator's scheme JPN"):
        Marking(jpn_label()).with_alternative(jpn_label(classification="極秘"))
    with pytest.raises(LabelError):
        Marking(jpn_label(), (jpn_label(),))


def test_marking_alternatives_order_does_not_matter() -> None:
    a = Marking(jpn_label(), (_alt("USA:CONFIDENTIAL"), _alt("KOR:군사Ⅲ급비밀")))
    b = Marking(jpn_label(), (_alt("KOR:군사Ⅲ급비밀"), _alt("USA:CONFIDENTIAL")))
    assert a == b
    assert a.canonical_bytes() == b.canonical_bytes()


def test_marking_from_dict_is_strict() -> None:
    data = Marking(jpn_label()).to_dict()
    with pytest.raises(LabelError, match="unknown key 'extra'"):
        Marking.from_dict({**data, "extra": 1})
    with pytest.raises(LabelError, match="lacks the key 'originator'"):
        Marking.from_dict({"alternatives": []})
    with pytest.raises(LabelError):
        Marking.from_dict({**data, "alternatives": {}})
    with pytest.raises(LabelError):
        Marking.from_json(b"[1]")


def test_labels_parsed_from_different_rows_share_equal_categories() -> None:
    """Two rows (different label times) parsed apart give equal labels with one object per category."""
    first = jpn_label()
    second = jpn_label(creation_time=T0 + timedelta(seconds=1))
    a = ConfidentialityLabel.from_json(first.canonical_bytes())
    b = ConfidentialityLabel.from_json(second.canonical_bytes())
    assert a == first
    assert b == second
    assert a is not b
    assert all(x is y for x, y in zip(a.categories, b.categories, strict=True))


def test_a_category_that_does_not_parse_is_refused_every_time() -> None:
    """The parsed-category memo keeps no failure: the same bad category raises on every read."""
    data = json.loads(jpn_label().canonical_bytes())
    (rel,) = (c for c in data["categories"] if c["tag_name"] == RELEASABLE_TO)
    rel["values"] = ["not a party"]
    for _ in range(2):
        with pytest.raises(LabelError, match="not a party code"):
            ConfidentialityLabel.from_dict(data)

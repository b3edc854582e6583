"""A table of invalid inputs: each must raise LabelError, never anything else."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

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
    from_xml,
    to_xml,
)

NS = "urn:nato:stanag:4774:confidentialitymetadatalabel:1:0"
T0 = datetime(2024, 1, 15, 10, 0, 0, tzinfo=UTC)
P, R, INF = CategoryType.PERMISSIVE, CategoryType.RESTRICTIVE, CategoryType.INFORMATIVE


def label(**changes: object) -> ConfidentialityLabel:
    fields: dict[str, object] = {
        "policy": "JPN",
        "classification": "秘",
        "originator_id": "jpn-mod-1",
        "creation_time": T0,
        "categories": (Category(RELEASABLE_TO, P, ("KOR",)),),
    }
    fields.update(changes)
    return ConfidentialityLabel(**fields)  # type: ignore[arg-type]


def good_dict() -> dict[str, object]:
    return label(privacy_mark="x", review_time=T0, agreement="a-b").to_dict()


def good_xml() -> str:
    return to_xml(label(privacy_mark="x", review_time=T0, agreement="a-b"))


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
  <!ENTITY lol "lol">
  <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<slab:originatorConfidentialityLabel xmlns:slab="urn:nato:stanag:4774:confidentialitymetadatalabel:1:0">
  <slab:ConfidentialityInformation>
    <slab:PolicyIdentifier>JPN</slab:PolicyIdentifier><slab:Classification>&lol3;</slab:Classification>
  </slab:ConfidentialityInformation>
</slab:originatorConfidentialityLabel>"""

EXTERNAL_ENTITY = """<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<slab:originatorConfidentialityLabel xmlns:slab="urn:nato:stanag:4774:confidentialitymetadatalabel:1:0">&xxe;
</slab:originatorConfidentialityLabel>"""


def _with(key: str, value: object) -> Callable[[], object]:
    return lambda: ConfidentialityLabel.from_dict({**good_dict(), key: value})


def _without(key: str) -> Callable[[], object]:
    return lambda: ConfidentialityLabel.from_dict({k: v for k, v in good_dict().items() if k != key})


def _cat_dict(**changes: object) -> Callable[[], object]:
    cat = {"tag_name": RELEASABLE_TO, "type": "PERMISSIVE", "values": ["KOR"], **changes}
    return _with("categories", [cat])


def _xml(old: str, new: str) -> Callable[[], object]:
    def run() -> object:
        text = good_xml()
        assert old in text
        return from_xml(text.replace(old, new))

    return run


CASES: list[tuple[str, Callable[[], object], str]] = [
    # categories: the four known tags have a fixed type
    (
        "releasable-to-restrictive",
        lambda: Category(RELEASABLE_TO, R, ("KOR",)),
        "must be PERMISSIVE, not RESTRICTIVE",
    ),
    ("releasable-to-informative", lambda: Category(RELEASABLE_TO, INF, ("KOR",)), "must be PERMISSIVE"),
    (
        "need-to-know-permissive",
        lambda: Category(NEED_TO_KNOW, P, ("DPRK-MISSILE",)),
        "must be RESTRICTIVE, not PERMISSIVE",
    ),
    (
        "originator-control-informative",
        lambda: Category(ORIGINATOR_CONTROL, INF, ("NO-THIRD-PARTY",)),
        "must be RESTRICTIVE",
    ),
    (
        "provided-by-permissive",
        lambda: Category(PROVIDED_BY, P, ("JPN",)),
        "must be INFORMATIVE, not PERMISSIVE",
    ),
    ("type-not-an-enum", lambda: Category("X", "PERMISSIVE", ("a",)), "no valid type"),  # type: ignore[arg-type]
    # category values
    ("bad-party-code-lower", lambda: Category(RELEASABLE_TO, P, ("kor",)), "not a party code"),
    ("bad-party-code-name", lambda: Category(RELEASABLE_TO, P, ("Korea",)), "not a party code"),
    ("bad-provided-by", lambda: Category(PROVIDED_BY, INF, ("JP",)), "not a party code"),
    ("two-providers", lambda: Category(PROVIDED_BY, INF, ("JPN", "KOR")), "exactly one party"),
    (
        "unknown-control",
        lambda: Category(ORIGINATOR_CONTROL, R, ("NO-FOREIGN",)),
        "unknown control 'NO-FOREIGN'",
    ),
    ("topic-lower-case", lambda: Category(NEED_TO_KNOW, R, ("dprk-missile",)), "not a topic"),
    ("topic-trailing-hyphen", lambda: Category(NEED_TO_KNOW, R, ("DPRK-",)), "not a topic"),
    ("topic-space", lambda: Category(NEED_TO_KNOW, R, ("DPRK MISSILE",)), "not a topic"),
    ("empty-tag", lambda: Category("", P, ("a",)), "must not be empty"),
    ("empty-value", lambda: Category("X", P, ("",)), "must not be empty"),
    ("no-values", lambda: Category("X", P, ()), "has no values"),
    ("values-a-bare-string", lambda: Category("X", P, "abc"), "values must be a list"),  # type: ignore[arg-type]
    ("control-character", lambda: Category("X", P, ("a\nb",)), "control character U\\+000A"),
    (
        "duplicate-tag",
        lambda: label(categories=(Category("X", P, ("a",)), Category("X", R, ("b",)))),
        "appears twice",
    ),
    # label fields
    ("unknown-scheme", lambda: label(policy="FRA"), "unknown classification scheme 'FRA'"),
    ("unknown-level", lambda: label(classification="TOP SECRET//SI"), "unknown level"),
    ("level-of-other-scheme", lambda: label(classification="군사Ⅲ급비밀"), "unknown level"),
    ("naive-creation-time", lambda: label(creation_time=datetime(2024, 1, 15)), "timezone-aware"),
    ("naive-review-time", lambda: label(review_time=datetime(2025, 1, 15)), "timezone-aware"),
    ("creation-time-a-string", lambda: label(creation_time="2024-01-15T10:00:00Z"), "must be a datetime"),
    (
        "review-before-creation",
        lambda: label(review_time=T0 - timedelta(seconds=1)),
        "is before creation_time",
    ),
    ("empty-originator", lambda: label(originator_id=""), "must not be empty"),
    ("agreement-with-space", lambda: label(agreement="jpn kor"), "whitespace"),
    ("privacy-mark-control", lambda: label(privacy_mark="a\x00"), "control character"),
    ("categories-not-categories", lambda: label(categories=({"tag_name": "X"},)), "Category objects"),
    # dicts
    ("dict-unknown-key", _with("colour", "red"), "unknown key 'colour'"),
    ("dict-missing-key", _without("classification"), "lacks the key 'classification'"),
    ("dict-policy-not-string", _with("policy", 3), "'policy' must be a string"),
    ("dict-null-privacy-mark", _with("privacy_mark", None), "'privacy_mark' must be a string"),
    ("dict-categories-not-list", _with("categories", {}), "must be a list"),
    ("dict-time-not-iso", _with("creation_time", "15 Jan 2024"), "ISO 8601"),
    ("dict-time-naive", _with("creation_time", "2024-01-15T10:00:00"), "timezone-aware"),
    ("dict-time-a-number", _with("review_time", 1705312800), "ISO 8601"),
    ("dict-category-unknown-key", _cat_dict(colour="red"), "unknown key 'colour'"),
    ("dict-category-bad-type", _cat_dict(type="OPTIONAL"), "unknown type 'OPTIONAL'"),
    ("dict-category-values-string", _cat_dict(values="KOR"), "values must be a list"),
    ("dict-category-value-number", _cat_dict(values=[1]), "must be a string"),
    ("dict-category-wrong-type", _cat_dict(type="RESTRICTIVE"), "must be PERMISSIVE, not RESTRICTIVE"),
    # JSON
    ("json-malformed", lambda: ConfidentialityLabel.from_json(b'{"policy": "JPN"'), "not valid UTF-8 JSON"),
    ("json-not-utf8", lambda: ConfidentialityLabel.from_json(b"\xff\xfe{}"), "not valid UTF-8 JSON"),
    ("json-array", lambda: ConfidentialityLabel.from_json("[]"), "must be a JSON object"),
    (
        "json-duplicate-key",
        lambda: ConfidentialityLabel.from_json(
            json.dumps(good_dict())[:-1] + ',"policy":"KOR"}',
        ),
        "repeats the key 'policy'",
    ),
    # XML
    ("xml-billion-laughs", lambda: from_xml(BILLION_LAUGHS), "XML with a DTD or entities is refused"),
    (
        "xml-external-entity",
        lambda: from_xml(EXTERNAL_ENTITY.encode()),
        "XML with a DTD or entities is refused",
    ),
    (
        "xml-doctype-only",
        _xml('<?xml version="1.0" encoding="UTF-8"?>', "<!DOCTYPE x>"),
        "XML with a DTD or entities",
    ),
    ("xml-wrong-namespace", _xml(NS, "urn:example:not-4774"), "not a STANAG 4774 label"),
    ("xml-no-namespace", lambda: from_xml("<originatorConfidentialityLabel/>"), "not a STANAG 4774 label"),
    (
        "xml-missing-classification",
        _xml("<slab:Classification>秘</slab:Classification>", ""),
        "lacks the Classification",
    ),
    (
        "xml-empty-classification",
        _xml("<slab:Classification>秘</slab:Classification>", "<slab:Classification/>"),
        "is empty",
    ),
    ("xml-missing-policy", _xml("PolicyIdentifier", "Other"), "lacks the PolicyIdentifier"),
    ("xml-missing-creation", _xml("CreationDateTime>", "Created>"), "lacks the CreationDateTime"),
    (
        "xml-two-classifications",
        _xml(
            "<slab:Classification>秘", "<slab:Classification>秘</slab:Classification><slab:Classification>秘"
        ),
        "at most one",
    ),
    ("xml-unknown-category-type", _xml('Type="PERMISSIVE"', 'Type="OPTIONAL"'), "unknown Type 'OPTIONAL'"),
    ("xml-category-no-tag", _xml('TagName="Releasable To" ', ""), "TagName and Type"),
    ("xml-unsupported-value", _xml("slab:GenericValue", "slab:NumericValue"), "unsupported element"),
    (
        "xml-wrong-category-type",
        _xml('Type="PERMISSIVE"', 'Type="RESTRICTIVE"'),
        "must be PERMISSIVE, not RESTRICTIVE",
    ),
    ("xml-malformed", lambda: from_xml("<slab:originatorConfidentialityLabel"), "malformed XML"),
    ("xml-not-text", lambda: from_xml(42), "must be text or bytes"),  # type: ignore[arg-type]
    ("xml-bad-time", _xml("2024-01-15T10:00:00Z</slab:Creation", "yesterday</slab:Creation"), "ISO 8601"),
]


@pytest.mark.parametrize(("make", "message"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_invalid_input_raises_label_error(make: Callable[[], object], message: str) -> None:
    with pytest.raises(LabelError, match=message):
        make()


def test_wrong_type_message_names_tag_expected_and_given() -> None:
    with pytest.raises(LabelError) as info:
        Category(NEED_TO_KNOW, P, ("DPRK-MISSILE",))
    assert str(info.value) == "category 'Need To Know' must be RESTRICTIVE, not PERMISSIVE"


def test_the_baseline_inputs_are_valid() -> None:
    assert ConfidentialityLabel.from_dict(good_dict()) == label(
        privacy_mark="x", review_time=T0, agreement="a-b"
    )
    assert from_xml(good_xml()) == label(privacy_mark="x", review_time=T0, agreement="a-b")

"""Round trips: label ↔ canonical JSON ↔ STANAG 4774 XML, and markings."""

from __future__ import annotations

import random
from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies_markings import categories, labels, markings

from accord.markings import (
    RELEASABLE_TO,
    Category,
    CategoryType,
    ConfidentialityLabel,
    Marking,
    from_xml,
    scheme,
    to_xml,
)

EXPECTED_XML = """\
<?xml version="1.0" encoding="UTF-8"?>
<slab:originatorConfidentialityLabel xmlns:slab="urn:nato:stanag:4774:confidentialitymetadatalabel:1:0">
  <slab:ConfidentialityInformation>
    <slab:PolicyIdentifier URI="urn:accord:agreement:jpn-kor-gsomia">JPN</slab:PolicyIdentifier>
    <slab:Classification>秘</slab:Classification>
    <slab:PrivacyMark>日韓 &lt;&amp;&gt; "한국"</slab:PrivacyMark>
    <slab:Category TagName="Releasable To" Type="PERMISSIVE">
      <slab:GenericValue>JPN</slab:GenericValue>
      <slab:GenericValue>KOR</slab:GenericValue>
    </slab:Category>
  </slab:ConfidentialityInformation>
  <slab:OriginatorID IDType="uniformResourceIdentifier">jpn-mod-1</slab:OriginatorID>
  <slab:CreationDateTime>2024-01-15T10:00:00Z</slab:CreationDateTime>
  <slab:ReviewDateTime>2034-01-15T10:00:00Z</slab:ReviewDateTime>
</slab:originatorConfidentialityLabel>
"""


def _known() -> ConfidentialityLabel:
    return ConfidentialityLabel(
        policy="JPN",
        classification="hi",
        originator_id="jpn-mod-1",
        creation_time=datetime(2024, 1, 15, 10, tzinfo=UTC),
        categories=(Category(RELEASABLE_TO, CategoryType.PERMISSIVE, ("KOR", "JPN")),),
        privacy_mark='日韓 <&> "한국"',
        review_time=datetime(2034, 1, 15, 10, tzinfo=UTC),
        agreement="jpn-kor-gsomia",
    )


def test_known_answer_xml() -> None:
    assert to_xml(_known()) == EXPECTED_XML
    assert from_xml(EXPECTED_XML) == _known()
    assert from_xml(EXPECTED_XML.encode("utf-8")) == _known()


def test_xml_from_another_tool() -> None:
    """A label written by another tool: default namespace, other URI, no agreement."""
    xml = (
        '<originatorConfidentialityLabel xmlns="urn:nato:stanag:4774:confidentialitymetadatalabel:1:0">'
        '<ConfidentialityInformation><PolicyIdentifier URI="urn:oid:1.2.3"> NATO </PolicyIdentifier>'
        "<Classification>NATO SECRET</Classification>"
        '<Category TagName="Releasable To" Type="PERMISSIVE" URI="urn:oid:1.2.3.4">'
        "<GenericValue>KOR</GenericValue></Category>"
        "</ConfidentialityInformation>"
        "<CreationDateTime>2024-01-15T10:00:00.250+01:00</CreationDateTime>"
        "<OriginatorID IDType='rfc822Name'>officer@example.org</OriginatorID>"
        "</originatorConfidentialityLabel>"
    )
    label = from_xml(xml)
    assert label.policy == "NATO"
    assert label.level == scheme("NATO").level("NATO SECRET")
    assert label.agreement is None
    assert label.releasable_to == frozenset({"KOR"})
    assert label.creation_time == datetime(2024, 1, 15, 9, tzinfo=UTC)
    assert label.originator_id == "officer@example.org"


@given(labels())
def test_label_json_round_trip(label: ConfidentialityLabel) -> None:
    raw = label.canonical_bytes()
    again = ConfidentialityLabel.from_json(raw)
    assert again == label
    assert again.canonical_bytes() == raw
    assert ConfidentialityLabel.from_dict(label.to_dict()) == label
    assert ConfidentialityLabel.from_json(raw.decode("utf-8")) == label


@given(labels())
def test_label_xml_round_trip(label: ConfidentialityLabel) -> None:
    xml = to_xml(label)
    assert from_xml(xml) == label
    assert from_xml(xml.encode("utf-8")) == label
    assert to_xml(from_xml(xml)) == xml


@given(labels())
def test_label_json_xml_json(label: ConfidentialityLabel) -> None:
    assert from_xml(to_xml(ConfidentialityLabel.from_json(label.canonical_bytes()))).canonical_bytes() == (
        label.canonical_bytes()
    )


@given(labels(), st.randoms(use_true_random=False))
def test_canonical_bytes_ignore_category_and_value_order(
    label: ConfidentialityLabel, rnd: random.Random
) -> None:
    shuffled = []
    for cat in label.categories:
        values = list(cat.values) * 2
        rnd.shuffle(values)
        shuffled.append(Category(cat.tag_name, cat.type, tuple(values)))
    rnd.shuffle(shuffled)
    other = ConfidentialityLabel(
        policy=label.policy,
        classification=label.level.romanised,
        originator_id=label.originator_id,
        creation_time=label.creation_time,
        categories=tuple(shuffled),
        privacy_mark=label.privacy_mark,
        review_time=label.review_time,
        agreement=label.agreement,
    )
    assert other == label
    assert other.canonical_bytes() == label.canonical_bytes()


@given(categories())
def test_categories_are_sorted_and_unique(cats: tuple[Category, ...]) -> None:
    for cat in cats:
        assert list(cat.values) == sorted(set(cat.values))


@settings(max_examples=50)
@given(markings())
def test_marking_round_trip(marking: Marking) -> None:
    raw = marking.canonical_bytes()
    again = Marking.from_json(raw)
    assert again == marking
    assert again.canonical_bytes() == raw
    assert Marking.from_dict(marking.to_dict()) == marking
    for alt in marking.alternatives:
        assert from_xml(to_xml(alt)) == alt
        assert marking.for_scheme(alt.policy) == alt

"""The public API of accord.markings is exactly this list."""

from __future__ import annotations

import accord.markings

EXPECTED = [
    "NEED_TO_KNOW",
    "ORIGINATOR_CONTROL",
    "ORIGINATOR_CONTROLS",
    "PROVIDED_BY",
    "RELEASABLE_TO",
    "SCHEMES",
    "Category",
    "CategoryType",
    "ConfidentialityLabel",
    "Family",
    "Issuance",
    "Level",
    "Marking",
    "PageBanner",
    "Scheme",
    "banner",
    "derive_alternative",
    "from_xml",
    "is_party_code",
    "page_banner",
    "parse_level",
    "party_name",
    "received_banner",
    "scheme",
    "to_xml",
]


def test_all_is_the_expected_list() -> None:
    assert accord.markings.__all__ == EXPECTED


def test_every_name_is_exported() -> None:
    for name in EXPECTED:
        assert hasattr(accord.markings, name), name


def test_public_objects_are_documented() -> None:
    for name in EXPECTED:
        obj = getattr(accord.markings, name)
        if callable(obj):
            assert obj.__doc__, name

"""The public API of accord.agreements is exactly this list (STYLE.md: explicit __all__)."""

from __future__ import annotations

import accord.agreements


def test_all_lists_the_public_api() -> None:
    assert accord.agreements.__all__ == [
        "Agreement",
        "EquivalenceRow",
        "Note",
        "NoteKind",
        "Party",
        "RelayRule",
        "State",
        "Status",
        "agreement_digest",
        "check_note",
        "load_agreement",
        "notice_rule",
        "status",
    ]


def test_every_exported_name_exists_and_is_documented() -> None:
    for name in accord.agreements.__all__:
        member = getattr(accord.agreements, name)
        assert member.__doc__, name
        assert member.__module__.startswith("accord.agreements"), name

"""The public surface of accord.items."""

from __future__ import annotations

import accord.items


def test_all_is_exactly_the_public_api() -> None:
    assert sorted(accord.items.__all__) == [
        "AlarmState",
        "AttachmentRef",
        "CaseState",
        "ConsentState",
        "DestructionDirection",
        "Direction",
        "FINAL_HOLDING_STATES",
        "FieldSpec",
        "FieldType",
        "HoldingState",
        "ItemContent",
        "ItemKind",
        "KINDS",
        "OutboxState",
        "Precedence",
        "QuarantineState",
        "binding_statement",
        "parse_fields",
    ]
    for name in accord.items.__all__:
        assert getattr(accord.items, name) is not None

"""Items: what is exchanged — kinds with typed fields, content, precedence, binding statement.

Pure domain: no I/O, no clock.
"""

from accord.items._content import AttachmentRef, ItemContent, binding_statement
from accord.items._kinds import KINDS, FieldSpec, FieldType, ItemKind, parse_fields
from accord.items._precedence import Precedence
from accord.items._states import (
    FINAL_HOLDING_STATES,
    AlarmState,
    CaseState,
    ConsentState,
    DestructionDirection,
    Direction,
    HoldingState,
    OutboxState,
    QuarantineState,
)

__all__ = [
    "FINAL_HOLDING_STATES",
    "KINDS",
    "AlarmState",
    "AttachmentRef",
    "CaseState",
    "ConsentState",
    "DestructionDirection",
    "Direction",
    "FieldSpec",
    "FieldType",
    "HoldingState",
    "ItemContent",
    "ItemKind",
    "OutboxState",
    "Precedence",
    "QuarantineState",
    "binding_statement",
    "parse_fields",
]

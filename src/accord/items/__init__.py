"""Items: what is exchanged — kinds with typed fields, content, precedence, binding statement.

Pure domain: no I/O, no clock.
"""

from accord.items._content import AttachmentRef, ItemContent, binding_statement
from accord.items._kinds import KINDS, FieldSpec, FieldType, ItemKind, parse_fields
from accord.items._precedence import Precedence

__all__ = [
    "KINDS",
    "AttachmentRef",
    "FieldSpec",
    "FieldType",
    "ItemContent",
    "ItemKind",
    "Precedence",
    "binding_statement",
    "parse_fields",
]

"""Wire format of a holdings summary: what a holder holds of one originator's CMI (Art. 6).

GSOMIA Art. 6 asks each party for "identification, location, inventory and control" of
the CMI it holds. :class:`HoldingsSummary` is signed by the holder node (purpose
``holdings-summary``) and exchanged as a file: every item of one originating party the
holder holds (:class:`HeldItem`), with its status, its number of copies and the message ids
it arrived in. The originator reconciles it against its dissemination record
(``accord reconcile``).

The habits of :mod:`._custody_formats` hold; fields are checked by :mod:`._fields`.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from typing import Any, Final

from accord.crypto import DualSignature
from accord.errors import InvalidInput
from accord.exchange._custody_formats import MAX_ENTRIES
from accord.exchange._fields import (
    check_fields,
    count,
    int_field,
    list_field,
    matching,
    str_field,
    wire_id,
)
from accord.exchange._signed import SignedStatement
from accord.items import HoldingState
from accord.json_view import JsonView

__all__ = ["HOLDING_STATUSES", "HeldItem", "HoldingsSummary", "new_summary_id"]

MAX_MESSAGES: Final = 1000
_STATUS = re.compile(r"[a-z][a-z-]{1,15}")
HOLDING_STATUSES: Final = frozenset(HoldingState)
"""The statuses a holder reports today (the status column of ``items``); a summary accepts any
status word of that form, so that a newer holder's statuses still reconcile."""


def new_summary_id() -> str:
    """A fresh holdings summary id: ``summary-`` and 32 hex digits."""
    return f"summary-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class HeldItem(JsonView):
    """One line of a holdings summary: an item as the holder holds it."""

    item_id: str
    content_sha384: str
    status: str
    copies: int
    message_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        what = "holdings summary entry"
        check_fields(self, ("item_id", "content_sha384"), what)
        matching(self.status, _STATUS, what, "a holding status such as held or destroyed")
        count(self.copies, f"{what}: copies", MAX_ENTRIES)
        if not isinstance(self.message_ids, tuple | list) or len(self.message_ids) > MAX_MESSAGES:
            raise InvalidInput(f"{what}: message_ids must be a list of at most {MAX_MESSAGES} ids")
        ids = tuple(sorted({wire_id(m, what) for m in self.message_ids}))
        if len(ids) != len(self.message_ids):
            raise InvalidInput(f"{what}: a message id is listed twice")
        object.__setattr__(self, "message_ids", ids)

    @classmethod
    def from_dict(cls, obj: object) -> HeldItem:
        """Parse one entry.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "holdings summary entry"
        if not isinstance(obj, dict):
            raise InvalidInput(f"{what} must be an object")
        names = {"item_id", "content_sha384", "status", "copies", "message_ids"}
        if set(obj) != names:
            raise InvalidInput(f"{what}: expected exactly the keys {sorted(names)}")
        ids = list_field(obj, "message_ids", what)
        if not all(isinstance(m, str) for m in ids):
            raise InvalidInput(f"{what}: message_ids must be a list of ids")
        return cls(
            item_id=str_field(obj, "item_id", what),
            content_sha384=str_field(obj, "content_sha384", what),
            status=str_field(obj, "status", what),
            copies=int_field(obj, "copies", what),
            message_ids=tuple(str(m) for m in ids),
        )


_SUMMARY_FIELDS: Final = ("summary_id", "holder_party", "holder_node", "for_party", "made_by", "made_at")


@dataclass(frozen=True)
class HoldingsSummary(SignedStatement):
    """What a holder holds of one originating party's CMI, signed by the holder node (Art. 6)."""

    PURPOSE = "holdings-summary"
    FIELDS = CHECKED = _SUMMARY_FIELDS
    ENTRIES = ("items",)
    WHAT = "holdings summary"

    summary_id: str
    holder_party: str
    holder_node: str
    for_party: str
    made_by: str
    made_at: str
    items: tuple[HeldItem, ...]
    signature: DualSignature

    def _check(self, what: str) -> None:
        if not isinstance(self.items, tuple | list) or not all(isinstance(i, HeldItem) for i in self.items):
            raise InvalidInput(f"{what}: items must be a list of entries")
        if len(self.items) > MAX_ENTRIES:
            raise InvalidInput(f"{what}: more than {MAX_ENTRIES} entries")
        items = tuple(sorted(self.items, key=lambda i: i.item_id))
        if len({i.item_id for i in items}) != len(items):
            raise InvalidInput(f"{what}: an item is listed twice")
        object.__setattr__(self, "items", items)
        if self.for_party == self.holder_party:
            raise InvalidInput(f"{what}: a holder does not summarise its own items for itself")

    @classmethod
    def _parsed(cls, fields: dict[str, object]) -> dict[str, Any]:
        entries = list_field(fields, "items", cls.WHAT)
        if len(entries) > MAX_ENTRIES:
            raise InvalidInput(f"{cls.WHAT}: more than {MAX_ENTRIES} entries")
        return {"items": tuple(HeldItem.from_dict(e) for e in entries)}

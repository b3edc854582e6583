"""Wire formats of compromise and loss (GSOMIA Art. 17).

Art. 17: the receiving party *immediately* informs the originating party of any loss or
compromise, actual or possible, of CMI the originator provided; investigates it; and
reports the results of the investigation and the measures taken to prevent a recurrence.
Two signed statements carry that, each in an envelope of its own type
(``EnvelopeHeader.type``):

* **compromise-notice** (holder → originator, FLASH) — :class:`CompromiseNotice`, signed by
  the reporting node (purpose ``compromise-notice``): the case, which of the originator's
  items (ids and content digests), actual or possible, the circumstances, who reported it
  and when.
* **compromise-report** (holder → originator) — :class:`CompromiseReport`, signed by the
  reporting node (purpose ``compromise-report``): the case closed, the findings of the
  investigation and the measures taken.

The habits of ``_consent`` hold: canonical JSON, strict parsing (unknown or missing keys
refused), objects valid from construction, text NFC-normalised and free of control and
bidirectional characters, each statement naming its own ``type`` and each signature its
own purpose, so that neither verifies as the other or as any other statement.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

from accord.crypto import DualSignature
from accord.errors import InvalidInput
from accord.exchange._fields import (
    check_fields,
    flag,
    list_field,
    peer_text,
    str_field,
)
from accord.exchange._signed import SignedStatement
from accord.json_view import JsonView

__all__ = ["CompromiseNotice", "CompromiseReport", "CompromisedItem", "compromise_text", "new_case_id"]

MAX_PROSE: Final = 4000
MAX_ITEMS: Final = 1000


def new_case_id() -> str:
    """A fresh compromise case id: ``case-`` and 32 hex digits."""
    return f"case-{uuid.uuid4().hex}"


def _prose(value: object, what: str) -> str:
    """Circumstances, findings or measures: printable text (line breaks allowed), NFC, stripped."""
    return peer_text(value, what, limit=MAX_PROSE, lines=True)


def compromise_text(value: object, what: str) -> str:
    """Check circumstances, findings or measures as the signed statements will hold them.

    Raises:
        InvalidInput: not text, empty, too long, or with control or bidirectional characters.
    """
    return _prose(value, what)


@dataclass(frozen=True)
class CompromisedItem(JsonView):
    """One item a notice is about: its id and the digest of its content as held."""

    item_id: str
    content_sha384: str

    def __post_init__(self) -> None:
        check_fields(self, ("item_id", "content_sha384"), "compromised item")

    @classmethod
    def from_dict(cls, obj: object) -> CompromisedItem:
        """Parse the JSON form.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "compromised item"
        if not isinstance(obj, dict) or set(obj) != {"item_id", "content_sha384"}:
            raise InvalidInput(f"{what} must be an object with exactly item_id and content_sha384")
        return cls(str_field(obj, "item_id", what), str_field(obj, "content_sha384", what))


_NOTICE_TEXT: Final = (
    "case_id",
    "reporting_node",
    "reporting_party",
    "originator_node",
    "originator_party",
    "circumstances",
    "reported_by",
    "reported_at",
)


@dataclass(frozen=True)
class CompromiseNotice(SignedStatement):
    """The holder's immediate notice of a loss or compromise, actual or possible (Art. 17).

    One notice goes to each originator node concerned and names only that originator's
    items, sorted by id, each once.
    """

    PURPOSE = "compromise-notice"
    FIELDS = (*_NOTICE_TEXT, "actual")
    CHECKED = tuple(name for name in _NOTICE_TEXT if name != "circumstances")
    ENTRIES = ("items",)
    WHAT = "compromise notice"

    case_id: str
    reporting_node: str
    reporting_party: str
    originator_node: str
    originator_party: str
    items: tuple[CompromisedItem, ...]
    actual: bool
    circumstances: str
    reported_by: str
    reported_at: str
    signature: DualSignature

    def _check(self, what: str) -> None:
        if not isinstance(self.items, tuple | list) or not all(
            isinstance(i, CompromisedItem) for i in self.items
        ):
            raise InvalidInput(f"{what}: items must be a list of compromised items")
        items = tuple(self.items)
        if not 1 <= len(items) <= MAX_ITEMS:
            raise InvalidInput(f"{what}: names 1 to {MAX_ITEMS} items, not {len(items)}")
        ids = [i.item_id for i in items]
        if ids != sorted(set(ids)):
            raise InvalidInput(f"{what}: items must be sorted by id, each once")
        object.__setattr__(self, "items", items)
        flag(self.actual, f"{what}: actual")
        object.__setattr__(self, "circumstances", _prose(self.circumstances, f"{what}: circumstances"))
        if self.reporting_node == self.originator_node:
            raise InvalidInput(f"{what}: a node does not notify itself")

    @property
    def item_ids(self) -> list[str]:
        """The ids of the items, sorted."""
        return [i.item_id for i in self.items]

    @classmethod
    def _parsed(cls, fields: dict[str, object]) -> dict[str, Any]:
        what = cls.WHAT
        items = list_field(fields, "items", what)
        if len(items) > MAX_ITEMS:
            raise InvalidInput(f"{what}: names 1 to {MAX_ITEMS} items, not {len(items)}")
        return {
            "items": tuple(CompromisedItem.from_dict(i) for i in items),
            "actual": flag(fields["actual"], f"{what}: actual"),
        }


_REPORT_FIELDS: Final = (
    "case_id",
    "reporting_node",
    "originator_node",
    "findings",
    "measures",
    "closed_by",
    "closed_at",
)


@dataclass(frozen=True)
class CompromiseReport(SignedStatement):
    """The results of the investigation and the measures taken, closing a case (Art. 17)."""

    PURPOSE = "compromise-report"
    FIELDS = _REPORT_FIELDS
    CHECKED = ("case_id", "reporting_node", "originator_node", "closed_by", "closed_at")
    WHAT = "compromise report"

    case_id: str
    reporting_node: str
    originator_node: str
    findings: str
    measures: str
    closed_by: str
    closed_at: str
    signature: DualSignature

    def _check(self, what: str) -> None:
        object.__setattr__(self, "findings", _prose(self.findings, f"{what}: findings"))
        object.__setattr__(self, "measures", _prose(self.measures, f"{what}: measures"))
        if self.reporting_node == self.originator_node:
            raise InvalidInput(f"{what}: a node does not report to itself")

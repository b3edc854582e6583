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

import re
import unicodedata
import uuid
from dataclasses import dataclass, replace
from typing import Final

from accord.canonical import canonical_json
from accord.crypto import DualSignature, SigningKeys, VerifyKeys
from accord.errors import InvalidInput
from accord.exchange._consent import (
    _BIDI,
    _UNSIGNED,
    _bool,
    _digest,
    _load,
    _match,
    _node,
    _party,
    _signature,
    _time,
    _user,
)
from accord.exchange._formats import FORMAT_VERSION, _list, _obj, _str

__all__ = ["CompromiseNotice", "CompromiseReport", "CompromisedItem", "compromise_text", "new_case_id"]

MAX_PROSE: Final = 4000
MAX_ITEMS: Final = 1000
_CASE_ID = re.compile(r"case-[0-9a-f]{32}")


def new_case_id() -> str:
    """A fresh compromise case id: ``case-`` and 32 hex digits."""
    return f"case-{uuid.uuid4().hex}"


def _prose(value: object, what: str) -> str:
    """Circumstances, findings or measures: printable text (line breaks allowed), NFC, stripped."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text")
    for ch in value:
        # Paragraphs are allowed; other controls, separators and bidi overrides are not
        # (they can make a statement read otherwise on an officer's screen than it was signed).
        if ch == "\n":
            continue
        if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in _BIDI or ch in "\ufffe\uffff":
            raise InvalidInput(f"{what} contains the control character U+{ord(ch):04X}")
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise InvalidInput(f"{what} must not be empty")
    if len(text) > MAX_PROSE:
        raise InvalidInput(f"{what} is longer than {MAX_PROSE} characters")
    return text


def compromise_text(value: object, what: str) -> str:
    """Check circumstances, findings or measures as the signed statements will hold them.

    Raises:
        InvalidInput: not text, empty, too long, or with control or bidirectional characters.
    """
    return _prose(value, what)


def _case(value: object, what: str) -> str:
    return _match(value, _CASE_ID, what, "a case id (case- and 32 hex digits)")


@dataclass(frozen=True)
class CompromisedItem:
    """One item a notice is about: its id and the digest of its content as held."""

    item_id: str
    content_sha384: str

    def __post_init__(self) -> None:
        what = "compromised item"
        _node(self.item_id, what)
        _digest(self.content_sha384, what)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"item_id": self.item_id, "content_sha384": self.content_sha384}

    @classmethod
    def from_dict(cls, obj: object) -> CompromisedItem:
        """Parse the JSON form.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "compromised item"
        if not isinstance(obj, dict) or set(obj) != {"item_id", "content_sha384"}:
            raise InvalidInput(f"{what} must be an object with exactly item_id and content_sha384")
        return cls(_str(obj, "item_id", what), _str(obj, "content_sha384", what))


_NOTICE_FIELDS: Final = (
    "case_id",
    "reporting_node",
    "reporting_party",
    "originator_node",
    "originator_party",
    "actual",
    "circumstances",
    "reported_by",
    "reported_at",
)


@dataclass(frozen=True)
class CompromiseNotice:
    """The holder's immediate notice of a loss or compromise, actual or possible (Art. 17).

    One notice goes to each originator node concerned and names only that originator's
    items, sorted by id, each once.
    """

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

    def __post_init__(self) -> None:
        what = "compromise notice"
        _case(self.case_id, what)
        _node(self.reporting_node, what)
        _party(self.reporting_party, what)
        _node(self.originator_node, what)
        _party(self.originator_party, what)
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
        _bool(self.actual, f"{what}: actual")
        object.__setattr__(self, "circumstances", _prose(self.circumstances, f"{what}: circumstances"))
        _user(self.reported_by, what)
        _time(self.reported_at, f"{what}: reported_at")
        _signature(self.signature, what)
        if self.reporting_node == self.originator_node:
            raise InvalidInput(f"{what}: a node does not notify itself")

    @property
    def item_ids(self) -> list[str]:
        """The ids of the items, sorted."""
        return [i.item_id for i in self.items]

    @classmethod
    def make(
        cls,
        keys: SigningKeys,
        *,
        case_id: str,
        reporting_node: str,
        reporting_party: str,
        originator_node: str,
        originator_party: str,
        items: tuple[CompromisedItem, ...],
        actual: bool,
        circumstances: str,
        reported_by: str,
        reported_at: str,
    ) -> CompromiseNotice:
        """Check the fields and sign them with the reporting node's keys.

        Raises:
            InvalidInput: a field is invalid.
        """
        unsigned = cls(
            case_id,
            reporting_node,
            reporting_party,
            originator_node,
            originator_party,
            items,
            actual,
            circumstances,
            reported_by,
            reported_at,
            _UNSIGNED,
        )
        return replace(unsigned, signature=keys.sign("compromise-notice", unsigned.statement()))

    def _body(self) -> dict[str, object]:
        body: dict[str, object] = {name: getattr(self, name) for name in _NOTICE_FIELDS}
        return {**body, "items": [i.to_dict() for i in self.items]}

    def statement(self) -> bytes:
        """The exact bytes the reporting node signs (canonical JSON, without the signature)."""
        return canonical_json({"type": "accord-compromise-notice", "v": FORMAT_VERSION, **self._body()})

    def verify(self, keys: VerifyKeys) -> None:
        """Check the reporting node's signature.

        Raises:
            VerificationFailed: it was not signed by these keys, or a field was changed.
        """
        keys.verify("compromise-notice", self.statement(), self.signature)

    def to_bytes(self) -> bytes:
        """Canonical JSON, signature included."""
        return canonical_json({"v": FORMAT_VERSION, **self._body(), "signature": self.signature.to_dict()})

    @classmethod
    def parse(cls, data: bytes | str) -> CompromiseNotice:
        """Parse (not verify) a compromise notice.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "compromise notice"
        fields = _load(data, {*_NOTICE_FIELDS, "items", "signature"}, what)
        items = _list(fields, "items", what)
        if len(items) > MAX_ITEMS:
            raise InvalidInput(f"{what}: names 1 to {MAX_ITEMS} items, not {len(items)}")
        return cls(
            case_id=_str(fields, "case_id", what),
            reporting_node=_str(fields, "reporting_node", what),
            reporting_party=_str(fields, "reporting_party", what),
            originator_node=_str(fields, "originator_node", what),
            originator_party=_str(fields, "originator_party", what),
            items=tuple(CompromisedItem.from_dict(i) for i in items),
            actual=_bool(fields["actual"], f"{what}: actual"),
            circumstances=_str(fields, "circumstances", what),
            reported_by=_str(fields, "reported_by", what),
            reported_at=_str(fields, "reported_at", what),
            signature=DualSignature.from_dict(_obj(fields, "signature", what)),
        )


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
class CompromiseReport:
    """The results of the investigation and the measures taken, closing a case (Art. 17)."""

    case_id: str
    reporting_node: str
    originator_node: str
    findings: str
    measures: str
    closed_by: str
    closed_at: str
    signature: DualSignature

    def __post_init__(self) -> None:
        what = "compromise report"
        _case(self.case_id, what)
        _node(self.reporting_node, what)
        _node(self.originator_node, what)
        object.__setattr__(self, "findings", _prose(self.findings, f"{what}: findings"))
        object.__setattr__(self, "measures", _prose(self.measures, f"{what}: measures"))
        _user(self.closed_by, what)
        _time(self.closed_at, f"{what}: closed_at")
        _signature(self.signature, what)
        if self.reporting_node == self.originator_node:
            raise InvalidInput(f"{what}: a node does not report to itself")

    @classmethod
    def make(
        cls,
        keys: SigningKeys,
        *,
        case_id: str,
        reporting_node: str,
        originator_node: str,
        findings: str,
        measures: str,
        closed_by: str,
        closed_at: str,
    ) -> CompromiseReport:
        """Check the fields and sign them with the reporting node's keys.

        Raises:
            InvalidInput: a field is invalid.
        """
        unsigned = cls(
            case_id, reporting_node, originator_node, findings, measures, closed_by, closed_at, _UNSIGNED
        )
        return replace(unsigned, signature=keys.sign("compromise-report", unsigned.statement()))

    def statement(self) -> bytes:
        """The exact bytes the reporting node signs."""
        body = {name: getattr(self, name) for name in _REPORT_FIELDS}
        return canonical_json({"type": "accord-compromise-report", "v": FORMAT_VERSION, **body})

    def verify(self, keys: VerifyKeys) -> None:
        """Check the reporting node's signature.

        Raises:
            VerificationFailed: it was not signed by these keys, or a field was changed.
        """
        keys.verify("compromise-report", self.statement(), self.signature)

    def to_bytes(self) -> bytes:
        """Canonical JSON, signature included."""
        body = {name: getattr(self, name) for name in _REPORT_FIELDS}
        return canonical_json({"v": FORMAT_VERSION, **body, "signature": self.signature.to_dict()})

    @classmethod
    def parse(cls, data: bytes | str) -> CompromiseReport:
        """Parse (not verify) a compromise report.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "compromise report"
        fields = _load(data, {*_REPORT_FIELDS, "signature"}, what)
        return cls(
            case_id=_str(fields, "case_id", what),
            reporting_node=_str(fields, "reporting_node", what),
            originator_node=_str(fields, "originator_node", what),
            findings=_str(fields, "findings", what),
            measures=_str(fields, "measures", what),
            closed_by=_str(fields, "closed_by", what),
            closed_at=_str(fields, "closed_at", what),
            signature=DualSignature.from_dict(_obj(fields, "signature", what)),
        )

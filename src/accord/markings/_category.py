"""Label categories (STANAG 4774 ``Category``) and the value checks labels share.

A category is a tag name, a type and a set of values. STANAG 4774 gives each type its
meaning: a RESTRICTIVE category must be satisfied in full by a reader (every value), a
PERMISSIVE one by any value, and an INFORMATIVE one grants or denies nothing.

Four tag names are Accord's own and their type is fixed, because the access decision
depends on it: reading *Releasable To* as restrictive would deny every reader, and reading
*Need To Know* as permissive would let one topic open all the others.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from types import MappingProxyType

from accord.canonical import format_time as canonical_format_time
from accord.errors import LabelError
from accord.markings._schemes import is_party_code

__all__ = [
    "NEED_TO_KNOW",
    "ORIGINATOR_CONTROL",
    "ORIGINATOR_CONTROLS",
    "PROVIDED_BY",
    "RELEASABLE_TO",
    "Category",
    "CategoryType",
]


class CategoryType(enum.Enum):
    """How a category's values constrain access (STANAG 4774)."""

    RESTRICTIVE = "RESTRICTIVE"
    PERMISSIVE = "PERMISSIVE"
    INFORMATIVE = "INFORMATIVE"


RELEASABLE_TO = "Releasable To"
"""PERMISSIVE; the party codes the item may be released to."""
NEED_TO_KNOW = "Need To Know"
"""RESTRICTIVE; topic tokens such as ``DPRK-MISSILE``."""
ORIGINATOR_CONTROL = "Originator Control"
"""RESTRICTIVE; values from :data:`ORIGINATOR_CONTROLS` (GSOMIA Art. 6)."""
PROVIDED_BY = "Provided By"
"""INFORMATIVE; exactly one party code, the originating party (GSOMIA Art. 4)."""

ORIGINATOR_CONTROLS = frozenset({"NO-THIRD-PARTY", "PURPOSE-LIMITED"})
"""The originator controls of GSOMIA Art. 6: no third-party release, no use beyond purpose."""

_KNOWN_TYPES: Mapping[str, CategoryType] = MappingProxyType(
    {
        RELEASABLE_TO: CategoryType.PERMISSIVE,
        NEED_TO_KNOW: CategoryType.RESTRICTIVE,
        ORIGINATOR_CONTROL: CategoryType.RESTRICTIVE,
        PROVIDED_BY: CategoryType.INFORMATIVE,
    }
)

_TOPIC = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")


def clean_text(value: object, what: str) -> str:
    """Checks a label string and returns it NFC-normalised.

    Control characters, surrogates and the XML non-characters are refused so that every
    valid label has an exact STANAG 4774 XML form.

    Raises:
        LabelError: The value is not a non-empty string of printable characters.
    """
    if not isinstance(value, str):
        raise LabelError(f"{what} must be a string, got {type(value).__name__}")
    text = unicodedata.normalize("NFC", value)
    if not text:
        raise LabelError(f"{what} must not be empty")
    for ch in text:
        if unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff":
            raise LabelError(f"{what} contains the control character U+{ord(ch):04X}")
    return text


def aware_utc(value: object, what: str) -> datetime:
    """Normalises a timezone-aware datetime to UTC, dropping microseconds.

    Raises:
        LabelError: The value is not a datetime or carries no timezone.
    """
    if not isinstance(value, datetime):
        raise LabelError(f"{what} must be a datetime, got {type(value).__name__}")
    if value.tzinfo is None or value.utcoffset() is None:
        raise LabelError(f"{what} must be timezone-aware, got the naive {value.isoformat()}")
    try:
        return value.astimezone(UTC).replace(microsecond=0)
    except OverflowError as exc:
        raise LabelError(f"{what} is out of range: {value.isoformat()}") from exc


def format_time(value: datetime) -> str:
    """Formats a UTC datetime as ``YYYY-MM-DDTHH:MM:SSZ`` (the one canonical form)."""
    return canonical_format_time(value)


def parse_time(text: object, what: str) -> datetime:
    """Parses an ISO 8601 date-time with a ``Z`` or numeric offset.

    Raises:
        LabelError: The text is not such a date-time, or it has no offset.
    """
    if not isinstance(text, str) or "T" not in text:
        raise LabelError(f"{what} must be an ISO 8601 date-time string, got {text!r}")
    try:
        parsed = datetime.fromisoformat(text.strip())
    except ValueError as exc:
        raise LabelError(f"{what} is not an ISO 8601 date-time: {text!r}") from exc
    return aware_utc(parsed, what)


def _check_known(tag: str, type_: CategoryType, values: tuple[str, ...]) -> None:
    expected = _KNOWN_TYPES.get(tag)
    if expected is None:
        return
    if type_ is not expected:
        raise LabelError(f"category {tag!r} must be {expected.value}, not {type_.value}")
    if tag in (RELEASABLE_TO, PROVIDED_BY):
        for value in values:
            if not is_party_code(value):
                raise LabelError(f"category {tag!r}: {value!r} is not a party code (ISO 3166 alpha-3)")
        if tag == PROVIDED_BY and len(values) != 1:
            raise LabelError(f"category {tag!r} names exactly one party, got {len(values)}")
    elif tag == NEED_TO_KNOW:
        for value in values:
            if _TOPIC.fullmatch(value) is None:
                raise LabelError(
                    f"category {tag!r}: {value!r} is not a topic (upper-case A-Z, 0-9 and inner hyphens)"
                )
    else:
        unknown = sorted(set(values) - ORIGINATOR_CONTROLS)
        if unknown:
            known = ", ".join(sorted(ORIGINATOR_CONTROLS))
            raise LabelError(f"category {tag!r}: unknown control {unknown[0]!r}; known: {known}")


@dataclass(frozen=True, slots=True)
class Category:
    """One STANAG 4774 category: a tag name, a type and its values.

    Values are NFC-normalised, sorted and de-duplicated on construction, so two categories
    with the same meaning compare equal and serialise identically. The four tag names of
    Accord (:data:`RELEASABLE_TO`, :data:`NEED_TO_KNOW`, :data:`ORIGINATOR_CONTROL`,
    :data:`PROVIDED_BY`) must have their fixed type and well-formed values.

    Attributes:
        tag_name: The category's tag name, e.g. ``"Releasable To"``.
        type: RESTRICTIVE, PERMISSIVE or INFORMATIVE.
        values: The values, sorted and unique.

    Raises:
        LabelError: The tag or a value is empty or malformed, there are no values, or a
            known tag has the wrong type or a value it does not allow.
    """

    tag_name: str
    type: CategoryType
    values: tuple[str, ...]

    def __post_init__(self) -> None:
        tag = clean_text(self.tag_name, "a category's tag name")
        if not isinstance(self.type, CategoryType):
            raise LabelError(f"category {tag!r} has no valid type: {self.type!r}")
        raw: object = self.values
        if isinstance(raw, str | bytes) or not isinstance(raw, Iterable):
            raise LabelError(f"category {tag!r}: values must be a list of strings")
        cleaned = tuple(sorted({clean_text(v, f"a value of category {tag!r}") for v in raw}))
        if not cleaned:
            raise LabelError(f"category {tag!r} has no values")
        _check_known(tag, self.type, cleaned)
        object.__setattr__(self, "tag_name", tag)
        object.__setattr__(self, "values", cleaned)

    def to_dict(self) -> dict[str, object]:
        """Returns the category as a JSON-ready dict."""
        return {"tag_name": self.tag_name, "type": self.type.value, "values": list(self.values)}

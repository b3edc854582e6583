"""The confidentiality label (STANAG 4774) and its canonical JSON form.

A :class:`ConfidentialityLabel` is valid from construction: the scheme and level exist,
the categories obey their tags' rules, the times are timezone-aware UTC to the second,
and every string is NFC-normalised. Its canonical JSON (:meth:`canonical_bytes`) is what
a binding signs (STANAG 4778), so two equal labels always give identical bytes.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from itertools import pairwise
from typing import ClassVar, Self

from accord.canonical import canonical_json, unique_keys
from accord.errors import LabelError
from accord.markings._category import (
    NEED_TO_KNOW,
    ORIGINATOR_CONTROL,
    PROVIDED_BY,
    RELEASABLE_TO,
    Category,
    CategoryType,
    aware_utc,
    clean_text,
    format_time,
    parse_time,
)
from accord.markings._schemes import Level, scheme

__all__ = [
    "ConfidentialityLabel",
    "Issuance",
    "JsonForm",
    "check_keys",
    "derive_alternative",
    "load_json_object",
]

_REQUIRED = frozenset({"policy", "classification", "originator_id", "creation_time"})
_OPTIONAL = frozenset({"categories", "privacy_mark", "review_time", "agreement"})
_CATEGORY_KEYS = frozenset({"tag_name", "type", "values"})
_PARSED_CATEGORIES = 4096
"""Categories kept parsed: a node's labels repeat a few hundred of them (bench/policy.py)."""


def check_keys(
    data: object, required: frozenset[str], optional: frozenset[str], what: str
) -> Mapping[str, object]:
    """Checks that a decoded JSON object has exactly the allowed keys, and returns it.

    Raises:
        LabelError: The data is not a mapping, or a key is missing or unknown.
    """
    if not isinstance(data, Mapping):
        raise LabelError(f"{what} must be a JSON object, got {type(data).__name__}")
    keys = set(data)
    missing = sorted(required - keys)
    if missing:
        raise LabelError(f"{what} lacks the key {missing[0]!r}")
    unknown = sorted(str(k) for k in keys - required - optional)
    if unknown:
        raise LabelError(f"{what} has the unknown key {unknown[0]!r}")
    return data


def load_json_object(data: bytes | str, what: str) -> Mapping[str, object]:
    """Decodes UTF-8 JSON that must hold one object, refusing duplicate keys.

    Raises:
        LabelError: The data is not UTF-8 or not JSON, an object repeats a key, or it is
            not an object.
    """
    hook = unique_keys(lambda key: LabelError(f"{what} repeats the key {key!r}"))
    try:
        text = data.decode("utf-8") if isinstance(data, bytes) else data
        loaded = json.loads(text, object_pairs_hook=hook)
    except (UnicodeDecodeError, ValueError, TypeError) as exc:
        raise LabelError(f"{what} is not valid UTF-8 JSON: {exc}") from exc
    if not isinstance(loaded, Mapping):
        raise LabelError(f"{what} must be a JSON object")
    return loaded


class JsonForm:
    """What a label and a marking share: canonical JSON bytes, and strict parsing from JSON.

    A subclass gives ``to_dict`` and ``from_dict`` and names itself in messages (``WHAT``).
    """

    __slots__ = ()
    WHAT: ClassVar[str]

    def to_dict(self) -> dict[str, object]:
        """Returns the JSON-ready dict."""
        raise NotImplementedError

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Self:
        """Builds one from :meth:`to_dict` output, strictly."""
        raise NotImplementedError

    def canonical_bytes(self) -> bytes:
        """Returns the canonical JSON encoding; a label's is what a binding signs (STANAG 4778).

        UTF-8 without escapes, keys sorted, no spaces, times as ``YYYY-MM-DDTHH:MM:SSZ``.
        """
        return canonical_json(self.to_dict())

    @classmethod
    def from_json(cls, data: bytes | str) -> Self:
        """Parses one from JSON.

        Args:
            data: UTF-8 bytes or text, e.g. :meth:`canonical_bytes` output.

        Raises:
            LabelError: The JSON is malformed or what it holds is invalid.
        """
        return cls.from_dict(load_json_object(data, cls.WHAT))


def _category_from_dict(raw: object) -> Category:
    data = check_keys(raw, _CATEGORY_KEYS, frozenset(), "a category")
    type_text = data["type"]
    try:
        type_ = CategoryType(type_text)
    except ValueError as exc:
        raise LabelError(f"a category has the unknown type {type_text!r}") from exc
    values = data["values"]
    if not isinstance(values, list):
        raise LabelError(f"category {data['tag_name']!r}: values must be a list of strings")
    tag = data["tag_name"]
    if not isinstance(tag, str):
        raise LabelError("a category's tag_name must be a string")
    if all(type(value) is str for value in values):
        return _parsed_category(tag, type_, tuple(values))
    return Category(tag, type_, tuple(values))  # raises: a value is not a string


@functools.lru_cache(maxsize=_PARSED_CATEGORIES)
def _parsed_category(tag: str, type_: CategoryType, values: tuple[str, ...]) -> Category:
    """``Category(tag, type_, values)``, one object per distinct input while it is remembered.

    A pure function of its arguments and the result is immutable, so labels read from
    different rows may share it: a node reads thousands of labels that repeat a few hundred
    categories, and a category built once costs no second validation (NFC, control
    characters, known tags) and keeps one object, not one per row, for the decision point
    to read (``bench/policy.py``). Input that does not make a category raises every time
    (``lru_cache`` keeps no exceptions).
    """
    return Category(tag, type_, values)


@dataclass(frozen=True, slots=True)
class ConfidentialityLabel(JsonForm):
    """A STANAG 4774 confidentiality label.

    Attributes:
        policy: The scheme code, used as the PolicyIdentifier, e.g. ``"JPN"``.
        classification: The level's native spelling; a romanised or English spelling
            given on construction is normalised to it.
        originator_id: Who issued the label, e.g. a node id or a party code.
        creation_time: When; timezone-aware, normalised to UTC, whole seconds.
        categories: The categories, sorted by tag name, one per tag name.
        privacy_mark: An optional free-text privacy mark.
        review_time: An optional review date-time, not before ``creation_time``.
        agreement: The id of the agreement the label is issued under, if any.

    Raises:
        LabelError: Any field is malformed or inconsistent (see the module docstring).
    """

    WHAT: ClassVar[str] = "a label"

    policy: str
    classification: str
    originator_id: str
    creation_time: datetime
    categories: tuple[Category, ...] = ()
    privacy_mark: str | None = None
    review_time: datetime | None = None
    agreement: str | None = None

    def __post_init__(self) -> None:
        policy = scheme(self.policy)
        native = policy.level(self.classification).native
        set_ = object.__setattr__
        set_(self, "classification", native)
        set_(self, "originator_id", clean_text(self.originator_id, "originator_id"))
        created = aware_utc(self.creation_time, "creation_time")
        set_(self, "creation_time", created)
        raw: object = self.categories
        if isinstance(raw, str | bytes | Mapping) or not isinstance(raw, Iterable):
            raise LabelError("categories must be a list of Category")
        categories = tuple(raw)
        for cat in categories:
            if not isinstance(cat, Category):
                raise LabelError(f"categories must hold Category objects, got {type(cat).__name__}")
        categories = tuple(sorted(categories, key=lambda c: c.tag_name))
        for first, second in pairwise(categories):
            if first.tag_name == second.tag_name:
                raise LabelError(f"the category {first.tag_name!r} appears twice")
        set_(self, "categories", categories)
        if self.privacy_mark is not None:
            set_(self, "privacy_mark", clean_text(self.privacy_mark, "privacy_mark"))
        if self.review_time is not None:
            review = aware_utc(self.review_time, "review_time")
            if review < created:
                raise LabelError(
                    f"review_time {format_time(review)} is before creation_time {format_time(created)}"
                )
            set_(self, "review_time", review)
        if self.agreement is not None:
            agreement = clean_text(self.agreement, "agreement")
            if any(ch.isspace() for ch in agreement):
                raise LabelError(f"agreement id {agreement!r} must not contain whitespace")
            set_(self, "agreement", agreement)

    @property
    def level(self) -> Level:
        """The classification level, in the label's own scheme."""
        return scheme(self.policy).level(self.classification)

    def _values(self, tag: str) -> tuple[str, ...]:
        for cat in self.categories:
            if cat.tag_name == tag:
                return cat.values
        return ()

    @property
    def releasable_to(self) -> frozenset[str]:
        """The party codes of the *Releasable To* category (empty when absent)."""
        return frozenset(self._values(RELEASABLE_TO))

    @property
    def need_to_know(self) -> frozenset[str]:
        """The topics of the *Need To Know* category (empty when absent)."""
        return frozenset(self._values(NEED_TO_KNOW))

    @property
    def originator_controls(self) -> frozenset[str]:
        """The originator controls (GSOMIA Art. 6) of the label (empty when absent)."""
        return frozenset(self._values(ORIGINATOR_CONTROL))

    @property
    def provided_by(self) -> str | None:
        """The party code of the *Provided By* category, or None."""
        values = self._values(PROVIDED_BY)
        return values[0] if values else None

    def to_dict(self) -> dict[str, object]:
        """Returns the label as a JSON-ready dict; None fields are omitted."""
        result: dict[str, object] = {
            "policy": self.policy,
            "classification": self.classification,
            "originator_id": self.originator_id,
            "creation_time": format_time(self.creation_time),
            "categories": [cat.to_dict() for cat in self.categories],
        }
        if self.privacy_mark is not None:
            result["privacy_mark"] = self.privacy_mark
        if self.review_time is not None:
            result["review_time"] = format_time(self.review_time)
        if self.agreement is not None:
            result["agreement"] = self.agreement
        return result

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> ConfidentialityLabel:
        """Builds a label from :meth:`to_dict` output, strictly.

        Args:
            data: The decoded JSON object.

        Returns:
            The label.

        Raises:
            LabelError: A key is missing or unknown, a value has the wrong type, or the
                label is invalid.
        """
        data = check_keys(data, _REQUIRED, _OPTIONAL, "a label")
        for key in ("policy", "classification", "originator_id", "privacy_mark", "agreement"):
            if key in data and not isinstance(data[key], str):
                raise LabelError(f"the label's {key!r} must be a string")
        categories = data.get("categories", [])
        if not isinstance(categories, list):
            raise LabelError("the label's 'categories' must be a list")
        review = data.get("review_time")
        return cls(
            policy=str(data["policy"]),
            classification=str(data["classification"]),
            originator_id=str(data["originator_id"]),
            creation_time=parse_time(data["creation_time"], "creation_time"),
            categories=tuple(_category_from_dict(cat) for cat in categories),
            privacy_mark=_optional_str(data, "privacy_mark"),
            review_time=None if review is None else parse_time(review, "review_time"),
            agreement=_optional_str(data, "agreement"),
        )

    def with_classification(self, level: Level) -> ConfidentialityLabel:
        """Returns a copy at another level of the same scheme (e.g. after a downgrade).

        Args:
            level: The new level.

        Returns:
            The new label.

        Raises:
            LabelError: The level belongs to another scheme; a label never changes scheme,
                an equivalent in another scheme is an *alternative* label (GSOMIA Art. 4).
        """
        if level.scheme != self.policy:
            raise LabelError(f"level {level.code} is not of the label's scheme {self.policy}")
        return replace(self, classification=level.native)


def _optional_str(data: Mapping[str, object], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) else None


@dataclass(frozen=True)
class Issuance:
    """Who issues a label, when, and under which agreement: a label's ``originator_id``,
    ``creation_time`` and ``agreement``.

    Attributes:
        originator_id: Who issues it, e.g. the receiving node.
        creation_time: When (the caller's clock).
        agreement: The agreement it is issued under, or None.
    """

    originator_id: str
    creation_time: datetime
    agreement: str | None = None


def derive_alternative(
    original: ConfidentialityLabel, level: Level, *, provided_by: str, issued: Issuance
) -> ConfidentialityLabel:
    """Builds the receiver's alternative label for a received item (GSOMIA Art. 4).

    The receiving party marks what it receives with the originating party's name and its
    own equivalent classification; the originator's controls travel with it (Art. 6).

    Args:
        original: The originator's label.
        level: The equivalent level in the receiver's scheme (from the agreement's table).
        provided_by: The originating party's code, recorded as *Provided By*.
        issued: Who issues the alternative (the receiving node, usually), when, and under
            the agreement the item was received under.

    Returns:
        A label in ``level.scheme`` carrying *Releasable To*, *Need To Know* and
        *Originator Control* from the original, plus *Provided By*.

    Raises:
        LabelError: The level is in the original's own scheme (that would overwrite the
            originator's label, not add an alternative), or a value is invalid.
    """
    if level.scheme == original.policy:
        raise LabelError(
            f"an alternative label must be in another scheme than the original's {original.policy}"
        )
    travelling = (RELEASABLE_TO, NEED_TO_KNOW, ORIGINATOR_CONTROL)
    copied = [cat for cat in original.categories if cat.tag_name in travelling]
    copied.append(Category(PROVIDED_BY, CategoryType.INFORMATIVE, (provided_by,)))
    return ConfidentialityLabel(
        policy=level.scheme,
        classification=level.native,
        originator_id=issued.originator_id,
        creation_time=issued.creation_time,
        categories=tuple(copied),
        agreement=issued.agreement,
    )

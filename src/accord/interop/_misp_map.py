"""The classification map: which MISP tag stands for which Accord label request (issue 13).

MISP marks an event with tags (``classification:JP="秘"``, a custom taxonomy, ``tlp:amber``);
Accord needs a STANAG 4774 label in its node's scheme. Nothing in a MISP event says how one
becomes the other, so the operator writes it down in a small TOML file (``docs/misp.md``)::

    version = 1
    purpose = "Assessment of DPRK missile activity"   # purpose of provision (GSOMIA Art. 6)
    precedence = "routine"                             # optional

    [[classification]]
    tag = 'classification:JP="秘"'
    level = "秘"
    releasable_to = ["KOR"]
    need_to_know = ["DPRK-MISSILE"]
    originator_controls = ["NO-THIRD-PARTY"]
    agreement = "JPN-KOR-GSOMIA-2016"

The file is read strictly (:func:`load_classification_map`): an unknown key, a missing or
empty value, a repeated tag, or a ``tlp:`` tag (TLP is a sharing marking, never a
classification) is refused with the reason. The map is the only source of a label: an event
whose tags name no entry is refused, and a tag of a mapped namespace that the map does not
name is refused too, never read as the nearest level.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from accord.errors import InvalidInput
from accord.items import Precedence
from accord.node import LabelRequest

__all__ = ["ClassificationMap", "MapEntry", "load_classification_map"]

_TOP_KEYS = {"version", "purpose", "precedence", "classification"}
_ENTRY_KEYS = {
    "tag",
    "level",
    "releasable_to",
    "need_to_know",
    "originator_controls",
    "privacy_mark",
    "agreement",
}
_LIST_KEYS = ("releasable_to", "need_to_know", "originator_controls")


@dataclass(frozen=True)
class MapEntry:
    """One MISP tag and the label the node is asked for when an event carries it."""

    tag: str
    request: LabelRequest


@dataclass(frozen=True)
class ClassificationMap:
    """A checked classification map: its entries by tag, the purpose and precedence of every item."""

    entries: Mapping[str, MapEntry]
    purpose: str
    precedence: Precedence

    @property
    def namespaces(self) -> frozenset[str]:
        """The taxonomy namespaces the map speaks for (``classification`` of ``classification:JP="秘"``)."""
        return frozenset(namespace_of(tag) for tag in self.entries)


def namespace_of(tag: str) -> str:
    """The namespace of a machine tag (before the first ``:``), or the whole tag."""
    return tag.split(":", 1)[0].strip().lower()


def _refuse(what: str, reason: str) -> InvalidInput:
    return InvalidInput(f"classification map {what} refused: {reason}")


def _text(value: object, what: str, key: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _refuse(what, f"{key} must be non-empty text")
    return value.strip()


def _texts(value: object, what: str, key: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise _refuse(what, f"{key} must be a list of non-empty text")
    return [v.strip() for v in value]


def _entry(raw: object, what: str, index: int) -> MapEntry:
    where = f"classification #{index + 1}"
    if not isinstance(raw, Mapping):
        raise _refuse(what, f"{where} must be a table")
    unknown = sorted(set(raw) - _ENTRY_KEYS)
    if unknown:
        raise _refuse(
            what, f"{where}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_ENTRY_KEYS))}"
        )
    for key in ("tag", "level"):
        if key not in raw:
            raise _refuse(what, f"{where} needs {key}")
    tag = _text(raw["tag"], what, f"{where} tag")
    if namespace_of(tag) == "tlp":
        raise _refuse(what, f"{where}: {tag} is a TLP marking (who may share it), not a classification")
    if ":" not in tag:
        raise _refuse(what, f"{where}: {tag!r} is not a MISP machine tag (namespace:predicate)")
    lists = {key: _texts(raw.get(key, []), what, f"{where} {key}") for key in _LIST_KEYS}
    optional = {
        key: _text(raw[key], what, f"{where} {key}") if key in raw else None
        for key in ("privacy_mark", "agreement")
    }
    request = LabelRequest(
        classification=_text(raw["level"], what, f"{where} level"),
        releasable_to=lists["releasable_to"],
        need_to_know=lists["need_to_know"],
        originator_controls=lists["originator_controls"],
        privacy_mark=optional["privacy_mark"],
        agreement=optional["agreement"],
    )
    return MapEntry(tag, request)


def load_classification_map(data: bytes, what: str = "file") -> ClassificationMap:
    """Read a classification map (TOML, UTF-8), strictly.

    Args:
        data: The file's bytes (read bounded by the caller).
        what: How to name the file in a refusal.

    Raises:
        InvalidInput: not UTF-8 TOML, an unknown or missing key, a value of the wrong type,
            a repeated tag, a ``tlp:`` tag, or no entry at all.
    """
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise _refuse(what, "not UTF-8") from exc
    except tomllib.TOMLDecodeError as exc:
        raise _refuse(what, f"not TOML ({exc})") from exc
    unknown = sorted(set(raw) - _TOP_KEYS)
    if unknown:
        raise _refuse(what, f"unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(_TOP_KEYS))}")
    if raw.get("version") != 1:
        raise _refuse(what, "version must be 1")
    purpose = _text(raw.get("purpose"), what, "purpose")
    try:
        precedence = Precedence.parse(_text(raw.get("precedence", "routine"), what, "precedence"))
    except InvalidInput as exc:
        raise _refuse(what, str(exc)) from exc
    entries_raw = raw.get("classification")
    if not isinstance(entries_raw, list) or not entries_raw:
        raise _refuse(what, "it maps no tag: add at least one [[classification]] table")
    entries: dict[str, MapEntry] = {}
    for index, item in enumerate(entries_raw):
        entry = _entry(item, what, index)
        if entry.tag in entries:
            raise _refuse(what, f"the tag {entry.tag} is mapped twice")
        entries[entry.tag] = entry
    return ClassificationMap(entries, purpose, precedence)


def mapped_tags(tags: Sequence[str], classification_map: ClassificationMap) -> list[str]:
    """The tags of ``tags`` that the map names, in order, without repeats."""
    return list(dict.fromkeys(t for t in tags if t in classification_map.entries))

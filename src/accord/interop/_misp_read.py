"""MISP events read into item drafts: structure checked, parsed by ``pymisp``, mapped (issue 13).

Reading one event (:func:`read_event`) goes through three steps, each refusing with the
reason (:class:`~accord.errors.InvalidInput`):

1. the raw JSON is checked against the shape Accord reads (:func:`_check_event`): ``pymisp``
   is lenient (it takes the first element of a list as a value, a number as a title), so
   every value Accord uses is checked for its JSON type first, and every attribute type
   must be one MISP defines;
2. ``pymisp``'s :class:`~pymisp.MISPEvent` parses it (dates, attribute types, objects);
3. the event's tags are read through the classification map — exactly one mapped tag, no
   unmapped tag of a mapped namespace, no attribute marked otherwise than its event — and
   the attributes become the item's typed fields and body (the table in ``docs/misp.md``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from accord.canonical import format_time
from accord.errors import AccordError, InvalidInput
from accord.interop._misp_map import ClassificationMap, MapEntry, mapped_tags, namespace_of
from accord.items import KINDS, FieldType, ItemContent, ItemKind

__all__ = ["KIND_TAG", "EventDraft", "events_of", "read_event"]

KIND_TAG = "accord:kind"
"""The event tag that names the item kind: ``accord:kind="missile-launch"`` (default: report)."""

MAX_REASON = 300
"""The longest reason given for one refused event (it quotes the event)."""
MAX_TITLE = 300
"""The longest item title (``ItemContent``); a longer ``info`` is cut, and kept whole in the body."""
_OBJECT_PREFIX = "accord-"
_POINT_OBJECT = "geolocation"
_SCALARS = (str, int, float)
_NEVER = "Accord never guesses a classification"


@dataclass(frozen=True)
class EventDraft:
    """One MISP event read as an item, before the node's creation checks."""

    ref: str
    content: ItemContent
    classification: MapEntry
    uuid: str | None = None
    """The event's uuid (lower case), by which a second import of it is refused; None without one."""


def _refuse(ref: str, reason: str) -> InvalidInput:
    # The reason quotes the event (a tag, a value, a type) and pymisp's or a field's own
    # words: one line, and short, so that a hostile event cannot make the message (and the
    # journal entry) as large as itself.
    text = " ".join(reason.split())
    if len(text) > MAX_REASON:
        text = text[: MAX_REASON - 1] + "…"
    return InvalidInput(f"MISP event {ref} refused: {text}")


def events_of(document: object) -> list[Mapping[str, object]]:
    """The events of a MISP JSON document: ``{"Event": …}``, a bare event, or ``{"response": […]}``.

    Raises:
        InvalidInput: the document is a list, or an object of none of these shapes.
    """
    if isinstance(document, list):
        raise InvalidInput(
            'MISP event refused: the file is a JSON list; Accord reads one {"Event": …} object '
            '(or MISP\'s {"response": [{"Event": …}, …]})'
        )
    if not isinstance(document, Mapping):
        raise InvalidInput("MISP event refused: the file is not a JSON object")
    if "response" in document:
        listed = document["response"]
        if not isinstance(listed, list) or not listed:
            raise InvalidInput("MISP event refused: response must be a non-empty list of events")
        return [_unwrap(entry, f"#{index + 1}") for index, entry in enumerate(listed)]
    return [_unwrap(document, "#1")]


def _unwrap(entry: object, ref: str) -> Mapping[str, object]:
    if isinstance(entry, Mapping) and set(entry) == {"Event"}:
        entry = entry["Event"]
    if not isinstance(entry, Mapping):
        raise _refuse(ref, "an event must be a JSON object")
    return entry


@functools.cache
def _known_types() -> frozenset[str]:
    from pymisp import MISPAttribute  # noqa: PLC0415 (pymisp loads its type tables: lazily)

    return frozenset(MISPAttribute().known_types)


def _check_tags(raw: object, where: str, ref: str) -> None:
    if raw is None:
        return
    if not isinstance(raw, list) or not all(
        isinstance(t, Mapping) and isinstance(t.get("name"), str) and t["name"].strip() for t in raw
    ):
        raise _refuse(ref, f"{where}: Tag must be a list of objects with a name")


def _check_attributes(raw: object, where: str, ref: str) -> None:
    if raw is None:
        return
    if not isinstance(raw, list):
        raise _refuse(ref, f"{where}: Attribute must be a list")
    for index, attribute in enumerate(raw):
        at = f"{where} attribute #{index + 1}"
        if not isinstance(attribute, Mapping):
            raise _refuse(ref, f"{at} is not a JSON object")
        kind = attribute.get("type")
        if not isinstance(kind, str) or kind not in _known_types():
            raise _refuse(ref, f"{at} has type {kind!r}, which is not a MISP attribute type")
        value = attribute.get("value")
        if not isinstance(value, _SCALARS) or isinstance(value, bool) or value == "":
            raise _refuse(ref, f"{at} ({kind}) needs a text or number value")
        for key in ("category", "comment", "object_relation"):
            if attribute.get(key) is not None and not isinstance(attribute[key], str):
                raise _refuse(ref, f"{at}: {key} must be text")
        if "to_ids" in attribute and not isinstance(attribute["to_ids"], bool):
            raise _refuse(ref, f"{at}: to_ids must be true or false")
        _check_tags(attribute.get("Tag"), at, ref)


def _check_event(event: Mapping[str, object], ref: str) -> None:
    info = event.get("info")
    if not isinstance(info, str) or not info.strip():
        raise _refuse(ref, "info (the event's title) must be non-empty text")
    for key in ("date", "uuid"):
        if event.get(key) is not None and not isinstance(event[key], str):
            raise _refuse(ref, f"{key} must be text")
    _check_tags(event.get("Tag"), "the event", ref)
    _check_attributes(event.get("Attribute"), "the event", ref)
    objects = event.get("Object")
    if objects is None:
        return
    if not isinstance(objects, list):
        raise _refuse(ref, "Object must be a list")
    for index, obj in enumerate(objects):
        at = f"object #{index + 1}"
        if not isinstance(obj, Mapping) or not isinstance(obj.get("name"), str) or not obj["name"]:
            raise _refuse(ref, f"{at} must be a JSON object with a name")
        _check_attributes(obj.get("Attribute"), at, ref)


def _parse(event: Mapping[str, object], ref: str) -> Any:
    from pymisp import MISPEvent  # noqa: PLC0415 (lazy: see _known_types)

    parsed = MISPEvent()
    try:
        parsed.from_dict(**dict(event))
    except Exception as exc:  # a foreign parser: any failure of it is a refusal
        first = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise _refuse(ref, f"pymisp cannot read it ({first})") from exc
    return parsed


def _tag_names(entity: Any) -> list[str]:
    return [str(tag.name).strip() for tag in getattr(entity, "tags", [])]


def _classification(parsed: Any, cmap: ClassificationMap, ref: str) -> MapEntry:
    tags = _tag_names(parsed)
    found = mapped_tags(tags, cmap)
    unmapped = [t for t in tags if t not in cmap.entries and namespace_of(t) in cmap.namespaces]
    if unmapped:
        raise _refuse(
            ref,
            f"the tag {unmapped[0]} is not in the classification map; {_NEVER}",
        )
    if not found:
        named = ", ".join(tags) or "none"
        raise _refuse(
            ref,
            f"no tag of the classification map marks it (its tags: {named}); {_NEVER}",
        )
    if len(found) > 1:
        raise _refuse(
            ref,
            f"it carries {len(found)} mapped classifications ({', '.join(found)}); Accord reads exactly one",
        )
    entry = cmap.entries[found[0]]
    for attribute in _all_attributes(parsed):
        own = [t for t in _tag_names(attribute) if namespace_of(t) in cmap.namespaces]
        if any(t != entry.tag for t in own):
            raise _refuse(
                ref,
                f"attribute {attribute.type} {_text(attribute.value)!r} is marked {', '.join(own)}, "
                f"not as its event ({entry.tag}); Accord imports one label per event",
            )
    return entry


def _all_attributes(parsed: Any) -> list[Any]:
    attributes = list(parsed.attributes)
    for obj in parsed.objects:
        attributes.extend(obj.attributes)
    return attributes


def _text(value: object) -> str:
    if isinstance(value, datetime):
        return format_time(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _kind(parsed: Any, ref: str) -> ItemKind:
    named = [t for t in _tag_names(parsed) if t.lower().startswith(KIND_TAG + "=")]
    if len(named) > 1:
        raise _refuse(ref, f'it names {len(named)} item kinds; tag it {KIND_TAG}="…" once')
    if not named:
        return ItemKind.REPORT
    try:
        return ItemKind.parse(named[0].split("=", 1)[1].strip().strip('"'))
    except AccordError as exc:
        raise _refuse(ref, str(exc)) from exc


class _Fields:
    """The typed fields an event fills, each from one attribute (a second one is refused)."""

    def __init__(self, kind: ItemKind, ref: str) -> None:
        self.specs = {spec.name: spec for spec in KINDS[kind]}
        self.values: dict[str, object] = {}
        self.used: set[int] = set()
        self._ref = ref

    def put(self, name: str, value: object, attributes: Sequence[Any]) -> None:
        if name in self.values and self.values[name] != value:
            raise _refuse(self._ref, f"the field {name} is given twice, differently")
        self.values[name] = value
        self.used.update(id(a) for a in attributes)


def _fill(parsed: Any, kind: ItemKind, ref: str) -> _Fields:
    fields = _Fields(kind, ref)
    point = next((s.name for s in KINDS[kind] if s.type is FieldType.POINT), None)
    for obj in parsed.objects:
        by_relation = {str(a.object_relation): a for a in obj.attributes if a.object_relation}
        if obj.name == _OBJECT_PREFIX + kind.value:
            for relation, attribute in by_relation.items():
                name = relation.replace("-", "_")
                if name not in fields.specs:
                    raise _refuse(ref, f"object {obj.name} has {relation}, not a field of kind {kind.value}")
                fields.put(name, _text(attribute.value), [attribute])
        elif obj.name.startswith(_OBJECT_PREFIX):
            raise _refuse(ref, f"object {obj.name} does not fit the item kind {kind.value}")
        elif obj.name == _POINT_OBJECT and point is not None and point not in fields.values:
            lat, lon = by_relation.get("latitude"), by_relation.get("longitude")
            if lat is not None and lon is not None:
                fields.put(point, f"{_text(lat.value)},{_text(lon.value)}", [lat, lon])
    return fields


def _line(attribute: Any) -> str:
    where = f" [{attribute.category}]" if getattr(attribute, "category", None) else ""
    comment = attribute.get("comment")
    said = f" — {comment}" if comment else ""
    relation = attribute.get("object_relation")
    named = f"{relation} ({attribute.type})" if relation else attribute.type
    return f"- {named}: {_text(attribute.value)}{where}{said}"


def _body(event: Mapping[str, object], parsed: Any, fields: _Fields, entry: MapEntry) -> str:
    # The uuid and date as the file says them: pymisp makes up both when they are missing.
    head = [f"Imported from MISP event {event.get('uuid') or '(no uuid)'}"]
    if event.get("date"):
        head.append(f"dated {event['date']}")
    orgc = parsed.get("Orgc")
    if orgc is not None and getattr(orgc, "name", None):
        head.append(f"by {orgc.name}")
    lines = [", ".join(head) + ".", f"Classification tag: {entry.tag}"]
    tlp = [t for t in _tag_names(parsed) if namespace_of(t) == "tlp"]
    if tlp:
        lines.append(f"TLP: {', '.join(tlp)}")
    others = [
        t
        for t in _tag_names(parsed)
        if namespace_of(t) not in {"tlp", KIND_TAG.split(":", maxsplit=1)[0]} and t != entry.tag
    ]
    if others:
        lines.append(f"Other tags: {', '.join(others)}")
    loose = [a for a in parsed.attributes if id(a) not in fields.used]
    indicators = [a for a in loose if a.to_ids]
    sections = [("Indicators (to_ids)", indicators), ("Attributes", [a for a in loose if not a.to_ids])]
    for title, attributes in sections:
        if attributes:
            lines += ["", f"{title}:", *(_line(a) for a in attributes)]
    for obj in parsed.objects:
        rest = [a for a in obj.attributes if id(a) not in fields.used]
        if rest:
            lines += ["", f"Object {obj.name}:", *(_line(a) for a in rest)]
    return "\n".join(lines)


def read_event(event: Mapping[str, object], cmap: ClassificationMap, ref: str) -> EventDraft:
    """One MISP event as an item draft: its label from the map, its attributes as fields and body.

    Raises:
        InvalidInput: the event is malformed, carries no mapped classification (or an
            unmapped one of a mapped namespace, or two), names an unknown kind, or its
            attributes do not make valid typed fields; the message names the event.
    """
    uuid = event.get("uuid")
    known = None
    if isinstance(uuid, str) and uuid.strip():
        ref = "".join(uuid.split())[:64]
        known = ref.lower()
    _check_event(event, ref)
    parsed = _parse(event, ref)
    entry = _classification(parsed, cmap, ref)
    kind = _kind(parsed, ref)
    fields = _fill(parsed, kind, ref)
    info = " ".join(str(parsed.info).split())
    title = info if len(info) <= MAX_TITLE else info[: MAX_TITLE - 1] + "…"
    body = _body(event, parsed, fields, entry)
    if title != info:
        body = f"Info: {info}\n{body}"  # the whole title, cut to fit the item's
    try:
        content = ItemContent(kind, title, body, cmap.purpose, fields.values)
    except AccordError as exc:
        raise _refuse(ref, str(exc)) from exc
    return EventDraft(ref, content, entry, known)

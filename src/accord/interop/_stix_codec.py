"""Items as STIX 2.1 objects, and STIX 2.1 bundles back to item drafts (issue 13). Pure: no I/O.

An item becomes a ``report`` (with a ``location`` for a missile launch's launch area)
whose ``object_marking_refs`` name, always:

* one ACS 3.0 ``marking-definition`` (:data:`~accord.interop._stix_ext.ACS_EXT`), its
  classification mapped from the originator's label;
* one Accord national marking per label of the item — the originator's, and each
  alternative (GSOMIA Art. 4) — carrying the STANAG 4774 label exactly.

Reading is strict (:func:`read_bundle`): an object that is neither a marking, an identity,
an extension definition, a report nor a location, a marking reference that is missing or
names no marking of the bundle (TLP 2.0 aside), a marking of unknown kind, a report
without exactly one ACS marking and one originator's national marking that agree — each is
refused with the reason (:class:`~accord.errors.InvalidInput`). A label is never guessed:
it is read from the national marking or the bundle is refused.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from accord.canonical import canonical_json, format_time
from accord.errors import AccordError, InvalidInput
from accord.interop._stix_ext import (
    ACS_CLASSIFICATION,
    ACS_EXT,
    ACS_POLICY_REFERENCE,
    ITEM_EXT,
    ITEM_KEYS,
    NATIONAL_MARKING_EXT,
    TLP2_MARKINGS,
    extension_definitions,
)
from accord.items import KINDS, FieldType, ItemContent, ItemKind, Precedence
from accord.markings import (
    NEED_TO_KNOW,
    ORIGINATOR_CONTROL,
    PROVIDED_BY,
    RELEASABLE_TO,
    ConfidentialityLabel,
    Marking,
    banner,
)
from accord.node import ItemView

__all__ = ["ItemDraft", "bundle_of", "item_objects", "objects_of", "publisher_objects", "read_bundle"]

_NAMESPACE = uuid.UUID("5d8e2f4a-9c1b-4e57-8a3f-0c6b7d2e1f90")
# Identities and extension definitions never change, so their times are fixed: the day the
# Japan–ROK GSOMIA entered into force.
_FIXED_TIME = "2016-11-23T00:00:00.000Z"
_ACCORD_IDENTITY = "identity--8c2d3b4a-5e6f-4a1b-9c2d-3e4f5a6b7c8d"
_KNOWN_TAGS = (RELEASABLE_TO, NEED_TO_KNOW, ORIGINATOR_CONTROL, PROVIDED_BY)
_MARKED_TYPES = ("report", "location")
_KNOWN_TYPES = {"report", "location", "identity", "marking-definition", "extension-definition"}


@dataclass(frozen=True)
class ItemDraft:
    """An item read from a bundle, before the node's creation checks."""

    stix_id: str
    content: ItemContent
    precedence: Precedence
    marking: Marking
    tlp: str | None
    modified: str = ""
    """The report's ``modified`` as written: with its id, the version a repeated post repeats."""


def _stix_id(kind: str, *parts: str) -> str:
    # Deterministic, so that exporting an item twice names the same objects (TAXII versions),
    # yet shaped as the UUIDv4 STIX 2.1 asks of every identifier (the version bits set).
    digest = uuid.uuid5(_NAMESPACE, "/".join(parts)).bytes
    return f"{kind}--{uuid.UUID(bytes=digest, version=4)}"


def _stix_time(moment: datetime) -> str:
    utc = moment.astimezone(UTC)
    return f"{format_time(utc)[:-1]}.{utc.microsecond // 1000:03d}Z"


def _stamp_time(stamp: str) -> str:
    return _stix_time(datetime.fromisoformat(stamp.replace("Z", "+00:00")))


def _identity(node_id: str, party: str) -> dict[str, object]:
    return {
        "type": "identity",
        "spec_version": "2.1",
        "id": _stix_id("identity", "node", node_id),
        "created": _FIXED_TIME,
        "modified": _FIXED_TIME,
        "name": f"{party} Accord node {node_id}",
        "identity_class": "organization",
    }


def _national(label: ConfidentialityLabel, role: str) -> dict[str, object]:
    ext: dict[str, object] = {
        "extension_type": "property-extension",
        "role": role,
        "policy": label.policy,
        "classification": label.classification,
        "originator_id": label.originator_id,
        "creation_time": format_time(label.creation_time),
    }
    for key, tag in (
        ("releasable_to", RELEASABLE_TO),
        ("need_to_know", NEED_TO_KNOW),
        ("originator_controls", ORIGINATOR_CONTROL),
    ):
        values = next((c.values for c in label.categories if c.tag_name == tag), ())
        if values:
            ext[key] = list(values)
    if label.provided_by is not None:
        ext["provided_by"] = label.provided_by
    others = [c for c in label.categories if c.tag_name not in _KNOWN_TAGS]
    if others:
        ext["other_categories"] = [canonical_json(c.to_dict()).decode("utf-8") for c in others]
    for key, value in (
        ("privacy_mark", label.privacy_mark),
        ("review_time", None if label.review_time is None else format_time(label.review_time)),
        ("agreement", label.agreement),
    ):
        if value is not None:
            ext[key] = value
    return ext


def _custodian(party: str, node_id: str) -> str:
    # ACS wants ORG.SUBORG in capitals and digits.
    return f"{party}.{''.join(ch for ch in node_id.upper() if ch.isalnum()) or 'NODE'}"


def _acs(view: ItemView) -> dict[str, object]:
    label = view.marking.originator
    custodian = _custodian(view.originator_party, view.originator_node)
    control_set: dict[str, object] = {"classification": ACS_CLASSIFICATION[label.level.family]}
    if label.releasable_to:
        control_set["permitted_nationalities"] = sorted(label.releasable_to)
    return {
        "extension_type": "property-extension",
        "identifier": f"isa:accord.{view.originator_node}.{view.id}",
        "name": banner(label),
        "create_date_time": _stix_time(label.creation_time),
        "responsible_entity_custodian": custodian,
        "responsible_entity_originator": custodian,
        "policy_reference": ACS_POLICY_REFERENCE,
        "control_set": control_set,
    }


def _marking_definition(
    md_id: str, created: datetime, by: str, name: str, extensions: dict[str, object]
) -> dict[str, object]:
    return {
        "type": "marking-definition",
        "spec_version": "2.1",
        "id": md_id,
        "created": _stix_time(created),
        "created_by_ref": by,
        "name": name,
        "extensions": extensions,
    }


def _item_extension(view: ItemView) -> dict[str, object]:
    ext: dict[str, object] = {
        "extension_type": "property-extension",
        "kind": view.content.kind.value,
        "purpose": view.content.purpose,
        "precedence": view.precedence.value,
        "originator_party": view.originator_party,
        "originator_node": view.originator_node,
        "item_id": view.id,
    }
    types = {spec.name: spec.type for spec in KINDS[view.content.kind]}
    for name, value in view.content.fields.items():
        if types[name] is FieldType.POLYGON and isinstance(value, list):
            ext[name] = [f"{lat!r},{lon!r}" for lat, lon in value]
        else:
            ext[name] = value
    return ext


def _item_objects(view: ItemView) -> list[dict[str, object]]:
    by = _stix_id("identity", "node", view.originator_node)
    created = _stamp_time(view.created_at)
    markings: list[dict[str, object]] = []
    labels = [
        (view.marking.originator, "originator"),
        *((a, "alternative") for a in view.marking.alternatives),
    ]
    acs_id = _stix_id("marking-definition", "acs", view.id, view.marking.canonical_bytes().decode())
    markings.append(
        _marking_definition(
            acs_id, view.marking.originator.creation_time, by, "ACS 3.0", {ACS_EXT: _acs(view)}
        )
    )
    for label, role in labels:
        md_id = _stix_id("marking-definition", "national", view.id, label.canonical_bytes().decode())
        markings.append(
            _marking_definition(
                md_id, label.creation_time, by, banner(label), {NATIONAL_MARKING_EXT: _national(label, role)}
            )
        )
    refs = [str(m["id"]) for m in markings]
    objects: list[dict[str, object]] = [*markings]
    object_refs = [by]
    launch = view.content.fields.get("launch_area")
    if view.content.kind is ItemKind.MISSILE_LAUNCH and isinstance(launch, list):
        location_id = _stix_id("location", "launch-area", view.id)
        objects.append(
            {
                "type": "location",
                "spec_version": "2.1",
                "id": location_id,
                "created": created,
                "modified": created,
                "created_by_ref": by,
                "name": "launch area",
                "latitude": launch[0],
                "longitude": launch[1],
                "object_marking_refs": refs,
            }
        )
        object_refs = [location_id]
    report: dict[str, object] = {
        "type": "report",
        "spec_version": "2.1",
        "id": _stix_id("report", view.originator_node, view.id),
        "created": created,
        "modified": created,
        "created_by_ref": by,
        "name": view.content.title,
        "published": created,
        "report_types": ["threat-report"],
        "object_refs": object_refs,
        "object_marking_refs": refs,
        "extensions": {ITEM_EXT: _item_extension(view)},
    }
    if view.content.body:
        report["description"] = view.content.body
    return [*objects, report]


def publisher_objects(nodes: Sequence[tuple[str, str]] = ()) -> list[dict[str, object]]:
    """Objects that carry no item data: Accord's identity, its extension definitions, and the
    identities of ``nodes`` (``(node id, party)``)."""
    accord = _identity("accord", "Accord")
    accord["id"] = _ACCORD_IDENTITY
    accord["name"] = "Accord (publisher of the accord-* STIX extensions)"
    return [
        accord,
        *extension_definitions(_FIXED_TIME, _ACCORD_IDENTITY),
        *(_identity(node_id, party) for node_id, party in nodes),
    ]


def item_objects(view: ItemView) -> list[dict[str, object]]:
    """The objects that carry one item: its markings, the report and the SDOs it implies."""
    return _item_objects(view)


def objects_of(view: ItemView) -> list[dict[str, object]]:
    """The STIX objects of one item: the publishers' identities, the extensions, markings, report."""
    return [*publisher_objects([(view.originator_node, view.originator_party)]), *_item_objects(view)]


def bundle_of(views: Sequence[ItemView]) -> dict[str, object]:
    """A STIX 2.1 bundle of ``views``: each item marked, its originator's identity, the extensions."""
    objects: dict[str, dict[str, object]] = {}
    for view in views:
        for obj in objects_of(view):
            objects.setdefault(str(obj["id"]), obj)
    ids = canonical_json(sorted(objects)).decode("utf-8")
    return {"type": "bundle", "id": _stix_id("bundle", ids), "objects": list(objects.values())}


# --- reading ---------------------------------------------------------------------------


def _refuse(reason: str) -> InvalidInput:
    return InvalidInput(f"STIX bundle refused: {reason}")


def _label_of(ext: Mapping[str, object], where: str) -> tuple[str, ConfidentialityLabel]:
    categories: list[dict[str, object]] = []
    for key, tag, type_ in (
        ("releasable_to", RELEASABLE_TO, "PERMISSIVE"),
        ("need_to_know", NEED_TO_KNOW, "RESTRICTIVE"),
        ("originator_controls", ORIGINATOR_CONTROL, "RESTRICTIVE"),
    ):
        if key in ext:
            categories.append({"tag_name": tag, "type": type_, "values": ext[key]})
    if "provided_by" in ext:
        categories.append({"tag_name": PROVIDED_BY, "type": "INFORMATIVE", "values": [ext["provided_by"]]})
    for raw in _list(ext.get("other_categories", []), where):
        try:
            categories.append(json.loads(str(raw)))
        except ValueError as exc:
            raise _refuse(f"{where}: other_categories holds malformed JSON") from exc
    data: dict[str, object] = {
        key: ext[key]
        for key in (
            "policy",
            "classification",
            "originator_id",
            "creation_time",
            "privacy_mark",
            "review_time",
        )
        if key in ext
    }
    for key in ("review_time", "agreement"):
        if key in ext:
            data[key] = ext[key]
    data["categories"] = categories
    try:
        label = ConfidentialityLabel.from_dict(data)
    except AccordError as exc:
        raise _refuse(f"{where}: malformed national marking: {exc}") from exc
    if label.classification != ext.get("classification"):
        # The level travels in its native script, exactly as the label says it.
        raise _refuse(f"{where}: level {ext.get('classification')!r} is not its scheme's native spelling")
    return str(ext.get("role")), label


def _list(value: object, where: str) -> list[object]:
    if not isinstance(value, list):
        raise _refuse(f"{where}: expected a list")
    return value


@dataclass
class _Markings:
    acs: dict[str, Mapping[str, object]]
    national: dict[str, tuple[str, ConfidentialityLabel]]


def _markings(objects: Sequence[Mapping[str, object]]) -> _Markings:
    found = _Markings({}, {})
    for obj in objects:
        if obj.get("type") != "marking-definition":
            continue
        md_id = str(obj.get("id"))
        if md_id in TLP2_MARKINGS:
            continue
        extensions = obj.get("extensions")
        if "definition_type" in obj or not isinstance(extensions, Mapping) or len(extensions) != 1:
            raise _refuse(
                f"{md_id}: unknown kind of marking (Accord reads ACS 3.0, its national marking, TLP 2.0)"
            )
        ((ext_id, ext),) = extensions.items()
        if not isinstance(ext, Mapping):
            raise _refuse(f"{md_id}: malformed marking extension")
        if ext_id == ACS_EXT:
            found.acs[md_id] = ext
        elif ext_id == NATIONAL_MARKING_EXT:
            found.national[md_id] = _label_of(ext, md_id)
        else:
            raise _refuse(f"{md_id}: unknown marking extension {ext_id}")
    return found


def _marking_of(obj: Mapping[str, object], markings: _Markings) -> tuple[Marking, str | None]:
    where = str(obj.get("id"))
    refs = obj.get("object_marking_refs")
    if not refs:
        raise _refuse(f"{where}: no object_marking_refs (nothing is imported unmarked)")
    acs: list[Mapping[str, object]] = []
    originators: list[ConfidentialityLabel] = []
    alternatives: list[ConfidentialityLabel] = []
    tlp: str | None = None
    for raw in _list(refs, where):
        ref = str(raw)
        if ref in TLP2_MARKINGS:
            tlp = TLP2_MARKINGS[ref]
        elif ref in markings.acs:
            acs.append(markings.acs[ref])
        elif ref in markings.national:
            role, label = markings.national[ref]
            (originators if role == "originator" else alternatives).append(label)
        else:
            raise _refuse(f"{where}: marking {ref} is not in the bundle")
    if len(acs) != 1 or len(originators) != 1:
        raise _refuse(f"{where}: needs exactly one ACS 3.0 marking and one originator's national marking")
    try:
        marking = Marking(originators[0], tuple(alternatives))
    except AccordError as exc:
        raise _refuse(f"{where}: {exc}") from exc
    _check_acs(acs[0], marking.originator, where)
    return marking, tlp


def _check_acs(acs: Mapping[str, object], label: ConfidentialityLabel, where: str) -> None:
    control_set = acs.get("control_set")
    if not isinstance(control_set, Mapping):
        raise _refuse(f"{where}: the ACS marking has no control_set")
    wanted = ACS_CLASSIFICATION[label.level.family]
    if control_set.get("classification") != wanted:
        raise _refuse(
            f"{where}: the ACS classification {control_set.get('classification')!r} does not match "
            f"the national label {label.policy} {label.classification} ({wanted})"
        )
    nationalities = control_set.get("permitted_nationalities")
    if nationalities is not None and sorted(map(str, _list(nationalities, where))) != sorted(
        label.releasable_to
    ):
        raise _refuse(f"{where}: the ACS permitted nationalities differ from the label's releasable-to")


def _draft(report: Mapping[str, object], markings: _Markings) -> ItemDraft:
    where = str(report.get("id"))
    extensions = report.get("extensions")
    if not isinstance(extensions, Mapping) or set(extensions) != {ITEM_EXT}:
        raise _refuse(f"{where}: a report must carry exactly the accord-item extension")
    ext = extensions[ITEM_EXT]
    if not isinstance(ext, Mapping):
        raise _refuse(f"{where}: malformed accord-item extension")
    marking, tlp = _marking_of(report, markings)
    try:
        kind = ItemKind.parse(str(ext.get("kind")))
        fields = {k: v for k, v in ext.items() if k not in ITEM_KEYS}
        content = ItemContent(
            kind,
            str(report.get("name", "")),
            str(report.get("description", "")),
            str(ext.get("purpose")),
            fields,
        )
        precedence = Precedence.parse(str(ext.get("precedence")))
    except AccordError as exc:
        raise _refuse(f"{where}: {exc}") from exc
    return ItemDraft(where, content, precedence, marking, tlp, str(report.get("modified", "")))


def read_bundle(bundle: Mapping[str, object]) -> list[ItemDraft]:
    """The items of a STIX bundle that ``stix2`` and ``stix2-validator`` accepted, read strictly.

    Raises:
        InvalidInput: an object of another type, a marking missing, malformed, unknown or
            inconsistent, or content that is not a valid item; the message says which and why.
    """
    objects = bundle.get("objects")
    if bundle.get("type") != "bundle" or not isinstance(objects, list) or not objects:
        raise _refuse("not a STIX bundle with objects")
    typed = [o for o in objects if isinstance(o, Mapping)]
    if len(typed) != len(objects):
        raise _refuse("a bundle's objects must be JSON objects")
    for obj in typed:
        if obj.get("type") not in _KNOWN_TYPES:
            raise _refuse(f"{obj.get('id')}: Accord does not import objects of type {obj.get('type')!r}")
    markings = _markings(typed)
    for obj in typed:
        if obj.get("type") in _MARKED_TYPES:
            _marking_of(obj, markings)  # a location is refused unmarked as a report is
    drafts = [_draft(obj, markings) for obj in typed if obj.get("type") == "report"]
    if not drafts:
        raise _refuse("no report in the bundle")
    return drafts

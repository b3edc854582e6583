"""The STIX 2.1 extensions Accord speaks: its own two, ACS 3.0 and TLP 2.0 (issue 13).

* ``accord-national-marking`` (:data:`NATIONAL_MARKING_EXT`) — a property extension of a
  ``marking-definition`` that carries one STANAG 4774 label exactly: the scheme, the level
  in its native script (秘, 군사Ⅲ급비밀), releasable-to, need-to-know, the originator
  controls (GSOMIA Art. 6), provided-by, the agreement and who issued it. An item carries
  one for the originator's label and one per alternative label (Art. 4);
* ``accord-item`` (:data:`ITEM_EXT`) — a property extension of the ``report`` that carries
  the item's kind, purpose of provision (Art. 6), precedence and typed fields, each a STIX
  property of its own type, derived from :data:`accord.items.KINDS` (one place);
* ACS 3.0 (:data:`ACS_EXT`) — the ISA Access Control Specification data marking, its
  ``control_set.classification`` mapped from the label's family (:data:`ACS_CLASSIFICATION`);
* TLP 2.0 — the five standard marking definitions, recognised on import, never a
  substitute for a national marking.

Registering the extensions with :func:`stix2.v21.CustomExtension` (:mod:`._stix_register`,
imported only when a bundle is checked, so that ``stix2`` loads on first use) makes ``stix2``
refuse bad values and unexpected properties even with ``allow_custom=False``. :func:`json_schemas`
gives the JSON schemas published in ``docs/stix.md`` and handed to ``stix2-validator``.
Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from accord.items import KINDS, FieldSpec, FieldType, ItemKind, Precedence
from accord.markings import SCHEMES, Family

__all__ = [
    "ACS_CLASSIFICATION",
    "ACS_EXT",
    "ACS_POLICY_REFERENCE",
    "ITEM_EXT",
    "ITEM_KEYS",
    "NATIONAL_MARKING_EXT",
    "TLP2_MARKINGS",
    "extension_definitions",
    "json_schemas",
    "typed_fields",
]

NATIONAL_MARKING_EXT = "extension-definition--6f1c1b5e-2d0a-4c55-9a59-3c1f5e0a7d41"
"""Accord's national-marking extension (a property extension of marking-definition)."""
ITEM_EXT = "extension-definition--0b8a0f8e-7b9e-4d1e-8f6a-51a2c3d4e5f6"
"""Accord's item extension (a property extension of report)."""
ITEM_KEYS = (
    "extension_type",
    "kind",
    "purpose",
    "precedence",
    "originator_party",
    "originator_node",
    "item_id",
)
"""The properties every item extension has; its typed fields (:func:`typed_fields`) come beside them."""
ACS_EXT = "extension-definition--3a65884d-005a-4290-8335-cb2d778a83ce"
"""ISA ACS 3.0 data marking (OASIS cti-stix-common-objects)."""
ACS_POLICY_REFERENCE = "urn:isa:policy:acs:ns:v3.0?privdefault=deny&sharedefault=deny"
"""Deny by default: nobody outside the control set may read or share."""

ACS_CLASSIFICATION: Mapping[Family, str] = MappingProxyType(
    {
        Family.TOP_SECRET: "TS",
        Family.SECRET: "S",
        Family.CONFIDENTIAL: "C",
        # ACS knows no RESTRICTED; U would understate the protection owed (Art. 4: the
        # receiver protects at the equivalent level), so RESTRICTED travels as C.
        Family.RESTRICTED: "C",
    }
)
"""The ACS ``control_set.classification`` of each family."""

TLP2_MARKINGS: Mapping[str, str] = MappingProxyType(
    {
        "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487": "TLP:CLEAR",
        "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb": "TLP:GREEN",
        "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421": "TLP:AMBER",
        "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003": "TLP:AMBER+STRICT",
        "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1": "TLP:RED",
    }
)
"""The TLP 2.0 marking definitions (FIRST TLP 2.0, their published STIX ids)."""


def typed_fields() -> list[FieldSpec]:
    """Every typed field of every item kind (the item extension's properties)."""
    return [spec for kind in ItemKind for spec in KINDS[kind]]


# --- JSON schemas (docs/stix.md; stix2-validator's schema_dir) -------------------------

_TIMESTAMP: dict[str, object] = {
    "type": "string",
    "pattern": r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$",
}
_CODE_LIST = {"type": "array", "items": {"type": "string", "pattern": "^[A-Z0-9-]+$"}, "minItems": 1}


def _field_schema(spec: FieldSpec) -> dict[str, object]:
    number: dict[str, object] = {"type": "number"}
    point = {"type": "array", "items": number, "minItems": 2, "maxItems": 2}
    by_type: dict[FieldType, dict[str, object]] = {
        FieldType.DATETIME: _TIMESTAMP,
        FieldType.INT: {"type": "integer"},
        FieldType.FLOAT: number,
        FieldType.BOOL: {"type": "boolean"},
        FieldType.TEXT: {"type": "string", "minLength": 1},
        FieldType.POINT: point,
        FieldType.POLYGON: {"type": "array", "items": {"type": "string"}, "minItems": 3},
    }
    schema = {**by_type[spec.type], "description": spec.description}
    if spec.minimum is not None:
        schema["minimum"] = spec.minimum
    return schema


def _extension_schema(ext_id: str, title: str, body: dict[str, object], on_type: str) -> dict[str, object]:
    # stix2-validator applies an extension's schema to the whole object that carries it.
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": f"{ext_id}.json",
        "title": title,
        "type": "object",
        "properties": {
            "type": {"const": on_type},
            "extensions": {"type": "object", "properties": {ext_id: body}, "required": [ext_id]},
        },
    }


def json_schemas() -> dict[str, dict[str, object]]:
    """The JSON schema of each Accord extension, by extension-definition id."""
    national = {
        "type": "object",
        "additionalProperties": False,
        "required": ["extension_type", "role", "policy", "classification", "originator_id", "creation_time"],
        "properties": {
            "extension_type": {"const": "property-extension"},
            "role": {"enum": ["originator", "alternative"]},
            "policy": {"enum": sorted(SCHEMES)},
            "classification": {
                "enum": sorted({lvl.native for s in SCHEMES.values() for lvl in s.levels}),
                "description": "the level's native spelling in its scheme",
            },
            "originator_id": {"type": "string", "minLength": 1},
            "creation_time": _TIMESTAMP,
            "releasable_to": {**_CODE_LIST, "description": "Releasable To (PERMISSIVE), party codes"},
            "need_to_know": {**_CODE_LIST, "description": "Need To Know (RESTRICTIVE), topics"},
            "originator_controls": {**_CODE_LIST, "description": "Originator Control (GSOMIA Art. 6)"},
            "provided_by": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "other_categories": {
                "type": "array",
                "items": {"type": "string"},
                "description": "further categories, each as canonical JSON {tag_name, type, values}",
            },
            "privacy_mark": {"type": "string", "minLength": 1},
            "review_time": _TIMESTAMP,
            "agreement": {"type": "string", "pattern": r"^\S+$"},
        },
    }
    fields = {spec.name: _field_schema(spec) for spec in typed_fields()}
    item = {
        "type": "object",
        "additionalProperties": False,
        "required": list(ITEM_KEYS),
        "properties": {
            "extension_type": {"const": "property-extension"},
            "kind": {"enum": [k.value for k in ItemKind]},
            "purpose": {"type": "string", "minLength": 1},
            "precedence": {"enum": [p.value for p in Precedence]},
            "originator_party": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "originator_node": {"type": "string", "minLength": 1},
            "item_id": {"type": "string", "minLength": 1},
            **fields,
        },
    }
    return {
        NATIONAL_MARKING_EXT: _extension_schema(
            NATIONAL_MARKING_EXT, "accord-national-marking", national, "marking-definition"
        ),
        ITEM_EXT: _extension_schema(ITEM_EXT, "accord-item", item, "report"),
    }


def extension_definitions(created: str, created_by_ref: str) -> list[dict[str, object]]:
    """The two ``extension-definition`` objects, as a bundle carries them.

    Args:
        created: The STIX timestamp to give them (fixed: their content never changes).
        created_by_ref: The identity publishing them.
    """
    return [
        {
            "type": "extension-definition",
            "spec_version": "2.1",
            "id": ext_id,
            "created_by_ref": created_by_ref,
            "created": created,
            "modified": created,
            "name": name,
            "description": description,
            "schema": f"Accord docs/stix.md, section {name} (JSON schema)",
            "version": "1.0.0",
            "extension_types": ["property-extension"],
        }
        for ext_id, name, description in (
            (NATIONAL_MARKING_EXT, "accord-national-marking", "A STANAG 4774 label, carried exactly"),
            (ITEM_EXT, "accord-item", "An Accord item's kind, purpose, precedence and typed fields"),
        )
    ]

"""Accord's STIX extensions registered with ``stix2`` (:func:`stix2.v21.CustomExtension`), issue 13.

Importing this module registers them, so ``stix2.parse(…, allow_custom=False)`` refuses a
bad value or an unexpected property in them. It is imported by
:func:`accord.interop.check_bundle` on first use only: ``stix2`` is slow to load, and
``accord --help`` or a node that never speaks STIX need not pay for it. The extension ids
and the typed fields come from :mod:`._stix_ext` and :data:`accord.items.KINDS` (one place).
"""

from __future__ import annotations

from typing import Any

from stix2.properties import (
    BooleanProperty,
    DictionaryProperty,
    EnumProperty,
    FloatProperty,
    IntegerProperty,
    ListProperty,
    StringProperty,
    TimestampProperty,
)
from stix2.v21 import CustomExtension

from accord.interop._stix_ext import (
    ACS_EXT,
    ACS_POLICY_REFERENCE,
    ITEM_EXT,
    NATIONAL_MARKING_EXT,
    typed_fields,
)
from accord.items import FieldSpec, FieldType, ItemKind, Precedence
from accord.markings import SCHEMES

__all__: list[str] = []


class _ListedFloat(FloatProperty):  # type: ignore[misc]
    # stix2 3.0.2's ListProperty passes an ``interoperability`` flag that FloatProperty.clean
    # does not take; a float inside a list is otherwise the same check.
    def clean(self, value: object, allow_custom: bool = False, interoperability: bool = False) -> Any:
        return super().clean(value, allow_custom)


_PROPERTY_EXTENSION = EnumProperty(["property-extension"], required=True)
_CODES = ListProperty(StringProperty())

_NATIONAL_PROPERTIES: list[tuple[str, Any]] = [
    ("extension_type", _PROPERTY_EXTENSION),
    ("role", EnumProperty(["originator", "alternative"], required=True)),
    ("policy", EnumProperty(sorted(SCHEMES), required=True)),
    ("classification", StringProperty(required=True)),
    ("originator_id", StringProperty(required=True)),
    ("creation_time", TimestampProperty(required=True, precision="second")),
    ("releasable_to", _CODES),
    ("need_to_know", _CODES),
    ("originator_controls", _CODES),
    ("provided_by", StringProperty()),
    ("other_categories", ListProperty(StringProperty())),
    ("privacy_mark", StringProperty()),
    ("review_time", TimestampProperty(precision="second")),
    ("agreement", StringProperty()),
]


def _field_property(spec: FieldSpec) -> Any:
    kind = spec.type
    if kind is FieldType.DATETIME:
        return TimestampProperty(precision="second")
    if kind is FieldType.INT:
        return IntegerProperty(min=None if spec.minimum is None else int(spec.minimum))
    if kind is FieldType.FLOAT:
        return FloatProperty(min=spec.minimum)
    if kind is FieldType.BOOL:
        return BooleanProperty()
    if kind is FieldType.POINT:
        return ListProperty(_ListedFloat())
    if kind is FieldType.POLYGON:
        # STIX lists do not nest; a vertex travels as "lat,lon", as `accord item create` takes it.
        return ListProperty(StringProperty())
    return StringProperty()


_ITEM_PROPERTIES: list[tuple[str, Any]] = [
    ("extension_type", _PROPERTY_EXTENSION),
    ("kind", EnumProperty([k.value for k in ItemKind], required=True)),
    ("purpose", StringProperty(required=True)),
    ("precedence", EnumProperty([p.value for p in Precedence], required=True)),
    ("originator_party", StringProperty(required=True)),
    ("originator_node", StringProperty(required=True)),
    ("item_id", StringProperty(required=True)),
    *[(spec.name, _field_property(spec)) for spec in typed_fields()],
]


@CustomExtension(NATIONAL_MARKING_EXT, _NATIONAL_PROPERTIES)
class _NationalMarking:
    extension_type = "property-extension"


@CustomExtension(ITEM_EXT, _ITEM_PROPERTIES)
class _ItemExtension:
    extension_type = "property-extension"


@CustomExtension(
    ACS_EXT,
    [
        ("extension_type", _PROPERTY_EXTENSION),
        ("identifier", StringProperty(required=True)),
        ("name", StringProperty()),
        ("create_date_time", TimestampProperty(required=True)),
        ("responsible_entity_custodian", StringProperty(required=True)),
        ("responsible_entity_originator", StringProperty()),
        ("policy_reference", EnumProperty([ACS_POLICY_REFERENCE], required=True)),
        ("control_set", DictionaryProperty(required=True)),
    ],
)
class _AcsMarking:
    extension_type = "property-extension"

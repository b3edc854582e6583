"""Item kinds and their typed fields (GSOMIA Art. 2: documents, data, imagery …).

A field value arrives as text (from the CLI) or as a JSON value (from a file or the API);
:func:`parse_fields` turns either into one canonical JSON value, so that the same report
always has the same content digest:

* ``datetime`` → ``"2023-04-13T07:22:00Z"`` (UTC, seconds)
* ``int`` / ``float`` → numbers (floats are finite; ``minimum`` enforced)
* ``bool`` → ``true``/``false`` (text: yes/no, true/false, 1/0)
* ``point`` → ``[lat, lon]`` (text: ``"39.0,125.7"``)
* ``polygon`` → ``[[lat, lon], …]`` with at least three vertices (text: ``"lat,lon;lat,lon;…"``)
* ``text`` → a non-empty string
"""

from __future__ import annotations

import enum
import math
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from accord.canonical import format_time, parse_time
from accord.errors import InvalidInput, ItemError

__all__ = ["KINDS", "FieldSpec", "FieldType", "ItemKind", "parse_fields"]


class ItemKind(enum.Enum):
    """What an item is; each kind has its own typed fields."""

    REPORT = "report"
    MISSILE_LAUNCH = "missile-launch"
    IMAGERY = "imagery"
    SIGINT_SUMMARY = "sigint-summary"

    @classmethod
    def parse(cls, text: str) -> ItemKind:
        """Parse a kind by its name.

        Raises:
            ItemError: no such kind.
        """
        for member in cls:
            if member.value == text.strip().lower():
                return member
        raise ItemError(f"unknown item kind {text!r}; use one of {', '.join(m.value for m in cls)}")


class FieldType(enum.Enum):
    """The type of a typed field."""

    DATETIME = "datetime"
    INT = "int"
    FLOAT = "float"
    BOOL = "bool"
    TEXT = "text"
    POINT = "point"
    POLYGON = "polygon"


@dataclass(frozen=True)
class FieldSpec:
    """One typed field of an item kind."""

    name: str
    type: FieldType
    required: bool
    description: str
    minimum: float | None = None


KINDS: Mapping[ItemKind, tuple[FieldSpec, ...]] = {
    ItemKind.REPORT: (),
    ItemKind.MISSILE_LAUNCH: (
        FieldSpec("detection_time", FieldType.DATETIME, True, "when the launch was detected (UTC)"),
        FieldSpec("launch_area", FieldType.POINT, True, "launch area coordinates: latitude,longitude"),
        FieldSpec("count", FieldType.INT, True, "number of missiles", minimum=1),
        FieldSpec("missile_type", FieldType.TEXT, False, "assessed type, e.g. SRBM, IRBM, ICBM"),
        FieldSpec("apogee_km", FieldType.FLOAT, False, "maximum altitude in km", minimum=0),
        FieldSpec("range_km", FieldType.FLOAT, False, "distance flown in km", minimum=0),
        FieldSpec("impact_area", FieldType.TEXT, False, "where it fell, in words"),
        FieldSpec("inside_japan_eez", FieldType.BOOL, False, "whether it fell inside Japan's EEZ"),
    ),
    ItemKind.IMAGERY: (
        FieldSpec("acquisition_time", FieldType.DATETIME, True, "when the imagery was acquired (UTC)"),
        FieldSpec("sensor", FieldType.TEXT, True, "platform and sensor"),
        FieldSpec("footprint", FieldType.POLYGON, True, "ground footprint: lat,lon;lat,lon;lat,lon…"),
    ),
    ItemKind.SIGINT_SUMMARY: (
        FieldSpec("period_start", FieldType.DATETIME, False, "start of the period summarised (UTC)"),
        FieldSpec("period_end", FieldType.DATETIME, False, "end of the period summarised (UTC)"),
    ),
}


def parse_fields(kind: ItemKind, raw: Mapping[str, object]) -> dict[str, object]:
    """Validate the typed fields of an item of ``kind`` and return canonical values.

    Raises:
        ItemError: an unknown field, a missing required field, or a value of the wrong type.
    """
    specs = {spec.name: spec for spec in KINDS[kind]}
    unknown = sorted(set(raw) - set(specs))
    if unknown:
        known = ", ".join(specs) or "none"
        raise ItemError(f"unknown field(s) {', '.join(unknown)} for kind {kind.value}; known: {known}")
    out: dict[str, object] = {}
    for name, spec in specs.items():
        if name not in raw or raw[name] is None or raw[name] == "":
            if spec.required:
                raise ItemError(f"kind {kind.value} needs field {name} ({spec.description})")
            continue
        try:
            out[name] = _parse_value(spec, raw[name])
        except (InvalidInput, ValueError, TypeError, OverflowError) as exc:
            raise ItemError(f"field {name} ({spec.type.value}): {exc}") from exc
    return out


def _parse_value(spec: FieldSpec, value: object) -> object:
    kind = spec.type
    if kind is FieldType.TEXT:
        if not isinstance(value, str) or not value.strip():
            raise ValueError("expected non-empty text")
        if any(unicodedata.category(ch) == "Cs" for ch in value):
            raise ValueError("not valid Unicode text")
        return unicodedata.normalize("NFC", value.strip())
    if kind is FieldType.DATETIME:
        if not isinstance(value, str):
            raise ValueError("expected an RFC 3339 time such as 2023-04-13T07:22:00Z")
        return format_time(parse_time(value))
    if kind is FieldType.BOOL:
        return _parse_bool(value)
    if kind in (FieldType.INT, FieldType.FLOAT):
        number = _parse_number(value, integer=kind is FieldType.INT)
        if spec.minimum is not None and number < spec.minimum:
            raise ValueError(f"must be at least {spec.minimum:g}")
        return number
    if kind is FieldType.POINT:
        return _parse_point(value)
    return _parse_polygon(value)


def _parse_bool(value: object) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        text = value.strip().lower()
        if text in ("yes", "true", "1", "y"):
            return True
        if text in ("no", "false", "0", "n"):
            return False
    raise ValueError("expected yes or no")


def _parse_number(value: object, *, integer: bool) -> int | float:
    if isinstance(value, bool):
        raise ValueError("expected a number")
    if integer:
        if isinstance(value, int):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value.strip())
        raise ValueError("expected a whole number")
    if isinstance(value, int | float):
        number = float(value)
    elif isinstance(value, str):
        number = float(value.strip())
    else:
        raise ValueError("expected a number")
    if not math.isfinite(number):
        raise ValueError("expected a finite number")
    # -0.0 + 0.0 is 0.0: "-0" and "0" are one value and must give one content digest.
    return number + 0.0


def _parse_point(value: object) -> list[float]:
    if isinstance(value, str):
        parts: list[object] = list(value.split(","))
    elif isinstance(value, list | tuple):
        parts = list(value)
    else:
        raise ValueError("expected latitude,longitude")
    if len(parts) != 2:
        raise ValueError("expected latitude,longitude")
    lat = float(_parse_number(parts[0], integer=False))
    lon = float(_parse_number(parts[1], integer=False))
    if not -90 <= lat <= 90 or not -180 <= lon <= 180:
        raise ValueError("latitude must be within ±90 and longitude within ±180")
    return [lat, lon]


def _parse_polygon(value: object) -> list[list[float]]:
    if isinstance(value, str):
        vertices: list[object] = [v for v in value.split(";") if v.strip()]
    elif isinstance(value, list | tuple):
        vertices = list(value)
    else:
        raise ValueError("expected lat,lon;lat,lon;lat,lon")
    if len(vertices) < 3:
        raise ValueError("a footprint needs at least three vertices")
    return [_parse_point(v) for v in vertices]

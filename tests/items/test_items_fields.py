"""parse_fields: text from the CLI and typed JSON give one canonical value; bad input is an ItemError."""

from __future__ import annotations

import math
import re
from typing import Any

import pytest

from accord.canonical import canonical_json
from accord.errors import ItemError
from accord.items import ItemKind, parse_fields

ML = ItemKind.MISSILE_LAUNCH
IMG = ItemKind.IMAGERY
SIG = ItemKind.SIGINT_SUMMARY
REP = ItemKind.REPORT

# Minimal valid fields per kind; a case overrides one field of these.
BASE: dict[ItemKind, dict[str, object]] = {
    REP: {},
    ML: {"detection_time": "2023-04-13T07:22:00Z", "launch_area": [39.0, 125.7], "count": 1},
    IMG: {
        "acquisition_time": "2023-04-13T07:22:00Z",
        "sensor": "IGS optical",
        "footprint": [[39.0, 125.7], [39.1, 125.8], [39.0, 125.9]],
    },
    SIG: {},
}

SQUARE = [[39.0, 125.7], [39.1, 125.7], [39.1, 125.8], [39.0, 125.8]]

# kind, field, as text (CLI), as typed JSON (file/API), canonical value
EQUIVALENT: list[Any] = [
    pytest.param(ML, "detection_time", "2023-04-13T16:22:00+09:00", "2023-04-13T07:22:00Z",
                 "2023-04-13T07:22:00Z", id="time-offset-to-Z"),
    pytest.param(ML, "detection_time", "2023-04-13T02:22:00-05:00", "2023-04-13t07:22:00z",
                 "2023-04-13T07:22:00Z", id="time-negative-offset-and-lower-z"),
    pytest.param(ML, "detection_time", " 2023-04-13T07:22:00.987654Z ", "2023-04-13T07:22:00+00:00",
                 "2023-04-13T07:22:00Z", id="time-fraction-dropped"),
    pytest.param(ML, "launch_area", "39.2,125.7", [39.2, 125.7], [39.2, 125.7], id="point"),
    pytest.param(ML, "launch_area", " 39 , 125 ", [39, 125], [39.0, 125.0], id="point-ints-to-floats"),
    pytest.param(ML, "launch_area", "-90,-180", [-90.0, -180.0], [-90.0, -180.0], id="point-south-west-edge"),
    pytest.param(ML, "launch_area", "90,180", (90, 180), [90.0, 180.0], id="point-north-east-edge"),
    pytest.param(ML, "launch_area", "-0,0", [-0.0, 0], [0.0, 0.0], id="point-negative-zero"),
    pytest.param(ML, "count", "3", 3, 3, id="count"),
    pytest.param(ML, "count", " 12 ", 12, 12, id="count-spaces"),
    pytest.param(ML, "apogee_km", "6000", 6000, 6000.0, id="apogee-int-to-float"),
    pytest.param(ML, "apogee_km", "1234.5", 1234.5, 1234.5, id="apogee-float"),
    pytest.param(ML, "apogee_km", "0", 0, 0.0, id="apogee-zero-minimum"),
    pytest.param(ML, "apogee_km", "-0", -0.0, 0.0, id="apogee-negative-zero-is-zero"),
    pytest.param(ML, "range_km", "1e3", 1000.0, 1000.0, id="range-exponent"),
    pytest.param(ML, "inside_japan_eez", "yes", True, True, id="bool-yes"),
    pytest.param(ML, "inside_japan_eez", "no", False, False, id="bool-no"),
    pytest.param(ML, "inside_japan_eez", "TRUE", True, True, id="bool-TRUE"),
    pytest.param(ML, "inside_japan_eez", "false", False, False, id="bool-false"),
    pytest.param(ML, "inside_japan_eez", "1", True, True, id="bool-1"),
    pytest.param(ML, "inside_japan_eez", "0", False, False, id="bool-0"),
    pytest.param(ML, "inside_japan_eez", "Y", True, True, id="bool-Y"),
    pytest.param(ML, "inside_japan_eez", "n", False, False, id="bool-n"),
    pytest.param(ML, "missile_type", "  ICBM ", "ICBM", "ICBM", id="text-stripped"),
    pytest.param(ML, "impact_area", "Sea of Japan (東海)", "Sea of Japan (東海)", "Sea of Japan (東海)",
                 id="text-non-ascii"),
    pytest.param(ML, "impact_area", "Cafe\u0301", "Café", "Café", id="text-nfc"),
    pytest.param(IMG, "footprint", "39.0,125.7;39.1,125.7;39.1,125.8;39.0,125.8", SQUARE, SQUARE,
                 id="polygon-four-vertices"),
    pytest.param(IMG, "footprint", "39,125.7; 39.1,125.8 ;39,125.9;",
                 [[39, 125.7], (39.1, 125.8), ["39", "125.9"]],
                 [[39.0, 125.7], [39.1, 125.8], [39.0, 125.9]], id="polygon-trailing-semicolon-mixed-json"),
    pytest.param(IMG, "acquisition_time", "2023-04-13T09:00:00+09:00", "2023-04-13T00:00:00Z",
                 "2023-04-13T00:00:00Z", id="imagery-time"),
    pytest.param(IMG, "sensor", "  KOMPSAT-3A EO ", "KOMPSAT-3A EO", "KOMPSAT-3A EO", id="imagery-sensor"),
    pytest.param(SIG, "period_start", "2023-04-12T00:00:00+09:00", "2023-04-11T15:00:00Z",
                 "2023-04-11T15:00:00Z", id="sigint-period-start"),
    pytest.param(SIG, "period_end", "2023-04-13T00:00:00Z", "2023-04-13T00:00:00Z",
                 "2023-04-13T00:00:00Z", id="sigint-period-end"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "name", "text", "typed", "canonical"), EQUIVALENT)
def test_text_and_typed_json_give_one_canonical_value(
    kind: ItemKind, name: str, text: str, typed: object, canonical: object
) -> None:
    from_text = parse_fields(kind, {**BASE[kind], name: text})
    from_json = parse_fields(kind, {**BASE[kind], name: typed})
    assert from_text[name] == canonical
    assert from_json[name] == canonical
    assert type(from_text[name]) is type(canonical)
    # Same bytes, so the same content digest (and -0.0 does not differ from 0.0).
    assert canonical_json(from_text) == canonical_json(from_json)


@pytest.mark.parametrize(("kind", "name", "text", "typed", "canonical"), EQUIVALENT)
def test_parsing_is_idempotent(
    kind: ItemKind, name: str, text: str, typed: object, canonical: object
) -> None:
    del typed, canonical
    once = parse_fields(kind, {**BASE[kind], name: text})
    assert parse_fields(kind, once) == once


@pytest.mark.parametrize(
    ("kind", "raw", "expected"),
    [
        pytest.param(REP, {}, {}, id="report-has-no-fields"),
        pytest.param(SIG, {}, {}, id="sigint-fields-optional"),
        pytest.param(
            ML,
            {
                "detection_time": "2023-04-13T16:22:00+09:00",
                "launch_area": "39.2,125.7",
                "count": "1",
                "missile_type": "ICBM (Hwasong-18)",
                "apogee_km": "3000",
                "range_km": "1000",
                "impact_area": "Sea of Japan",
                "inside_japan_eez": "no",
            },
            {
                "detection_time": "2023-04-13T07:22:00Z",
                "launch_area": [39.2, 125.7],
                "count": 1,
                "missile_type": "ICBM (Hwasong-18)",
                "apogee_km": 3000.0,
                "range_km": 1000.0,
                "impact_area": "Sea of Japan",
                "inside_japan_eez": False,
            },
            id="missile-launch-every-field-from-cli",
        ),
        pytest.param(
            ML,
            {**BASE[ML], "missile_type": "", "apogee_km": None, "inside_japan_eez": ""},
            {"detection_time": "2023-04-13T07:22:00Z", "launch_area": [39.0, 125.7], "count": 1},
            id="empty-or-null-optional-fields-are-absent",
        ),
        pytest.param(
            IMG,
            BASE[IMG],
            BASE[IMG],
            id="imagery-already-canonical",
        ),
    ],
)
def test_whole_field_sets(kind: ItemKind, raw: dict[str, object], expected: dict[str, object]) -> None:
    assert parse_fields(kind, raw) == expected


# kind, override (None value deletes the key), field the message must name
INVALID: list[Any] = [
    pytest.param(REP, {"count": 1}, "count", id="report-unknown-field"),
    pytest.param(ML, {"colour": "red"}, "colour", id="missile-unknown-field"),
    pytest.param(ML, {"launch_point": "39,125"}, "launch_point", id="misspelt-field"),
    pytest.param(ML, {"count": None}, "count", id="missing-count"),
    pytest.param(ML, {"count": ""}, "count", id="empty-count-is-missing"),
    pytest.param(ML, {"detection_time": None}, "detection_time", id="missing-detection-time"),
    pytest.param(ML, {"launch_area": None}, "launch_area", id="missing-launch-area"),
    pytest.param(IMG, {"sensor": None}, "sensor", id="missing-sensor"),
    pytest.param(IMG, {"footprint": None}, "footprint", id="missing-footprint"),
    pytest.param(IMG, {"acquisition_time": None}, "acquisition_time", id="missing-acquisition-time"),
    pytest.param(ML, {"detection_time": "2023-04-13T07:22:00"}, "detection_time", id="naive-time"),
    pytest.param(ML, {"detection_time": "2023-04-13"}, "detection_time", id="date-only"),
    pytest.param(ML, {"detection_time": "yesterday"}, "detection_time", id="garbage-time"),
    pytest.param(ML, {"detection_time": "2023-02-30T07:22:00Z"}, "detection_time", id="impossible-date"),
    pytest.param(ML, {"detection_time": 1681370520}, "detection_time", id="epoch-number-for-time"),
    pytest.param(ML, {"detection_time": "0001-01-01T00:00:00+01:00"}, "detection_time",
                 id="time-before-year-1-in-utc"),
    pytest.param(SIG, {"period_end": "13/04/2023"}, "period_end", id="sigint-bad-time"),
    pytest.param(ML, {"count": 0}, "count", id="count-0"),
    pytest.param(ML, {"count": "0"}, "count", id="count-0-text"),
    pytest.param(ML, {"count": -1}, "count", id="count-negative"),
    pytest.param(ML, {"count": "-2"}, "count", id="count-negative-text"),
    pytest.param(ML, {"count": "--1"}, "count", id="count-double-minus"),
    pytest.param(ML, {"count": 1.5}, "count", id="count-fraction"),
    pytest.param(ML, {"count": "1.5"}, "count", id="count-fraction-text"),
    pytest.param(ML, {"count": 2.0}, "count", id="count-float-json"),
    pytest.param(ML, {"count": "three"}, "count", id="count-word"),
    pytest.param(ML, {"count": True}, "count", id="bool-for-count"),
    pytest.param(ML, {"apogee_km": -1}, "apogee_km", id="negative-apogee"),
    pytest.param(ML, {"apogee_km": "-0.1"}, "apogee_km", id="negative-apogee-text"),
    pytest.param(ML, {"range_km": -100.0}, "range_km", id="negative-range"),
    pytest.param(ML, {"apogee_km": math.nan}, "apogee_km", id="NaN"),
    pytest.param(ML, {"apogee_km": "nan"}, "apogee_km", id="NaN-text"),
    pytest.param(ML, {"apogee_km": math.inf}, "apogee_km", id="infinity"),
    pytest.param(ML, {"apogee_km": "inf"}, "apogee_km", id="infinity-text"),
    pytest.param(ML, {"apogee_km": "1e999"}, "apogee_km", id="overflow-to-infinity-text"),
    pytest.param(ML, {"apogee_km": 10**400}, "apogee_km", id="int-too-large-for-float"),
    pytest.param(ML, {"apogee_km": True}, "apogee_km", id="bool-for-float"),
    pytest.param(ML, {"apogee_km": "6,000"}, "apogee_km", id="thousands-separator"),
    pytest.param(ML, {"apogee_km": [6000]}, "apogee_km", id="list-for-float"),
    pytest.param(ML, {"launch_area": "91,125"}, "launch_area", id="latitude-91"),
    pytest.param(ML, {"launch_area": [-90.5, 0]}, "launch_area", id="latitude-minus-90.5"),
    pytest.param(ML, {"launch_area": "39,181"}, "launch_area", id="longitude-181"),
    pytest.param(ML, {"launch_area": [0, -180.01]}, "launch_area", id="longitude-minus-180.01"),
    pytest.param(ML, {"launch_area": "39.2"}, "launch_area", id="point-one-number"),
    pytest.param(ML, {"launch_area": [39.2, 125.7, 0]}, "launch_area", id="point-three-numbers"),
    pytest.param(ML, {"launch_area": "39.2;125.7"}, "launch_area", id="point-wrong-separator"),
    pytest.param(ML, {"launch_area": "north,east"}, "launch_area", id="point-words"),
    pytest.param(ML, {"launch_area": [True, 125]}, "launch_area", id="bool-in-point"),
    pytest.param(ML, {"launch_area": ["nan", 0]}, "launch_area", id="NaN-in-point"),
    pytest.param(ML, {"launch_area": 39.2}, "launch_area", id="number-for-point"),
    pytest.param(ML, {"launch_area": {"lat": 39, "lon": 125}}, "launch_area", id="object-for-point"),
    pytest.param(IMG, {"footprint": "39,125;40,126"}, "footprint", id="polygon-2-vertices-text"),
    pytest.param(IMG, {"footprint": [[39, 125], [40, 126]]}, "footprint", id="polygon-2-vertices-json"),
    pytest.param(IMG, {"footprint": "39,125;;40,126;"}, "footprint", id="polygon-empty-vertices-dont-count"),
    pytest.param(IMG, {"footprint": [[39, 125], [40, 126], [91, 0]]}, "footprint", id="polygon-bad-vertex"),
    pytest.param(IMG, {"footprint": [39, 125, 40]}, "footprint", id="polygon-flat-numbers"),
    pytest.param(IMG, {"footprint": 5}, "footprint", id="number-for-polygon"),
    pytest.param(ML, {"inside_japan_eez": "maybe"}, "inside_japan_eez", id="bool-maybe"),
    pytest.param(ML, {"inside_japan_eez": 1}, "inside_japan_eez", id="int-for-bool"),
    pytest.param(ML, {"inside_japan_eez": [True]}, "inside_japan_eez", id="list-for-bool"),
    pytest.param(ML, {"missile_type": 5}, "missile_type", id="number-for-text"),
    pytest.param(ML, {"missile_type": "   "}, "missile_type", id="blank-text"),
    pytest.param(ML, {"missile_type": "IRBM\udcff"}, "missile_type", id="lone-surrogate-in-text"),
    pytest.param(IMG, {"sensor": ["EO", "SAR"]}, "sensor", id="list-for-text"),
]  # fmt: skip


@pytest.mark.parametrize(("kind", "override", "field"), INVALID)
def test_invalid_fields_are_refused_naming_the_field(
    kind: ItemKind, override: dict[str, object], field: str
) -> None:
    raw = {**BASE[kind], **override}
    with pytest.raises(ItemError, match=re.escape(field)):
        parse_fields(kind, raw)


@pytest.mark.parametrize("name", ["detection_time", "launch_area", "count"])
def test_required_field_absent_null_or_empty_is_missing(name: str) -> None:
    absent = {k: v for k, v in BASE[ML].items() if k != name}
    for raw in (absent, {**absent, name: None}, {**absent, name: ""}):
        with pytest.raises(ItemError, match=f"needs field {name}"):
            parse_fields(ML, raw)


def test_unknown_field_message_lists_the_known_ones() -> None:
    with pytest.raises(ItemError, match="known: none"):
        parse_fields(REP, {"sensor": "x"})
    with pytest.raises(ItemError, match="acquisition_time, sensor, footprint"):
        parse_fields(IMG, {**BASE[IMG], "zoom": 2})


def test_minimum_is_inclusive() -> None:
    assert parse_fields(ML, {**BASE[ML], "count": 1})["count"] == 1
    with pytest.raises(ItemError, match="at least 1"):
        parse_fields(ML, {**BASE[ML], "count": 0})

"""ItemContent and AttachmentRef: validation, to_dict/from_dict, canonical bytes and digest."""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.canonical import format_time
from accord.errors import ItemError
from accord.items import AttachmentRef, ItemContent, ItemKind

LAUNCH_FIELDS = {"detection_time": "2023-04-13T16:22:00+09:00", "launch_area": "39.2,125.7", "count": "1"}
DIGEST = hashlib.sha384(b"imagery").hexdigest()


def _launch(**overrides: Any) -> ItemContent:
    args: dict[str, Any] = {
        "kind": ItemKind.MISSILE_LAUNCH,
        "title": "Launch from Sunan",
        "body": "One ICBM.",
        "purpose": "Defence of Japan",
        "fields": LAUNCH_FIELDS,
    }
    args.update(overrides)
    return ItemContent(**args)


def test_content_holds_canonical_fields_and_stripped_title_and_purpose() -> None:
    content = _launch(title="  Launch from Sunan \n", purpose="\tDefence of Japan ")
    assert content.title == "Launch from Sunan"
    assert content.purpose == "Defence of Japan"
    assert content.fields == {
        "detection_time": "2023-04-13T07:22:00Z",
        "launch_area": [39.2, 125.7],
        "count": 1,
    }


def test_body_is_kept_as_given() -> None:
    body = "  line one\n\tline two\n"
    assert _launch(body=body).body == body
    assert _launch(body="").body == ""


def test_known_canonical_bytes_and_digest() -> None:
    content = _launch()
    expected = (
        b'{"body":"One ICBM.","fields":{"count":1,"detection_time":"2023-04-13T07:22:00Z",'
        b'"launch_area":[39.2,125.7]},"kind":"missile-launch","purpose":"Defence of Japan",'
        b'"title":"Launch from Sunan","v":1}'
    )
    assert content.canonical_bytes() == expected
    assert content.sha384() == hashlib.sha384(expected).hexdigest()
    # Same content given as typed JSON: same bytes, same digest.
    typed = _launch(
        fields={"detection_time": "2023-04-13T07:22:00Z", "launch_area": [39.2, 125.7], "count": 1}
    )
    assert typed.sha384() == content.sha384()


def test_digest_changes_with_every_part_of_the_content() -> None:
    base = _launch().sha384()
    variants = [
        _launch(title="Launch from Sunan."),
        _launch(body="Two ICBMs."),
        _launch(purpose="Defence of the ROK"),
        _launch(fields={**LAUNCH_FIELDS, "count": "2"}),
        _launch(kind=ItemKind.REPORT, fields={}),
    ]
    digests = {v.sha384() for v in variants}
    assert base not in digests
    assert len(digests) == len(variants)


def test_unicode_forms_give_one_digest() -> None:
    composed = _launch(title="Caf\u00e9 report", purpose="Défense")
    decomposed = _launch(title="Cafe\u0301 report", purpose="De\u0301fense")
    assert composed == decomposed
    assert composed.sha384() == decomposed.sha384()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"title": ""}, "needs a title", id="empty-title"),
        pytest.param({"title": " \t\n"}, "needs a title", id="blank-title"),
        pytest.param({"title": "x" * 301}, "longer than 300", id="title-301-chars"),
        pytest.param({"title": " " + "x" * 301 + " "}, "longer than 300", id="title-301-chars-padded"),
        pytest.param({"purpose": ""}, "purpose of provision", id="empty-purpose"),
        pytest.param({"purpose": "   "}, "purpose of provision", id="blank-purpose"),
        pytest.param({"title": None}, "title must be text", id="title-not-text"),
        pytest.param({"body": b"bytes"}, "body must be text", id="body-bytes"),
        pytest.param({"purpose": 7}, "purpose must be text", id="purpose-number"),
        pytest.param({"title": "Launch \udcff"}, "title is not valid Unicode", id="lone-surrogate-title"),
        pytest.param({"body": "\ud800"}, "body is not valid Unicode", id="lone-surrogate-body"),
        pytest.param({"fields": {}}, "needs field", id="missing-required-fields"),
        pytest.param({"fields": {**LAUNCH_FIELDS, "count": 0}}, "count", id="invalid-field"),
        pytest.param({"kind": ItemKind.REPORT}, "unknown field", id="fields-of-another-kind"),
    ],
)
def test_invalid_content_is_refused(overrides: dict[str, Any], message: str) -> None:
    with pytest.raises(ItemError, match=message):
        _launch(**overrides)


def test_title_of_300_characters_is_allowed() -> None:
    assert len(_launch(title="秘" * 300).title) == 300


def test_to_dict_shape() -> None:
    assert _launch().to_dict() == {
        "v": 1,
        "kind": "missile-launch",
        "title": "Launch from Sunan",
        "body": "One ICBM.",
        "purpose": "Defence of Japan",
        "fields": {"detection_time": "2023-04-13T07:22:00Z", "launch_area": [39.2, 125.7], "count": 1},
    }


def test_round_trip_through_dict_and_canonical_json() -> None:
    content = _launch()
    assert ItemContent.from_dict(content.to_dict()) == content
    reloaded = ItemContent.from_dict(json.loads(content.canonical_bytes()))
    assert reloaded == content
    assert reloaded.canonical_bytes() == content.canonical_bytes()


def _good_dict() -> dict[str, object]:
    return _launch().to_dict()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        pytest.param({"v": 2}, "unexpected shape", id="version-2"),
        pytest.param({"v": True}, "unexpected shape", id="version-true"),
        pytest.param({"v": 1.0}, "unexpected shape", id="version-float"),
        pytest.param({"v": "1"}, "unexpected shape", id="version-text"),
        pytest.param({"extra": 1}, "unexpected shape", id="unknown-key"),
        pytest.param({"kind": 3}, "wrong type", id="kind-number"),
        pytest.param({"title": ["x"]}, "wrong type", id="title-list"),
        pytest.param({"body": None}, "wrong type", id="body-null"),
        pytest.param({"purpose": 1}, "wrong type", id="purpose-number"),
        pytest.param({"fields": [["count", 1]]}, "wrong type", id="fields-list"),
        pytest.param({"kind": "humint"}, "unknown item kind", id="unknown-kind"),
        pytest.param({"title": ""}, "needs a title", id="empty-title"),
        pytest.param({"fields": {"count": 1}}, "needs field", id="missing-field"),
    ],
)
def test_from_dict_refuses_bad_shapes(change: dict[str, object], message: str) -> None:
    with pytest.raises(ItemError, match=message):
        ItemContent.from_dict({**_good_dict(), **change})


@pytest.mark.parametrize("key", ["v", "kind", "title", "body", "purpose", "fields"])
def test_from_dict_refuses_a_missing_key(key: str) -> None:
    data = _good_dict()
    del data[key]
    with pytest.raises(ItemError, match="unexpected shape"):
        ItemContent.from_dict(data)


def test_to_dict_is_a_copy() -> None:
    content = _launch()
    data = content.to_dict()
    data["fields"]["count"] = 5  # type: ignore[index]
    assert content.fields["count"] == 1


# --- AttachmentRef -------------------------------------------------------------------


def test_attachment_ref_to_dict() -> None:
    ref = AttachmentRef("sunan.tif", "image/tiff", 1024, DIGEST)
    assert ref.to_dict() == {"name": "sunan.tif", "media_type": "image/tiff", "size": 1024, "sha384": DIGEST}
    assert AttachmentRef("empty.bin", "application/octet-stream", 0, DIGEST).size == 0


@pytest.mark.parametrize(
    ("name", "size", "digest", "message"),
    [
        pytest.param("", 1, DIGEST, "plain file name", id="empty-name"),
        pytest.param("a/b.tif", 1, DIGEST, "plain file name", id="slash-in-name"),
        pytest.param("../b.tif", 1, DIGEST, "plain file name", id="parent-path"),
        pytest.param("/etc/passwd", 1, DIGEST, "plain file name", id="absolute-path"),
        pytest.param("a\\b.tif", 1, DIGEST, "plain file name", id="backslash-in-name"),
        pytest.param("..\\b.tif", 1, DIGEST, "plain file name", id="windows-parent-path"),
        pytest.param(".", 1, DIGEST, "plain file name", id="dot"),
        pytest.param("..", 1, DIGEST, "plain file name", id="dot-dot"),
        pytest.param("a\x00b", 1, DIGEST, "plain file name", id="nul-in-name"),
        pytest.param("a\nb", 1, DIGEST, "plain file name", id="newline-in-name"),
        pytest.param("a\udcffb", 1, DIGEST, "plain file name", id="surrogate-in-name"),
        pytest.param(b"a.tif", 1, DIGEST, "must be text", id="bytes-name"),
        pytest.param("a.tif", -1, DIGEST, "negative", id="negative-size"),
        pytest.param("a.tif", True, DIGEST, "whole number", id="bool-size"),
        pytest.param("a.tif", 1.0, DIGEST, "whole number", id="float-size"),
        pytest.param("a.tif", "1", DIGEST, "whole number", id="text-size"),
        pytest.param("a.tif", 1, DIGEST.upper(), "96 lower-case hex", id="upper-case-digest"),
        pytest.param("a.tif", 1, DIGEST[:-1], "96 lower-case hex", id="digest-95-digits"),
        pytest.param("a.tif", 1, DIGEST + "0", "96 lower-case hex", id="digest-97-digits"),
        pytest.param("a.tif", 1, DIGEST + "\n", "96 lower-case hex", id="digest-trailing-newline"),
        pytest.param("a.tif", 1, "sha384:" + DIGEST[7:], "96 lower-case hex", id="digest-with-prefix"),
        pytest.param("a.tif", 1, hashlib.sha256(b"x").hexdigest(), "96 lower-case hex", id="sha256-digest"),
        pytest.param("a.tif", 1, "g" * 96, "96 lower-case hex", id="non-hex-digest"),
        pytest.param("a.tif", 1, bytes.fromhex(DIGEST), "96 lower-case hex", id="raw-bytes-digest"),
    ],
)
def test_attachment_ref_refuses(name: object, size: object, digest: object, message: str) -> None:
    with pytest.raises(ItemError, match=message):
        AttachmentRef(name, "image/tiff", size, digest)  # type: ignore[arg-type]


# --- Hypothesis: generated valid contents round-trip ---------------------------------

_OFFSETS = st.sampled_from([UTC, timezone(timedelta(hours=9)), timezone(timedelta(hours=-5, minutes=-30))])
_times = st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2100, 1, 1), timezones=_OFFSETS)
_lat = st.floats(min_value=-90, max_value=90, allow_nan=False)
_lon = st.floats(min_value=-180, max_value=180, allow_nan=False)
_text = st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40)
_nonblank = _text.filter(lambda t: t.strip() != "")


def _time_value(moment: datetime, as_text: bool) -> str:
    return moment.isoformat() if as_text else format_time(moment)


def _point_value(lat: float, lon: float, as_text: bool) -> object:
    return f"{lat!r},{lon!r}" if as_text else [lat, lon]


@st.composite
def missile_launches(draw: st.DrawFn) -> ItemContent:
    """A valid missile-launch content; each field given as CLI text or as typed JSON."""
    as_text = draw(st.booleans())
    fields: dict[str, object] = {
        "detection_time": _time_value(draw(_times), as_text),
        "launch_area": _point_value(draw(_lat), draw(_lon), as_text),
    }
    count = draw(st.integers(min_value=1, max_value=50))
    fields["count"] = str(count) if as_text else count
    if draw(st.booleans()):
        fields["missile_type"] = draw(_nonblank)
    for name in ("apogee_km", "range_km"):
        if draw(st.booleans()):
            km = draw(st.floats(min_value=0, max_value=1e5, allow_nan=False))
            fields[name] = repr(km) if as_text else km
    if draw(st.booleans()):
        eez = draw(st.booleans())
        fields["inside_japan_eez"] = ("yes" if eez else "no") if as_text else eez
    return ItemContent(ItemKind.MISSILE_LAUNCH, draw(_nonblank), draw(_text), draw(_nonblank), fields)


@st.composite
def imageries(draw: st.DrawFn) -> ItemContent:
    """A valid imagery content with a footprint of 3 to 8 vertices."""
    as_text = draw(st.booleans())
    vertices = draw(st.lists(st.tuples(_lat, _lon), min_size=3, max_size=8))
    footprint: object = (
        ";".join(f"{lat!r},{lon!r}" for lat, lon in vertices) if as_text else [list(v) for v in vertices]
    )
    fields = {
        "acquisition_time": _time_value(draw(_times), as_text),
        "sensor": draw(_nonblank),
        "footprint": footprint,
    }
    return ItemContent(ItemKind.IMAGERY, draw(_nonblank), draw(_text), draw(_nonblank), fields)


contents = st.one_of(missile_launches(), imageries())


@given(contents)
def test_content_round_trips_through_dict(content: ItemContent) -> None:
    again = ItemContent.from_dict(content.to_dict())
    assert again == content
    assert again.canonical_bytes() == content.canonical_bytes()


@given(contents)
def test_content_round_trips_through_canonical_json(content: ItemContent) -> None:
    data = content.canonical_bytes()
    again = ItemContent.from_dict(json.loads(data))
    assert again == content
    assert again.canonical_bytes() == data
    assert again.sha384() == content.sha384() == hashlib.sha384(data).hexdigest()


@given(missile_launches())
def test_text_and_typed_forms_agree(content: ItemContent) -> None:
    # Re-giving the canonical values as CLI-style text reproduces the same digest.
    fields = dict(content.fields)
    as_text: dict[str, object] = {}
    for name, value in fields.items():
        if isinstance(value, list):
            as_text[name] = f"{value[0]!r},{value[1]!r}"
        elif isinstance(value, bool):
            as_text[name] = "yes" if value else "no"
        else:
            as_text[name] = str(value) if not isinstance(value, float) else repr(value)
    again = ItemContent(content.kind, content.title, content.body, content.purpose, as_text)
    assert again.sha384() == content.sha384()

"""MISP events imported through the classification map; a refused file stores nothing (issue 13)."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from support_misp import EVENT_FILE, MAP_FILE, example_event, example_map, last_refusal

from accord.errors import AccordError, InvalidInput, PolicyDenied
from accord.interop import MispImport, StixExchange
from accord.interop._stix_check import MAX_DEPTH
from accord.items import ItemKind
from accord.markings import banner
from accord.node import NewUser

Edit = Callable[[dict[str, Any]], Any]


def test_realistic_event_becomes_a_marked_typed_item(federation: Any) -> None:
    jpn = federation.jpn
    before = len(jpn.items.all())
    (view,) = MispImport(jpn).import_file(EVENT_FILE, MAP_FILE, actor="sato")
    assert len(jpn.items.all()) == before + 1
    shown = jpn.items.show(view.id, actor="sato")
    label = shown.marking.originator
    assert (label.classification, sorted(label.releasable_to)) == ("極秘", ["JPN", "KOR"])
    assert label.need_to_know == frozenset({"DPRK-MISSILE"})
    assert label.agreement == federation.agreement_id
    assert "極秘" in banner(label)
    content = shown.content
    assert content.kind is ItemKind.MISSILE_LAUNCH
    assert content.title == "北朝鮮弾道ミサイル発射 / 북한 탄도미사일 발사 (2026-11-25)"
    assert content.fields == {
        "detection_time": "2026-11-25T06:12:00Z",
        "launch_area": [39.2, 125.67],
        "count": 2,
        "missile_type": "SRBM",
        "apogee_km": 50.5,
        "impact_area": "日本海 EEZ外 / 동해 EEZ 밖",
        "inside_japan_eez": False,
    }
    assert content.purpose == "Assessment of DPRK missile activity"
    assert shown.precedence.value == "IMMEDIATE"
    # Whatever is not a typed field is listed plainly in the body, the Korean and Japanese kept.
    for line in (
        "Imported from MISP event 6f1c2e4a-8b3d-4c5e-9f70-1a2b3c4d5e6f, dated 2026-11-25, by JPN-MOD.",
        "TLP: tlp:amber",
        "- domain: telemetry.example.kp [Network activity] — テレメトリ中継 / 원격측정 중계",
        "- ip-dst: 175.45.176.10 [Network activity]",
        "- text: 順安付近から東方向へ2発発射。 순안 일대에서 동해상으로 2발 발사. [Other] — 概要 / 개요",
        "- text (text): 順安 / 순안 [Other]",
    ):
        assert line in content.body.splitlines(), content.body


def test_imported_item_exports_to_stix_with_the_mapped_label(federation: Any) -> None:
    jpn = federation.jpn
    (view,) = MispImport(jpn).import_file(EVENT_FILE, MAP_FILE, actor="sato")
    bundle = StixExchange(jpn).export([view.id], actor="sato")
    (again,) = StixExchange(jpn).import_bundle(json.dumps(bundle).encode(), actor="sato")
    shown = jpn.items.show(again.id, actor="sato")
    assert shown.content == view.content
    assert shown.marking.originator.classification == "極秘"


def test_a_report_event_with_only_indicators(federation: Any) -> None:
    event = example_event()
    inner = event["Event"]
    inner["Tag"] = [{"name": 'classification:JP="秘"'}]
    del inner["Object"]
    (view,) = MispImport(federation.jpn).import_events(
        json.dumps(event).encode(), example_map(), actor="sato"
    )
    assert view.content.kind is ItemKind.REPORT
    assert view.marking.originator.classification == "秘"
    assert "- domain: telemetry.example.kp" in view.content.body


def test_several_events_all_or_nothing(federation: Any) -> None:
    jpn = federation.jpn
    good, bad = example_event(), example_event()
    bad["Event"]["uuid"] = "00000000-0000-4000-8000-000000000001"
    bad["Event"]["Tag"] = [{"name": "tlp:green"}]
    third = example_event()
    third["Event"]["uuid"] = "00000000-0000-4000-8000-000000000002"
    third["Event"]["Attribute"][0]["type"] = "not-a-type"
    data = json.dumps({"response": [good, bad, third]}).encode()
    before = len(jpn.items.all())
    with pytest.raises(InvalidInput) as refused:
        MispImport(jpn).import_events(data, example_map(), actor="sato")
    message = str(refused.value)
    assert message.startswith("2 of 3 MISP event(s) refused, nothing imported")
    assert "00000000-0000-4000-8000-000000000001 refused: no tag of the classification map" in message
    assert (
        "00000000-0000-4000-8000-000000000002 refused: the event attribute #1 has type 'not-a-type'"
        in message
    )
    assert len(jpn.items.all()) == before
    assert last_refusal(jpn)[:2] == ("misp.import", "refused")
    twice = json.dumps({"response": [good, good]}).encode()
    with pytest.raises(
        InvalidInput, match="6f1c2e4a-8b3d-4c5e-9f70-1a2b3c4d5e6f refused: it is in the file more"
    ):
        MispImport(jpn).import_events(twice, example_map(), actor="sato")
    other = example_event()
    other["Event"]["uuid"] = "00000000-0000-4000-8000-000000000003"
    ok = json.dumps({"response": [good, other]}).encode()
    assert len(MispImport(jpn).import_events(ok, example_map(), actor="sato")) == 2
    assert len(jpn.items.all()) == before + 2


def test_a_long_info_is_cut_for_the_title_and_kept_whole(federation: Any) -> None:
    event = example_event()
    event["Event"]["info"] = "発射 " * 200
    data = json.dumps(event).encode()
    (view,) = MispImport(federation.jpn).import_events(data, example_map(), actor="sato")
    assert len(view.content.title) == 300
    assert view.content.title.endswith("…")
    assert view.content.body.startswith("Info: " + " ".join(["発射"] * 200) + "\n")


def _tags(*names: str) -> Edit:
    def edit(event: dict[str, Any]) -> None:
        event["Event"]["Tag"] = [{"name": n} for n in names]

    return edit


def _attribute(**changes: object) -> Edit:
    def edit(event: dict[str, Any]) -> None:
        event["Event"]["Attribute"][1].update(changes)

    return edit


def _field(relation: str, value: object) -> Edit:
    def edit(event: dict[str, Any]) -> None:
        for attribute in event["Event"]["Object"][0]["Attribute"]:
            if attribute["object_relation"] == relation:
                attribute["value"] = value

    return edit


def _drop_launch_object(event: dict[str, Any]) -> None:
    del event["Event"]["Object"][0]


def _as_list(event: dict[str, Any]) -> list[Any]:
    return [event]


def _no_info(event: dict[str, Any]) -> None:
    del event["Event"]["info"]


CASES: dict[str, tuple[Edit, str]] = {
    "no classification tag": (_tags("tlp:amber"), "no tag of the classification map marks it"),
    "no tags at all": (_tags(), "its tags: none"),
    "unknown classification tag": (_tags('classification:JP="機密"'), "is not in the classification map"),
    "two classifications": (
        _tags('classification:JP="秘"', 'classification:JP="極秘"'),
        "2 mapped classifications",
    ),
    "tlp is not a classification": (_tags("tlp:red"), "never guesses a classification"),
    "attribute marked otherwise": (
        _attribute(Tag=[{"name": 'classification:JP="秘"'}]),
        "Accord imports one label per event",
    ),
    "attribute of unknown type": (_attribute(type="x-secret-sauce"), "not a MISP attribute type"),
    "attribute value a list": (_attribute(value=["1.2.3.4"]), "needs a text or number value"),
    "to_ids not a boolean": (_attribute(to_ids="yes"), "to_ids must be true or false"),
    "the event is a list": (_as_list, "the file is a JSON list"),
    "no info": (_no_info, "info (the event's title) must be non-empty text"),
    "unknown kind": (_tags('classification:JP="秘"', 'accord:kind="rumour"'), "unknown item kind"),
    "required field missing": (_drop_launch_object, "needs field detection_time"),
    "field of the wrong type": (_field("count", "two"), "field count (int)"),
    "bad date": (lambda e: e["Event"].update(date="yesterday"), "pymisp cannot read it"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_refused_with_reason_journal_and_nothing_stored(federation: Any, case: str) -> None:
    jpn = federation.jpn
    event = example_event()
    edit, reason = CASES[case]
    changed = edit(event)
    data = json.dumps(event if changed is None else changed, ensure_ascii=False).encode()
    before = len(jpn.items.all())
    with pytest.raises(InvalidInput) as refused:
        MispImport(jpn).import_events(data, example_map(), actor="sato")
    assert reason in str(refused.value)
    assert len(jpn.items.all()) == before
    action, outcome, detail = last_refusal(jpn)
    assert (action, outcome) == ("misp.import", "refused")
    assert reason in str(detail["reason"])


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        pytest.param(b"\xff\xfe{}", "not UTF-8", id="mis-encoded"),
        pytest.param(b'{"Event": {"info": "\xe7\xa7', "not UTF-8", id="truncated UTF-8"),
        pytest.param(b'{"Event": ', "not JSON", id="malformed"),
        pytest.param(b'{"Event": {}, "Event": {}}', "repeated", id="repeated key"),
        pytest.param(b'{"Event": ' + b"[" * MAX_DEPTH + b"]" * MAX_DEPTH + b"}", "nested deeper", id="deep"),
        pytest.param(b" " * (4 * 1024 * 1024 + 1), "larger than", id="oversized"),
        pytest.param(b'"an event"', "not a JSON object", id="a string"),
        pytest.param(b'{"response": []}', "non-empty list", id="empty response"),
    ],
)
def test_bad_input_is_refused(federation: Any, data: bytes, reason: str) -> None:
    jpn = federation.jpn
    before = len(jpn.items.all())
    with pytest.raises(InvalidInput, match=reason):
        MispImport(jpn).import_events(data, example_map(), actor="sato")
    assert len(jpn.items.all()) == before
    assert last_refusal(jpn)[:2] == ("misp.import", "refused")


def test_oversized_file_is_refused_unread_and_journalled(federation: Any, tmp_path: Path) -> None:
    big = tmp_path / "big.json"
    big.write_bytes(b" " * (4 * 1024 * 1024 + 1))
    with pytest.raises(InvalidInput, match="larger than 4 MiB"):
        MispImport(federation.jpn).import_file(big, MAP_FILE, actor="sato")
    action, _, detail = last_refusal(federation.jpn)
    assert (action, detail["file"]) == ("misp.import", "big.json")


def test_a_creation_check_refuses_the_whole_file(federation: Any) -> None:
    jpn = federation.jpn
    jpn.users.add(NewUser("mori", role="officer", clearance="秘", ntk=["DPRK-MISSILE"]), actor="authority")
    before = len(jpn.items.all())
    with pytest.raises(PolicyDenied):
        MispImport(jpn).import_events(EVENT_FILE.read_bytes(), example_map(), actor="mori")
    assert len(jpn.items.all()) == before
    assert last_refusal(jpn)[:2] == ("misp.import", "refused")


def test_never_raises_a_foreign_error_for_a_malformed_object(federation: Any) -> None:
    event = example_event()
    event["Event"]["Object"][1]["Attribute"] = {"latitude": 1}
    with pytest.raises(AccordError, match="Attribute must be a list"):
        MispImport(federation.jpn).import_events(json.dumps(event).encode(), example_map(), actor="sato")


def test_a_hostile_event_gets_a_short_one_line_reason(federation: Any) -> None:
    event = example_event()
    event["Event"]["uuid"] = "evil\n" + "u" * 10_000
    event["Event"]["Tag"] = [{"name": "x:" + "秘\n" * 50_000}]
    with pytest.raises(InvalidInput) as refused:
        MispImport(federation.jpn).import_events(json.dumps(event).encode(), example_map(), actor="sato")
    message = str(refused.value)
    assert "\n" not in message
    assert len(message) < 500
    assert message.startswith("MISP event eviluuuu")

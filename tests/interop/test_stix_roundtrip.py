"""STIX 2.1 export → import → export keeps content and markings (issue 13)."""

from __future__ import annotations

import json
from typing import Any

from accord.interop import ACS_EXT, ITEM_EXT, NATIONAL_MARKING_EXT, StixExchange, check_bundle


def _stable(bundle: dict[str, Any]) -> dict[str, Any]:
    """What must survive a round trip: each report's content and its markings, ids and times aside."""
    objects = {o["id"]: o for o in bundle["objects"]}
    reports = []
    for obj in bundle["objects"]:
        if obj["type"] != "report":
            continue
        item = dict(obj["extensions"][ITEM_EXT])
        for key in ("item_id", "originator_node"):
            item.pop(key)
        markings = []
        for ref in obj["object_marking_refs"]:
            ext = dict(next(iter(objects[ref]["extensions"].values())))
            for key in ("creation_time", "originator_id", "create_date_time", "identifier", "name"):
                ext.pop(key, None)
            ext.pop("responsible_entity_custodian", None)
            ext.pop("responsible_entity_originator", None)
            markings.append(ext)
        reports.append(
            {"name": obj["name"], "description": obj.get("description"), "item": item, "m": markings}
        )
    return {"reports": reports}


def test_export_is_valid_and_marked(federation: Any, jpn_item: str) -> None:
    bundle = StixExchange(federation.jpn).export([jpn_item], actor="sato")
    check_bundle(bundle)
    report = next(o for o in bundle["objects"] if o["type"] == "report")
    kinds = set()
    for ref in report["object_marking_refs"]:
        md = next(o for o in bundle["objects"] if o["id"] == ref)
        kinds |= set(md["extensions"])
    assert kinds == {ACS_EXT, NATIONAL_MARKING_EXT}
    national = next(
        o["extensions"][NATIONAL_MARKING_EXT]
        for o in bundle["objects"]
        if NATIONAL_MARKING_EXT in o.get("extensions", {})
    )
    assert national["classification"] == "極秘"
    assert national["releasable_to"] == ["JPN", "KOR"]
    assert national["agreement"] == federation.agreement_id
    acs = next(o["extensions"][ACS_EXT] for o in bundle["objects"] if ACS_EXT in o.get("extensions", {}))
    assert acs["control_set"] == {"classification": "S", "permitted_nationalities": ["JPN", "KOR"]}
    location = next(o for o in bundle["objects"] if o["type"] == "location")
    assert (location["latitude"], location["longitude"]) == (39.2, 125.67)
    assert location["object_marking_refs"] == report["object_marking_refs"]


def test_round_trip(federation: Any, jpn_item: str) -> None:
    exchange = StixExchange(federation.jpn)
    first = exchange.export([jpn_item], actor="sato")
    created = exchange.import_bundle(json.dumps(first).encode(), actor="sato")
    assert len(created) == 1
    assert created[0].id != jpn_item
    second = exchange.export([created[0].id], actor="sato")
    assert _stable(second) == _stable(first)

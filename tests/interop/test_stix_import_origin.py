"""A STIX import creates each report once, and only information of this node's own party (issue 13).

* The same report (its STIX id and ``modified``) imported again — by file, ``POST /api/v1/stix``
  or a TAXII client retrying — is refused, naming the item it became (``item_imports``, source
  ``stix``); a later version of it is a new item.
* A partner's item that this node holds (JPN's report at KOR, carrying KOR's equivalent label)
  exported from here and imported again would become this node's own, without its originator's
  controls (Art. 6): refused, pointing to the exchange.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest

from accord.errors import Conflict, PolicyDenied
from accord.interop import NATIONAL_MARKING_EXT, StixExchange
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import JournalFilter, LabelRequest, NewItem, Node
from support_trio import build_trio


def _refusals(node: Node, officer: str) -> list[Any]:
    listing = node.journal.listing(actor=officer, where=JournalFilter(refusals=True), limit=1000)
    return [e for e in listing.events if e.action == "stix.import"]


def test_a_repeated_report_is_refused_naming_its_item(federation: Any, jpn_item: str) -> None:
    jpn = federation.jpn
    exchange = StixExchange(jpn)
    data = json.dumps(exchange.export([jpn_item], actor="sato")).encode()
    [first] = exchange.import_bundle(data, actor="sato")
    before, journalled = len(jpn.items.all()), len(_refusals(jpn, "sato"))
    with pytest.raises(Conflict) as refused:
        exchange.import_bundle(data, actor="sato")
    assert "imported already, nothing imported" in str(refused.value)
    assert f"is item {first.id}" in str(refused.value)
    assert "STIX report--" in str(refused.value)
    assert len(jpn.items.all()) == before
    assert len(_refusals(jpn, "sato")) == journalled + 1


def test_a_later_version_is_a_new_item(federation: Any, jpn_item: str) -> None:
    jpn = federation.jpn
    exchange = StixExchange(jpn)
    bundle = exchange.export([jpn_item], actor="sato")
    exchange.import_bundle(json.dumps(bundle).encode(), actor="sato")
    later = copy.deepcopy(bundle)
    report = next(o for o in later["objects"] if o["type"] == "report")
    report["modified"] = "2030-01-01T00:00:00.000Z"
    [second] = exchange.import_bundle(json.dumps(later).encode(), actor="sato")
    assert second.content == jpn.items.show(jpn_item, actor="sato").content


def test_a_partners_item_held_here_is_refused(open_group: Callable[..., list[Node]], clock: object) -> None:
    trio = build_trio(open_group, clock)
    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "KN-23 launch assessment", "Trajectory and impact.", "DPRK-MISSILE"),
            LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement="JPN-KOR-GSOMIA-2016"),
            Precedence.PRIORITY,
        ),
        actor="sato",
    )
    trio.jpn.sending.send(made.id, to="KOR", actor="sato")
    trio.deliver(trio.jpn)
    kor = trio.kor
    exchange = StixExchange(kor)
    bundle = exchange.export([made.id], actor="kim")
    assert any(
        o.get("extensions", {}).get(NATIONAL_MARKING_EXT, {}).get("policy") == "KOR"
        for o in bundle["objects"]
    ), "KOR's export carries KOR's equivalent label"
    before, journalled = len(kor.items.all()), len(_refusals(kor, "kim"))
    with pytest.raises(PolicyDenied) as refused:
        exchange.import_bundle(json.dumps(bundle).encode(), actor="kim")
    assert "is a partner's item: its originator's label is in scheme JPN" in str(refused.value)
    assert "accord send" in str(refused.value)
    assert len(kor.items.all()) == before
    assert len(_refusals(kor, "kim")) == journalled + 1


def _national_of(bundle: dict[str, Any]) -> dict[str, Any]:
    return next(
        o["extensions"][NATIONAL_MARKING_EXT]
        for o in bundle["objects"]
        if o.get("extensions", {}).get(NATIONAL_MARKING_EXT, {}).get("role", "originator") == "originator"
        and NATIONAL_MARKING_EXT in o.get("extensions", {})
    )


def test_a_label_in_this_nodes_scheme_issued_by_another_partys_node_is_refused(
    federation: Any, jpn_item: str
) -> None:
    """Two parties may share a scheme (NATO's): the scheme alone does not say whose item it is.
    A label in JPN's scheme issued by a node that is neither this node, nor pinned here under
    JPN, nor JPN itself is a partner's item."""
    jpn = federation.jpn
    exchange = StixExchange(jpn)
    bundle = exchange.export([jpn_item], actor="sato")
    _national_of(bundle)["originator_id"] = "deu-bmvg"
    with pytest.raises(PolicyDenied, match=r"its label was issued by 'deu-bmvg', not by this node"):
        exchange.import_bundle(json.dumps(bundle).encode(), actor="sato")
    _national_of(bundle)["originator_id"] = "JPN"  # the party itself (a national system's label)
    exchange.import_bundle(json.dumps(bundle).encode(), actor="sato")


def test_a_repeat_with_the_id_in_capitals_is_the_same_report(federation: Any, jpn_item: str) -> None:
    jpn = federation.jpn
    exchange = StixExchange(jpn)
    bundle = exchange.export([jpn_item], actor="sato")
    exchange.import_bundle(json.dumps(bundle).encode(), actor="sato")
    shouted_ids = json.dumps(bundle)
    for obj in bundle["objects"]:
        if obj["type"] == "report":
            shouted_ids = shouted_ids.replace(
                obj["id"], "report--" + obj["id"].removeprefix("report--").upper()
            )
    with pytest.raises(Conflict, match="imported already"):
        exchange.import_bundle(shouted_ids.encode(), actor="sato")

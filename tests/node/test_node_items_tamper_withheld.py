"""A label altered to withhold an item from everyone: still answered as no item, but never unnoticed.

Regression (new-user test, session 16): changing an item's need-to-know to a topic nobody
holds made ``item show`` answer "no item" and listings drop it, while every check reported
the node intact. The person is still told nothing (Art. 7, no probing); the damage is now
an alarm for the officers and the auditor's check of the holdings names the item.
"""

from __future__ import annotations

import json

import pytest
from support_node import Pair, events

from accord.errors import IntegrityError, NotFound
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import ItemView, LabelRequest, NewItem, Node
from accord.store import ItemRow

UNKNOWN_TOPIC = "NOBODY-HOLDS-THIS"


def _create(pair: Pair, level: str, ntk: list[str], title: str) -> ItemView:
    return pair.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, title, "Body.", "DPRK-MISSILE"),
            LabelRequest(level, ["KOR"], ntk, agreement=pair.agreement_id),
            Precedence.ROUTINE,
        ),
        actor="sato",
    )


def _set_need_to_know(node: Node, item_id: str, topic: str, *, keep_access_key: bool = True) -> None:
    """What the tester did: the stored label's NTK changed in ``items.marking_json``."""
    with node.ctx.db.transaction() as session:
        row = session.get_one(ItemRow, item_id)
        marking = json.loads(row.marking_json)
        (ntk,) = [c for c in marking["originator"]["categories"] if c["tag_name"] == "Need To Know"]
        ntk["values"] = [topic]
        row.marking_json = json.dumps(marking, ensure_ascii=False)
        if not keep_access_key:
            row.access_key = None  # the listing then decides by the full (altered) marking
        session.flush()


def _item_alarms(node: Node) -> list[dict[str, object]]:
    return [a for a in node.witness.alarms() if a["kind"] == "item-damaged"]


def _damage_events(node: Node) -> list[tuple[str, str | None, str]]:
    return [(e.actor, e.item_id, e.outcome) for e in events(node) if e.action == "item.damaged"]


@pytest.fixture
def tampered(pair: Pair) -> ItemView:
    """sato's item, its NTK altered to a topic nobody holds (sato held DPRK-MISSILE)."""
    item = _create(pair, "秘", ["DPRK-MISSILE"], "Tampered")
    _set_need_to_know(pair.jpn, item.id, UNKNOWN_TOPIC)
    return item


def test_showing_a_label_altered_to_deny_everyone_answers_no_item_and_raises_an_alarm(
    pair: Pair, tampered: ItemView, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(NotFound, match="no item"):
        pair.jpn.items.show(tampered.id, actor="sato")
    # Nothing logged about it: a CLI command's log reaches the person who ran it.
    assert not [r for r in caplog.records if "verif" in r.getMessage() or "DAMAGED" in r.getMessage()]
    (alarm,) = _item_alarms(pair.jpn)
    assert alarm["status"] == "open"
    assert tampered.id in str(alarm["reason"])
    assert _damage_events(pair.jpn) == [("sato", tampered.id, "alarm")]
    # The refusal is journalled as before, with the rule that withheld it.
    (refusal,) = [e for e in events(pair.jpn) if e.action == "item.read" and e.outcome == "refused"]
    assert refusal.detail["error"] == "Withheld"


def test_the_alarm_is_raised_once_however_often_the_item_is_met(pair: Pair, tampered: ItemView) -> None:
    for _ in range(2):
        with pytest.raises(NotFound):
            pair.jpn.items.show(tampered.id, actor="sato")
    with pytest.raises(NotFound):
        pair.jpn.items.attachment(tampered.id, 0, actor="suzuki")
    assert len(_item_alarms(pair.jpn)) == 1
    assert len(_damage_events(pair.jpn)) == 1


def test_a_listing_leaves_the_item_out_and_raises_an_alarm(pair: Pair, tampered: ItemView) -> None:
    other = _create(pair, "秘", ["DPRK-MISSILE"], "Intact")
    listing = pair.jpn.items.listing(actor="sato")
    assert [v.id for v in listing.views] == [other.id]
    assert listing.damaged == []  # sato is not told (the stored label withholds it from him)
    assert listing.total == 1
    (alarm,) = _item_alarms(pair.jpn)
    assert tampered.id in str(alarm["reason"])


def test_the_holdings_check_names_the_item_whoever_may_read_it(pair: Pair, tampered: ItemView) -> None:
    intact = _create(pair, "秘", ["DPRK-MISSILE"], "Intact")
    report = pair.jpn.items.verify_all(actor="auditor")
    assert report.checked == 2
    assert [bad.id for bad in report.damaged] == [tampered.id]
    assert intact.id not in str(report.to_dict())
    with pytest.raises(IntegrityError, match=tampered.id):
        report.check()
    assert len(_item_alarms(pair.jpn)) == 1
    (done,) = [e for e in events(pair.jpn) if e.action == "item.verify"]
    assert (done.actor, done.detail["damaged"]) == ("auditor", [tampered.id])


def test_the_holdings_check_finds_a_tamper_no_listing_opens(pair: Pair) -> None:
    # Without its access key, the item is decided by the altered label and never opened by
    # a listing: only the check of the holdings sees it.
    item = _create(pair, "秘", ["DPRK-MISSILE"], "Hidden")
    _set_need_to_know(pair.jpn, item.id, UNKNOWN_TOPIC, keep_access_key=False)
    assert pair.jpn.items.listing(actor="sato").views == []
    report = pair.jpn.items.verify_all(actor="auditor")
    assert [bad.id for bad in report.damaged] == [item.id]


def test_a_genuinely_withheld_item_raises_nothing(pair: Pair) -> None:
    secret = _create(pair, "極秘", ["DPRK-MISSILE"], "Secret")  # suzuki: 秘, no topics
    with pytest.raises(NotFound, match="no item"):
        pair.jpn.items.show(secret.id, actor="suzuki")
    assert pair.jpn.items.listing(actor="suzuki").views == []
    assert _item_alarms(pair.jpn) == []
    assert _damage_events(pair.jpn) == []
    report = pair.jpn.items.verify_all(actor="auditor")
    assert (report.ok, report.checked, report.damaged) == (True, 1, [])
    report.check()


def test_the_holdings_check_verifies_a_destroyed_items_label(pair: Pair) -> None:
    item = _create(pair, "秘", ["DPRK-MISSILE"], "Gone")
    pair.jpn.custody.destroy(item.id, method="crypto-erase", witness="tanaka", actor="sato")
    assert pair.jpn.items.verify_all(actor="auditor").ok
    _set_need_to_know(pair.jpn, item.id, UNKNOWN_TOPIC)
    assert [bad.id for bad in pair.jpn.items.verify_all(actor="auditor").damaged] == [item.id]

"""The exchange's records shown to a person (node.desk): officers and the authority, withheld items out."""

from __future__ import annotations

from typing import Any

import pytest

from accord.errors import NotFound, PolicyDenied
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser
from support_federation import Loopback


def _sent(federation: Any) -> str:
    kor = federation.kor
    item = kor.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Sinpo SLBM test", "One SLBM.", "Assessment"),
            LabelRequest("군사Ⅱ급비밀", ["JPN"], ["DPRK-MISSILE"], agreement=federation.agreement_id),
            Precedence.PRIORITY,
        ),
        actor="kim",
    ).id
    kor.sending.send(item, to="JPN", actor="kim")
    return item


def test_only_officers_and_the_authority_see_the_records(federation: Any) -> None:
    kor = federation.kor
    item = _sent(federation)
    kor.users.add(
        NewUser("han", role="authority", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    assert [e.item_id for e in kor.desk.outbox(actor="kim")] == [item]
    assert [e.item_id for e in kor.desk.outbox(actor="han")] == [item]
    assert kor.desk.quarantine(actor="han") == []
    with pytest.raises(PolicyDenied, match="lee has the role analyst; the outbox is for officers"):
        kor.desk.outbox(actor="lee")
    with pytest.raises(PolicyDenied, match="the quarantine is for officers"):
        kor.desk.quarantine(actor="lee")
    with pytest.raises(NotFound):
        kor.desk.outbox(actor="nobody")


def test_an_item_withheld_from_the_officer_is_left_out_and_answers_as_missing(federation: Any) -> None:
    kor = federation.kor
    item = _sent(federation)
    kor.users.add(NewUser("park", role="officer", clearance="대외비", ntk=[]), actor="authority")
    assert kor.desk.outbox(actor="park") == []
    for peer, lane in kor.delivery.peers_with_pending():
        kor.delivery.deliver_once(peer, lane, Loopback(federation.jpn))
    assert [r["peer"] for r in kor.desk.receipts(item, actor="kim")] == [federation.jpn.config.node_id]
    with pytest.raises(NotFound) as withheld:
        kor.desk.receipts(item, actor="park")
    missing = "kor-" + "0" * 32
    with pytest.raises(NotFound) as absent:
        kor.desk.receipts(missing, actor="park")
    assert str(withheld.value).replace(item, "ID") == str(absent.value).replace(missing, "ID")

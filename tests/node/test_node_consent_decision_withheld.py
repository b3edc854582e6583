"""Consent decisions about an item the officer may not read answer as a missing request (Arts. 6, 7)."""

from __future__ import annotations

import pytest

from accord.errors import NotFound
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser
from support_trio import Trio


def test_decisions_about_a_withheld_item_look_like_missing_requests(trio: Trio) -> None:
    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "KN-23 launch", "Trajectory.", "DPRK-MISSILE"),
            LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], agreement="JPN-KOR-GSOMIA-2016"),
            Precedence.PRIORITY,
        ),
        actor="sato",
    )
    trio.jpn.sending.send(made.id, to="KOR", actor="sato")
    trio.deliver(trio.jpn)
    # ito is an officer cleared 極秘 without the need to know: the item is withheld from ito.
    trio.jpn.users.add(NewUser("ito", role="officer", clearance="極秘", ntk=[]), actor="authority")
    asked = trio.kor.consents.request(made.id, to="USA", purpose="Cueing", actor="kim")
    trio.deliver(trio.kor)
    for decide in (
        lambda rid: trio.jpn.consents.approve(rid, actor="ito"),
        lambda rid: trio.jpn.consents.deny(rid, reason="x", actor="ito"),
    ):
        with pytest.raises(NotFound) as missing:
            decide("req-" + "0" * 32)
        with pytest.raises(NotFound) as withheld:
            decide(asked.id)
        assert str(withheld.value).replace(asked.id, "ID") == str(missing.value).replace(
            "req-" + "0" * 32, "ID"
        )
        assert made.id not in str(withheld.value)
    token = trio.jpn.consents.approve(asked.id, actor="sato").token_id
    assert token is not None
    trio.jpn.consents.revoke(token, reason="r", actor="sato")
    with pytest.raises(NotFound) as revoked:  # not "already revoked": ito may not know it exists
        trio.jpn.consents.revoke(token, reason="r", actor="ito")
    assert made.id not in str(revoked.value)

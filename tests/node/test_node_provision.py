"""The originator's answer to "was this item provided to that node?" (GSOMIA Arts. 6, 16, 17).

One function answers it for the destruction certificate (Art. 16) and the compromise notice
(Art. 17). A stored envelope header that no longer parses is damage to the dissemination
record: it must neither hide a provision (a false "never provided") nor abort an answer it
cannot change.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

from accord.errors import IntegrityError
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser, Node
from accord.node.custody._provision import provided_to
from accord.store import CompromiseCaseRow, DestructionRow, OutboxRow, QuarantineRow
from support_trio import Trio

DAMAGED = b'{"v": 1, "type": '


def _provided(trio: Trio) -> str:
    """A JPN report sent to KOR and received there."""
    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "KN-25 salvo", "Six rounds.", "DPRK-MISSILE"),
            LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], agreement="JPN-KOR-GSOMIA-2016"),
            Precedence.ROUTINE,
        ),
        actor="sato",
    )
    trio.jpn.sending.send(made.id, to="KOR", actor="sato")
    trio.deliver(trio.jpn)
    return made.id


def _damage_sends(node: Node, item_id: str) -> list[str]:
    """Damage the stored envelopes ``node`` sent about ``item_id``: headers that no longer parse,
    whose kind migration 0013 could only record as unreadable."""
    with node.ctx.db.transaction() as session:
        ids = list(session.scalars(select(OutboxRow.message_id).where(OutboxRow.item_id == item_id)))
        session.execute(
            update(OutboxRow).where(OutboxRow.item_id == item_id).values(header=DAMAGED, kind="unreadable")
        )
    return ids


def _quarantined(node: Node) -> list[str]:
    with node.ctx.db.transaction(read_only=True) as session:
        return [r.reason for r in session.scalars(select(QuarantineRow))]


def test_provided_to_answers_from_the_outbox(trio: Trio) -> None:
    item = _provided(trio)
    with trio.jpn.ctx.db.transaction(read_only=True) as session:
        assert provided_to(session, item, "kor-mnd", "KOR") is True
        assert provided_to(session, item, "usa-dod", "USA") is False


def test_a_damaged_header_is_refused_not_read_as_never_provided(trio: Trio) -> None:
    item = _provided(trio)
    (message_id,) = _damage_sends(trio.jpn, item)
    with trio.jpn.ctx.db.transaction(read_only=True) as session:
        with pytest.raises(
            IntegrityError, match=f"dissemination record of item {item} is damaged.*{message_id}"
        ):
            provided_to(session, item, "kor-mnd", "KOR")
        # A node the item never went to has no damaged header about it: a plain "no".
        assert provided_to(session, item, "usa-dod", "USA") is False


def test_a_damaged_header_does_not_hide_the_provision_from_a_compromise_notice(trio: Trio) -> None:
    item = _provided(trio)
    (message_id,) = _damage_sends(trio.jpn, item)
    trio.kor.compromise.report([item], actual=True, circumstances="Printed copy missing.", actor="kim")
    trio.deliver(trio.kor)
    with trio.jpn.ctx.db.transaction(read_only=True) as session:
        assert session.scalars(select(CompromiseCaseRow)).all() == []
    reasons = _quarantined(trio.jpn)
    assert any(r.startswith("IntegrityError") and message_id in r for r in reasons), reasons
    assert not any("never provided" in r for r in reasons)


def test_a_damaged_header_is_reported_to_a_destruction_certificate(trio: Trio) -> None:
    item = _provided(trio)
    (message_id,) = _damage_sends(trio.jpn, item)
    trio.kor.users.add(
        NewUser("park", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    trio.kor.custody.destroy(item, method="crypto-erase", witness="park", actor="kim")
    trio.deliver(trio.kor)
    with trio.jpn.ctx.db.transaction(read_only=True) as session:
        assert session.scalars(select(DestructionRow)).all() == []
    reasons = _quarantined(trio.jpn)
    assert any(r.startswith("IntegrityError") and message_id in r for r in reasons), reasons

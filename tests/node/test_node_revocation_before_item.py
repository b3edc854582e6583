"""A consent revocation that reaches the third party before the item (Art. 6; regression).

KOR holds JPN's consent and queues the item for USA; JPN revokes; the IMMEDIATE revocation reaches
KOR and USA first. KOR cancels what waits in its outbox; USA keeps the revocation of a consent it
has not seen yet and refuses the item if it arrives anyway (a slow or dishonest holder).
"""

from __future__ import annotations

from sqlalchemy import select

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem
from accord.store import ConsentRow, ItemRow, OutboxRow, QuarantineRow
from support_trio import Trio


def _provided_and_consented(trio: Trio) -> tuple[str, str]:
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
    asked = trio.kor.consents.request(made.id, to="USA", purpose="Cueing", actor="kim")
    trio.deliver(trio.kor)
    token = trio.jpn.consents.approve(asked.id, actor="sato").token_id
    trio.deliver(trio.jpn)
    assert token is not None
    return made.id, token


def test_the_holder_cancels_what_waits_and_the_third_party_keeps_the_revocation(trio: Trio) -> None:
    item, token = _provided_and_consented(trio)
    trio.kor.sending.send(item, to="USA", actor="kim", agreement_id="USA-KOR-1987")  # queued
    trio.jpn.consents.revoke(token, reason="Source compromised", actor="sato")
    trio.deliver(trio.jpn)  # the revocation reaches KOR and USA first
    with trio.kor.ctx.db.transaction(read_only=True) as session:
        waiting = session.scalars(select(OutboxRow).where(OutboxRow.peer_party == "USA")).all()
        assert [r.status for r in waiting] == ["cancelled"]
    with trio.usa.ctx.db.transaction(read_only=True) as session:
        kept = session.scalar(select(ConsentRow).where(ConsentRow.token_id == token))
        assert kept is not None
        assert kept.status == "revoked"
    trio.deliver(trio.kor)
    with trio.usa.ctx.db.transaction(read_only=True) as session:
        assert session.get(ItemRow, item) is None


def test_the_third_party_refuses_the_item_of_a_holder_that_sends_it_anyway(trio: Trio) -> None:
    item, token = _provided_and_consented(trio)
    trio.kor.sending.send(item, to="USA", actor="kim", agreement_id="USA-KOR-1987")
    # The revocation reaches USA only (KOR's node is slow, or does not apply it).
    trio.jpn.consents.revoke(token, reason="Source compromised", actor="sato")
    for peer, lane in trio.jpn.delivery.peers_with_pending():
        if peer == "usa-dod":
            from support_trio import Loopback

            trio.jpn.delivery.deliver_once(peer, lane, Loopback(trio.usa))
    trio.deliver(trio.kor)  # KOR's queued item arrives at USA
    with trio.usa.ctx.db.transaction(read_only=True) as session:
        assert session.get(ItemRow, item) is None
        reasons = [q.reason for q in session.scalars(select(QuarantineRow))]
    assert any("was revoked" in r for r in reasons)

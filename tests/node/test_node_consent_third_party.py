"""The third party's own record of a consent it received an item under (GSOMIA Art. 6).

KOR's officer asks JPN's consent to pass a JPN report on to USA, JPN's officer approves, KOR
sends, and JPN later revokes. USA's consent list shows what it knows, truthfully: the
holder's node asked (the signed token does not name KOR's officer), JPN's officer decided;
and after the revocation it still lists the consent, revoked, when and why, as the
originator and the holder do.
"""

from __future__ import annotations

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import ConsentGrant, LabelRequest, NewItem
from support_trio import Trio


def _passed_on(trio: Trio) -> tuple[str, str]:
    """A JPN report KOR passed on to USA under JPN's consent: (item, token)."""
    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "KN-23 launch assessment", "Trajectory and impact.", "DPRK-MISSILE"),
            LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], agreement="JPN-KOR-GSOMIA-2016"),
            Precedence.PRIORITY,
        ),
        actor="sato",
    )
    trio.jpn.sending.send(made.id, to="KOR", actor="sato")
    trio.deliver(trio.jpn)
    asked = trio.kor.consents.request(made.id, to="USA", purpose="Allied missile-defence cueing", actor="kim")
    trio.deliver(trio.kor)
    approved = trio.jpn.consents.approve(asked.id, actor="sato", grant=ConsentGrant(days=30))
    trio.deliver(trio.jpn)
    trio.kor.sending.send(made.id, to="USA", actor="kim", agreement_id="USA-KOR-1987")
    trio.deliver(trio.kor)
    assert approved.token_id is not None
    return made.id, approved.token_id


def test_the_third_party_names_the_holders_node_as_asker_and_the_originators_officer_as_decider(
    trio: Trio,
) -> None:
    item, token_id = _passed_on(trio)
    (given,) = trio.jpn.consents.listing(actor="sato")
    (asked,) = trio.kor.consents.listing(actor="kim")
    (held,) = trio.usa.consents.listing(actor="smith")
    assert (held.direction, held.item_id, held.token_id) == ("held", item, token_id)
    assert given.requested_by == asked.requested_by == "kim"
    # Not the approver's name: the token does not say who at KOR asked, its node does.
    assert held.requested_by == "kor-mnd"
    assert given.decided_by == asked.decided_by == held.decided_by == "sato"
    assert given.decided_at == asked.decided_at == held.decided_at


def test_a_revoked_consent_stays_in_the_third_partys_list_revoked_when_and_why(trio: Trio) -> None:
    item, token_id = _passed_on(trio)
    trio.jpn.consents.revoke(token_id, reason="Source compromised", actor="sato")
    trio.deliver(trio.jpn)
    views = {
        name: node.consents.listing(actor=actor, status="revoked")
        for name, node, actor in (
            ("JPN", trio.jpn, "sato"),
            ("KOR", trio.kor, "kim"),
            ("USA", trio.usa, "smith"),
        )
    }
    for name, listed in views.items():
        assert [(v.item_id, v.token_id, v.status) for v in listed] == [(item, token_id, "revoked")], name
        (view,) = listed
        assert view.reason == "Source compromised", name
        assert view.revoked_at == views["JPN"][0].revoked_at is not None, name
        assert view.originator_node == "jpn-mod", name  # the node that signed the revocation
    assert [v.token_id for v in trio.usa.consents.listing(actor="smith")] == [token_id]

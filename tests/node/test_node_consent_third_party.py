"""The third party's own record of a consent it received an item under (GSOMIA Art. 6).

KOR's officer asks JPN's consent to pass a JPN report on to USA, JPN's officer approves, KOR
sends, and JPN later revokes. USA's consent list shows what it knows, truthfully: the
holder's node asked (the signed token does not name KOR's officer), JPN's officer decided;
and after the revocation it still lists the consent, revoked, when and why, as the
originator and the holder do.
"""

from __future__ import annotations

from support_trio import Trio, passed_on_to_usa


def test_the_third_party_names_the_holders_node_as_asker_and_the_originators_officer_as_decider(
    trio: Trio,
) -> None:
    item, token_id = passed_on_to_usa(trio)
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
    item, token_id = passed_on_to_usa(trio)
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

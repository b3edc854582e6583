"""A holding whose consent was revoked stays accounted for at the third party (GSOMIA Arts. 6, 16).

JPN approves KOR passing its report on to USA, then revokes the consent. USA may no longer
read the item, but its officer still lists it in the register, reports it in the holdings
summary JPN reconciles, and destroys it with a certificate to JPN; nobody sees its content,
and a person who could never have read it still does not learn it exists.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from accord.errors import NotFound, PolicyDenied
from accord.node import NewUser
from accord.store import ConsentRow, DestructionRow, ItemRow
from support_trio import Trio, passed_on_to_usa


def _revoked_at_usa(trio: Trio) -> str:
    """A JPN report KOR passed on to USA under JPN's consent, which JPN then revoked."""
    item, token_id = passed_on_to_usa(trio)
    trio.jpn.consents.revoke(token_id, reason="Source compromised", actor="sato")
    trio.deliver(trio.jpn)
    return item


def test_the_register_lists_a_revoked_holding_its_content_stays_closed(trio: Trio) -> None:
    item = _revoked_at_usa(trio)
    trio.usa.users.add(
        NewUser("hall", role="authority", clearance="SECRET", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    for actor in ("smith", "hall"):
        (held,) = [h for h in trio.usa.register.holdings(actor=actor) if h.item_id == item]
        assert (held.status, held.originator_party, held.received_from) == (
            "consent-revoked",
            "JPN",
            "kor-mnd",
        )
    assert trio.usa.register.holding(item, actor="smith").status == "consent-revoked"
    # Accounting for it is not reading it.
    with pytest.raises(NotFound):
        trio.usa.items.show(item, actor="smith")


def test_a_person_who_could_never_read_it_still_does_not_see_it(trio: Trio) -> None:
    item = _revoked_at_usa(trio)
    trio.usa.users.add(NewUser("jones", role="officer", clearance="SECRET", ntk=[]), actor="authority")
    assert item not in [h.item_id for h in trio.usa.register.holdings(actor="jones")]
    with pytest.raises(NotFound):
        trio.usa.custody.destroy(item, method="shredded", witness="smith", actor="jones")


def test_the_summary_reports_it_and_the_originator_finds_no_difference(trio: Trio) -> None:
    item = _revoked_at_usa(trio)
    summary = trio.usa.register.summary("JPN", actor="smith")
    assert [(e.item_id, e.status) for e in summary.items] == [(item, "consent-revoked")]
    result = trio.jpn.register.reconcile("USA", summary.to_bytes(), actor="sato")
    assert result.differences == []


def test_the_officer_destroys_it_and_the_originator_gets_the_certificate(trio: Trio) -> None:
    item = _revoked_at_usa(trio)
    for name, role in (("white", "officer"), ("hall", "authority")):
        trio.usa.users.add(
            NewUser(name, role=role, clearance="SECRET", ntk=["DPRK-MISSILE"]), actor="authority"
        )
    # Only an officer destroys it (the decision point's role rule, Art. 16).
    with pytest.raises(PolicyDenied, match="authority role may not destroy"):
        trio.usa.custody.destroy(item, method="shredded", witness="smith", actor="hall")
    done = trio.usa.custody.destroy(item, method="shredded", witness="white", actor="smith")
    assert done.notified == "jpn-mod"
    assert trio.usa.custody.certificate(item, actor="smith").certificate_id == done.certificate.certificate_id
    (line,) = [h for h in trio.usa.register.holdings(actor="smith") if h.item_id == item]
    assert (line.status, line.certificate_id) == ("destroyed", done.certificate.certificate_id)
    trio.deliver(trio.usa)
    with trio.jpn.ctx.db.transaction(read_only=True) as session:
        received = session.scalars(select(DestructionRow).where(DestructionRow.item_id == item)).all()
        assert [(r.id, r.direction, r.holder_node) for r in received] == [
            (done.certificate.certificate_id, "received", "usa-dod")
        ]
    with trio.usa.ctx.db.transaction(read_only=True) as session:
        assert session.get_one(ItemRow, item).content_sealed == b""
    summary = trio.usa.register.summary("JPN", actor="smith")
    assert trio.jpn.register.reconcile("USA", summary.to_bytes(), actor="sato").differences == []


def test_its_loss_is_reported_to_the_originator(trio: Trio) -> None:
    item = _revoked_at_usa(trio)
    case = trio.usa.compromise.report([item], actual=True, circumstances="Laptop stolen.", actor="smith")
    assert (case.items, case.originators) == ((item,), ("jpn-mod",))
    (seen,) = trio.usa.compromise.listing(actor="smith")
    assert seen.id == case.id
    trio.deliver(trio.usa)
    (received,) = trio.jpn.compromise.listing(actor="sato")
    assert (received.id, received.reporting_node, received.items) == (case.id, "usa-dod", (item,))
    # The register keeps saying the consent was revoked (the case records the loss): a
    # "compromised" status would drop that, and bring the item back into the search index.
    assert trio.usa.register.holding(item, actor="smith").status == "consent-revoked"
    assert trio.usa.items.search.check().missing == []


def test_one_unreadable_consent_spoils_only_its_own_item(trio: Trio) -> None:
    item = _revoked_at_usa(trio)
    with trio.usa.ctx.db.transaction() as session:
        for row in session.scalars(select(ConsentRow).where(ConsentRow.item_id == item)):
            row.token_json = "{not json"
    holdings = trio.usa.register.holdings(actor="smith")  # the register still stands
    assert item not in [h.item_id for h in holdings]
    assert trio.usa.register.summary("KOR", actor="smith").items is not None


def test_who_could_have_seen_it_names_those_who_could_read_it_as_received(trio: Trio) -> None:
    """Art. 17: an investigation of a consent-revoked holding needs who could read it before."""
    item = _revoked_at_usa(trio)
    exposure = trio.usa.compromise.exposure(item, actor="smith")
    assert "smith" in [p["user"] for p in exposure.permitted]

"""What a third party received under the originator's consent, on the originator's record (Art. 6).

JPN provides an item to KOR, consents to KOR passing it on to USA; USA's node accepts it and
sends JPN a signed consent receipt. JPN's dissemination record then names usa-dod as a
holder, and JPN reconciles USA's holdings summary like a direct holder's (issue 10 item 20).
"""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select, update

from accord.agreements import NoteKind
from accord.crypto import SigningKeys
from accord.exchange import UNSIGNED, ConsentReceipt, HoldingsSummary
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import ConsentGrant, LabelRequest, NewItem, NewUser, Node, NoteDraft
from accord.node.core import Act
from accord.node.registry._agreements import travel_refusal
from accord.node.transfer import Outgoing
from accord.store import ConsentReceiptRow, InboxMessageRow, OutboxRow, QuarantineRow, read_events
from support_trio import Trio


def _passed_on(trio: Trio) -> tuple[str, str]:
    """A JPN item provided to KOR and passed on by KOR to USA under JPN's consent; (item, token)."""
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
    token = trio.jpn.consents.approve(asked.id, actor="sato", grant=ConsentGrant(days=30)).token_id
    assert token is not None
    trio.deliver(trio.jpn)
    trio.kor.sending.send(made.id, to="USA", actor="kim", agreement_id="USA-KOR-1987")
    trio.deliver(trio.kor)
    trio.deliver(trio.usa)
    return made.id, token


def _reconcile_usa(trio: Trio, summary: HoldingsSummary | None = None) -> list[tuple[str, str | None]]:
    summary = summary or trio.usa.register.summary("JPN", actor="smith")
    result = trio.jpn.register.reconcile("USA", summary.to_bytes(), actor="sato")
    return sorted((d.kind, d.item_id) for d in result.differences)


def _receipts(node: Node) -> list[ConsentReceiptRow]:
    with node.ctx.db.transaction(read_only=True) as session:
        return list(session.scalars(select(ConsentReceiptRow)))


def _quarantined(node: Node) -> list[str]:
    with node.ctx.db.transaction(read_only=True) as session:
        return [r.reason for r in session.scalars(select(QuarantineRow))]


def test_the_originators_dissemination_record_shows_what_the_third_party_received(trio: Trio) -> None:
    item, token = _passed_on(trio)
    with trio.usa.ctx.db.transaction(read_only=True) as session:
        arrived = session.scalars(
            select(InboxMessageRow.message_id).where(InboxMessageRow.item_id == item)
        ).one()
        (sent,) = session.scalars(select(OutboxRow).where(OutboxRow.peer == "jpn-mod")).all()
    assert sent.status == "receipted"  # the consent receipt reached JPN and JPN receipted it
    record = trio.jpn.register.dissemination(item, actor="sato")
    (received,) = record.third_party_receipts
    assert (received["node"], received["third_party"], received["from"], received["token_id"]) == (
        "usa-dod",
        "USA",
        "kor-mnd",
        token,
    )
    assert received["message_id"] == arrived
    assert received["agreement"] in ("USA-JPN-GSOMIA-2007", "TISA-2014")  # one with the originator
    assert record.to_dict()["third_party_receipts"] == [received]
    with trio.jpn.ctx.db.transaction(read_only=True) as session:
        (event,) = read_events(session, action="consent.receipt.received")
    assert (event.outcome, event.item_id, event.detail["node"]) == ("ok", item, "usa-dod")
    # The receipt is the third party's own signed statement, kept as evidence.
    (row,) = _receipts(trio.jpn)
    kept = ConsentReceipt.parse(row.receipt_json)
    kept.verify(trio.usa.ctx.keys.public())
    assert (kept.item_id, kept.token_id, kept.third_party_node) == (item, token, "usa-dod")


def test_the_third_partys_summary_reconciles_clean_at_the_originator(trio: Trio) -> None:
    item, _ = _passed_on(trio)
    summary = trio.usa.register.summary("JPN", actor="smith")
    assert [i.item_id for i in summary.items] == [item]
    result = trio.jpn.register.reconcile("USA", summary.to_bytes(), actor="sato")
    assert (result.differences, result.items_compared) == ([], 1)


def test_an_item_the_third_party_destroyed_is_a_difference_until_its_certificate_arrives(trio: Trio) -> None:
    item, _ = _passed_on(trio)
    trio.usa.users.add(
        NewUser("jones", role="officer", clearance="SECRET", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    trio.usa.custody.destroy(item, method="crypto-erase", witness="jones", actor="smith")
    assert _reconcile_usa(trio) == [("destroyed-without-certificate", item)]
    trio.deliver(trio.usa)  # the certificate reaches JPN
    assert _reconcile_usa(trio) == []


def test_an_item_the_third_party_no_longer_reports_is_recorded_but_not_held(trio: Trio) -> None:
    item, token = _passed_on(trio)
    made = trio.usa.register.summary("JPN", actor="smith")
    # USA's signed summary without the item (its record lost it).
    keys = trio.usa.ctx.keys
    without = HoldingsSummary(
        summary_id=made.summary_id,
        holder_party="USA",
        holder_node="usa-dod",
        for_party="JPN",
        made_by="smith",
        made_at=made.made_at,
        items=(),
        signature=UNSIGNED,
    ).signed_with(keys)
    result = trio.jpn.register.reconcile("USA", without.to_bytes(), actor="sato")
    (difference,) = result.differences
    assert (difference.kind, difference.item_id) == ("recorded-not-held", item)
    assert f"received by usa-dod from kor-mnd under our consent {token}" in difference.detail


def _forge(trio: Trio, sender: Node, keys: SigningKeys, item: str, **changes: str) -> None:
    """``sender`` sends JPN a receipt made from USA's genuine one with ``changes``, signed by ``keys``."""
    (genuine,) = _receipts(trio.jpn)
    fields = {
        k: v for k, v in ConsentReceipt.parse(genuine.receipt_json).__dict__.items() if k != "signature"
    }
    fields.update({"receipt_id": "received-" + "f" * 32, "message_id": "msg-" + "f" * 32, **changes})
    receipt = ConsentReceipt(**fields, signature=UNSIGNED).signed_with(keys)
    with sender.ctx.db.transaction() as session:
        sender.sending.enqueue(
            session,
            Outgoing(
                kind="consent-receipt",
                card=sender.parties.card(session, "jpn-mod"),
                agreement=sender.agreements.get_in(session, "TISA-2014"),
                precedence=Precedence.ROUTINE,
                item_id=item,
                payload=receipt.to_bytes(),
            ),
            Act("authority", sender.ctx.now()),
        )
    trio.deliver(sender)


@pytest.mark.parametrize(
    ("sender", "signer", "changes", "reason"),
    [
        pytest.param(
            "usa",
            "usa",
            {"token_id": "consent-" + "0" * 32},
            "not a consent this node gave",
            id="unknown-token",
        ),
        pytest.param(
            "usa", "usa", {"holder_node": "usa-dod"}, "not a consent this node gave", id="other-holder"
        ),
        pytest.param("usa", "other", {}, "VerificationFailed", id="not-signed-by-the-sender"),
        pytest.param("kor", "kor", {}, "must come from the third party's node", id="wrong-sender"),
        pytest.param(
            "kor",
            "kor",
            {
                "third_party": "KOR",
                "third_party_node": "kor-mnd",
                "holder_party": "USA",
                "holder_node": "usa-dod",
            },
            "not a consent this node gave",
            id="holder-claims-to-be-third-party",
        ),
        pytest.param("usa", "usa", {"content_sha384": "1" * 96}, "another version", id="other-version"),
        pytest.param(
            "usa", "usa", {"message_id": "(genuine)"}, "already on record", id="same-delivery-twice"
        ),
    ],
)
def test_a_forged_or_mismatched_consent_receipt_is_refused(
    trio: Trio, sender: str, signer: str, changes: dict[str, str], reason: str
) -> None:
    item, _ = _passed_on(trio)
    (genuine,) = _receipts(trio.jpn)
    if changes.get("message_id") == "(genuine)":
        changes = {"message_id": genuine.message_id}
    node = trio.usa if sender == "usa" else trio.kor
    keys = SigningKeys.generate() if signer == "other" else node.ctx.keys
    before = len(_quarantined(trio.jpn))
    _forge(trio, node, keys, item, **changes)
    assert [r.id for r in _receipts(trio.jpn)] == [genuine.id]  # nothing filed
    refused = _quarantined(trio.jpn)[before:]
    assert len(refused) == 1
    assert reason in refused[0]
    with trio.jpn.ctx.db.transaction(read_only=True) as session:
        assert [e.outcome for e in read_events(session, action="exchange.reject")][-1:] == ["refused"]
    # The forged receipt changes nothing in the reconciliation of USA's real holdings.
    assert _reconcile_usa(trio) == []


def test_a_receipt_by_another_node_does_not_put_the_item_on_record_for_this_one(trio: Trio) -> None:
    """The record is per node, as the outbox's is: another node's receipt does not count for usa-dod."""
    item, _ = _passed_on(trio)
    with trio.jpn.ctx.db.transaction() as session:
        session.execute(update(ConsentReceiptRow).values(third_party_node="usa-other"))
    assert _reconcile_usa(trio) == [("held-not-recorded", item)]


def test_a_consent_receipt_still_travels_after_the_agreement_ended(trio: Trio) -> None:
    """It accounts for CMI already held (Art. 6), so it is ABOUT_HELD (Art. 21); an item is not."""
    notice = trio.usa.agreements.issue_note(
        "USA-JPN-GSOMIA-2007", NoteDraft(NoteKind.TERMINATION_NOTICE, on=date(2026, 1, 5)), actor="authority"
    )
    trio.jpn.agreements.import_note(notice.to_json(), actor="authority")
    with trio.usa.ctx.db.transaction(read_only=True) as session:
        agreement = trio.usa.agreements.get_in(session, "USA-JPN-GSOMIA-2007")
        ended = trio.usa.agreements.status_in(session, agreement.id, date(2028, 1, 1))
    assert not ended.new_exchange_allowed
    assert travel_refusal(agreement, ended, "consent-receipt") is None
    assert travel_refusal(agreement, ended, "item") is not None


def test_the_originator_asks_the_third_party_on_record_to_destroy_the_item(trio: Trio) -> None:
    """Before consent receipts, request-disposal --holder USA found no record and was refused."""
    item, _ = _passed_on(trio)
    asked = trio.jpn.disposal.request(
        item, holder="USA", kind="destroy", reason="Exercise over", actor="sato"
    )
    assert asked == ["usa-dod"]
    trio.deliver(trio.jpn)
    with trio.usa.ctx.db.transaction(read_only=True) as session:
        (event,) = read_events(session, action="item.disposal.requested")
    assert (event.item_id, event.detail["kind"]) == (item, "destroy")
    assert trio.usa.register.holdings(actor="smith")[0].status == "to-destroy"

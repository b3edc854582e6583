"""The holdings register, the dissemination record and reconciliation (GSOMIA Art. 6)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest
from sqlalchemy import update

from accord.crypto import SigningKeys
from accord.errors import InvalidInput, NotFound, PolicyDenied, VerificationFailed
from accord.exchange import UNSIGNED, HeldItem, HoldingsSummary
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser
from accord.store import DestructionRow, InboxMessageRow, ItemRow, OutboxRow, read_events
from support_trio import Trio


def _provided(trio: Trio, title: str = "KN-25 salvo") -> str:
    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, title, "Six rounds.", "DPRK-MISSILE"),
            LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], agreement="JPN-KOR-GSOMIA-2016"),
            Precedence.PRIORITY,
        ),
        actor="sato",
    )
    trio.jpn.sending.send(made.id, to="KOR", actor="sato")
    trio.deliver(trio.jpn)
    return made.id


def _kinds(trio: Trio) -> list[tuple[str, str | None]]:
    summary = trio.kor.register.summary("JPN", actor="kim")
    result = trio.jpn.register.reconcile("KOR", summary.to_bytes(), actor="sato")
    return sorted((d.kind, d.item_id) for d in result.differences)


def test_holdings_show_origin_status_and_location(trio: Trio) -> None:
    item = _provided(trio)
    holdings = trio.kor.register.holdings(actor="kim")
    (held,) = [h for h in holdings if h.item_id == item]
    assert (held.originator_party, held.status, held.location, held.received_from) == (
        "JPN",
        "held",
        "kor-mnd",
        "jpn-mod",
    )
    assert "군사Ⅱ급비밀" in held.banner
    assert held.to_dict()["copies"] == []


def test_holdings_leave_out_what_the_person_may_not_read(trio: Trio) -> None:
    item = _provided(trio)
    trio.kor.users.add(NewUser("lee", role="analyst", clearance="대외비", ntk=[]), actor="authority")
    assert item not in {h.item_id for h in trio.kor.register.holdings(actor="lee")}


def test_one_holding_carries_its_marking_and_answers_withheld_as_missing(trio: Trio) -> None:
    item = _provided(trio)
    line = trio.kor.register.holding(item, actor="kim")
    (listed,) = [h for h in trio.kor.register.holdings(actor="kim") if h.item_id == item]
    assert line.to_dict() == listed.to_dict()
    assert "marking" not in line.to_dict()  # the JSON views are unchanged: "banner" carries it
    assert line.marking is not None
    assert line.marking.originator.classification == "極秘"
    trio.kor.users.add(NewUser("lee", role="analyst", clearance="대외비", ntk=[]), actor="authority")
    with pytest.raises(NotFound):
        trio.kor.register.holding(item, actor="lee")
    with pytest.raises(NotFound):
        trio.kor.register.holding("jpn-" + "0" * 32, actor="lee")


def test_dissemination_lists_sends_receipts_and_consents(trio: Trio) -> None:
    item = _provided(trio)
    trio.kor.consents.request(item, to="USA", purpose="Joint analysis", actor="kim")
    trio.deliver(trio.kor)
    record = trio.jpn.register.dissemination(item, actor="sato")
    assert record.originated_here
    assert [(s["kind"], s["to"], s["status"]) for s in record.sends] == [("item", "kor-mnd", "receipted")]
    assert record.sends[0]["receipted_at"] is not None
    assert [(c["direction"], c["third_party"], c["status"]) for c in record.consents] == [
        ("in", "USA", "pending")
    ]


def test_a_matching_summary_reconciles_without_differences(trio: Trio) -> None:
    _provided(trio)
    _provided(trio, "Second")
    summary = trio.kor.register.summary("JPN", actor="kim")
    assert len(summary.items) == 2
    result = trio.jpn.register.reconcile("KOR", summary.to_bytes(), actor="sato")
    assert result.differences == []
    assert result.items_compared == 2
    with trio.jpn.ctx.db.transaction(read_only=True) as session:
        (event,) = read_events(session, action="register.reconcile")
    assert event.detail["differences"] == {}


def test_a_destruction_with_its_certificate_reconciles(trio: Trio) -> None:
    item = _provided(trio)
    trio.kor.users.add(
        NewUser("park", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    trio.kor.custody.destroy(item, method="crypto-erase", witness="park", actor="kim")
    trio.deliver(trio.kor)
    assert _kinds(trio) == []


def test_held_but_not_recorded(trio: Trio) -> None:
    item = _provided(trio)
    with trio.jpn.ctx.db.transaction() as session:
        session.execute(update(OutboxRow).where(OutboxRow.item_id == item).values(peer="usa-dod"))
    assert _kinds(trio) == [("held-not-recorded", item)]


def test_recorded_but_not_held(trio: Trio) -> None:
    item = _provided(trio)
    with trio.kor.ctx.db.transaction() as session:
        session.execute(update(InboxMessageRow).where(InboxMessageRow.item_id == item).values(item_id="x"))
        session.execute(update(ItemRow).where(ItemRow.id == item).values(originator_party="USA"))
    assert _kinds(trio) == [("recorded-not-held", item)]


def test_destroyed_at_one_side_only(trio: Trio) -> None:
    first, second = _provided(trio), _provided(trio, "Second")
    trio.kor.users.add(
        NewUser("park", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    trio.kor.custody.destroy(first, method="crypto-erase", witness="park", actor="kim")
    # The certificate is lost in transit: KOR says destroyed, JPN has no certificate.
    with trio.kor.ctx.db.transaction() as session:
        session.execute(update(OutboxRow).where(OutboxRow.item_id == first).values(status="failed"))
    # And JPN holds a certificate for an item KOR still reports as held.
    with trio.jpn.ctx.db.transaction() as session:
        session.add(
            DestructionRow(
                id="destruction-" + "c" * 32,
                direction="received",
                item_id=second,
                holder_node="kor-mnd",
                certificate_json="{}",
                destroyed_at="2024-01-01T00:00:00Z",
                recorded_at="2024-01-01T00:00:00Z",
            )
        )
    assert _kinds(trio) == [("certified-but-held", second), ("destroyed-without-certificate", first)]


def test_missing_receipts_and_other_versions(trio: Trio) -> None:
    item = _provided(trio)
    with trio.jpn.ctx.db.transaction() as session:
        session.execute(update(OutboxRow).where(OutboxRow.item_id == item).values(status="sent"))
    with trio.kor.ctx.db.transaction() as session:
        session.execute(update(ItemRow).where(ItemRow.id == item).values(content_sha384="1" * 96))
    kinds = _kinds(trio)
    assert kinds == [("missing-receipt", item), ("other-version", item)]
    summary = trio.kor.register.summary("JPN", actor="kim")
    result = trio.jpn.register.reconcile("KOR", summary.to_bytes(), actor="sato")
    receipt = next(d for d in result.differences if d.kind == "missing-receipt")
    assert "though KOR reports receiving it" in receipt.detail


def test_a_summary_signed_by_another_key_is_refused(trio: Trio) -> None:
    _provided(trio)
    summary = trio.kor.register.summary("JPN", actor="kim")
    forged = HoldingsSummary(
        summary_id=summary.summary_id,
        holder_party="KOR",
        holder_node="kor-mnd",
        for_party="JPN",
        made_by="kim",
        made_at=summary.made_at,
        items=(),
        signature=UNSIGNED,
    ).signed_with(SigningKeys.generate())
    with pytest.raises(VerificationFailed):
        trio.jpn.register.reconcile("KOR", forged.to_bytes(), actor="sato")
    with trio.jpn.ctx.db.transaction(read_only=True) as session:
        assert [e.outcome for e in read_events(session, action="register.reconcile")] == ["refused"]


def test_a_summary_from_or_for_another_party_is_refused(trio: Trio) -> None:
    summary = trio.kor.register.summary("JPN", actor="kim")
    with pytest.raises(InvalidInput, match="made by KOR, not by USA"):
        trio.jpn.register.reconcile("USA", summary.to_bytes(), actor="sato")
    with pytest.raises(InvalidInput, match="is for JPN, not for USA"):
        trio.usa.register.reconcile("KOR", summary.to_bytes(), actor="smith")


def test_only_an_officer_makes_or_reconciles_a_summary(trio: Trio) -> None:
    with pytest.raises(PolicyDenied, match="analyst role may not"):
        trio.jpn.register.summary("KOR", actor="suzuki")


def _summary(keys: SigningKeys) -> HoldingsSummary:
    return HoldingsSummary(
        summary_id="summary-" + "a" * 32,
        holder_party="KOR",
        holder_node="kor-mnd",
        for_party="JPN",
        made_by="kim",
        made_at="2024-01-01T00:00:00Z",
        items=(HeldItem("jpn-" + "0" * 32, "0" * 96, "held", 2, ("msg-" + "1" * 32,)),),
        signature=UNSIGNED,
    ).signed_with(keys)


@pytest.mark.parametrize(
    "change",
    [
        pytest.param({"summary_id": "summary-" + "b" * 32}, id="summary_id"),
        pytest.param({"holder_party": "USA"}, id="holder_party"),
        pytest.param({"holder_node": "usa-dod"}, id="holder_node"),
        pytest.param({"for_party": "USA"}, id="for_party"),
        pytest.param({"made_by": "park"}, id="made_by"),
        pytest.param({"made_at": "2024-01-02T00:00:00Z"}, id="made_at"),
        pytest.param({"items": ()}, id="items-removed"),
        pytest.param({"items": (HeldItem("jpn-" + "0" * 32, "0" * 96, "destroyed", 2, ()),)}, id="status"),
        pytest.param({"items": (HeldItem("jpn-" + "0" * 32, "0" * 96, "held", 3, ()),)}, id="copies"),
    ],
)
def test_any_changed_summary_field_fails_verification(change: dict[str, object]) -> None:
    keys = SigningKeys.generate()
    summary = _summary(keys)
    assert HoldingsSummary.parse(summary.to_bytes()) == summary
    summary.verify(keys.public())
    with pytest.raises(VerificationFailed):
        replace(summary, **change).verify(keys.public())  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(lambda d: d.pop("items"), id="missing-items"),
        pytest.param(lambda d: d.update(extra=1), id="unknown-key"),
        pytest.param(lambda d: d["items"].append(dict(d["items"][0])), id="item-twice"),
        pytest.param(lambda d: d["items"][0].update(copies=-1), id="negative-copies"),
        pytest.param(lambda d: d["items"][0].update(status="HELD!"), id="bad-status"),
        pytest.param(lambda d: d.update(v=2), id="version"),
    ],
)
def test_malformed_summaries_are_refused(mutate: object) -> None:
    data = json.loads(_summary(SigningKeys.generate()).to_bytes())
    mutate(data)  # type: ignore[operator]
    with pytest.raises(InvalidInput):
        HoldingsSummary.parse(json.dumps(data))

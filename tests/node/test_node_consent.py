"""Originator consent across three nodes (GSOMIA Art. 6): JPN provides, KOR asks, USA receives.

In process, with a loopback transport that hands each transmission to the receiving
node's peer handler (every check on both sides runs; the real mTLS transport is the
demo's and tests/integration's). Agreements: Japan–ROK GSOMIA, US–Japan GSOMIA, US–ROK
and TISA, all in force.
"""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime, timedelta

import pytest
import typer
from sqlalchemy import select

from accord.cli import app
from accord.errors import Conflict, InvalidInput, NotFound, PolicyDenied
from accord.exchange import UNSIGNED, ConsentToken
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import ConsentGrant, LabelRequest, NewItem, NewUser, Node, end_of_day
from accord.store import ConsentRow, ItemRow, QuarantineRow, read_events
from support_trio import Trio


def _jpn_report(trio: Trio, level: str = "極秘") -> str:
    """A JPN report provided to KOR under the Japan–ROK GSOMIA, received at KOR."""
    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "KN-23 launch assessment", "Trajectory and impact.", "DPRK-MISSILE"),
            LabelRequest(level, ["KOR"], ["DPRK-MISSILE"], agreement="JPN-KOR-GSOMIA-2016"),
            Precedence.PRIORITY,
        ),
        actor="sato",
    )
    trio.jpn.sending.send(made.id, to="KOR", actor="sato")
    trio.deliver(trio.jpn)
    return made.id


PURPOSE = "Allied missile-defence cueing"


def _ask_and_approve(
    trio: Trio, item: str, to: str = "USA", holder: Node | None = None, **conditions: object
) -> str:
    holder = holder or trio.kor
    actor = "kim" if holder is trio.kor else "smith"
    asked = holder.consents.request(item, to=to, purpose=PURPOSE, actor=actor)
    trio.deliver(holder)
    (pending,) = trio.jpn.consents.listing(actor="sato", status="pending")
    assert pending.id == asked.id
    approved = trio.jpn.consents.approve(
        asked.id,
        actor="sato",
        grant=ConsentGrant(days=30, conditions=["No further release"], **conditions),  # type: ignore[arg-type]
    )
    trio.deliver(trio.jpn)
    assert approved.token_id is not None
    return approved.token_id


def test_without_consent_the_send_is_refused_with_the_reason(trio: Trio) -> None:
    item = _jpn_report(trio)
    with pytest.raises(PolicyDenied, match=r"needs JPN's prior written consent \(Art\. 6\)"):
        trio.kor.sending.send(item, to="USA", actor="kim", agreement_id="USA-KOR-1987")


def test_the_refusal_hint_is_the_console_page_or_a_release_request_the_cli_accepts(trio: Trio) -> None:
    item = _jpn_report(trio)
    with pytest.raises(PolicyDenied) as refused:
        trio.kor.sending.send(item, to="USA", actor="kim", agreement_id="USA-KOR-1987")
    _, hint = str(refused.value).split("ask for it on the item's page in the console, or with ", 1)
    program, name, *args = shlex.split(hint)
    assert (program, name) == ("accord", "release-request")
    command = typer.main.get_command(app).commands[name]  # type: ignore[attr-defined]
    parsed = command.make_context(name, args).params  # raises if a required option is missing
    assert (parsed["item_id"], parsed["to"]) == (item, "USA")
    assert parsed["purpose"]
    assert parsed["as_user"]


def test_consent_flow_kor_asks_jpn_approves_usa_receives(trio: Trio) -> None:
    item = _jpn_report(trio)
    token_id = _ask_and_approve(trio, item)
    (mine,) = trio.kor.consents.listing(actor="kim")
    assert (mine.status, mine.token_id) == ("approved", token_id)
    trio.kor.sending.send(item, to="USA", actor="kim", agreement_id="USA-KOR-1987")
    trio.deliver(trio.kor)
    held = trio.usa.items.show(item, actor="smith")
    assert held.originator_party == "JPN"
    assert held.received_from == "kor-mnd"
    # The USA label is the equivalent of JPN 極秘 under the US–Japan GSOMIA.
    assert held.marking.for_scheme("USA") is not None
    assert held.marking.for_scheme("USA").classification == "SECRET"  # type: ignore[union-attr]
    with trio.usa.ctx.db.transaction(read_only=True) as session:
        kept = session.scalar(select(ConsentRow).where(ConsentRow.token_id == token_id))
    assert kept is not None
    assert kept.direction == "held"


def test_a_denial_comes_back_with_its_reason_and_the_send_stays_refused(trio: Trio) -> None:
    item = _jpn_report(trio)
    asked = trio.kor.consents.request(item, to="USA", purpose="Cueing", actor="kim")
    trio.deliver(trio.kor)
    trio.jpn.consents.deny(asked.id, reason="Source protection", actor="sato")
    trio.deliver(trio.jpn)
    (mine,) = trio.kor.consents.listing(actor="kim")
    assert (mine.status, mine.reason) == ("denied", "Source protection")
    with pytest.raises(PolicyDenied, match="was denied: Source protection"):
        trio.kor.sending.send(item, to="USA", actor="kim", agreement_id="USA-KOR-1987")


def test_only_an_officer_who_may_read_the_item_decides(trio: Trio) -> None:
    item = _jpn_report(trio)
    asked = trio.kor.consents.request(item, to="USA", purpose="Cueing", actor="kim")
    trio.deliver(trio.kor)
    with pytest.raises(PolicyDenied, match="analyst role may not release"):
        trio.jpn.consents.approve(asked.id, actor="suzuki")
    trio.jpn.consents.approve(asked.id, actor="sato")
    with pytest.raises(Conflict, match="already decided"):
        trio.jpn.consents.approve(asked.id, actor="sato")


def test_an_expired_consent_no_longer_allows_the_send(trio: Trio) -> None:
    item = _jpn_report(trio)
    asked = trio.kor.consents.request(item, to="USA", purpose="Cueing", actor="kim")
    trio.deliver(trio.kor)
    trio.jpn.consents.approve(asked.id, actor="sato", grant=ConsentGrant(days=1))
    trio.deliver(trio.jpn)
    trio.clock.advance(days=2)  # type: ignore[attr-defined]
    with pytest.raises(PolicyDenied, match="expired"):
        trio.kor.sending.send(item, to="USA", actor="kim", agreement_id="USA-KOR-1987")


def test_a_forged_consent_is_refused_at_the_receiver(trio: Trio) -> None:
    """KOR signs a 'consent' itself: USA checks it against JPN's keys and quarantines the item."""
    item = _jpn_report(trio)
    token_id = _ask_and_approve(trio, item)
    with trio.kor.ctx.db.transaction() as session:
        row = session.scalar(select(ConsentRow).where(ConsentRow.token_id == token_id))
        assert row is not None
        assert row.token_json is not None
        genuine = ConsentToken.parse(row.token_json)
        forged = ConsentToken(
            **{k: v for k, v in genuine.to_dict().items() if k not in ("signature", "v")}, signature=UNSIGNED
        ).signed_with(trio.kor.ctx.keys)
        row.token_json = forged.to_bytes().decode("utf-8")
    # KOR's own check refuses it first ...
    with pytest.raises(PolicyDenied, match="prior written consent"):
        trio.kor.sending.send(item, to="USA", actor="kim", agreement_id="USA-KOR-1987")


def test_revocation_reaches_the_holder_and_the_third_party(trio: Trio) -> None:
    item = _jpn_report(trio)
    token_id = _ask_and_approve(trio, item)
    trio.kor.sending.send(item, to="USA", actor="kim", agreement_id="USA-KOR-1987")
    trio.deliver(trio.kor)
    trio.jpn.consents.revoke(token_id, reason="Source compromised", actor="sato")
    trio.deliver(trio.jpn)
    for node in (trio.kor, trio.usa):
        with node.ctx.db.transaction(read_only=True) as session:
            row = session.scalar(select(ConsentRow).where(ConsentRow.token_id == token_id))
            assert row is not None
            assert row.status == "revoked"
    with trio.usa.ctx.db.transaction(read_only=True) as session:
        assert session.get_one(ItemRow, item).status == "consent-revoked"
    with pytest.raises(PolicyDenied, match="revoked"):
        trio.kor.sending.send(item, to="USA", actor="kim", agreement_id="USA-KOR-1987")


def test_tisa_relay_needs_consent_and_stays_in_scope(trio: Trio) -> None:
    """USA forwards a JPN item to KOR under TISA only with JPN's consent."""
    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Hwasong-18 telemetry", "Stage separation.", "DPRK-MISSILE"),
            LabelRequest("極秘", ["USA"], ["DPRK-MISSILE"], agreement="USA-JPN-GSOMIA-2007"),
            Precedence.PRIORITY,
        ),
        actor="sato",
    )
    trio.jpn.sending.send(made.id, to="USA", actor="sato")
    trio.deliver(trio.jpn)
    with pytest.raises(PolicyDenied, match="prior written consent"):
        trio.usa.sending.send(made.id, to="KOR", actor="smith", agreement_id="TISA-2014")
    _ask_and_approve(trio, made.id, to="KOR", holder=trio.usa)
    trio.usa.sending.send(made.id, to="KOR", actor="smith", agreement_id="TISA-2014")
    trio.deliver(trio.usa)
    held = trio.kor.items.show(made.id, actor="kim")
    assert held.received_from == "usa-dod"
    assert held.marking.for_scheme("KOR").classification == "군사Ⅱ급비밀"  # type: ignore[union-attr]


def test_a_relay_outside_tisa_scope_is_refused(trio: Trio) -> None:
    trio.jpn.users.add(
        NewUser("mori", role="officer", clearance="極秘", ntk=["DPRK-SIGINT"]), actor="authority"
    )
    trio.usa.users.add(
        NewUser("jones", role="officer", clearance="SECRET", ntk=["DPRK-SIGINT"]), actor="authority"
    )
    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Signals summary", "Out of TISA scope.", "DPRK-SIGINT"),
            LabelRequest("極秘", ["USA"], ["DPRK-SIGINT"], agreement="USA-JPN-GSOMIA-2007"),
            Precedence.ROUTINE,
        ),
        actor="mori",
    )
    trio.jpn.sending.send(made.id, to="USA", actor="mori")
    trio.deliver(trio.jpn)
    with pytest.raises(PolicyDenied, match="TISA-2014 covers only"):
        trio.usa.sending.send(made.id, to="KOR", actor="jones", agreement_id="TISA-2014")


def test_bad_requests_are_refused_and_journalled(trio: Trio) -> None:
    item = _jpn_report(trio)
    with pytest.raises(NotFound):
        trio.kor.consents.request("jpn-" + "0" * 32, to="USA", purpose="x", actor="kim")
    with pytest.raises(InvalidInput, match="not a third party"):
        trio.kor.consents.request(item, to="JPN", purpose="x", actor="kim")
    own = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Own", "Own.", "DPRK-MISSILE"),
            LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"]),
            Precedence.ROUTINE,
        ),
        actor="sato",
    )
    with pytest.raises(InvalidInput, match="originated here"):
        trio.jpn.consents.request(own.id, to="USA", purpose="x", actor="sato")
    with pytest.raises(NotFound):
        trio.jpn.consents.approve("req-" + "0" * 32, actor="sato")


def test_a_request_about_an_item_never_provided_is_quarantined(trio: Trio) -> None:
    """USA asks JPN about a JPN item JPN never gave USA: refused at JPN, quarantined."""
    item = _jpn_report(trio)
    with trio.usa.ctx.db.transaction() as session, trio.kor.ctx.db.transaction(read_only=True) as source:
        # Copy KOR's holding into USA's database, as a leak would.
        row = source.get_one(ItemRow, item)
        session.add(ItemRow(**{c.name: getattr(row, c.name) for c in ItemRow.__table__.columns}))
    before = _quarantined(trio.jpn)
    with pytest.raises((NotFound, PolicyDenied)):
        # USA holds no alternative label from an agreement for it and cannot even read it.
        trio.usa.consents.request(item, to="KOR", purpose="x", actor="smith")
    assert _quarantined(trio.jpn) == before


def _quarantined(node: Node) -> list[str]:
    with node.ctx.db.transaction(read_only=True) as session:
        return [json.dumps(r.reason) for r in session.scalars(select(QuarantineRow))]


def test_the_originator_records_who_decided_and_when_like_the_holder(trio: Trio) -> None:
    """Issue 10 item 18: JPN's own record of an approval or a denial names the officer and the time."""
    item = _jpn_report(trio)
    token_id = _ask_and_approve(trio, item)
    (given,) = trio.jpn.consents.listing(actor="sato", status="approved")
    (held,) = trio.kor.consents.listing(actor="kim", status="approved")
    with trio.jpn.ctx.db.transaction(read_only=True) as session:
        row = session.scalar(select(ConsentRow).where(ConsentRow.token_id == token_id))
        assert row is not None
        assert row.token_json is not None
        token = ConsentToken.parse(row.token_json.encode("utf-8"))
    assert given.token_id == held.token_id == token_id
    assert given.decided_by == held.decided_by == token.approved_by == "sato"
    assert given.decided_at == held.decided_at == token.issued_at
    assert given.decided_at is not None

    asked = trio.kor.consents.request(item, to="USA", purpose="Cueing", actor="kim")
    trio.deliver(trio.kor)
    trio.jpn.consents.deny(asked.id, reason="Source protection", actor="sato")
    trio.deliver(trio.jpn)
    (refused,) = trio.jpn.consents.listing(actor="sato", status="denied")
    (told,) = trio.kor.consents.listing(actor="kim", status="denied")
    assert refused.decided_by == told.decided_by == "sato"
    assert refused.decided_at == told.decided_at is not None


# --- the conditions of a consent bind the third party (Art. 6) -------------------------------


def _passed_on_to_usa(trio: Trio, **conditions: object) -> tuple[str, str]:
    """A JPN item KOR passes on to USA under a consent with ``conditions``: (item, token)."""
    item = _jpn_report(trio)
    token_id = _ask_and_approve(trio, item, **conditions)
    trio.kor.sending.send(item, to="USA", actor="kim", agreement_id="USA-KOR-1987")
    trio.deliver(trio.kor)
    return item, token_id


def _last_refusal(node: Node, action: str) -> str:
    with node.ctx.db.transaction(read_only=True) as session:
        events = [e for e in read_events(session, action=action) if e.outcome != "ok"]
    return str(events[-1].detail["reason"])


def test_a_purpose_only_consent_admits_readers_working_for_its_purpose(trio: Trio) -> None:
    item, _ = _passed_on_to_usa(trio, purpose_only=True)
    trio.usa.users.add(
        NewUser("brown", role="officer", clearance="SECRET", ntk=["DPRK-MISSILE"], purposes=[PURPOSE]),
        actor="authority",
    )
    assert trio.usa.items.show(item, actor="brown").id == item
    (consent,) = trio.usa.consents.listing(actor="brown")
    assert consent.limits == {"destroy_by": None, "no_onward_release": False, "purpose_only": True}


def test_a_purpose_only_consent_withholds_the_item_from_other_purposes_with_the_reason(trio: Trio) -> None:
    item, token_id = _passed_on_to_usa(trio, purpose_only=True)
    trio.usa.users.add(
        NewUser("jones", role="analyst", clearance="SECRET", ntk=["DPRK-MISSILE"], purposes=["ASW"]),
        actor="authority",
    )
    with pytest.raises(NotFound):
        trio.usa.items.show(item, actor="jones")
    assert trio.usa.items.inbox(actor="jones").views == []
    reason = _last_refusal(trio.usa, "item.read")
    assert f"JPN consented to USA holding this item for {PURPOSE!r} only (consent {token_id})" in reason
    assert reason.endswith("(Art. 6)")


def test_without_the_condition_any_cleared_reader_of_the_third_party_reads(trio: Trio) -> None:
    item, _ = _passed_on_to_usa(trio)
    trio.usa.users.add(
        NewUser("jones", role="analyst", clearance="SECRET", ntk=["DPRK-MISSILE"], purposes=["ASW"]),
        actor="authority",
    )
    assert trio.usa.items.show(item, actor="jones").id == item


def test_a_consent_forbidding_onward_release_refuses_the_third_partys_release(trio: Trio) -> None:
    item, token_id = _passed_on_to_usa(trio, no_onward_release=True)
    forbidden = rf"condition that it is not passed on \(consent {token_id}\): no release to KOR \(Art\. 6\)"
    with pytest.raises(PolicyDenied, match=forbidden):
        trio.usa.sending.send(item, to="KOR", actor="smith", agreement_id="USA-KOR-1987")
    with pytest.raises(PolicyDenied, match=forbidden):
        trio.usa.consents.request(item, to="KOR", purpose="Back to the holder", actor="smith")
    assert trio.usa.consents.listing(actor="smith", status="pending") == []


def test_without_the_condition_the_third_party_may_ask_to_pass_it_on(trio: Trio) -> None:
    item, _ = _passed_on_to_usa(trio)
    asked = trio.usa.consents.request(item, to="KOR", purpose="Back to the holder", actor="smith")
    assert asked.status == "pending"
    # Sending still needs the originator's consent of its own (Art. 6), not the condition's reason.
    with pytest.raises(PolicyDenied, match="needs JPN's prior written consent"):
        trio.usa.sending.send(item, to="KOR", actor="smith", agreement_id="USA-KOR-1987")


def test_the_destroy_by_date_is_tracked_by_the_third_partys_register(trio: Trio) -> None:
    deadline = trio.clock.now + timedelta(days=3)  # type: ignore[attr-defined]
    item, _ = _passed_on_to_usa(trio, destroy_by=deadline)
    (held,) = [h for h in trio.usa.register.holdings(actor="smith") if h.item_id == item]
    assert (held.destroy_by, held.overdue) == (deadline.strftime("%Y-%m-%dT%H:%M:%SZ"), False)
    assert trio.usa.register.holdings(actor="smith", overdue_only=True) == []
    trio.clock.advance(days=4)  # type: ignore[attr-defined]
    (late,) = trio.usa.register.holdings(actor="smith", overdue_only=True)
    assert (late.item_id, late.overdue, late.to_dict()["overdue"]) == (item, True, True)
    # Destroyed, it is no longer overdue.
    trio.usa.users.add(
        NewUser("white", role="officer", clearance="SECRET", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    trio.usa.custody.destroy(item, method="shredded", witness="white", actor="smith")
    assert trio.usa.register.holdings(actor="smith", overdue_only=True) == []


def test_a_consent_without_a_destroy_by_date_is_never_overdue(trio: Trio) -> None:
    item, _ = _passed_on_to_usa(trio)
    trio.clock.advance(days=400)  # type: ignore[attr-defined]
    (held,) = [h for h in trio.usa.register.holdings(actor="smith") if h.item_id == item]
    assert (held.destroy_by, held.overdue) == (None, False)


@pytest.mark.parametrize(
    "day", ["9999-12-31", "2024-13-01", "soon"], ids=["last-date", "no-such-month", "words"]
)
def test_a_destroy_by_day_that_cannot_end_is_invalid_input(day: str) -> None:
    # 9999-12-31 ends on a day no date can name: OverflowError and a traceback (found by a new user).
    with pytest.raises(InvalidInput, match="--destroy-by"):
        end_of_day(day)


def test_a_destroy_by_day_ends_at_the_next_midnight_utc() -> None:
    assert end_of_day("2024-06-01") == datetime(2024, 6, 2, tzinfo=UTC)

"""The officer's exchange pages in process: send, outbox, receipts, quarantine, consents, downgrade.

KOR's console (``console`` fixture) for the release, the exchange's records and the downgrade;
the three nodes of the consent tests (``trio``), with JPN's console, for the consent queue.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from support_web import PASSWORD, ConsoleClient, ConsoleWorld

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser, Node
from accord.store import read_events
from accord.web import ConsoleSettings, create_console_app
from support_federation import Loopback
from support_trio import Trio, build_trio, passed_on_to_usa

PURPOSE = "Allied missile-defence cueing"


def _refusals(node: Node, action: str) -> list[dict[str, object]]:
    with node.ctx.db.transaction(read_only=True) as session:
        return [e.detail for e in read_events(session) if e.action == action and e.outcome == "refused"]


def _kor_item(world: ConsoleWorld, title: str = "Sinpo SLBM test") -> str:
    """An item made at KOR by kim, releasable to JPN."""
    return world.kor.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, title, "One SLBM.", "Assessment"),
            LabelRequest("군사Ⅱ급비밀", ["JPN"], ["DPRK-MISSILE"], agreement=world.federation.agreement_id),
            Precedence.PRIORITY,
        ),
        actor="kim",
    ).id


def _deliver_kor(world: ConsoleWorld) -> None:
    for peer, lane in world.kor.delivery.peers_with_pending():
        world.kor.delivery.deliver_once(peer, lane, Loopback(world.jpn))


def _outbox_size(world: ConsoleWorld) -> int:
    return len(world.kor.delivery.outbox(include_done=True))


# --- send, outbox, receipts -------------------------------------------------------------


def test_an_item_is_sent_then_seen_in_the_outbox_then_receipted(
    console: ConsoleWorld, signed_in: ConsoleClient
) -> None:
    item = _kor_item(console)
    form = signed_in.get(f"/send?item={item}").text
    assert f'value="{item}"' in form
    form_data = {"csrf": signed_in.csrf(), "items": item, "to": "JPN", "precedence": "FLASH", "agreement": ""}
    sent = signed_in.post("/send", data=form_data)
    assert sent.status_code == 200
    assert "Sinpo SLBM test" in sent.text
    assert "FLASH" in sent.text
    assert sent.text.count("군사Ⅱ급비밀") >= 2  # the banners of what was sent
    (entry,) = console.kor.desk.outbox(actor="kim")
    outbox = signed_in.get("/outbox").text
    assert entry.message_id in outbox
    assert f"/items/{item}/receipts" in outbox
    assert "No receipt yet for this item." in signed_in.get(f"/items/{item}/receipts").text
    rows = signed_in.get("/outbox/rows", headers={"HX-Request": "true"}).text
    assert entry.message_id in rows
    assert "<h1>" not in rows  # a fragment, for htmx polling
    _deliver_kor(console)
    assert entry.message_id not in signed_in.get("/outbox/rows").text
    assert entry.message_id not in signed_in.get("/outbox").text
    assert entry.message_id in signed_in.get("/outbox?done=true").text
    receipts = signed_in.get(f"/items/{item}/receipts").text
    assert entry.message_id in receipts
    assert "極秘" in receipts  # JPN's own marking of it, in its receipt (Art. 4)


def test_a_refused_send_shows_the_node_words_and_queues_nothing(
    console: ConsoleWorld, signed_in: ConsoleClient
) -> None:
    before = _outbox_size(console)
    # JPN's own report, back to JPN: the node refuses and says why.
    data = {"csrf": signed_in.csrf(), "items": console.report, "to": "JPN", "precedence": "", "agreement": ""}
    refused = signed_in.post("/send", data=data)
    assert refused.status_code == 400
    assert 'role="alert"' in refused.text
    assert f'value="{console.report}"' in refused.text  # kept as typed
    bad = signed_in.post("/send", data={**data, "items": _kor_item(console), "precedence": "SOON"})
    assert bad.status_code == 400
    assert "SOON" in bad.text
    assert _outbox_size(console) == before


def test_a_forged_or_malformed_send_changes_nothing(console: ConsoleWorld, signed_in: ConsoleClient) -> None:
    item = _kor_item(console)
    before = _outbox_size(console)
    forged = signed_in.post("/send", data={"csrf": "forged", "items": item, "to": "JPN"})
    assert forged.status_code == 403
    token = signed_in.csrf()
    assert signed_in.post("/send", data={"csrf": token, "to": "JPN"}).status_code == 400
    assert signed_in.post("/send", data={"csrf": token, "items": " , ", "to": "JPN"}).status_code == 400
    assert _outbox_size(console) == before
    assert _refusals(console.kor, "console.csrf")
    assert _refusals(console.kor, "console.malformed")


@pytest.fixture
def park(console: ConsoleWorld) -> ConsoleClient:
    """A KOR officer cleared only 대외비: the JPN 極秘 report is withheld from him."""
    console.kor.users.add(NewUser("park", role="officer", clearance="대외비", ntk=[]), actor="authority")
    console.kor.accounts.set_password("park", PASSWORD, actor="authority")
    client = console.client()
    client.sign_in("park")
    return client


def test_receipts_of_a_withheld_item_answer_as_missing(console: ConsoleWorld, park: ConsoleClient) -> None:
    withheld = park.get(f"/items/{console.report}/receipts")
    missing_id = "jpn-" + "0" * 32
    missing = park.get(f"/items/{missing_id}/receipts")
    assert withheld.status_code == missing.status_code == 404
    assert withheld.text == missing.text.replace(missing_id, console.report)  # the path, echoed


def test_the_exchange_records_are_for_officers(console: ConsoleWorld) -> None:
    lee = console.client()
    lee.sign_in("lee")
    for path in ("/outbox", "/quarantine", "/consents"):
        refused = lee.get(path)
        assert refused.status_code == 403, path
        assert "for officers" in refused.text
    assert lee.get(f"/items/{console.report}/receipts").status_code == 404  # withheld: as missing
    inbox = lee.get("/inbox").text
    assert 'href="/outbox"' not in inbox
    assert 'href="/send"' not in inbox


def test_the_quarantine_shows_each_refusal_with_its_reason(
    console: ConsoleWorld, signed_in: ConsoleClient, tmp_path: Path
) -> None:
    assert "Nothing has been refused." in signed_in.get("/quarantine").text
    refused = tmp_path / "bundle.accord"
    refused.write_bytes(b"not a bundle")
    console.kor.receiving.quarantine_file("jpn-mod", "bundle refused: not a signed bundle", refused)
    page = signed_in.get("/quarantine").text
    assert "bundle refused: not a signed bundle" in page
    assert "jpn-mod" in page


# --- downgrade --------------------------------------------------------------------------


def test_an_item_is_downgraded_and_every_holder_told(console: ConsoleWorld, signed_in: ConsoleClient) -> None:
    item = _kor_item(console)
    console.kor.sending.send(item, to="JPN", actor="kim")
    _deliver_kor(console)
    form = signed_in.get(f"/items/{item}/downgrade").text
    assert "군사Ⅲ급비밀" in form
    assert "<option>군사Ⅰ급비밀</option>" not in form  # only the levels below its own
    data = {"csrf": signed_in.csrf(), "to": "군사Ⅲ급비밀", "reason": "Sources protected"}
    done = signed_in.post(f"/items/{item}/downgrade", data=data)
    assert done.status_code == 200
    assert console.jpn.config.node_id in done.text
    assert console.kor.items.show(item, actor="kim").marking.originator.classification == "군사Ⅲ급비밀"


def test_a_refused_downgrade_shows_the_node_words(console: ConsoleWorld, signed_in: ConsoleClient) -> None:
    item = _kor_item(console)
    token = signed_in.csrf()
    both = signed_in.post(
        f"/items/{item}/downgrade",
        data={"csrf": token, "to": "군사Ⅲ급비밀", "declassify": "true", "reason": "r"},
    )
    assert both.status_code == 400
    assert "not both" in both.text
    # Not the originator: the node refuses to change JPN's report.
    theirs = signed_in.post(
        f"/items/{console.report}/downgrade", data={"csrf": token, "declassify": "true", "reason": "r"}
    )
    assert theirs.status_code == 400
    assert "originat" in theirs.text
    assert console.kor.items.show(item, actor="kim").marking.originator.classification == "군사Ⅱ급비밀"


# --- consents (three nodes) -------------------------------------------------------------


@pytest.fixture
def trio(open_group: Callable[..., list[Node]], clock: object) -> Trio:
    return build_trio(open_group, clock)


def _asked(trio: Trio) -> str:
    """A JPN report held at KOR, and KOR's request to pass it to USA, delivered to JPN."""
    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "KN-23 launch assessment", "Trajectory.", "DPRK-MISSILE"),
            LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], agreement="JPN-KOR-GSOMIA-2016"),
            Precedence.PRIORITY,
        ),
        actor="sato",
    )
    trio.jpn.sending.send(made.id, to="KOR", actor="sato")
    trio.deliver(trio.jpn)
    asked = trio.kor.consents.request(made.id, to="USA", purpose=PURPOSE, actor="kim")
    trio.deliver(trio.kor)
    return asked.id


@pytest.fixture
def sato(trio: Trio) -> ConsoleClient:
    """JPN's officer signed in to JPN's console."""
    trio.jpn.accounts.set_password("sato", PASSWORD, actor="authority")
    client = ConsoleClient(create_console_app(trio.jpn, ConsoleSettings(secure_cookies=False)))
    assert client.sign_in("sato").status_code == 200
    return client


def test_a_consent_is_approved_with_conditions_then_revoked(trio: Trio, sato: ConsoleClient) -> None:
    request_id = _asked(trio)
    queue = sato.get("/consents?status=pending").text
    assert request_id in queue
    assert PURPOSE in queue
    approve = {
        "csrf": sato.csrf(),
        "days": "10",
        "conditions": "Missile defence only\nNo copies",
        "purpose_only": "true",
        "destroy_by": "2030-01-31",
    }
    done = sato.post(f"/consents/{request_id}/approve", data=approve)
    assert done.status_code == 200
    (view,) = trio.jpn.consents.listing(actor="sato")
    assert view.status == "approved"
    assert view.limits is not None
    assert view.limits["purpose_only"] is True
    assert view.limits["no_onward_release"] is False
    assert view.limits["destroy_by"] == "2030-02-01T00:00:00Z"
    assert view.token_id is not None
    assert view.token_id in done.text
    assert "for its purpose only; destroy before 20" in sato.get("/consents").text
    trio.deliver(trio.jpn)
    assert trio.kor.consents.listing(actor="kim")[0].status == "approved"
    revoke = {"csrf": sato.csrf(), "reason": "Situation changed"}
    revoked = sato.post(f"/consents/tokens/{view.token_id}/revoke", data=revoke)
    assert revoked.status_code == 200
    assert trio.jpn.consents.listing(actor="sato")[0].status == "revoked"


def test_a_consent_is_denied_with_its_reason(trio: Trio, sato: ConsoleClient) -> None:
    request_id = _asked(trio)
    denied = sato.post(f"/consents/{request_id}/deny", data={"csrf": sato.csrf(), "reason": "Too sensitive"})
    assert denied.status_code == 200
    (view,) = trio.jpn.consents.listing(actor="sato")
    assert (view.status, view.reason) == ("denied", "Too sensitive")
    assert "Too sensitive" in sato.get("/consents").text
    # Decided once: a second answer is refused in the node's words.
    again = sato.post(f"/consents/{request_id}/deny", data={"csrf": sato.csrf(), "reason": "again"})
    assert again.status_code == 400
    assert "Nothing was changed." in again.text


def test_a_forged_or_malformed_consent_answer_changes_nothing(trio: Trio, sato: ConsoleClient) -> None:
    request_id = _asked(trio)
    token = sato.csrf()
    approve = f"/consents/{request_id}/approve"
    assert sato.post(approve, data={"csrf": "forged", "days": "30"}).status_code == 403
    assert sato.post(approve, data={"csrf": token, "days": "a month"}).status_code == 400
    assert sato.post(f"/consents/{request_id}/deny", data={"csrf": token}).status_code == 400
    too_long = sato.post(approve, data={"csrf": token, "days": "400"})
    assert too_long.status_code == 400
    assert "1 to 365 days" in too_long.text
    assert trio.jpn.consents.listing(actor="sato")[0].status == "pending"
    assert _refusals(trio.jpn, "console.csrf")
    assert _refusals(trio.jpn, "console.malformed")


def test_a_consent_status_the_node_does_not_know_is_refused_beside_its_field(park: ConsoleClient) -> None:
    """As `accord consent list --status bogus`: refused in the node's words, not "no consent request"."""
    refused = park.get("/consents?status=bogus")
    assert refused.status_code == 400
    assert "unknown consent status &#39;bogus&#39;" in refused.text
    assert 'aria-describedby="status-error"' in refused.text
    assert "No consent request." not in refused.text
    assert park.get("/consents?status=approved").status_code == 200
    assert park.get("/consents").status_code == 200


def test_the_third_partys_consents_page_shows_a_revoked_consent(trio: Trio) -> None:
    """USA's officer still sees the consent JPN revoked, when and why, as JPN and KOR do (Art. 6)."""
    _, token_id = passed_on_to_usa(trio)
    trio.jpn.consents.revoke(token_id, reason="Source compromised", actor="sato")
    trio.deliver(trio.jpn)
    trio.usa.accounts.set_password("smith", PASSWORD, actor="authority")
    smith = ConsoleClient(create_console_app(trio.usa, ConsoleSettings(secure_cookies=False)))
    assert smith.sign_in("smith").status_code == 200
    page = smith.get("/consents?status=revoked").text
    assert token_id in page
    assert "Source compromised" in page
    assert "<dt>Revoked</dt>" in page
    assert "(jpn-mod)" in page

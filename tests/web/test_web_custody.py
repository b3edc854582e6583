"""The officer's custody and compromise pages in process: each action, its refusal in the CLI's words."""

from __future__ import annotations

import json
import re

import pytest
from support_web import PASSWORD, ConsoleClient, ConsoleWorld

from accord.node import NewUser
from accord.store import read_events
from accord.web import ConsoleSettings, create_console_app
from support_federation import Loopback

BANNER = "군사Ⅱ급비밀"  # KOR's alternative marking of JPN's 極秘 (Art. 4)


@pytest.fixture
def kim(console: ConsoleWorld) -> ConsoleClient:
    """kim (KOR officer) signed in; park (KOR officer) can witness."""
    console.kor.users.add(
        NewUser("park", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    client = console.client()
    assert client.sign_in("kim").status_code == 200
    return client


def _sato(console: ConsoleWorld) -> ConsoleClient:
    """sato (JPN officer, the report's originator) signed in on JPN's console."""
    console.jpn.accounts.set_password("sato", PASSWORD, actor="authority")
    client = ConsoleClient(create_console_app(console.jpn, ConsoleSettings(secure_cookies=False)))
    assert client.sign_in("sato").status_code == 200
    return client


def test_the_register_lists_what_the_person_may_read(console: ConsoleWorld, kim: ConsoleClient) -> None:
    page = kim.get("/holdings")
    assert page.status_code == 200
    assert f'href="/holdings/{console.report}"' in page.text
    assert page.text.count(BANNER) >= 3  # the line and both page banners
    assert 'action="/holdings/summary"' in page.text  # an officer's form
    lee = console.client()
    lee.sign_in("lee")
    theirs = lee.get("/holdings")
    assert console.report not in theirs.text
    assert 'action="/holdings/summary"' not in theirs.text
    assert 'href="/compromise"' not in theirs.text  # the officer's pages are not offered


def test_an_item_page_links_to_its_custody_for_those_who_keep_it(
    console: ConsoleWorld, kim: ConsoleClient
) -> None:
    link = f'href="/holdings/{console.report}"'
    assert link in kim.get(f"/items/{console.report}").text
    assert f'href="/items/{console.report}"' in kim.get(f"/holdings/{console.report}").text  # and back
    # An analyst who may read the item is given no custody act (the decision point's ROLE_ACTIONS).
    console.kor.users.add(
        NewUser("han", role="analyst", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    console.kor.accounts.set_password("han", PASSWORD, actor="authority")
    han = console.client()
    han.sign_in("han")
    page = han.get(f"/items/{console.report}")
    assert page.status_code == 200
    assert link not in page.text


def test_numbered_copies_and_their_refusal(console: ConsoleWorld, kim: ConsoleClient) -> None:
    token = kim.csrf()
    made = kim.post(f"/holdings/{console.report}/copy", data={"csrf": token, "count": "2"})
    assert made.status_code == 200
    assert "copy 1 of 2, copy 2 of 2" in made.text
    refused = kim.post(f"/holdings/{console.report}/copy", data={"csrf": token, "count": "0"})
    assert refused.status_code == 400
    assert "make from 1 to 100 copies at a time, not 0" in refused.text
    (line,) = [h for h in console.kor.register.holdings(actor="kim") if h.item_id == console.report]
    assert len(line.copies) == 2


def test_a_forged_or_malformed_form_changes_nothing(console: ConsoleWorld, kim: ConsoleClient) -> None:
    forged = kim.post(f"/holdings/{console.report}/copy", data={"csrf": "forged", "count": "1"})
    assert forged.status_code == 403
    malformed = kim.post(f"/holdings/{console.report}/copy", data={"csrf": kim.csrf(), "count": "many"})
    assert malformed.status_code == 400
    assert "The form is malformed." in malformed.text
    (line,) = [h for h in console.kor.register.holdings(actor="kim") if h.item_id == console.report]
    assert line.copies == ()
    with console.kor.ctx.db.transaction(read_only=True) as session:
        refused = {e.action for e in read_events(session) if e.outcome == "refused"}
    assert {"console.csrf", "console.malformed"} <= refused


def test_a_translation_is_recorded_and_shown_under_its_source_marking(
    console: ConsoleWorld, kim: ConsoleClient
) -> None:
    token = kim.csrf()
    refused = kim.post(
        f"/holdings/{console.report}/translate", data={"csrf": token, "lang": "Korean!", "text": "x"}
    )
    assert refused.status_code == 400
    assert "is not a language tag such as ko, ja or en" in refused.text
    made = kim.post(
        f"/holdings/{console.report}/translate",
        data={"csrf": token, "lang": "ko", "text": "이동식 발사대 2기."},
    )
    assert made.status_code == 200
    found = re.search(r'href="/translations/([^"]+)"', made.text)
    assert found is not None
    shown = kim.get(f"/translations/{found[1]}")
    assert shown.status_code == 200
    assert "이동식 발사대 2기." in shown.text
    assert shown.text.count(BANNER) >= 3
    lee = console.client()
    lee.sign_in("lee")
    nothing = "tr-" + "0" * 32
    withheld, missing = lee.get(f"/translations/{found[1]}"), lee.get(f"/translations/{nothing}")
    assert withheld.status_code == missing.status_code == 404
    assert withheld.text.replace(found[1], "ID") == missing.text.replace(nothing, "ID")


def test_destruction_before_a_witness_and_its_certificate(console: ConsoleWorld, kim: ConsoleClient) -> None:
    token = kim.csrf()
    alone = kim.post(
        f"/holdings/{console.report}/destroy",
        data={"csrf": token, "method": "crypto-erase", "witness": "kim"},
    )
    assert alone.status_code == 400
    assert "the witness must be another person than the one who destroys the item" in alone.text
    done = kim.post(
        f"/holdings/{console.report}/destroy",
        data={"csrf": token, "method": "crypto-erase", "witness": "park"},
    )
    assert done.status_code == 200
    assert "Destroyed: certificate" in done.text
    assert f'action="/holdings/{console.report}/destroy"' not in done.text  # no second destruction offered
    page = kim.get(f"/holdings/{console.report}/certificate")
    assert page.status_code == 200
    assert "park" in page.text
    assert page.text.count(BANNER) >= 2  # the destroyed item's record keeps its marking
    signed = json.loads(kim.get(f"/holdings/{console.report}/certificate?download=true").content)
    assert signed["witness"] == "park"
    assert signed["item_id"] == console.report
    record = kim.get(f"/holdings/{console.report}/dissemination")
    assert record.status_code == 200
    assert signed["certificate_id"] in record.text


def test_the_dissemination_record_at_the_originator(console: ConsoleWorld) -> None:
    sato = _sato(console)
    page = sato.get(f"/holdings/{console.report}/dissemination")
    assert page.status_code == 200
    assert "kor-mnd" in page.text
    assert "極秘" in page.text


def test_a_disposal_request_from_the_originator(console: ConsoleWorld) -> None:
    sato = _sato(console)
    page = sato.get(f"/holdings/{console.report}")
    assert f'action="/holdings/{console.report}/disposal"' in page.text
    token = sato.csrf()
    form = {"csrf": token, "holder": "KOR", "kind": "destroy", "reason": "No longer needed"}
    asked = sato.post(f"/holdings/{console.report}/disposal", data=form)
    assert asked.status_code == 200
    assert "Asked kor-mnd" in asked.text
    refused = sato.post(f"/holdings/{console.report}/disposal", data={**form, "holder": "JPN"})
    assert refused.status_code == 400
    assert "Nothing was changed." not in refused.text  # shown beside its form, on the item's page
    assert 'role="alert"' in refused.text


def test_reconciliation_of_a_signed_summary(console: ConsoleWorld, kim: ConsoleClient) -> None:
    summary = kim.post("/holdings/summary", data={"csrf": kim.csrf(), "party": "JPN"})
    assert summary.status_code == 200
    assert summary.headers["content-disposition"].startswith('attachment; filename="')
    sato = _sato(console)
    token = sato.csrf("/reconcile")
    files = {"summary": ("summary.json", summary.content)}
    report = sato.post("/reconcile", data={"csrf": token, "party": "KOR"}, files=files)
    assert report.status_code == 200
    assert "1 item(s) compared" in report.text
    wrong = sato.post("/reconcile", data={"csrf": token, "party": "USA"}, files=files)
    assert wrong.status_code == 400
    assert "that summary was made by KOR, not by USA" in wrong.text
    malformed = sato.post("/reconcile", data={"csrf": token, "party": "KOR"})
    assert malformed.status_code == 400
    with console.jpn.ctx.db.transaction(read_only=True) as session:
        assert any(e.action == "console.malformed" for e in read_events(session))
    forged = sato.post("/reconcile", data={"csrf": "forged", "party": "KOR"}, files=files)
    assert forged.status_code == 403


def test_a_compromise_case_from_report_to_close(console: ConsoleWorld, kim: ConsoleClient) -> None:
    kim.get(f"/items/{console.report}")  # a read the exposure shows
    token = kim.csrf("/compromise")
    empty = kim.post(
        "/compromise", data={"csrf": token, "items": console.report, "actual": "actual", "circumstances": ""}
    )
    assert empty.status_code == 400
    assert 'role="alert"' in empty.text
    form = {"csrf": token, "items": console.report, "actual": "actual", "circumstances": "Laptop lost."}
    opened = kim.post("/compromise", data=form)
    assert opened.status_code == 200
    assert opened.url.path.startswith("/compromise/")
    assert "Laptop lost." in opened.text
    assert opened.text.count(BANNER) >= 2
    listed = kim.get("/compromise?status=open")
    assert opened.url.path in listed.text
    exposure = kim.get(f"/holdings/{console.report}/exposure?proofs=true")
    assert exposure.status_code == 200
    assert "item.read" in exposure.text
    assert "Inclusion proofs" in exposure.text
    closed = kim.post(
        f"{opened.url.path}/close", data={"csrf": token, "findings": "Found.", "measures": "Encrypted disks."}
    )
    assert closed.status_code == 200
    assert "Encrypted disks." in closed.text
    again = kim.post(f"{opened.url.path}/close", data={"csrf": token, "findings": "F", "measures": "M"})
    assert again.status_code == 400
    # At the originator, the case reported to it (FLASH), with no close form: it was opened elsewhere.
    kor = console.kor
    for peer, lane in kor.delivery.peers_with_pending():
        kor.delivery.deliver_once(peer, lane, Loopback(console.jpn))
    sato = _sato(console)
    theirs = sato.get(opened.url.path)
    assert theirs.status_code == 200
    assert "reported to us" in theirs.text
    assert "Laptop lost." in theirs.text
    assert "極秘" in theirs.text.split("</header>")[0]  # the banner of the item it names
    assert f'action="{opened.url.path}/close"' not in theirs.text


def test_compromise_pages_are_the_officer_s(console: ConsoleWorld) -> None:
    lee = console.client()
    lee.sign_in("lee")
    refused = lee.get("/compromise")
    assert refused.status_code == 403
    assert "compromise reports and investigations are for the security officer" in refused.text
    assert lee.get("/compromise/case-x").status_code == 403

"""The oversight page: a report made by the node, charted, downloadable as JSON and PDF (issue 15)."""

from __future__ import annotations

import io
import json
from collections.abc import Iterator
from typing import Any

import pytest
from pypdf import PdfReader
from support_web import PASSWORD, ConsoleClient

from accord.node import OversightRequest
from accord.oversight import Expected, OversightReport, verify_report
from accord.web import ConsoleSettings, create_console_app
from support_oversight import FIRST_DAY, LAST_DAY, SECRET_ROW, exchange_mix, leave_out_one_sent

AGREEMENT = "JPN-KOR-GSOMIA-2016"


@pytest.fixture
def kor_console(federation: Any) -> Iterator[tuple[Any, Any]]:
    """KOR's console after the three months of exchanges, witnessed both ways."""
    exchange_mix(federation)
    for name in ("kim", "lee"):
        federation.kor.accounts.set_password(name, PASSWORD, actor="authority")
    app = create_console_app(federation.kor, ConsoleSettings(secure_cookies=False))
    clients: list[ConsoleClient] = []

    def client(user: str) -> ConsoleClient:
        made = ConsoleClient(app)
        assert made.sign_in(user).status_code == 200
        clients.append(made)
        return made

    yield federation, client
    for made in clients:
        made.close()


def _form(client: ConsoleClient, **fields: str) -> dict[str, str]:
    asked = {"agreement": AGREEMENT, "from": FIRST_DAY.isoformat(), "to": LAST_DAY.isoformat(), "lang": "ko"}
    return {"csrf": client.csrf("/oversight"), **asked, **fields}


def _last(federation: Any) -> tuple[str, str]:
    page = federation.kor.journal.listing(actor="kim", after=0, limit=1000)
    event = [e for e in page.events if e.action != "journal.read"][-1]
    return event.action, event.outcome


def test_an_officer_makes_the_report_and_sees_its_figures_and_chart(kor_console: Any) -> None:
    federation, client = kor_console
    kim = client("kim")
    form = kim.get("/oversight")
    assert form.status_code == 200
    assert 'href="/oversight" aria-current="page"' in form.text
    page = kim.post("/oversight", data=_form(kim))
    assert page.status_code == 200, page.text
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    assert "JPN에서 받은 항목" in text  # received|JPN, in the report's language
    assert SECRET_ROW in text
    assert '<svg class="oversight-chart"' in text
    assert text.count('<rect class="oversight-series-') == 2 * 3  # sent and received, three months
    assert "style=" not in text
    assert "<script>" not in text
    assert _last(federation) == ("oversight.report", "ok")


def test_the_downloads_are_the_signed_report_and_its_pdf(kor_console: Any) -> None:
    federation, client = kor_console
    kim = client("kim")
    made = kim.post("/oversight/file", data={**_form(kim), "format": "json"})
    assert made.status_code == 200, made.text
    assert made.headers["content-type"].startswith("application/json")
    assert (
        'filename="KOR-JPN-KOR-GSOMIA-2016-2026-11-01-2027-01-31.json"' in made.headers["content-disposition"]
    )
    cards = [federation.jpn.parties.own_card().to_json(), federation.kor.parties.own_card().to_json()]
    report = verify_report(made.content, cards, Expected(AGREEMENT, FIRST_DAY, LAST_DAY))
    assert isinstance(report, OversightReport)
    assert report.lang == "ko"
    pdf = kim.post("/oversight/file", data={**_form(kim, lang="ja"), "format": "pdf"})
    assert pdf.status_code == 200
    assert pdf.headers["content-type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(pdf.content))
    words = "".join("".join(p.extract_text().replace("\x00", "").split()) for p in reader.pages)
    assert "JPNから受領した項目" in words


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        pytest.param({"from": "31/01/2027"}, "from", id="not-a-day"),
        pytest.param({"to": ""}, "to", id="no-last-day"),
        pytest.param({"from": "2027-01-31", "to": "2026-11-01"}, "to", id="ends-before-it-begins"),
        pytest.param({"agreement": "NO-SUCH"}, "agreement", id="unknown-agreement"),
        pytest.param({"lang": "fr"}, "lang", id="unknown-language"),
    ],
)
def test_a_bad_field_is_refused_beside_it_and_no_report_is_made(
    kor_console: Any, fields: dict[str, str], field: str
) -> None:
    federation, client = kor_console
    kim = client("kim")
    refused = kim.post("/oversight", data=_form(kim, **fields))
    assert refused.status_code == 400
    assert f'id="{field}-error" role="alert"' in refused.text
    assert f'aria-describedby="{field}-error"' in refused.text
    assert _last(federation)[0] != "oversight.report"


def test_the_node_refusal_is_shown_in_its_words(kor_console: Any) -> None:
    federation, client = kor_console
    kim = client("kim")
    future = kim.post("/oversight", data=_form(kim, **{"from": "2030-01-01", "to": "2030-01-31"}))
    assert future.status_code == 400
    assert "the period has not ended" in future.text
    assert _last(federation) == ("oversight.report", "refused")


def test_an_analyst_has_no_link_and_is_refused(kor_console: Any) -> None:
    federation, client = kor_console
    lee = client("lee")
    assert 'href="/oversight"' not in lee.get("/inbox").text
    assert lee.get("/oversight").status_code == 403
    assert _last(federation) == ("console.oversight", "refused")
    posted = lee.post("/oversight/file", data={**_form(lee), "format": "json"})
    assert posted.status_code == 403


def test_a_forged_or_malformed_post_is_refused_and_journalled(kor_console: Any) -> None:
    federation, client = kor_console
    kim = client("kim")
    forged = kim.post("/oversight", data={**_form(kim), "csrf": "forged"})
    assert forged.status_code == 403
    assert _last(federation) == ("console.csrf", "refused")
    malformed = kim.post("/oversight/file", data={**_form(kim), "format": "docx"})
    assert malformed.status_code == 400
    assert _last(federation) == ("console.malformed", "refused")


def _upload(client: ConsoleClient, report: bytes, cards: list[str], want: str = "page") -> Any:
    files = [("report", ("report.json", report, "application/json"))]
    files += [("cards", (f"card{n}.json", card.encode(), "application/json")) for n, card in enumerate(cards)]
    return client.post(
        "/oversight/verify", data={"csrf": client.csrf("/oversight/verify"), "as": want}, files=files
    )


def test_a_partner_report_is_verified_with_both_cards_and_printed(kor_console: Any) -> None:
    federation, client = kor_console
    kim = client("kim")
    jpn_report = federation.jpn.oversight.report(
        OversightRequest(AGREEMENT, FIRST_DAY, LAST_DAY, "ja"), actor="sato"
    )
    cards = [federation.jpn.parties.own_card().to_json(), federation.kor.parties.own_card().to_json()]
    shown = _upload(kim, jpn_report.to_json().encode(), cards)
    assert shown.status_code == 200, shown.text
    assert 'role="status"' in shown.text
    assert federation.jpn.parties.own_card().fingerprint in shown.text
    assert "KORへ送付した項目" in shown.text
    pdf = _upload(kim, jpn_report.to_json().encode(), cards, want="pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")


def test_a_tampered_report_names_what_failed_and_is_journalled(kor_console: Any) -> None:
    federation, client = kor_console
    kim = client("kim")
    made = federation.jpn.oversight.report(OversightRequest(AGREEMENT, FIRST_DAY, LAST_DAY), actor="sato")
    data = json.loads(made.to_json())
    data["months"][0]["figures"][0]["count"] += 1  # 2026-11 sent|KOR: one more than it proves
    cards = [federation.jpn.parties.own_card().to_json(), federation.kor.parties.own_card().to_json()]
    refused = _upload(kim, json.dumps(data).encode(), cards)
    assert refused.status_code == 400
    assert "2026-11 sent|KOR" in refused.text
    assert 'id="verify-error"' in refused.text
    assert 'role="status"' not in refused.text
    assert _last(federation) == ("console.oversight-verify", "refused")
    not_json = _upload(kim, b"\xff\xfe not a report", cards, want="pdf")
    assert not_json.status_code == 400
    assert not_json.headers["content-type"].startswith("text/html")
    no_files = kim.post("/oversight/verify", data={"csrf": kim.csrf("/oversight/verify"), "as": "page"})
    assert no_files.status_code == 400
    assert _last(federation) == ("console.malformed", "refused")


def _reports(federation: Any) -> tuple[OversightReport, OversightReport, list[str]]:
    """JPN's report (in Japanese), KOR's (in Korean), and both cards."""
    jpn = federation.jpn.oversight.report(
        OversightRequest(AGREEMENT, FIRST_DAY, LAST_DAY, "ja"), actor="sato"
    )
    kor = federation.kor.oversight.report(OversightRequest(AGREEMENT, FIRST_DAY, LAST_DAY, "ko"), actor="kim")
    cards = [federation.jpn.parties.own_card().to_json(), federation.kor.parties.own_card().to_json()]
    return jpn, kor, cards


def _compare(client: ConsoleClient, first: bytes, second: bytes, cards: list[str]) -> Any:
    files = [
        ("first", ("JPN.json", first, "application/json")),
        ("second", ("KOR.json", second, "application/json")),
    ]
    files += [("cards", (f"card{n}.json", card.encode(), "application/json")) for n, card in enumerate(cards)]
    if not cards:  # what a browser sends for a file field left empty
        files.append(("cards", ("", b"", "application/octet-stream")))
    return client.post("/oversight/compare", data={"csrf": client.csrf("/oversight/compare")}, files=files)


def test_agreeing_reports_show_no_discrepancy(kor_console: Any) -> None:
    federation, client = kor_console
    kim = client("kim")
    form = kim.get("/oversight/compare")
    assert form.status_code == 200
    assert form.headers["cache-control"] == "no-store"
    assert 'href="/oversight/compare"' in kim.get("/oversight").text
    assert 'href="/oversight/compare"' in kim.get("/oversight/verify").text
    jpn, kor, cards = _reports(federation)
    verified = _compare(kim, jpn.to_json().encode(), kor.to_json().encode(), cards)
    assert verified.status_code == 200, verified.text
    assert "No discrepancy: JPN’s and KOR’s reports agree month by month." in verified.text
    assert federation.jpn.parties.own_card().fingerprint in verified.text
    unverified = _compare(kim, kor.to_json().encode(), jpn.to_json().encode(), [])
    assert unverified.status_code == 200, unverified.text
    assert "No discrepancy: KOR’s and JPN’s reports agree month by month." in unverified.text
    assert "Not verified: this compares what the files say." in unverified.text
    assert "style=" not in verified.text
    assert "<script>" not in verified.text


def test_a_report_that_left_an_exchange_out_shows_the_discrepancy(kor_console: Any) -> None:
    federation, client = kor_console
    kim = client("kim")
    jpn, kor, cards = _reports(federation)
    lying = leave_out_one_sent(federation.kor, kor, "2027-01", "JPN")
    assert verify_report(lying.to_json(), cards, Expected()) == lying  # it verifies: only compare sees it
    kim.post("/settings/language", data={"csrf": kim.csrf("/inbox"), "lang": "ko"})
    shown = _compare(kim, jpn.to_json().encode(), lying.to_json().encode(), cards)
    assert shown.status_code == 200, shown.text
    text = shown.text
    assert "No discrepancy" not in text
    assert 'id="compare-found"' in text
    # The rows of accord oversight compare, each figure named in the viewer's language (ko).
    january = text[text.index('<th scope="row">2027-01</th>') :]
    row = january[: january.index("</tr>")]
    assert "KOR에서 받은 항목 <code>received|KOR</code>" in row
    assert "JPN에 보낸 항목 <code>sent|JPN</code>" in row
    assert row.index('<td class="num">2</td>') < row.index('<td class="num">1</td>')  # JPN 2, KOR 1
    assert "기간 전체" in text  # the period's totals: 3 against 2
    assert _last(federation)[0] != "console.oversight-compare"


def test_a_report_that_does_not_verify_or_compare_is_refused_and_journalled(kor_console: Any) -> None:
    federation, client = kor_console
    kim = client("kim")
    jpn, kor, cards = _reports(federation)
    data = json.loads(kor.to_json())
    data["months"][0]["figures"][0]["count"] += 1
    tampered = _compare(kim, jpn.to_json().encode(), json.dumps(data).encode(), cards)
    assert tampered.status_code == 400
    assert "The second report: Not compared: 2026-11" in tampered.text
    assert 'id="compare-error"' in tampered.text
    assert 'id="compare-found"' not in tampered.text
    assert _last(federation) == ("console.oversight-compare", "refused")
    same_party = _compare(kim, jpn.to_json().encode(), jpn.to_json().encode(), [])
    assert same_party.status_code == 400
    assert "both reports are JPN&#39;s" in same_party.text
    not_json = _compare(kim, b"\xff\xfe not a report", kor.to_json().encode(), [])
    assert not_json.status_code == 400
    assert "The first report:" in not_json.text
    bad_card = _compare(kim, jpn.to_json().encode(), kor.to_json().encode(), ["not a card", cards[1]])
    assert bad_card.status_code == 400
    assert 'id="compare-error"' in bad_card.text
    assert "report: Not compared" not in bad_card.text  # the card failed, not either report


def test_a_malformed_compare_is_refused_and_journalled(kor_console: Any) -> None:
    federation, client = kor_console
    kim = client("kim")
    one = kim.post(
        "/oversight/compare",
        data={"csrf": kim.csrf("/oversight/compare")},
        files=[("first", ("JPN.json", b"{}", "application/json"))],
    )
    assert one.status_code == 400
    assert _last(federation) == ("console.malformed", "refused")
    forged = kim.post(
        "/oversight/compare",
        data={"csrf": "forged"},
        files=[
            ("first", ("a.json", b"{}", "application/json")),
            ("second", ("b.json", b"{}", "application/json")),
        ],
    )
    assert forged.status_code == 403
    assert _last(federation) == ("console.csrf", "refused")


def test_an_analyst_may_not_compare(kor_console: Any) -> None:
    federation, client = kor_console
    lee = client("lee")
    assert lee.get("/oversight/compare").status_code == 403
    assert _last(federation) == ("console.oversight", "refused")
    jpn, kor, _ = _reports(federation)
    posted = _compare(lee, jpn.to_json().encode(), kor.to_json().encode(), [])
    assert posted.status_code == 403
    assert _last(federation) == ("console.oversight", "refused")

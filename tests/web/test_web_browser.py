"""The console in a real browser: Chromium headless, a real node on 127.0.0.1 (issue 11).

One browser per worker for this module; each test serves KOR's console (uvicorn, a thread) over the
federation of tests/conftest.py, in which JPN sent KOR a FLASH 極秘 report. Every page visited
is checked with axe-core (serious or critical violations fail) and its screenshot kept in the
run's output folder (``ACCORD_SCREENSHOTS``, else ``<pytest basetemp>/console-screenshots``);
a Content-Security-Policy violation reported by the browser fails the test.
"""

from __future__ import annotations

import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from support_browser import check_accessibility, screenshot, sign_in, visit
from support_web import PASSWORD, ConsoleWorld, deliver_to_kor

from accord.errors import AccordError
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser, OversightRequest
from accord.node.audit import VerifyReport
from accord.web import ConsoleSettings, create_console_app
from support_federation import Loopback
from support_oversight import FIRST_DAY, LAST_DAY, exchange_mix, leave_out_one_sent

pytestmark = pytest.mark.browser


@dataclass
class Served:
    world: ConsoleWorld
    url: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def served(console: ConsoleWorld) -> Iterator[Served]:
    port = _free_port()
    # The inbox polls every second here, so that a new arrival shows within the test.
    app = create_console_app(console.kor, ConsoleSettings(secure_cookies=False, poll_seconds=1))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the console did not start"
        time.sleep(0.02)
    yield Served(console, f"http://127.0.0.1:{port}")
    server.should_exit = True
    thread.join(10)


def _sign_in(page: Any, served: Served, user: str, password: str = PASSWORD) -> None:
    sign_in(page, served.url, user, password)


def _png(path: Path, width: int = 64, height: int = 48) -> Path:
    """A small RGB PNG, written without any imaging library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    rows = b"".join(
        b"\x00" + bytes(v for x in range(width) for v in (x * 4 % 256, y * 5 % 256, 128))
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )
    return path


def test_an_analyst_reads_creates_and_sees_new_arrivals(
    served: Served, page_in: Any, shots: Path, tmp_path: Path
) -> None:
    page = page_in("ko-KR")
    visit(page, served.url + "/login", shots, "login-ko")
    _sign_in(page, served, "kim")
    page.wait_for_url("**/inbox")
    assert page.get_attribute("html", "lang") == "ko"
    assert page.inner_text("#banner-top").startswith("군사Ⅱ급비밀 (GUNSA 2-GEUP BIMIL) // SECRET")
    assert page.inner_text("#banner-bottom") == page.inner_text("#banner-top")
    assert "banner-secret" in (page.get_attribute("#banner-top", "class") or "")
    assert page.inner_text("table.inbox tbody tr:first-child .prec") == "FLASH"
    check_accessibility(page, "inbox-ko")
    screenshot(page, shots, "inbox-ko")

    page.click("table.inbox a")
    page.wait_for_selector("article.item")
    assert "Hwasong launch-site survey" in page.inner_text("h1")
    assert "極秘 (GOKUHI)" in page.inner_text("dl.labels")  # the originator's label, beside ours
    check_accessibility(page, "item-ko")
    screenshot(page, shots, "item-ko")

    # A new item with an image: only the levels kim may create are offered.
    visit(page, served.url + "/items/new?kind=missile-launch", shots, "create-missile-launch-ko")
    page.goto(served.url + "/items/new?kind=imagery")
    offered = page.eval_on_selector_all("#classification option", "els => els.map(e => e.value)")
    assert offered == ["군사Ⅱ급비밀", "군사Ⅲ급비밀", "대외비"]
    page.fill("#title", "Sunan airfield, morning pass")
    page.select_option("#classification", "대외비")
    page.fill("#purpose", "Assessment")
    page.fill("#field-acquisition_time", "2026-11-25T08:00:00Z")
    page.fill("#field-sensor", "KOMPSAT-3")
    page.fill("#field-footprint", "39.1,125.6;39.1,125.8;39.3,125.8")
    page.set_input_files("#attachments", str(_png(tmp_path / "sunan.png")))
    screenshot(page, shots, "create-imagery-filled-ko")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("img.preview")
    # The element comes before its picture: wait until the browser has loaded it (or failed to).
    # A function, not an expression: the page's CSP forbids eval, and Playwright evals an
    # expression again at every poll after the first (a flake when the image is still loading).
    page.wait_for_function("() => document.querySelector('img.preview').complete")
    assert page.evaluate("document.querySelector('img.preview').naturalWidth") == 64
    assert page.inner_text("#banner-top").startswith("대외비 (DAEOEBI)")
    check_accessibility(page, "item-imagery-ko")
    screenshot(page, shots, "item-imagery-ko")

    # A FLASH arrival appears in the open inbox without a reload (htmx polling).
    page.goto(served.url + "/inbox")
    world = served.world
    second = world.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Second launch detected", "One more.", "Assessment"),
            LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], agreement=world.federation.agreement_id),
            Precedence.FLASH,
        ),
        actor="sato",
    ).id
    deliver_to_kor(world.federation, second)
    page.wait_for_selector("text=Second launch detected", timeout=10_000)

    page.click("text=로그아웃")
    page.wait_for_url("**/login")
    page.goto(served.url + "/inbox")
    page.wait_for_url("**/login")


@pytest.mark.parametrize("locale", ["en-GB", "ja-JP"])
def test_banners_stay_native_in_every_language(
    served: Served, page_in: Any, shots: Path, locale: str
) -> None:
    page = page_in(locale)
    _sign_in(page, served, "kim")
    page.wait_for_url("**/inbox")
    language = locale[:2]
    assert page.get_attribute("html", "lang") == language
    assert page.inner_text("h1") == {"en": "Inbox", "ja": "受信箱"}[language]
    assert page.inner_text("#banner-top").startswith("군사Ⅱ급비밀")
    check_accessibility(page, f"inbox-{language}")
    screenshot(page, shots, f"inbox-{language}")
    page.click("table.inbox a")
    page.wait_for_selector("article.item")
    check_accessibility(page, f"item-{language}")
    screenshot(page, shots, f"item-{language}")


def test_a_denied_user_sees_nothing_then_times_out_and_a_guesser_is_locked_out(
    served: Served, page_in: Any, shots: Path
) -> None:
    page = page_in("en-US")
    _sign_in(page, served, "lee")
    page.wait_for_url("**/inbox")
    assert "Hwasong" not in page.content()
    assert page.inner_text("#banner-top") == "평문 (UNCLASSIFIED)"
    check_accessibility(page, "inbox-denied-en")
    screenshot(page, shots, "inbox-denied-en")
    response = visit(page, f"{served.url}/items/{served.world.report}", shots, "not-found-en")
    assert response.status == 404
    assert "Hwasong" not in page.content()

    served.world.federation.clock.advance(minutes=16)
    page.goto(served.url + "/inbox")
    page.wait_for_url("**/login?ended=1")
    assert "Your session has ended" in page.inner_text("main")
    screenshot(page, shots, "session-ended-en")

    for _ in range(5):
        _sign_in(page, served, "lee", "not the password")
        assert "wrong user name or password" in page.inner_text("#login-error")
    _sign_in(page, served, "lee")
    assert "account locked until" in page.inner_text("#login-error")
    check_accessibility(page, "login-locked-en")
    screenshot(page, shots, "login-locked-en")


def test_the_authority_changes_a_clearance_and_the_journal_shows_it(
    served: Served, page_in: Any, shots: Path
) -> None:
    kor = served.world.kor
    kor.users.add(NewUser("park", role="authority", clearance="군사Ⅰ급비밀", ntk=[]), actor="authority")
    kor.accounts.set_password("park", PASSWORD, actor="authority")
    page = page_in("ja-JP")
    _sign_in(page, served, "park")
    page.wait_for_url("**/inbox")
    page.click("nav a[href='/authority/users']")
    page.wait_for_selector("#user-lee")
    assert page.query_selector("#user-park form") is None  # never one's own
    check_accessibility(page, "authority-users-ja")
    page.select_option("#level-lee", "군사Ⅲ급비밀")
    page.click("#user-lee button[type=submit]")
    page.wait_for_selector("#user-lee")
    assert "군사Ⅲ급비밀" in page.inner_text("#user-lee td.marking")
    screenshot(page, shots, "authority-users-ja")
    visit(page, served.url + "/authority/partners", shots, "authority-partners-ja")
    assert served.world.jpn.parties.own_card().fingerprint in page.inner_text("table.inbox")
    visit(page, served.url + "/authority/keys", shots, "authority-keys-ja")
    visit(page, served.url + "/authority/agreements", shots, "authority-agreements-ja")
    page.click("table.inbox tbody a")
    page.wait_for_selector("ol.timeline")
    assert "entry-into-force" in page.inner_text("ol.timeline")
    check_accessibility(page, "authority-agreement-ja")
    screenshot(page, shots, "authority-agreement-ja")

    visit(page, served.url + "/audit/journal?actor=park&action=user.*", shots, "audit-journal-ja")
    assert "user.clearance" in page.inner_text("table.inbox tbody")
    visit(page, served.url + "/audit/ledger", shots, "audit-ledger-ja")
    page.click("#h-verify ~ form button[type=submit]")  # htmx swaps the result in place
    page.wait_for_selector("#verify-result p.notice")
    assert page.url.endswith("/audit/ledger")
    screenshot(page, shots, "audit-ledger-verified-ja")
    for path, name in [("/audit/witnesses", "witnesses"), ("/audit/alarms", "alarms")]:
        visit(page, served.url + path, shots, f"audit-{name}-ja")
    assert page.inner_text("#banner-top") == "평문 (UNCLASSIFIED)"


def test_an_officer_accounts_for_an_item_from_copy_to_destruction(
    served: Served, page_in: Any, shots: Path
) -> None:
    world = served.world
    world.kor.users.add(
        NewUser("park", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    page = page_in("ko-KR")
    _sign_in(page, served, "kim")
    page.wait_for_url("**/inbox")
    visit(page, served.url + "/holdings", shots, "holdings-ko")
    assert page.inner_text("#banner-top").startswith("군사Ⅱ급비밀")
    page.click(f"a[href='/holdings/{world.report}']")
    page.wait_for_selector("#count")
    page.fill("#count", "2")
    page.click("form[action$='/copy'] button")
    page.wait_for_selector("p[role=status]")
    assert "사본 2부 중 2번" in page.inner_text("section[aria-labelledby=h-copies]")
    page.fill("#lang", "ko")
    page.fill("#text", "이동식 발사대 2기 확인.")
    page.click("form[action$='/translate'] button")
    page.wait_for_selector("a[href^='/translations/']")
    check_accessibility(page, "custody-item-ko")
    screenshot(page, shots, "custody-item-ko")

    visit(page, served.url + "/compromise", shots, "compromise-ko")
    page.fill("#items", world.report)
    page.check("#actual-no")
    page.fill("#circumstances", "Laptop left in a taxi.")
    page.click("form[action='/compromise'] button")
    page.wait_for_selector("#findings")
    check_accessibility(page, "compromise-case-ko")
    screenshot(page, shots, "compromise-case-ko")
    visit(page, f"{served.url}/holdings/{world.report}/exposure?proofs=true", shots, "exposure-ko")
    assert "kim" in page.inner_text("main")

    page.goto(f"{served.url}/holdings/{world.report}")
    page.fill("#method", "crypto-erase")
    page.fill("#witness", "kim")
    page.click("form[action$='/destroy'] button")
    page.wait_for_selector("#destroy-error")
    assert "the witness must be another person" in page.inner_text("#destroy-error")
    page.fill("#method", "crypto-erase")
    page.fill("#witness", "park")
    page.click("form[action$='/destroy'] button")
    page.wait_for_selector("a[href$='/certificate']")
    visit(page, f"{served.url}/holdings/{world.report}/certificate", shots, "certificate-ko")
    assert "park" in page.inner_text("dl.facts")
    assert page.inner_text("#banner-top").startswith("군사Ⅱ급비밀")


def test_an_officer_sends_follows_the_outbox_and_downgrades(
    served: Served, page_in: Any, shots: Path
) -> None:
    world = served.world
    made = world.kor.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Sinpo SLBM test", "One SLBM.", "Assessment"),
            LabelRequest("군사Ⅱ급비밀", ["JPN"], ["DPRK-MISSILE"], agreement=world.federation.agreement_id),
            Precedence.PRIORITY,
        ),
        actor="kim",
    ).id
    page = page_in("en-GB")
    _sign_in(page, served, "kim")
    page.wait_for_url("**/inbox")
    # From the item's page to the send form, the item already named.
    page.goto(f"{served.url}/items/{made}")
    page.click("text=Send to a partner")
    page.wait_for_url("**/send?item=*")
    assert page.input_value("#items") == made
    page.select_option("#precedence", "FLASH")
    check_accessibility(page, "officer-send-en")
    screenshot(page, shots, "officer-send-en")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("text=Queued for sending")
    assert page.inner_text("#banner-top").startswith("군사Ⅱ급비밀")
    check_accessibility(page, "officer-sent-en")

    page.click("main a[href='/outbox']")
    page.wait_for_url("**/outbox")
    assert page.inner_text("table.inbox tbody tr:first-child .prec") == "FLASH"
    check_accessibility(page, "officer-outbox-en")
    screenshot(page, shots, "officer-outbox-en")
    for peer, lane in world.kor.delivery.peers_with_pending():
        world.kor.delivery.deliver_once(peer, lane, Loopback(world.jpn))
    visit(page, f"{served.url}/items/{made}/receipts", shots, "officer-receipts-en")
    assert "極秘" in page.inner_text("table.inbox")  # JPN's own marking, in its signed receipt
    visit(page, served.url + "/quarantine", shots, "officer-quarantine-en")
    visit(page, served.url + "/consents", shots, "officer-consents-en")

    visit(page, f"{served.url}/items/{made}/downgrade", shots, "officer-downgrade-en")
    page.select_option("#to", "군사Ⅲ급비밀")
    page.fill("#reason", "Sources protected")
    page.click("form.form button[type=submit]")
    page.wait_for_selector("text=Classification changed")
    assert world.jpn.config.node_id in page.inner_text("main")
    assert page.inner_text("#banner-top").startswith("군사Ⅲ급비밀")
    check_accessibility(page, "officer-downgraded-en")


def test_an_analyst_searches_in_korean_from_the_header_box(served: Served, page_in: Any, shots: Path) -> None:
    world = served.world
    made = world.kor.items.create(
        NewItem(
            ItemContent(
                ItemKind.REPORT,
                "신포 <b>발사</b> 보고",
                "잠수함에서 탄도미사일 1발을 발사하였다.",
                "Assessment",
            ),
            LabelRequest("군사Ⅲ급비밀", [], ["DPRK-MISSILE"]),
            Precedence.PRIORITY,
        ),
        actor="kim",
    ).id
    page = page_in("ko-KR")
    _sign_in(page, served, "kim")
    page.wait_for_url("**/inbox")
    page.fill("#nav-q", "발사")
    page.press("#nav-q", "Enter")
    page.wait_for_selector("table.results")
    assert page.get_attribute("html", "lang") == "ko"
    assert page.inner_text("h1") == "검색"
    assert page.input_value("#q") == "발사"
    marks = page.eval_on_selector_all("table.results mark", "els => els.map(e => e.textContent)")
    assert marks == ["발사"]  # the first match of each word, as the node cuts the snippet
    # The title's markup is text: no <b> element came from it.
    assert page.query_selector("table.results td b") is None
    assert "신포 <b>발사</b> 보고" in page.inner_text("table.results")
    assert page.inner_text("#banner-top").startswith("군사Ⅲ급비밀")
    check_accessibility(page, "search-ko")
    screenshot(page, shots, "search-ko")
    page.click(f"table.results a[href='/items/{made}']")
    page.wait_for_selector("article.item")

    # A bad filter: the CLI's words beside the field, and the page still accessible.
    visit(page, served.url + "/search?q=%E5%8C%97&kind=memo", shots, "search-error-ko")
    assert "unknown item kind 'memo'" in page.inner_text("#kind-error")
    assert page.get_attribute("#f-kind", "aria-describedby") == "kind-error"


def test_a_denied_user_searches_and_finds_nothing(served: Served, page_in: Any, shots: Path) -> None:
    page = page_in("ja-JP")
    _sign_in(page, served, "lee")
    page.wait_for_url("**/inbox")
    page.fill("#nav-q", "Hwasong")
    page.press("#nav-q", "Enter")
    page.wait_for_selector("#h-results")
    assert "Hwasong launch-site" not in page.content()
    assert page.query_selector("table.results") is None
    assert page.inner_text("#banner-top") == "평문 (UNCLASSIFIED)"
    check_accessibility(page, "search-denied-ja")
    screenshot(page, shots, "search-denied-ja")


def _items_of(page: Any, served: Served, user: str) -> Any:
    """``page`` on the item list, reached from the navigation after ``user`` signed in."""
    _sign_in(page, served, user)
    page.wait_for_url("**/inbox")
    page.click("nav a[href='/items']")
    page.wait_for_url("**/items")
    return page


def test_the_item_list_from_the_navigation_in_korean_and_empty_in_english(
    served: Served, page_in: Any, shots: Path
) -> None:
    page = _items_of(page_in("ko-KR"), served, "kim")
    assert page.inner_text("h1") == "자료"
    assert page.inner_text("table.inbox tbody tr:first-child .prec") == "FLASH"
    assert page.inner_text("#items-shown") == "열람 가능한 1건 중 1–1건 표시"
    assert page.inner_text("#banner-top").startswith("군사Ⅱ급비밀")
    check_accessibility(page, "items-ko")
    screenshot(page, shots, "items-ko")
    page.click("table.inbox a")
    page.wait_for_selector("article.item")
    # lee may read nothing held here: the empty list, in English, the banner unclassified.
    page = _items_of(page_in("en-GB"), served, "lee")
    assert page.inner_text("#items-shown") == "Showing none of 0 readable"
    assert page.inner_text("#banner-top") == "평문 (UNCLASSIFIED)"
    check_accessibility(page, "items-empty-en")
    screenshot(page, shots, "items-empty-en")


def test_the_dashboard_draws_its_charts_for_an_officer_and_counts_nothing_withheld(
    served: Served, page_in: Any, shots: Path
) -> None:
    world = served.world
    for precedence in (Precedence.FLASH, Precedence.ROUTINE):
        made = world.kor.items.create(
            NewItem(
                ItemContent(ItemKind.REPORT, f"Sinpo {precedence.value}", "One SLBM.", "Assessment"),
                LabelRequest(
                    "군사Ⅱ급비밀", ["JPN"], ["DPRK-MISSILE"], agreement=world.federation.agreement_id
                ),
                precedence,
            ),
            actor="kim",
        ).id
        world.kor.sending.send(made, to="JPN", actor="kim")
    world.federation.clock.advance(minutes=4)
    for peer, lane in world.kor.delivery.peers_with_pending():
        world.kor.delivery.deliver_once(peer, lane, Loopback(world.jpn))
    waiting = world.kor.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Waiting", "Not delivered yet.", "Assessment"),
            LabelRequest("군사Ⅱ급비밀", ["JPN"], ["DPRK-MISSILE"], agreement=world.federation.agreement_id),
            Precedence.PRIORITY,
        ),
        actor="kim",
    ).id
    world.kor.sending.send(waiting, to="JPN", actor="kim")
    with pytest.raises(AccordError):
        world.kor.receiving.receive_transmission(b"not a transmission")

    page = page_in("ko-KR")
    _sign_in(page, served, "kim")
    page.wait_for_url("**/inbox")
    page.click("nav a[href='/dashboard']")
    page.wait_for_url("**/dashboard")
    # uPlot drew both time series on canvases of the chart's width (dashboard.js, no inline script).
    for chart in ("#chart-exchanged", "#chart-latency"):
        page.wait_for_selector(f"{chart}[data-drawn='true'] canvas")
        assert page.evaluate(f"document.querySelector('{chart} canvas').width") > 300
    assert page.locator("svg.bars rect.bar-lane").count() == 1
    assert page.locator("svg.bars rect.bar-refusal").count() == 1
    assert page.locator("svg.bars rect.bar-journal").count() >= 1  # exchange.reject, journalled
    page.click("text=일일 교환 항목 표")
    assert "JPN 발송" in page.inner_text("#exchanged-title + div + details table")
    check_accessibility(page, "dashboard-officer-ko")
    screenshot(page, shots, "dashboard-officer-ko")

    analyst = page_in("en-GB")
    _sign_in(analyst, served, "lee")
    analyst.wait_for_url("**/inbox")
    visit(analyst, served.url + "/dashboard", shots, "dashboard-analyst-en")
    assert "Nothing was exchanged in these days." in analyst.inner_text("main")
    assert analyst.locator("canvas").count() == 0


# Each role at KOR: (user, role, clearance, need to know, browser language). kim is the
# federation's officer; the others are added by the test.
ROLES = [
    ("han", "analyst", "군사Ⅱ급비밀", ["DPRK-MISSILE"], "ko-KR"),
    ("kim", "officer", "군사Ⅱ급비밀", ["DPRK-MISSILE"], "ko-KR"),
    ("park", "authority", "군사Ⅰ급비밀", ["DPRK-MISSILE"], "ja-JP"),
    ("choi", "auditor", "대외비", [], "en-GB"),
]
# Pages no other browser test shows: checked with axe-core too (as the officer sees them).
NEWLY_CHECKED = ("/audit/journal/1", "/dissemination", "/translations/", "/reconcile", "/receipts")


@pytest.mark.slow  # some sixty pages (~25-50 s): started first, beside everything else
def test_every_page_offered_to_each_role_is_shown_and_kept_as_a_screenshot(
    served: Served, page_in: Any, shots: Path, tmp_path: Path
) -> None:
    """Each role signs in and opens every page its navigation offers, and the item's pages.

    Every page the navigation offers answers 200 to that role (the links follow the node's
    duties); the item's pages are kept where the role may see them (the refusal page once, for
    the analyst). Each is kept as ``roles/<role>-<path>.png`` in the screenshots folder.
    """
    world = served.world
    kor, report = world.kor, world.report
    for name, role, clearance, ntk, _ in ROLES:
        if name != "kim":
            kor.users.add(NewUser(name, role=role, clearance=clearance, ntk=ntk), actor="authority")
        kor.accounts.set_password(name, PASSWORD, actor="authority")
    text = tmp_path / "ko.txt"
    text.write_text("화성 발사장 조사.", encoding="utf-8")
    translation = kor.custody.translate(report, path=text, lang="ko", actor="kim").id
    item_pages = [
        f"/items/{report}",
        f"/holdings/{report}",
        f"/holdings/{report}/dissemination",
        f"/holdings/{report}/exposure",
        f"/items/{report}/receipts",
        f"/translations/{translation}",
        "/audit/journal/1",
    ]
    folder = shots / "roles"
    for name, role, _, _, locale in ROLES:
        page = page_in(locale)
        _sign_in(page, served, name)
        page.wait_for_url("**/inbox")
        offered = page.eval_on_selector_all("header nav a", "links => links.map(a => a.getAttribute('href'))")
        assert "/inbox" in offered
        if page.query_selector("#nav-q") is not None:  # the header's search box, where offered
            offered.append("/search?q=Hwasong")
        for path in dict.fromkeys([*offered, *item_pages]):
            response = page.goto(served.url + path)
            if path in offered:
                assert response.status == 200, f"{role} is offered {path} but refused it"
            elif response.status != 200:
                continue  # an item page the role may not see: the one refusal page, shown below
            if role == "officer" and any(part in path for part in NEWLY_CHECKED):
                check_accessibility(page, f"{role}{path}")
            screenshot(page, folder, f"{role}{path.replace(report, 'ITEM').replace(translation, 'ID')}")
        if role == "analyst":
            refused = page.goto(served.url + "/outbox")  # not offered: the refusal, explained
            assert refused.status == 403
            check_accessibility(page, "analyst-refused")
            screenshot(page, folder, "analyst-refused-outbox")
    assert len(list(folder.glob("*.png"))) >= 48


def test_an_auditor_verifies_the_ledger_and_follows_its_progress(
    served: Served, page_in: Any, shots: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kor = served.world.kor
    kor.users.add(NewUser("choi", role="auditor", clearance="대외비", ntk=[]), actor="authority")
    kor.accounts.set_password("choi", PASSWORD, actor="authority")
    kor.ledger.seal()
    gate = threading.Event()
    verify = kor.ledger.verify

    def held(*, actor: str, progress: Callable[[int, int], None] | None = None) -> VerifyReport:
        # The node's own verification, held part-way (3 of 10) until the page has shown it.
        assert progress is not None
        progress(3, 10)
        assert gate.wait(60)
        return verify(actor=actor, progress=progress)

    monkeypatch.setattr(kor.ledger, "verify", held)
    page = page_in("en-GB")
    _sign_in(page, served, "choi")
    page.wait_for_url("**/inbox")
    visit(page, served.url + "/audit/ledger", shots, "auditor-ledger-en")
    try:
        page.click("#h-verify ~ form button[type=submit]")
        # The run's state replaces the result area: a progress bar, asked again every second.
        page.wait_for_selector('#verify-result progress[value="3"][max="10"]')
        assert "3 of 10 leaves checked" in page.inner_text("#verify-result")
        check_accessibility(page, "auditor-ledger-verifying-en")
        screenshot(page, shots, "auditor-ledger-verifying-en")
    finally:
        gate.set()
    # The next poll brings the findings, and the polling stops.
    page.wait_for_selector("#verify-result p.notice", timeout=30_000)
    assert "Ledger intact" in page.inner_text("#verify-result")
    assert "Verified by choi." in page.inner_text("#verify-result")
    assert page.get_attribute("#verify-result", "hx-trigger") is None
    bar = page.query_selector("#verify-result progress")
    assert bar is not None
    assert bar.get_attribute("value") == bar.get_attribute("max")
    assert page.url.endswith("/audit/ledger")
    check_accessibility(page, "auditor-ledger-verified-en")
    screenshot(page, shots, "auditor-ledger-verified-en")


def _compare_the_two_reports(page: Any, world: Any, tmp_path: Path, shots: Path) -> None:
    """From /oversight/verify (JPN's report and both cards in ``tmp_path``): compare it with KOR's."""
    # KOR's report, re-signed without one item it sent in January.
    kor = world.kor.oversight.report(
        OversightRequest(world.federation.agreement_id, FIRST_DAY, LAST_DAY, "ko"), actor="kim"
    )
    lying = leave_out_one_sent(world.kor, kor, "2027-01", "JPN")
    (tmp_path / "KOR.json").write_text(lying.to_json(), encoding="utf-8")
    page.click("a[href='/oversight/compare']")
    page.wait_for_selector("#c-first")
    check_accessibility(page, "oversight-compare-ja")
    page.set_input_files("#c-first", str(tmp_path / "JPN.json"))
    page.set_input_files("#c-second", str(tmp_path / "KOR.json"))
    page.set_input_files("#c-cards", [str(tmp_path / "JPN.card.json"), str(tmp_path / "KOR.card.json")])
    page.click("form[action='/oversight/compare'] button")
    page.wait_for_selector("#compare-found")
    shown = page.inner_text("main")
    assert "KORから受領した項目" in shown  # figures named in the viewer's language (ja)
    assert "期間全体" in shown
    check_accessibility(page, "oversight-compared-ja")
    screenshot(page, shots, "oversight-compared-ja")
    # Without cards (the field left empty), what the files say is compared: the same rows.
    page.set_input_files("#c-first", str(tmp_path / "JPN.json"))
    page.set_input_files("#c-second", str(tmp_path / "KOR.json"))
    page.click("form[action='/oversight/compare'] button")
    page.wait_for_selector("#compare-found")
    assert "未検証" in page.inner_text("main")


def test_an_officer_makes_an_oversight_report_charts_and_prints_it(
    served: Served, page_in: Any, shots: Path, tmp_path: Path
) -> None:
    world = served.world
    exchange_mix(world.federation)  # three months, witnessed both ways on 2 February 2027
    page = page_in("ja-JP")
    _sign_in(page, served, "kim")
    page.wait_for_url("**/inbox")
    visit(page, served.url + "/oversight", shots, "oversight-form-ja")
    page.fill("#o-from", "2026-11-30")
    page.fill("#o-to", "2026-11-01")
    page.click("form[action='/oversight'] button")
    page.wait_for_selector("#to-error")
    check_accessibility(page, "oversight-error-ja")
    page.fill("#o-from", FIRST_DAY.isoformat())
    page.fill("#o-to", LAST_DAY.isoformat())
    page.select_option("#o-lang", "ja")
    page.click("form[action='/oversight'] button")
    page.wait_for_selector("svg.oversight-chart")
    assert "KORから受領した項目" not in page.inner_text("main")  # KOR's report: received from JPN
    assert "JPNから受領した項目" in page.inner_text("main")
    check_accessibility(page, "oversight-report-ja")
    screenshot(page, shots, "oversight-report-ja")
    with page.expect_download() as pdf:
        page.click("form[action='/oversight/file']:has(input[value=pdf]) button")
    assert Path(pdf.value.path()).read_bytes().startswith(b"%PDF-")
    page.emulate_media(media="print")
    assert page.is_hidden("header .bar")
    assert page.is_hidden("form[action='/oversight']")
    assert page.is_hidden("form[action='/oversight/file']")
    assert page.is_visible("svg.oversight-chart")
    screenshot(page, shots, "oversight-print-ja")

    # The partner's report, checked with both cards.
    made = world.jpn.oversight.report(
        OversightRequest(world.federation.agreement_id, FIRST_DAY, LAST_DAY, "ja"), actor="sato"
    )
    files = {"JPN.json": made.to_json(), "JPN.card.json": world.jpn.parties.own_card().to_json()}
    files["KOR.card.json"] = world.kor.parties.own_card().to_json()
    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    page.emulate_media(media="screen")
    visit(page, served.url + "/oversight/verify", shots, "oversight-verify-ja")
    page.set_input_files("#v-report", str(tmp_path / "JPN.json"))
    page.set_input_files("#v-cards", [str(tmp_path / "JPN.card.json"), str(tmp_path / "KOR.card.json")])
    page.click("form[action='/oversight/verify'] button[value=page]")
    page.wait_for_selector("p[role=status]")
    assert "KORへ送付した項目" in page.inner_text("main")
    check_accessibility(page, "oversight-verified-ja")
    screenshot(page, shots, "oversight-verified-ja")

    _compare_the_two_reports(page, world, tmp_path, shots)

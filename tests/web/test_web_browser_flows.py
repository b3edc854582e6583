"""Flows across three real nodes in a real browser: JPN, KOR and USA served on 127.0.0.1 (issue 11).

Each node runs what ``accord serve`` runs — its peer server over mutual TLS, its delivery worker,
and its user API and web console on a port of its own (``accord.cli._serve``) — so every item,
consent request and answer crosses the network between them. The people act in Chromium, each
in their own node's console and language:

* a JPN officer writes a FLASH report in JPN's console and sends it to KOR; a KOR analyst reads it
  in KOR's console, marked in KOR's scheme beside JPN's own marking;
* a KOR officer is refused passing a JPN item on to USA, asks JPN's consent in KOR's console, a JPN
  officer approves it in JPN's consent queue, the KOR officer sends it, and a USA officer reads it
  in USA's console.

The nodes are made once for the module (the tests add their own items). Every page of the flow
has its screenshot kept (``shots``); the pages no other browser test shows (the consent queue
with its forms, the answers, the item at the third party) are checked with axe-core too.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from support_browser import check_accessibility, screenshot, sign_in, visit
from support_web import PASSWORD

from accord.cli._serve import UserApiServer, running
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import (
    NO_ITEM,
    UNSAFE_FAST_PASSWORD_HASHING,
    DeliveryWorker,
    LabelRequest,
    NewItem,
    NewNode,
    NewUser,
    Node,
    example_agreement,
    federate,
)

# Slow (three served nodes, ~20-40 s): started first, beside everything else (tests/conftest.py).
pytestmark = [pytest.mark.browser, pytest.mark.slow]

TOPICS = ["DPRK-MISSILE"]
PEOPLE = {
    "JPN": [("sato", "officer", "極秘")],
    "KOR": [("kim", "officer", "군사Ⅱ급비밀"), ("yoon", "analyst", "군사Ⅱ급비밀")],
    "USA": [("smith", "officer", "SECRET")],
}


@dataclass
class Three:
    """The three served nodes, their consoles' addresses and delivery workers."""

    nodes: dict[str, Node]
    urls: dict[str, str]
    workers: list[DeliveryWorker]

    def settle(self) -> None:
        """Wake every worker until nothing about an item is pending anywhere."""
        for _ in range(3):
            for worker in self.workers:
                worker.wake()
            assert all(w.wait_until_idle(60) for w in self.workers), "delivery did not settle"
        left = [e.to_dict() for n in self.nodes.values() for e in n.delivery.outbox() if e.item_id != NO_ITEM]
        assert left == [], f"still pending: {left}"


def _ports(count: int) -> list[int]:
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("127.0.0.1", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@pytest.fixture(scope="module")
def three(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Three]:
    root = tmp_path_factory.mktemp("three-nodes")
    ports = _ports(6)
    nodes: dict[str, Node] = {}
    for index, (party, node_id) in enumerate((("JPN", "jpn-mod"), ("KOR", "kor-mnd"), ("USA", "usa-dod"))):
        nodes[party] = Node.init(
            root / party.lower(),
            NewNode(party=party, node_id=node_id, endpoint=f"https://127.0.0.1:{ports[index]}"),
            password_hashing=UNSAFE_FAST_PASSWORD_HASHING,
        )
    jpn, kor, usa = nodes["JPN"], nodes["KOR"], nodes["USA"]
    federate([jpn, kor], example_agreement("jpn-kor-gsomia-2016.toml"), in_force_on=date(2016, 11, 23))
    federate([usa, jpn], example_agreement("usa-jpn-gsomia-2007.toml"), in_force_on=date(2007, 8, 10))
    federate([usa, kor], example_agreement("usa-kor-1987.toml"), in_force_on=date(1987, 9, 24))
    for party, people in PEOPLE.items():
        for name, role, clearance in people:
            nodes[party].users.add(
                NewUser(name, role=role, clearance=clearance, ntk=TOPICS), actor="authority"
            )
            nodes[party].accounts.set_password(name, PASSWORD, actor="authority")
    with ExitStack() as stack:
        workers, urls = [], {}
        for index, (party, node) in enumerate(nodes.items()):
            _, worker = stack.enter_context(running(node, "127.0.0.1", ports[index]))
            workers.append(worker)
            console = UserApiServer(node, ports[3 + index])
            console.start()
            stack.callback(console.stop)
            urls[party] = f"http://127.0.0.1:{ports[3 + index]}"
        yield Three(nodes, urls, workers)
        # Every worker stops before any server does: none is left sending to a server going away.
        for worker in workers:
            worker.stop()
    for node in nodes.values():
        node.close()


def _jpn_report(three: Three, title: str) -> str:
    """A PRIORITY 極秘 report JPN made and sent to KOR, delivered."""
    jpn = three.nodes["JPN"]
    made = jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, title, "Stage separation at T+140 s.", "DPRK-MISSILE"),
            LabelRequest("極秘", ["KOR"], TOPICS, agreement="JPN-KOR-GSOMIA-2016"),
            Precedence.PRIORITY,
        ),
        actor="sato",
    ).id
    jpn.sending.send(made, to="KOR", actor="sato")
    three.settle()
    return made


def _signed_in(page_in: Any, locale: str, url: str, user: str) -> Any:
    page = page_in(locale)
    sign_in(page, url, user, PASSWORD)
    page.wait_for_url("**/inbox")
    return page


def _send(page: Any, url: str, item: str, to: str) -> None:
    """Release ``item`` to ``to`` from the send form, as asked from the item's page."""
    page.goto(f"{url}/send?item={item}")
    page.select_option("#to", to)
    page.click("form.form button[type=submit]")
    page.wait_for_selector("#form-error, p[role=status]")


def test_a_kor_analyst_reads_a_flash_report_jpn_wrote_and_sent_in_its_console(
    three: Three, page_in: Any, shots: Path
) -> None:
    jpn_url = three.urls["JPN"]
    sato = _signed_in(page_in, "ja-JP", jpn_url, "sato")
    sato.goto(jpn_url + "/items/new?kind=report")
    sato.fill("#title", "Launch from Sinpo: FLASH")
    sato.select_option("#classification", "極秘")
    sato.select_option("#precedence", "FLASH")
    sato.fill("#purpose", "Early warning")
    sato.fill("#rel", "KOR")
    sato.fill("#ntk", "DPRK-MISSILE")
    sato.select_option("#agreement", "JPN-KOR-GSOMIA-2016")
    sato.fill("#body", "One ballistic missile, launched 08:58 KST.")
    sato.click("form.form button[type=submit]")
    sato.wait_for_selector("article.item")
    item = sato.url.rsplit("/", 1)[-1]
    assert sato.inner_text("#banner-top").startswith("極秘")
    _send(sato, jpn_url, item, "KOR")
    assert sato.query_selector("#form-error") is None
    screenshot(sato, shots, "flow-jpn-sent-ja")
    three.settle()

    yoon = _signed_in(page_in, "ko-KR", three.urls["KOR"], "yoon")
    first = "table.inbox tbody tr:first-child"
    assert yoon.inner_text(f"{first} .prec") == "FLASH"
    assert "Launch from Sinpo: FLASH" in yoon.inner_text(first)
    assert yoon.inner_text("#banner-top").startswith("군사Ⅱ급비밀")
    screenshot(yoon, shots, "flow-kor-analyst-inbox-ko")
    yoon.click(f"{first} a")
    yoon.wait_for_selector("article.item")
    assert yoon.url.endswith(f"/items/{item}")
    labels = yoon.inner_text("dl.labels")
    assert "군사Ⅱ급비밀" in labels
    assert "極秘 (GOKUHI)" in labels  # JPN's own marking, beside KOR's (Art. 4)
    assert yoon.query_selector(f"a[href='/holdings/{item}']") is None  # an analyst keeps no custody
    check_accessibility(yoon, "flow-kor-analyst-item-ko")
    screenshot(yoon, shots, "flow-kor-analyst-item-ko")


def _kor_asks(three: Three, kim: Any, item: str, shots: Path) -> None:
    """KOR's officer is refused the release to USA, then asks JPN's consent from the item's page."""
    kor_url = three.urls["KOR"]
    _send(kim, kor_url, item, "USA")
    assert "prior written consent" in kim.inner_text("#form-error")  # Art. 6, in the node's words
    screenshot(kim, shots, "flow-kor-send-refused-ko")
    kim.goto(f"{kor_url}/items/{item}")
    kim.select_option("#to", "USA")
    kim.fill("#purpose", "Allied missile warning")
    kim.click("form[action$='/release'] button[type=submit]")
    kim.wait_for_selector("p[role=status]")
    assert "USA" in kim.inner_text("p[role=status]")
    check_accessibility(kim, "flow-kor-release-asked-ko")
    screenshot(kim, shots, "flow-kor-release-asked-ko")


def _jpn_approves(three: Three, page_in: Any, item: str, shots: Path) -> str:
    """JPN's officer finds the request in the consent queue and approves it; the request's id."""
    jpn_url = three.urls["JPN"]
    sato = _signed_in(page_in, "ja-JP", jpn_url, "sato")
    visit(sato, jpn_url + "/consents?status=pending", shots, "flow-jpn-consent-queue-ja")
    (request_id,) = [c.id for c in three.nodes["JPN"].consents.listing(actor="sato", status="pending")]
    queued = sato.inner_text(f"section[aria-labelledby='c-{request_id}']")
    assert "Allied missile warning" in queued
    assert item in queued
    sato.fill(f"#days-{request_id}", "7")
    sato.fill(f"#conditions-{request_id}", "Missile warning only")
    sato.click(f"form[action='/consents/{request_id}/approve'] button[type=submit]")
    sato.wait_for_selector("p[role=status]")
    assert "approved" in sato.inner_text("p[role=status]")
    check_accessibility(sato, "flow-jpn-consent-approved-ja")
    screenshot(sato, shots, "flow-jpn-consent-approved-ja")
    return request_id


def test_kor_asks_jpn_consent_jpn_approves_and_usa_receives_the_item(
    three: Three, page_in: Any, shots: Path
) -> None:
    kor_url, usa_url = three.urls["KOR"], three.urls["USA"]
    item = _jpn_report(three, "Hwasong-18 telemetry")
    kim = _signed_in(page_in, "ko-KR", kor_url, "kim")
    _kor_asks(three, kim, item, shots)
    three.settle()
    request_id = _jpn_approves(three, page_in, item, shots)
    three.settle()

    # Back at KOR the consent is approved; kim sends the item to USA.
    visit(kim, kor_url + "/consents", shots, "flow-kor-consents-ko")
    assert f"{request_id} — KOR → USA: approved" in kim.inner_text("main")
    _send(kim, kor_url, item, "USA")
    assert kim.query_selector("#form-error") is None
    screenshot(kim, shots, "flow-kor-sent-to-usa-ko")
    three.settle()

    # USA's officer reads it in USA's console, received from KOR under JPN's consent.
    smith = _signed_in(page_in, "en-US", usa_url, "smith")
    assert "Hwasong-18 telemetry" in smith.inner_text("table.inbox")
    screenshot(smith, shots, "flow-usa-inbox-en")
    smith.click(f"table.inbox a[href='/items/{item}']")
    smith.wait_for_selector("article.item")
    assert smith.inner_text("#banner-top").startswith("SECRET")
    assert "極秘" in smith.inner_text("dl.labels")
    assert "kor-mnd" in smith.inner_text("dl.facts")
    check_accessibility(smith, "flow-usa-item-en")
    screenshot(smith, shots, "flow-usa-item-en")
    visit(smith, f"{usa_url}/holdings/{item}", shots, "flow-usa-custody-en")
    assert three.nodes["USA"].items.show(item, actor="smith").received_from == "kor-mnd"

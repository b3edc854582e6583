"""The dashboard in process, per role: the figures the node lets each person see, and nothing withheld.

KOR's console (``console`` fixture): a FLASH 極秘 report from JPN has arrived. kim (officer)
may read it; lee (analyst, 대외비, no need to know) may not, so no count on lee's page includes it.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from support_web import PASSWORD, ConsoleClient, ConsoleWorld

from accord.errors import AccordError
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser
from support_federation import Loopback

DATA = re.compile(r'data-figures="([^"]*)"')


def _figures(page: str) -> dict[str, object]:
    found = DATA.search(page)
    assert found is not None
    figures: dict[str, object] = json.loads(html.unescape(found[1]))
    return figures


def _client(world: ConsoleWorld, name: str, role: str, clearance: str = "군사Ⅱ급비밀") -> ConsoleClient:
    world.kor.users.add(
        NewUser(name, role=role, clearance=clearance, ntk=["DPRK-MISSILE"]), actor="authority"
    )
    world.kor.accounts.set_password(name, PASSWORD, actor="authority")
    client = world.client()
    assert client.sign_in(name).status_code == 200
    return client


def _sent_from_kor(world: ConsoleWorld) -> str:
    item = world.kor.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Sinpo SLBM test", "One SLBM.", "Assessment"),
            LabelRequest("군사Ⅱ급비밀", ["JPN"], ["DPRK-MISSILE"], agreement=world.federation.agreement_id),
            Precedence.FLASH,
        ),
        actor="kim",
    ).id
    world.kor.sending.send(item, to="JPN", actor="kim")
    world.federation.clock.advance(minutes=3)
    for peer, lane in world.kor.delivery.peers_with_pending():
        world.kor.delivery.deliver_once(peer, lane, Loopback(world.jpn))
    return item


def test_the_officer_sees_every_figure(console: ConsoleWorld, signed_in: ConsoleClient) -> None:
    _sent_from_kor(console)
    with pytest.raises(AccordError):
        console.kor.receiving.receive_transmission(b"not a transmission")
    page = signed_in.get("/dashboard")
    assert page.status_code == 200
    assert page.headers["cache-control"] == "no-store"
    text = page.text
    for title in ("Items exchanged per partner per day", "Receipt latency per precedence", "Pending by lane"):
        assert title in text
    assert 'id="chart-exchanged"' in text
    assert 'id="chart-latency"' in text
    assert "JPN received" in text
    assert "JPN sent" in text
    assert "3.0 min" in text  # FLASH p50 and p99 in the latency table
    assert "1 thing partners sent was refused in these days." in text
    assert '<script src="/static/vendor/uPlot.iife.min.js" defer></script>' in text
    assert '<script src="/static/dashboard.js" defer></script>' in text
    figures = _figures(text)
    assert figures["received"] == [{"party": "JPN", "counts": [0] * 29 + [1]}]
    assert figures["sent"] == [{"party": "JPN", "counts": [0] * 29 + [1]}]
    (latency,) = figures["latency"]  # type: ignore[misc]
    assert latency["precedence"] == "FLASH"
    assert latency["p50"][-1] == pytest.approx(180, abs=0.01)
    assert "banner-unclassified" in text  # counts, not items: the node's unclassified banner
    assert 'href="/dashboard" aria-current="page"' in text


def test_an_analyst_who_may_not_read_the_report_counts_nothing(console: ConsoleWorld) -> None:
    lee = console.client()
    lee.sign_in("lee")
    page = lee.get("/dashboard").text
    assert "Nothing was exchanged in these days." in page
    assert 'id="chart-exchanged"' not in page
    assert "JPN received" not in page
    figures = _figures(page)
    assert figures["received"] == []
    assert figures["sent"] is None
    assert figures["refusals"] is None
    assert "Pending by lane" not in page
    assert "Refusals in the journal by action" not in page
    assert figures["journal_refusals"] is None
    assert "shows them to officers and the security authority" in page
    assert 'href="/dashboard"' in page  # in every role's navigation


def test_an_analyst_who_may_read_it_counts_it_and_nothing_sent(console: ConsoleWorld) -> None:
    _sent_from_kor(console)
    park = _client(console, "park", "analyst")
    figures = _figures(park.get("/dashboard?days=7").text)
    assert figures["received"] == [{"party": "JPN", "counts": [0] * 6 + [1]}]
    assert figures["sent"] is None
    assert figures["latency"] is None


def test_the_authority_sees_the_exchange_and_the_auditor_counts_what_they_may_read(
    console: ConsoleWorld,
) -> None:
    _sent_from_kor(console)
    authority = _figures(_client(console, "han", "authority").get("/dashboard").text)
    assert authority["received"] == [{"party": "JPN", "counts": [0] * 29 + [1]}]
    assert authority["sent"] == [{"party": "JPN", "counts": [0] * 29 + [1]}]
    # The decision point lets an auditor read no item (the journal is theirs, not the items):
    # no item is counted for them, and the dissemination record is not theirs.
    page = _client(console, "oh", "auditor").get("/dashboard").text
    auditor = _figures(page)
    assert auditor["received"] == []
    assert auditor["sent"] is None
    assert "Pending by lane" not in page
    # The journal is theirs: its refusals by action.
    assert "Refusals in the journal by action" in page
    assert auditor["journal_refusals"] is not None


@pytest.mark.parametrize("days", ["0", "93", "x"])
def test_a_window_out_of_range_is_refused(signed_in: ConsoleClient, days: str) -> None:
    assert signed_in.get(f"/dashboard?days={days}").status_code == 400


def test_the_dashboard_needs_a_session(console: ConsoleWorld) -> None:
    response = console.client(follow_redirects=False).get("/dashboard")
    assert response.status_code == 303
    assert response.headers["location"] == "/login"


@pytest.mark.parametrize(
    ("lang", "title"), [("en", "Dashboard"), ("ko", "대시보드"), ("ja", "ダッシュボード")]
)
def test_the_dashboard_speaks_each_language(console: ConsoleWorld, lang: str, title: str) -> None:
    client = console.client()
    client.sign_in("kim")
    page = client.get("/dashboard", headers={"Accept-Language": lang}).text
    assert f"<h1>{title}</h1>" in page

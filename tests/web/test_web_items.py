"""The item list ``/items`` in process: the items one may read, as ``accord item list`` lists them.

The page is the node's listing (``node.items.listing``): FLASH first then newest, the total the
decision point's count, a withheld item neither shown nor counted, a damaged one reported.
"""

from __future__ import annotations

import re

from support_web import PASSWORD, ConsoleClient, ConsoleWorld

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import JournalFilter, LabelRequest, NewItem, NewUser
from accord.store import ItemRow
from accord.web import ConsoleSettings, create_console_app


def _make(console: ConsoleWorld, actor: str, title: str, level: str, precedence: Precedence) -> str:
    """An item made at KOR by ``actor``: ``대외비`` with no need to know is lee's to read."""
    ntk = [] if level == "대외비" else ["DPRK-MISSILE"]
    # 대외비 has no JPN equivalent (Art. 4): kept at KOR, under no agreement.
    agreement = None if level == "대외비" else console.federation.agreement_id
    label = LabelRequest(level, [] if agreement is None else ["JPN"], ntk, agreement=agreement)
    content = ItemContent(ItemKind.REPORT, title, "Text.", "Assessment")
    return console.kor.items.create(NewItem(content, label, precedence), actor=actor).id


def _listed(page: str) -> list[str]:
    """The ids the page links to, in its order (the navigation's links are not items)."""
    return re.findall(r'href="/items/([a-z]{3}-[0-9a-f]{32})"', page.split('id="main"')[1])


def _shown(page: str) -> str:
    (line,) = re.findall(r'<p class="muted" id="items-shown">([^<]*)</p>', page)
    return line


def _client(console: ConsoleWorld, user: str, **settings: int) -> ConsoleClient:
    client = ConsoleClient(create_console_app(console.kor, ConsoleSettings(secure_cookies=False, **settings)))
    assert client.sign_in(user).status_code == 200
    return client


def test_an_analyst_sees_exactly_the_items_he_may_read(console: ConsoleWorld) -> None:
    routine = _make(console, "lee", "Coastal weather", "대외비", Precedence.ROUTINE)
    immediate = _make(console, "lee", "Fishing boats seen", "대외비", Precedence.IMMEDIATE)
    secret = _make(console, "kim", "Launch-site survey, KOR", "군사Ⅱ급비밀", Precedence.FLASH)
    lee = _client(console, "lee")
    page = lee.get("/items")
    assert page.status_code == 200
    assert 'href="/items" aria-current="page"' in page.text  # offered in his navigation
    # FLASH first, then the newest: what the node lists for him, nothing withheld.
    assert _listed(page.text) == [immediate, routine]
    assert _listed(page.text) == [v.id for v in console.kor.items.listing(actor="lee").views]
    for withheld in (secret, console.report):
        assert withheld not in page.text
    assert "Launch-site survey" not in page.text
    assert "Hwasong" not in page.text
    assert _shown(page.text) == "Showing 1–2 of 2 readable"
    # Only what is shown sets the banners: 대외비, never the withheld 군사Ⅱ급비밀.
    assert "군사Ⅱ급비밀" not in page.text
    assert page.text.count("대외비 (DAEOEBI) // RESTRICTED") >= 2
    # A withheld item more changes no count.
    _make(console, "kim", "Another survey", "군사Ⅱ급비밀", Precedence.FLASH)
    assert _shown(lee.get("/items").text) == "Showing 1–2 of 2 readable"
    # kim reads them all: the received FLASH report first (then the newest).
    kim = _client(console, "kim").get("/items").text
    readable = console.kor.items.listing(actor="kim")
    assert _listed(kim) == [v.id for v in readable.views]
    assert {console.report, secret, routine, immediate} <= set(_listed(kim))
    assert _shown(kim) == f"Showing 1–{readable.total} of {readable.total} readable"
    # Each page is the listing's one journal event, as lee (two pages, and the test's own listing).
    listings = console.kor.journal.listing(actor="kim", where=JournalFilter(action="item.list"), limit=1000)
    assert [e.actor for e in listings.events].count("lee") == 3


def test_the_items_are_shown_a_page_at_a_time(console: ConsoleWorld) -> None:
    later = _make(console, "kim", "Second survey", "군사Ⅱ급비밀", Precedence.ROUTINE)
    kim = _client(console, "kim", inbox_page=1)
    first, second, past = (kim.get(f"/items?page={n}").text for n in (1, 2, 3))
    assert _listed(first) == [console.report]  # FLASH first
    assert _shown(first) == "Showing 1–1 of 2 readable"
    assert 'href="/items?page=2" rel="next"' in first
    assert 'rel="prev"' not in first
    assert 'hx-get="/items/rows?page=1"' in first
    assert _listed(second) == [later]
    assert _shown(second) == "Showing 2–2 of 2 readable"
    assert 'href="/items?page=1" rel="prev"' in second
    assert 'rel="next"' not in second
    assert _listed(past) == []
    assert _shown(past) == "Showing none of 2 readable: page 3 is past the last"
    rows = kim.get("/items/rows?page=2").text
    assert _listed(f'<main id="main">{rows}') == [later]
    assert 'id="banner-top" hx-swap-oob' in rows or 'hx-swap-oob="true"' in rows
    assert [kim.get(f"/items?page={n}").status_code for n in ("0", "x", "10001")] == [400, 400, 400]


def test_a_damaged_item_is_reported_and_the_rest_listed(console: ConsoleWorld) -> None:
    sound = _make(console, "lee", "Coastal weather", "대외비", Precedence.ROUTINE)
    damaged = _make(console, "lee", "Fishing boats seen", "대외비", Precedence.IMMEDIATE)
    with console.kor.ctx.db.transaction() as session:
        row = session.get_one(ItemRow, damaged)
        row.content_sealed = row.content_sealed[:-1] + bytes([row.content_sealed[-1] ^ 1])
    page = _client(console, "lee").get("/items").text
    assert _listed(page) == [sound]  # no link to what cannot be opened
    # As `accord item list` lists it: its precedence and id, INTEGRITY FAILURE and the reason.
    (row_html,) = re.findall(r'<tr class="precedence-immediate damaged">(.*?)</tr>', page, re.S)
    assert "INTEGRITY FAILURE" in row_html
    assert f"<code>{damaged}</code>" in row_html
    (reason,) = [d.reason for d in console.kor.items.listing(actor="lee").damaged]
    assert reason in row_html.replace("&#39;", "'").replace("&#34;", '"')
    assert "1 item failed its integrity check" in page
    assert 'role="alert"' in page
    assert _shown(page) == "Showing 1–2 of 2 readable"


def test_the_auditor_is_offered_no_item_list_and_is_shown_none(console: ConsoleWorld) -> None:
    # The role table gives the auditor no READ (the record, never the content): no link, and
    # the address typed anyway is the node's listing for him — nothing, counted as nothing.
    console.kor.users.add(
        NewUser("choi", role="auditor", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    console.kor.accounts.set_password("choi", PASSWORD, actor="authority")
    choi = _client(console, "choi")
    assert 'href="/items"' not in choi.get("/inbox").text
    page = choi.get("/items").text
    assert _listed(page) == []
    assert console.report not in page
    assert "Hwasong" not in page
    assert "There is no item you may read." in page
    assert _shown(page) == "Showing none of 0 readable"


def test_the_item_list_is_in_the_person_s_language(console: ConsoleWorld) -> None:
    for language, heading, shown in (
        ("ko", "<h1>자료</h1>", "열람 가능한 1건 중 1–1건 표시"),
        ("ja", "<h1>", "閲覧できる1件中1–1件を表示"),
    ):
        client = _client(console, "kim")
        client.post("/settings/language", data={"csrf": client.csrf(), "lang": language, "back": "/items"})
        page = client.get("/items").text
        assert f'<html lang="{language}">' in page
        assert heading in page
        assert _shown(page) == shown

"""The console's search box and result page in process (issues 11 and 12).

KOR's ``kim`` (officer, 군사Ⅱ급비밀, DPRK-MISSILE) searches what he holds in Korean, Japanese
and English; ``lee`` (analyst, 대외비, no need to know) is denied the FLASH 極秘 report from JPN
and must see neither it nor its count. The node's search service decides; the page shows.
"""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from support_web import PASSWORD, ConsoleClient, ConsoleWorld

from accord.errors import AccordError
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import JournalFilter, LabelRequest, NewItem, NewUser, SearchFilters, search_day
from accord.web._search_page import marked_parts

DENIED_TITLE = "Hwasong launch-site survey"


def _make(world: ConsoleWorld, title: str, body: str, level: str = "대외비") -> str:
    """An item made at KOR by kim, readable by kim (and, at 대외비 without NTK, by lee)."""
    return world.kor.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, title, body, "Assessment"),
            LabelRequest(level, [], []),
            Precedence.ROUTINE,
        ),
        actor="kim",
    ).id


def _searches(world: ConsoleWorld) -> int:
    where = JournalFilter(action="item.search")
    return len(world.kor.journal.listing(actor="kim", where=where, after=0, limit=1000).events)


def _search(client: ConsoleClient, query: str, **filters: str) -> str:
    params = "&".join(f"{k}={quote(v)}" for k, v in {"q": query, **filters}.items())
    response = client.get(f"/search?{params}")
    return f"{response.status_code}\n{response.text}"


def _error_of(page: str, field: str) -> str:
    found = re.search(rf'<p class="error" id="{field}-error" role="alert">([^<]*)</p>', page)
    assert found is not None, f"no error beside {field}"
    return found[1].replace("&#39;", "'").replace("&#34;", '"')


def test_the_box_is_in_the_header_of_every_page_for_readers(console: ConsoleWorld) -> None:
    for user in ("kim", "lee"):
        client = console.client()
        client.sign_in(user)
        for path in ("/inbox", "/items/new", "/holdings"):
            page = client.get(path).text
            assert '<form class="inline" method="get" action="/search" role="search"' in page, (user, path)
            assert 'id="nav-q" name="q"' in page
    # An auditor reads no item (the record, never the content): no box; a search finds nothing.
    console.kor.users.add(NewUser("choi", role="auditor", clearance="대외비", ntk=[]), actor="authority")
    console.kor.accounts.set_password("choi", PASSWORD, actor="authority")
    choi = console.client()
    choi.sign_in("choi")
    assert 'id="nav-q"' not in choi.get("/inbox").text
    assert "No item you may read matches." in _search(choi, "Hwasong")


def test_an_empty_query_shows_the_form_only_and_searches_nothing(
    console: ConsoleWorld, signed_in: ConsoleClient
) -> None:
    before = _searches(console)
    for path in ("/search", "/search?q=", "/search?q=+++&kind=report"):
        page = signed_in.get(path)
        assert page.status_code == 200
        assert 'id="q" name="q"' in page.text
        assert 'id="h-results"' not in page.text
    assert _searches(console) == before


def test_a_two_syllable_korean_query_finds_and_marks_it(
    console: ConsoleWorld, signed_in: ConsoleClient
) -> None:
    made = _make(console, "신포 미사일 발사 보고", "잠수함에서 탄도미사일 1발을 발사하였다.")
    _make(console, "평양 기상 보고", "맑음.")  # no match
    before = _searches(console)
    page = _search(signed_in, "발사")
    assert page.startswith("200")
    assert f'href="/items/{made}"' in page
    assert "<mark>발사</mark>" in page
    assert "평양 기상" not in page
    assert "1 of 1 matching item, newest first" in page
    # Its portion marking and both labels, as on the item page; the page banner is its level.
    assert "(대외비 (DAEOEBI) // RESTRICTED // REL TO KOR)</span>" in page
    assert re.search(r'id="banner-top"[^>]*>대외비 \(DAEOEBI\)', page)
    assert _searches(console) == before + 1  # one journal event per search, by the node
    headers = signed_in.get("/search?q=%EB%B0%9C%EC%82%AC").headers
    assert headers["cache-control"] == "no-store"
    assert "default-src 'self'" in headers["content-security-policy"]


def test_a_one_kanji_query_finds_a_japanese_text(console: ConsoleWorld, signed_in: ConsoleClient) -> None:
    made = _make(console, "北朝鮮の弾道ミサイル", "北朝鮮は本日、弾道ミサイルを発射した。")
    page = _search(signed_in, "北")
    assert f'href="/items/{made}"' in page
    assert "<mark>北</mark>" in page
    # Half-width kana and full-width Latin are normalised by the node, on either side.
    other = _make(console, "ＧＳＯＭＩＡ report", "ﾚｰﾀﾞｰ track")
    found = _search(signed_in, "レーダー")
    assert f'href="/items/{other}"' in found
    assert "<mark>ﾚｰﾀﾞｰ</mark>" in found  # ﾀﾞ is ダ: marked whole
    assert "<mark>ＧＳＯＭＩＡ</mark>" in _search(signed_in, "gsomia")


def test_item_text_is_never_markup(console: ConsoleWorld, signed_in: ConsoleClient) -> None:
    _make(console, "<script>alert(1)</script> 발사", '<img src=x onerror="alert(2)"> 발사 <b>bold</b>')
    page = _search(signed_in, "발사")
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page
    assert "<b>bold" not in page
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<mark>발사</mark>" in page


def test_the_highlights_become_escaped_parts() -> None:
    assert marked_parts("a<b>c", ((1, 4),)) == [("a", False), ("<b>", True), ("c", False)]
    # Overlapping or out-of-range spans from the node are merged and clipped, never duplicated.
    assert marked_parts("abcdef", ((1, 3), (2, 5), (9, 12))) == [
        ("a", False),
        ("bc", True),
        ("de", True),
        ("f", False),
    ]
    assert marked_parts("", ()) == []


def test_a_denied_user_sees_no_result_and_no_count(console: ConsoleWorld) -> None:
    kim = console.client()
    kim.sign_in("kim")
    assert DENIED_TITLE in _search(kim, "Hwasong")  # the probe is meaningful
    lee = console.client()
    lee.sign_in("lee")
    denied = _search(lee, "Hwasong")
    nothing = _search(lee, "Qwertyuiop")
    assert DENIED_TITLE not in denied
    assert console.report not in denied
    assert "No item you may read matches." in denied
    assert "matching item" not in denied
    # Word for word the page of a query that matches nothing at all.
    assert denied.replace("Hwasong", "Q") == nothing.replace("Qwertyuiop", "Q")


def test_the_highest_classification_shown_is_the_banner(
    console: ConsoleWorld, signed_in: ConsoleClient
) -> None:
    _make(console, "Launch pad notes", "launch", level="대외비")
    page = _search(signed_in, "launch*")
    assert DENIED_TITLE in page  # JPN's 極秘, our 군사Ⅱ급비밀, beside the 대외비 item
    assert re.search(r'id="banner-top"[^>]*>군사Ⅱ급비밀', page)
    assert re.search(r'id="banner-bottom"[^>]*>군사Ⅱ급비밀', page)
    assert "極秘 (GOKUHI)" in page  # the originator's label beside ours
    only_ours = _search(signed_in, "launch*", **{"from": "KOR"})
    assert DENIED_TITLE not in only_ours
    assert re.search(r'id="banner-top"[^>]*>대외비', only_ours)


def test_the_filters_narrow_the_results(console: ConsoleWorld, signed_in: ConsoleClient) -> None:
    _make(console, "Launch pad notes", "launch")
    assert DENIED_TITLE in _search(signed_in, "launch*", kind="report", precedence="FLASH", **{"from": "JPN"})
    assert "Launch pad notes" not in _search(signed_in, "launch*", precedence="FLASH")
    assert "Launch pad notes" in _search(signed_in, "launch*", classification="대외비")
    assert DENIED_TITLE not in _search(signed_in, "launch*", classification="대외비")
    assert DENIED_TITLE in _search(signed_in, "launch*", since="2020-01-01", until="2099-12-31")
    assert DENIED_TITLE not in _search(signed_in, "launch*", until="2020-01-01")
    kept = _search(signed_in, "launch*", kind="report", precedence="FLASH", classification="대외비")
    assert "<option selected>report</option>" in kept
    assert '<option value="대외비" selected>' in kept


@pytest.mark.parametrize(
    ("field", "params"),
    [
        pytest.param("kind", {"kind": "memo"}, id="unknown-kind"),
        pytest.param("precedence", {"precedence": "URGENT"}, id="unknown-precedence"),
        pytest.param("since", {"since": "2026-13-45"}, id="bad-since"),
        pytest.param("until", {"until": "yesterday"}, id="bad-until"),
        pytest.param("limit", {"limit": "500"}, id="limit-too-high"),
        pytest.param("limit", {"limit": "0"}, id="limit-zero"),
        pytest.param("classification", {"classification": "bogus"}, id="unknown-level"),
        pytest.param("classification", {"classification": "極秘"}, id="a-partner-scheme-level"),
        pytest.param("from", {"from": "XYZ"}, id="unknown-party"),
    ],
)
def test_a_bad_filter_is_refused_in_the_cli_words_beside_it(
    console: ConsoleWorld, signed_in: ConsoleClient, field: str, params: dict[str, str]
) -> None:
    before = _searches(console)
    page = _search(signed_in, "launch", **params)
    assert page.startswith("400")
    value = params[field]
    expected = {
        "kind": lambda: ItemKind.parse(value),
        "precedence": lambda: Precedence.parse(value),
        "since": lambda: search_day(value, "since"),
        "until": lambda: search_day(value, "until", days_after=1),
        "limit": lambda: console.kor.items.search.search(
            "launch", actor="kim", filters=SearchFilters(), limit=int(value)
        ),
        "classification": lambda: console.kor.items.search.search(
            "launch", actor="kim", filters=SearchFilters(classification=value)
        ),
        "from": lambda: console.kor.items.search.search(
            "launch", actor="kim", filters=SearchFilters(from_party=value)
        ),
    }[field]
    with pytest.raises(AccordError) as refused:
        expected()
    assert _error_of(page, field) == str(refused.value)
    assert f'aria-describedby="{field}-error"' in page
    assert DENIED_TITLE not in page
    assert _searches(console) == before  # refused before any search


@pytest.mark.parametrize(
    ("query", "words"),
    [
        pytest.param('"', "the search query has no word to search for", id="lone-quote"),
        pytest.param('" *', "the search query has no word to search for", id="quote-and-star"),
        pytest.param("!?…", "the search query has no word to search for", id="only-punctuation"),
        pytest.param("x" * 1001, "a search query may have at most 1000 characters", id="too-long"),
        pytest.param("abcdefghijklmnopqrstuvwxyz*", "a prefix (word*) may have at most 24", id="long-prefix"),
    ],
)
def test_a_query_the_node_cannot_search_is_refused_beside_the_box(
    signed_in: ConsoleClient, query: str, words: str
) -> None:
    page = _search(signed_in, query)
    assert page.startswith("400")
    assert words in _error_of(page, "q")
    assert 'aria-describedby="q-error"' in page


def test_a_query_with_database_syntax_is_text(console: ConsoleWorld, signed_in: ConsoleClient) -> None:
    for query in ("NEAR(a b)", '"a" OR b', "col:x", "'; DROP TABLE items; --"):
        assert _search(signed_in, query).startswith("200"), query


def test_more_when_there_is_more(console: ConsoleWorld, signed_in: ConsoleClient) -> None:
    made = []
    for n in range(3):
        console.federation.clock.advance(minutes=1)
        made.append(_make(console, f"발사 보고 {n}", "발사"))
    page = _search(signed_in, "발사", limit="2")
    assert "2 of 3 matching items, newest first" in page
    assert page.index(made[2]) < page.index(made[1])  # newest first
    assert made[0] not in page
    more = re.search(r'<a href="(/search\?[^"]+)" rel="next" id="search-more">', page)
    assert more is not None
    following = signed_in.get(more[1].replace("&amp;", "&")).text
    assert all(item in following for item in made)
    assert "3 of 3 matching items" in following
    assert 'id="search-more"' not in following


def test_a_malformed_query_string_is_refused_and_journalled(
    console: ConsoleWorld, signed_in: ConsoleClient
) -> None:
    for path in ("/search?q=x&limit=many", "/search?q=" + "x" * 4001):
        refused = signed_in.get(path)
        assert refused.status_code == 400
        assert "The form is malformed." in refused.text
    where = JournalFilter(action="console.malformed")
    assert len(console.kor.journal.listing(actor="kim", where=where, after=0, limit=10).events) == 2


def test_an_emptied_limit_is_the_first_page_and_bad_bytes_are_no_crash(signed_in: ConsoleClient) -> None:
    assert signed_in.get("/search?q=launch&limit=").status_code == 200
    for path in ("/search?q=%FF%FE", "/search?q=%00", "/search?q=%ED%A0%80"):
        assert signed_in.get(path).status_code in (200, 400), path


@pytest.mark.parametrize(("language", "heading"), [("ko", "검색"), ("ja", "検索")])
def test_the_page_speaks_the_person_language(
    console: ConsoleWorld, signed_in: ConsoleClient, language: str, heading: str
) -> None:
    _make(console, "발사 보고", "발사")
    page = signed_in.get("/search?q=%EB%B0%9C%EC%82%AC", headers={"accept-language": language}).text
    assert f"<h1>{heading}</h1>" in page
    assert "<mark>발사</mark>" in page

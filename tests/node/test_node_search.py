"""Search (holdings/_search.py) on SQLite and PostgreSQL: equal to a plain scan, blind, enforced.

The corpus is built once per module and backend: mixed Korean, Japanese and English reports,
a third of them withheld from ``suzuki`` (極秘 with need-to-know). Hypothesis draws queries;
the result sets must equal a plain substring scan of the same texts, for a person who may
read everything and for one who may read two thirds.
"""

from __future__ import annotations

import json
import os
import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select
from support_search import ENGLISH, JAPANESE, KOREAN, SEPARATORS, oracle_all, term_from

from accord.errors import InvalidInput
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import (
    UNSAFE_FAST_PASSWORD_HASHING,
    LabelRequest,
    NewItem,
    NewNode,
    NewUser,
    Node,
    SearchFilters,
)
from accord.store import JournalRow

POSTGRES_ENV = "ACCORD_TEST_POSTGRES_URL"
EVERYTHING = SearchFilters()


@dataclass
class Corpus:
    node: Node
    texts: dict[str, str]
    """Item id → its searchable text (title and body)."""
    withheld: set[str]
    """Items suzuki may not read."""


def _text(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.randint(3, 30)):
        choice = rng.randint(0, 3)
        if choice == 0:
            parts.append("".join(rng.choice(KOREAN) for _ in range(rng.randint(1, 5))))
        elif choice == 1:
            parts.append("".join(rng.choice(JAPANESE) for _ in range(rng.randint(1, 6))))
        else:
            parts.append(rng.choice(ENGLISH))
        parts.append(rng.choice(SEPARATORS))
    return "".join(parts)


def _database(kind: str, tmp: Path) -> Iterator[str]:
    if kind == "sqlite":
        yield f"sqlite+pysqlite:///{tmp / 'search.db'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV}")
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield f"{base}{'&' if '?' in base else '?'}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


def create(node: Node, title: str, body: str, *, secret: bool = False, actor: str = "sato") -> str:
    label = LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"]) if secret else LabelRequest("秘", ["KOR"])
    content = ItemContent(ItemKind.REPORT, title, body, "DPRK-MISSILE" if secret else "x")
    return node.items.create(NewItem(content, label, Precedence.ROUTINE), actor=actor).id


@pytest.fixture(scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def corpus(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Corpus]:
    tmp = tmp_path_factory.mktemp(f"search-{request.param}")
    for url in _database(request.param, tmp):
        node = Node.init(
            tmp / "jpn",
            NewNode(party="JPN", node_id="jpn-mod", database_url=url),
            password_hashing=UNSAFE_FAST_PASSWORD_HASHING,
        )
        try:
            node.users.add(
                NewUser("sato", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority"
            )
            node.users.add(
                NewUser("tanaka", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority"
            )
            node.users.add(NewUser("suzuki", role="analyst", clearance="秘", ntk=[]), actor="authority")
            rng = random.Random(12)  # noqa: S311 (a reproducible corpus, not a secret)
            texts: dict[str, str] = {}
            withheld: set[str] = set()
            for n in range(30):
                title, body = f"report {n}", _text(rng)
                secret = n % 3 == 0
                item_id = create(node, title, body, secret=secret)
                texts[item_id] = f"{title}\n{body}"
                if secret:
                    withheld.add(item_id)
            yield Corpus(node, texts, withheld)
        finally:
            node.close()


def found(corpus: Corpus, query: str, actor: str) -> tuple[set[str], int]:
    ids, total = corpus.node.items.search.matching_ids(query, actor=actor, filters=EVERYTHING, limit=10_000)
    return set(ids), total


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_results_equal_a_plain_substring_scan(corpus: Corpus, data: st.DataObject) -> None:
    source = data.draw(st.sampled_from(sorted(corpus.texts)))
    terms = [term_from(corpus.texts[source], data) for _ in range(data.draw(st.integers(1, 2)))]
    query = " ".join(terms)
    expected = {i for i, text in corpus.texts.items() if oracle_all(text, terms)}
    everything, total = found(corpus, query, "sato")
    assert everything == expected
    assert total == len(expected)
    readable, total = found(corpus, query, "suzuki")
    assert readable == expected - corpus.withheld
    assert total == len(readable)
    # A short page of a common one-token term walks the newest items (store.search_ids):
    # the same ids as the first of the whole list, and the same total.
    for actor in ("sato", "suzuki"):
        newest = _newest(corpus, query, actor, 10_000)
        for limit in (1, 3):
            assert _newest(corpus, query, actor, limit) == (newest[0][:limit], newest[1])


def _newest(corpus: Corpus, query: str, actor: str, limit: int) -> tuple[list[str], int]:
    return corpus.node.items.search.matching_ids(query, actor=actor, filters=EVERYTHING, limit=limit)


def test_a_short_page_of_a_common_term_is_the_head_of_the_whole_list(corpus: Corpus) -> None:
    # "report" is in every title (and "rep*" a prefix of it): the short pages walk the newest items.
    for query in ("report", "1", "reports", "rep*"):
        for actor in ("sato", "suzuki"):
            ids, total = _newest(corpus, query, actor, 10_000)
            assert total == len(ids)
            for limit in (1, 2, 5, 12):
                assert _newest(corpus, query, actor, limit) == (ids[:limit], total)
    assert _newest(corpus, "report", "sato", 10_000)[1] == 30
    assert _newest(corpus, "report", "suzuki", 10_000)[1] == 20


def test_a_page_is_newest_first_with_snippets_and_one_journal_event(corpus: Corpus) -> None:
    db = corpus.node.ctx.db
    with db.transaction(read_only=True) as s:
        before = s.scalar(
            select(func.count()).select_from(JournalRow).where(JournalRow.action == "item.search")
        )
    page = corpus.node.items.search.search("report", actor="sato", filters=EVERYTHING, limit=5)
    assert page.total == len(corpus.texts)
    assert len(page.hits) == 5
    stamps = [(h.view.created_at, h.view.id) for h in page.hits]
    assert stamps == sorted(stamps, reverse=True)
    hit = page.hits[0]
    assert hit.view.banners
    [(start, end)] = hit.highlights
    assert hit.snippet[start:end].casefold() == "report"
    with db.transaction(read_only=True) as s:
        events = s.scalars(
            select(JournalRow).where(JournalRow.action == "item.search").order_by(JournalRow.seq)
        ).all()
    assert len(events) == (before or 0) + 1
    detail = json.loads(events[-1].detail_json)
    assert detail["shown"] == 5
    assert detail["total"] == len(corpus.texts)
    assert len(detail["query_digest"]) == 64
    assert "report" not in events[-1].detail_json  # the words are not journalled


def test_filters_narrow_before_counting(corpus: Corpus) -> None:
    search = corpus.node.items.search
    secret = SearchFilters(classification="極秘")
    ids, total = search.matching_ids("report", actor="sato", filters=secret, limit=1000)
    assert set(ids) == corpus.withheld
    assert total == len(corpus.withheld)
    assert search.matching_ids("report", actor="suzuki", filters=secret, limit=1000) == ([], 0)
    assert search.matching_ids("report", actor="sato", filters=SearchFilters(from_party="KOR"), limit=10) == (
        [],
        0,
    )
    flash = SearchFilters(precedence=Precedence.FLASH)
    assert search.matching_ids("report", actor="sato", filters=flash, limit=10) == ([], 0)


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("", id="empty"),
        pytest.param("、。!?", id="punctuation-only"),
        pytest.param("a" * 10 * 1024 * 1024, id="ten-megabytes"),
        pytest.param(b"\xff\xfe".decode("utf-8", "surrogateescape"), id="invalid-utf8"),
    ],
)
def test_bad_queries_are_clear_errors(corpus: Corpus, query: str) -> None:
    with pytest.raises(InvalidInput):
        corpus.node.items.search.search(query, actor="sato", filters=EVERYTHING)


@pytest.mark.parametrize(
    "query",
    [
        '"',
        'a" OR "b',
        "NEAR(report 1)",
        "report AND",
        "title:report",
        "^report",
        "-report",
        "report'",
        "*",
        "''",
    ],
)
def test_fts_syntax_is_searched_as_text_never_an_sql_error(corpus: Corpus, query: str) -> None:
    try:
        page = corpus.node.items.search.search(query, actor="sato", filters=EVERYTHING)
    except InvalidInput:
        return  # nothing to search for: a clear error
    assert page.total >= 0

"""A generated corpus of mixed Korean, Japanese and English reports, and the plain-scan oracle.

Small alphabets on purpose: generated terms then often hit and often just miss (a bigram
present in one run and its characters split over two). Texts are written in odd forms —
decomposed Hangul, half-width kana, full-width Latin, capitals, an invisible format character
inside a word — and queries in plain ones (and the other way round), so normalisation is
exercised on both sides.

Also the node the index tests share (three users, reports made by sato) and a way back to
the schema before revision 0019.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable

from hypothesis import strategies as st
from sqlalchemy import Connection, text

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser, Node
from accord.node.holdings._search_text import is_cjk, normalise, words

KOREAN = "대한민국정보보호협정군사"
JAPANESE = "日本国防衛省情報保護協定あいうアイウー"
HALF_WIDTH = "ｱｲｳｰ"
ENGLISH = ["army", "arms", "armor", "navy", "naval", "radar", "report", "port", "sea", "GSOMIA", "Ａｒｍｙ"]
SEPARATORS = [" ", "  ", "、", "。", ", ", "\n", "-", "(", ")", '"', "*", ":"]


korean_words = st.text(alphabet=KOREAN, min_size=1, max_size=5)
decomposed_korean = korean_words.map(lambda w: unicodedata.normalize("NFD", w))
japanese_runs = st.text(alphabet=JAPANESE + HALF_WIDTH, min_size=1, max_size=6)
english_words = st.sampled_from(ENGLISH)
INVISIBLE = ["\u200b", "\u00ad", "\u200d", "\ufeff", "\u2066", "\u202e", "\u200c"]
"""Format characters: all but the last (ZWNJ, a word boundary) vanish in normalisation."""
plain_pieces = st.one_of(korean_words, decomposed_korean, japanese_runs, english_words)
hidden = st.tuples(plain_pieces, st.sampled_from(INVISIBLE), st.integers(0, 6)).map(
    lambda t: t[0][: t[2]] + t[1] + t[0][t[2] :]
)
pieces = st.one_of(plain_pieces, hidden)
texts = st.lists(st.tuples(pieces, st.sampled_from(SEPARATORS)), min_size=1, max_size=25).map(
    lambda parts: "".join(p + s for p, s in parts)
)
cjk_terms = st.text(alphabet=KOREAN + JAPANESE, min_size=1, max_size=4)
word_terms = st.sampled_from([*ENGLISH, "ARMY", "armies", "sea", "r"])
prefix_terms = st.sampled_from(["ar*", "arm*", "na*", "rep*", "p*", "ｒａ*", "x*"])
terms = st.one_of(cjk_terms, word_terms, prefix_terms)


def term_from(text: str, data: st.DataObject) -> str:
    """A term drawn from ``text`` itself (a substring of a CJK run, or one of its words) or at random."""
    norm = normalise(text)
    runs = "".join(c if is_cjk(c) else " " for c in norm).split()
    choice = data.draw(st.integers(0, 2))
    if choice == 0 and runs:
        run = data.draw(st.sampled_from(runs))
        start = data.draw(st.integers(0, len(run) - 1))
        end = data.draw(st.integers(start + 1, min(len(run), start + 4)))
        return run[start:end]
    if choice == 1 and words(norm):
        return data.draw(st.sampled_from(words(norm)))
    return data.draw(terms)


def oracle_matches(text: str, term: str) -> bool:
    """A plain scan: a CJK term as a substring, a word as a word, ``word*`` as a word's prefix."""
    norm = normalise(text)
    if term.endswith("*"):
        prefix = normalise(term[:-1])
        return any(w.startswith(prefix) for w in words(norm))
    query = normalise(term)
    if all(is_cjk(c) for c in query):
        return query in norm
    return query in words(norm)


def oracle_all(text: str, query_terms: list[str]) -> bool:
    """Every term matches (terms are ANDed)."""
    return all(oracle_matches(text, t) for t in query_terms)


def undo_0019(connection: Connection) -> None:
    """Take the search index back to what revision 0018 made (no created time in its rows)."""
    connection.execute(text("DROP INDEX ix_search_docs_created_at"))
    connection.execute(text("ALTER TABLE search_docs DROP COLUMN created_at"))
    connection.execute(text("UPDATE alembic_version SET version_num = '0018'"))


def search_node(make_node: Callable[..., Node], url: str) -> Node:
    """A JPN node with two officers (sato, tanaka) and an analyst (suzuki) who may read ``秘`` only."""
    node = make_node("JPN", "jpn-mod", url)
    node.users.add(NewUser("sato", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority")
    node.users.add(
        NewUser("tanaka", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    node.users.add(NewUser("suzuki", role="analyst", clearance="秘", ntk=[]), actor="authority")
    return node


def create_report(node: Node, body: str, *, secret: bool = False, title: str = "報告") -> str:
    """A report made by sato (``極秘`` with a need-to-know suzuki lacks, if ``secret``); its id."""
    label = LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"]) if secret else LabelRequest("秘", ["KOR"])
    content = ItemContent(ItemKind.REPORT, title, body, "DPRK-MISSILE" if secret else "x")
    return node.items.create(NewItem(content, label, Precedence.ROUTINE), actor="sato").id

"""Search text (holdings/_search_text.py): tokens and queries against a plain substring scan.

The reference matcher below reads chunks as the databases do: a set token is looked up, a
phrase is a run of consecutive stream positions. Hypothesis checks it finds exactly what a
plain scan of the normalised text finds.
"""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support_search import oracle_all, oracle_matches, term_from, texts

from accord.errors import InvalidInput
from accord.node.holdings._search import snippet_of
from accord.node.holdings._search_text import (
    _RUNS,
    CHUNK_TOKENS,
    GAP,
    IGNORED_RANGES,
    MAX_PHRASE,
    MAX_QUERY_CHARS,
    PREFIX_MAX,
    Chunk,
    Term,
    _is_word_char,
    _runs,
    _runs_by_char,
    chunks,
    is_cjk,
    normalise,
    parse_query,
)


def _in_chunk(chunk: Chunk, term: Term) -> bool:
    if len(term.tokens) == 1 and term.tokens[0] in chunk.sets:
        return True
    n = len(term.tokens)
    return any(chunk.stream[i : i + n] == term.tokens for i in range(len(chunk.stream) - n + 1))


def matches(text: str, query: str) -> bool:
    parts = chunks(text)
    return all(any(_in_chunk(c, t) for c in parts) for t in parse_query(query).terms)


@settings(max_examples=150, deadline=None)
@given(texts, st.data())
def test_one_term_matches_exactly_where_a_plain_scan_does(text: str, data: st.DataObject) -> None:
    term = term_from(text, data)
    assert matches(text, term) == oracle_matches(text, term)


@settings(max_examples=100, deadline=None)
@given(texts, st.data())
def test_terms_are_anded(text: str, data: st.DataObject) -> None:
    terms = [term_from(text, data) for _ in range(data.draw(st.integers(1, 3)))]
    assert matches(text, " ".join(terms)) == oracle_all(text, terms)


@pytest.mark.parametrize(
    ("text", "query", "found"),
    [
        pytest.param("대한 한국", "대한국", False, id="bigrams-of-two-runs-do-not-join"),
        pytest.param("대한민국", "한민", True, id="korean-two-syllables-inside-a-word"),
        pytest.param("대한민국", "민", True, id="one-syllable"),
        pytest.param("防衛省", "衛", True, id="one-kanji"),
        pytest.param("ﾚｰﾀﾞｰ", "レーダー", True, id="half-width-kana"),
        pytest.param("ＧＳＯＭＩＡ", "gsomia", True, id="full-width-latin"),
        pytest.param("\u1100\u1161\u11a8", "각", True, id="decomposed-hangul"),
        pytest.param("naval report", "nav*", True, id="prefix"),
        pytest.param("naval report", "nav", False, id="a-word-is-a-word"),
        pytest.param("the naval report", '"naval report"', True, id="phrase"),
        pytest.param("the report naval", '"naval report"', False, id="phrase-order"),
        pytest.param("AND OR NEAR", "and", True, id="fts-words-are-words"),
    ],
)
def test_examples(text: str, query: str, found: bool) -> None:
    assert matches(text, query) is found


def test_a_long_document_is_chunked_and_phrases_across_chunk_borders_still_match() -> None:
    text = " ".join(f"w{i}" for i in range(3 * CHUNK_TOKENS))
    parts = chunks(text)
    assert len(parts) == 4
    assert all(len(c.stream) <= CHUNK_TOKENS for c in parts)
    border = CHUNK_TOKENS - 5
    phrase = " ".join(f"w{i}" for i in range(border, border + MAX_PHRASE))
    assert matches(text, f'"{phrase}"')
    assert matches(text, f"w{3 * CHUNK_TOKENS - 1}")


def test_runs_are_separated_by_a_gap_only_between_cjk_runs() -> None:
    [chunk] = chunks("대한 한국 army 일본")
    assert chunk.stream == ("b:대한", GAP, "b:한국", "w:army", "b:일본")
    assert {"u:대", "u:한", "u:국", "p:a", "p:army"} <= chunk.sets


def test_normalise_is_nfkc_casefold() -> None:
    assert normalise("ＡＢＣ ｱ Straße") == "abc ア strasse"


@pytest.mark.parametrize(
    "query",
    [
        pytest.param("", id="empty"),
        pytest.param("   ", id="blank"),
        pytest.param("!?.,、。", id="punctuation-only"),
        pytest.param('"', id="lone-quote"),
        pytest.param("*", id="star-only"),
        pytest.param("x" * (MAX_QUERY_CHARS + 1), id="too-long"),
        pytest.param("a" * 10 * 1024 * 1024, id="ten-megabytes"),
        pytest.param(b"caf\xe9".decode("utf-8", "surrogateescape"), id="invalid-utf8"),
        pytest.param("a" * (PREFIX_MAX + 1) + "*", id="prefix-too-long"),
        pytest.param("가" * (MAX_PHRASE + 2), id="cjk-term-too-long"),
        pytest.param(" ".join(f"t{i}" for i in range(17)), id="too-many-terms"),
    ],
)
def test_bad_queries_are_clear_errors(query: str) -> None:
    with pytest.raises(InvalidInput):
        parse_query(query)


@pytest.mark.parametrize(
    "query",
    ['a" OR 1=1 --', "NEAR(a b)", "a AND b", "col:a", "^a", "-a", "a'b", "(a)", "{a}", "a+b", "a'", "a\\"],
)
def test_fts_syntax_characters_are_plain_text(query: str) -> None:
    parsed = parse_query(query)
    for term in parsed.terms:
        for token in term.tokens:
            assert token == GAP or token[:2] in {"w:", "b:", "c:", "u:", "p:"}


def test_the_same_query_in_other_forms_is_the_same_query() -> None:
    assert parse_query("ARMY  대한").canonical() == parse_query("army 대한 army").canonical()


@pytest.mark.slow  # 6-10 s of CPU: started first (conftest), never last alone
# Untraced: 1.1 million calls of is_cjk and _is_word_char, whose every line and branch the
# other tests of this file cover (checked arc by arc); tracing them tripled the test's CPU.
@pytest.mark.usefixtures("untraced")
def test_the_regular_expression_splits_every_character_as_the_definition_does() -> None:
    # _RUNS (C) and _kind (per character) agree on every code point but combining marks
    # outside the CJK ranges, which send a text to the per-character split.
    for code in range(0x110000):
        char = chr(code)
        found = _RUNS.fullmatch(char)
        kind = None if found is None else found.lastindex == 1
        definition = True if is_cjk(char) else False if _is_word_char(char) else None
        if kind != definition:
            assert definition is False
            assert unicodedata.category(char).startswith("M")
            assert _runs(f"a{char}b") == _runs_by_char(f"a{char}b") == [(f"a{char}b", False)]


@given(st.text(alphabet=st.characters(codec="utf-8"), max_size=60) | texts)
def test_runs_are_the_per_character_split(text: str) -> None:
    norm = normalise(text)
    assert _runs(norm) == _runs_by_char(norm)


def _snippet_by_cluster(text: str, terms: list[str]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """snippet_of written plainly: each cluster (a character and the combining marks or Hangul
    vowel and final jamo after it) normalised on its own, its offsets kept."""
    clusters: list[list[int]] = []
    for index, char in enumerate(text):
        joins = unicodedata.combining(normalise(char)[:1] or "a") or 0x1160 <= ord(char) <= 0x11FF
        joins = joins or 0xD7B0 <= ord(char) <= 0xD7FF
        if clusters and joins:
            clusters[-1][1] = index + 1
        else:
            clusters.append([index, index + 1])
    folded: list[str] = []
    origin: list[tuple[int, int]] = []
    for begin, end in clusters:
        for piece in normalise(text[begin:end]):
            folded.append(piece)
            origin.append((begin, end))
    flat = "".join(folded)
    found = []
    for term in terms:
        needle = term.strip('"').strip()
        at = flat.find(needle) if needle else -1
        if at >= 0:
            found.append((origin[at][0], origin[at + len(needle) - 1][1]))
    first = min((s for s, _ in found), default=0)
    start = max(0, first - 40)
    end = min(len(text), start + 160)
    spans = tuple(sorted((s - start, min(e, end) - start) for s, e in found if start <= s < end))
    prefix = "…" if start > 0 else ""
    window = prefix + text[start:end].replace("\n", " ") + ("…" if end < len(text) else "")
    return window, tuple((s + len(prefix), e + len(prefix)) for s, e in spans)


@given(texts | st.text(max_size=300), st.data())
def test_snippets_are_cut_as_character_by_character(text: str, data: st.DataObject) -> None:
    # Straße and ﾀﾞ normalise to more or fewer characters than they have: offsets still map back.
    text = data.draw(st.sampled_from(["", "Straße ", "ﾀﾞｲ ", unicodedata.normalize("NFD", "한국 ")])) + text
    terms = [t.text for t in parse_query(term_from(text, data)).terms] if normalise(text).strip() else []
    assert snippet_of(text, terms) == _snippet_by_cluster(text, terms)


@pytest.mark.parametrize(
    ("text", "term", "marked"),
    [
        pytest.param("ﾚｰﾀﾞｰ track", "レーダー", "ﾚｰﾀﾞｰ", id="half-width-voiced-kana"),
        pytest.param(
            unicodedata.normalize("NFD", "대한민국"), "한민", unicodedata.normalize("NFD", "한민"), id="jamo"
        ),
        pytest.param("cafe\u0301 noir", "café", "cafe\u0301", id="combining-accent"),
        pytest.param("ＧＳＯＭＩＡ", "gsomia", "ＧＳＯＭＩＡ", id="full-width-latin"),
        pytest.param("Straße", "strasse", "Straße", id="sharp-s"),
    ],
)
def test_a_snippet_marks_what_normalises_to_the_term(text: str, term: str, marked: str) -> None:
    # A character composed from several (ﾀﾞ is ダ) is marked whole, in the text as written.
    snippet, ((start, end),) = snippet_of(text, [normalise(term)])
    assert snippet[start:end] == marked


@pytest.mark.parametrize(
    ("text", "query", "marked"),
    [
        pytest.param("the radar track", "\u202eradar", ["radar"], id="leading-bidi-override"),
        pytest.param("the radar track", "\ufeffradar", ["radar"], id="leading-bom"),
        pytest.param("the launch-site", "launch -site", ["launch", "site"], id="minus-is-text"),
        pytest.param("the radars", "radar*", ["radar"], id="prefix"),
        pytest.param("「미사일」 발사", "'미사일'", ["미사일"], id="quotes-around-cjk"),
    ],
)
def test_a_snippet_marks_the_terms_as_they_matched(text: str, query: str, marked: list[str]) -> None:
    # Highlighting uses the term as matching read it: no punctuation or control before or after.
    snippet, spans = snippet_of(text, [t.text for t in parse_query(query).terms])
    assert [snippet[start:end] for start, end in spans] == marked


@pytest.mark.parametrize("query", ["ra*dar", "*radar", "radar**", "a*b*"])
def test_a_star_that_does_not_end_a_word_is_refused(query: str) -> None:
    with pytest.raises(InvalidInput, match=r"a \* may only end a word, for a prefix \(radar\*\)"):
        parse_query(query)
    assert parse_query(f'"{query}"').terms  # in a phrase, * is plain text


@pytest.mark.parametrize(
    ("text", "query"),
    [
        pytest.param("미\u200b사일 발사", "미사일", id="zero-width-space-in-hangul"),
        pytest.param("the ra\u00addar track", "radar", id="soft-hyphen"),
        pytest.param("弾道\u2060ミサイル", "道ミ", id="word-joiner-in-a-cjk-run"),
        pytest.param("\ufeffGSOMIA", "gsomia", id="bom"),
        pytest.param("rad\u200dar", "ra\u200bdar", id="both-sides"),
    ],
)
def test_an_invisible_format_character_hides_nothing(text: str, query: str) -> None:
    assert matches(text, query)
    snippet, spans = snippet_of(text, [t.text for t in parse_query(query).terms])
    assert [normalise(snippet[start:end]) for start, end in spans] == [normalise(query)]


def test_a_zero_width_non_joiner_still_separates() -> None:
    # Persian writes it inside a word between its parts: each part is found, as before.
    assert matches("می\u200cخواهم", "خواهم")
    assert not matches("미\u200c사일", "미사일")


def test_the_ignored_characters_are_unicode_format_characters_but_zwnj() -> None:
    ignored = {chr(c) for low, high in IGNORED_RANGES for c in range(low, high + 1)}
    every = {chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf"}
    assert ignored == every - {"\u200c"}
    assert normalise("".join(sorted(ignored))) == ""

"""Keyed chunks (holdings/_search_keyed.py): the same tokens as keying ``chunks`` token by token.

The reference keys every plain token of :func:`chunks` with :func:`keyed_tokens` itself,
with nothing remembered; the tokenizer under test keys pieces once and reuses them, so it
is run over several texts in a row (and over the same text twice) to use what it kept.
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from support_search import texts

from accord.crypto import keyed_tokens
from accord.node.holdings._search_keyed import KeyedTokenizer
from accord.node.holdings._search_text import CHUNK_TOKENS, GAP, chunks
from accord.store import GAP_TOKEN, IndexedChunk

KEY = bytes(range(32))


def reference(text: str, key: bytes = KEY) -> list[IndexedChunk]:
    def keyed(tokens: list[str]) -> list[str]:
        return [GAP_TOKEN if t == GAP else k for t, k in zip(tokens, keyed_tokens(key, tokens), strict=True)]

    return [
        IndexedChunk(tuple(keyed(list(c.stream))), tuple(sorted(keyed(list(c.sets))))) for c in chunks(text)
    ]


@settings(max_examples=150, deadline=None)
@given(st.lists(texts, min_size=1, max_size=4))
def test_keyed_chunks_are_the_keyed_tokens_of_chunks(batch: list[str]) -> None:
    tokenizer = KeyedTokenizer(KEY)
    for text in [*batch, *batch]:
        assert tokenizer.chunks(text) == reference(text)


@settings(max_examples=10, deadline=None)
@given(st.lists(texts, min_size=60, max_size=120))
def test_long_documents_are_cut_where_chunks_cuts_them(parts: list[str]) -> None:
    text = "\n".join(parts) * (1 + 3 * CHUNK_TOKENS // max(1, len(chunks("\n".join(parts))[0].stream)))
    made = KeyedTokenizer(KEY).chunks(text)
    assert len(made) > 2
    assert made == reference(text)


def test_nodes_never_share_a_keyed_token() -> None:
    other = bytes(32)
    text = "대한민국 radar 防衛省"
    assert KeyedTokenizer(KEY).chunks(text) == reference(text)
    assert KeyedTokenizer(other).chunks(text) == reference(text, other)
    assert KeyedTokenizer(KEY).key_tokens(["w:radar"]) != KeyedTokenizer(other).key_tokens(["w:radar"])


def test_no_text_no_chunk() -> None:
    assert KeyedTokenizer(KEY).chunks(" 、。 ") == []


def test_a_word_with_a_combining_mark_is_keyed_as_chunks_reads_it() -> None:
    text = "x\u0301ray 대한 x\u0301 radar"  # x + an acute accent: no precomposed form
    assert KeyedTokenizer(KEY).chunks(text) == reference(text)


@pytest.mark.parametrize(
    "text",
    [
        "日本_대한",
        "々〇ー々",
        "a_b 日 本 x 日",
        "日、。本",
        "1日2 本3",
        "日 ",
        " 日",
        "日本",
        "日",
        "_日_",
        "〆〻ゝ",
        "ＧＳＯＭＩＡ 防衛省 ﾚｰﾀﾞｰ",
        "日\n\n本 radar\t대한",
        "x" * 30,
        "日本" * 1200,
    ],
)
def test_edges_of_runs_words_and_gaps(text: str) -> None:
    assert KeyedTokenizer(KEY).chunks(text) == reference(text)

"""Keyed chunks of a text, each distinct token keyed once (issue 12).

:func:`~._search_text.chunks` defines what an item's text is indexed as: plain tokens,
which the index then holds only as keyed hashes. Making every plain token as a string and
then looking it up cost more than the HMACs themselves once the vocabulary was known (≈ 470
tokens per report; the same bigrams, words and characters come back in every report).
:class:`KeyedTokenizer` makes the keyed chunks in one pass: the text's bigrams are found and
looked up in C, the runs and words then take them in order; each CJK character's ``u:`` token
and each word's ``p:`` prefix tokens are remembered per character and per word. The result is
the same, token for token, as keying the tokens of :func:`~._search_text.chunks` (a test
compares them on generated texts); only :func:`accord.crypto.keyed_tokens` makes a keyed token.

What is remembered — plain tokens, characters and words with their keyed tokens — stays in
this process's memory, per index key; each table is emptied when it reaches :data:`_LIMIT`
entries.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from accord.crypto import keyed_tokens
from accord.node.holdings._search_text import (
    _BIGRAMS,
    _RUNS,
    CHUNK_TOKENS,
    GAP,
    PREFIX_MAX,
    _has_marks,
    _runs,
    is_cjk,
    normalise,
    windows,
)
from accord.store import GAP_TOKEN, IndexedChunk

__all__ = ["KeyedTokenizer"]

_LIMIT = 500_000
"""Entries per table before it is emptied (a table's entry is a piece and a few tokens)."""


class _Memo:
    """What one index key has keyed."""

    def __init__(self) -> None:
        self.tokens: dict[str, str] = {GAP: GAP_TOKEN}
        """Plain token → keyed token."""
        self.prefixes: dict[str, tuple[str, ...]] = {}
        """Word → the keyed ``p:`` tokens of its prefixes."""
        self.chars: dict[str, str] = {}
        """Any character → its keyed ``u:`` token if it is a CJK character, else ``""``."""

    def full(self) -> bool:
        return max(len(self.tokens), len(self.prefixes), len(self.chars)) >= _LIMIT


_MEMOS: dict[bytes, _Memo] = {}
"""Per index key, so that two nodes in one process never share an entry."""


def _memo(key: bytes) -> _Memo:
    memo = _MEMOS.get(key)
    if memo is None or memo.full():
        memo = _MEMOS[key] = _Memo()
    return memo


class KeyedTokenizer:
    """Keyed tokens and chunks under one index key (cheap to make: the memo is per key)."""

    def __init__(self, key: bytes) -> None:
        """Key with ``key`` (the search index key)."""
        self._key = key
        self._memo = _memo(key)

    def key_tokens(self, tokens: Iterable[str]) -> list[str]:
        """The keyed form of plain tokens (a gap stays a gap)."""
        known = self._memo.tokens
        plain = list(tokens)
        missing = [token for token in set(plain) if token not in known]
        if missing:
            known.update(zip(missing, keyed_tokens(self._key, missing), strict=True))
        return [known[token] for token in plain]

    def _known(self, plain: list[str]) -> list[str]:
        """:meth:`key_tokens` for tokens that are most often known (looked up in C)."""
        try:
            return list(map(self._memo.tokens.__getitem__, plain))
        except KeyError:
            return self.key_tokens(plain)

    def _chars(self, chars: set[str]) -> set[str]:
        """The keyed ``u:`` tokens of the CJK characters among ``chars``."""
        table = self._memo.chars
        new = [char for char in chars if char not in table]
        if new:
            cjk = [char for char in new if is_cjk(char)]
            table.update(dict.fromkeys(new, ""))
            table.update(zip(cjk, self.key_tokens([f"u:{char}" for char in cjk]), strict=True))
        out = set(map(table.__getitem__, chars))
        out.discard("")
        return out

    def _sets(self, chars: set[str], words: Iterable[str]) -> tuple[str, ...]:
        """The keyed set tokens, sorted: each CJK character's, each word's prefixes'."""
        out = self._chars(chars)
        prefixes = self._memo.prefixes
        for word in words:
            keyed = prefixes.get(word)
            if keyed is None:
                plain = [f"p:{word[:n]}" for n in range(1, min(len(word), PREFIX_MAX) + 1)]
                keyed = prefixes[word] = tuple(self.key_tokens(plain))
            out.update(keyed)
        return tuple(sorted(out))

    def _learn(self, words: set[str], singles: set[str]) -> None:
        """Key what is new among ``words`` (word and prefix tokens) and one-character runs, in one call."""
        prefixes, known = self._memo.prefixes, self._memo.tokens
        new_words = [word for word in words if word not in prefixes or f"w:{word}" not in known]
        plain = [f"c:{run}" for run in singles if f"c:{run}" not in known]
        if not new_words and not plain:
            return
        plain += [f"w:{word}" for word in new_words]
        of_word = [[f"p:{word[:n]}" for n in range(1, min(len(word), PREFIX_MAX) + 1)] for word in new_words]
        self.key_tokens(plain + [token for tokens in of_word for token in tokens])
        prefixes.update(
            (word, tuple(map(known.__getitem__, tokens)))
            for word, tokens in zip(new_words, of_word, strict=True)
        )

    def chunks(self, text: str) -> list[IndexedChunk]:
        """The keyed chunks of ``text``: :func:`~._search_text.chunks`, each token keyed.

        The stream keeps its order (a gap between two CJK runs is ``GAP_TOKEN``); the set
        tokens are sorted.
        """
        normalised = normalise(text)
        chars = set(normalised)
        if _has_marks(chars):
            return self._long(self._stream_of_runs(normalised), _runs(normalised))
        found = _RUNS.findall(normalised)  # (CJK run, word): one of them is empty
        words = {word for _, word in found}
        words.discard("")
        self._learn(words, {run for run, _ in found if len(run) == 1})
        # Every bigram of the text in order, keyed in C; the runs then take them in turn.
        bigrams = self._known(list(map("b:".__add__, _BIGRAMS.findall(normalised))))
        known = self._memo.tokens
        stream: list[str] = []
        taken = 0
        previous = False
        for run, word in found:
            if word:
                stream.append(known["w:" + word])
                previous = False
                continue
            if previous:
                stream.append(GAP_TOKEN)
            if len(run) == 1:
                stream.append(known["c:" + run])
            else:
                stream += bigrams[taken : taken + len(run) - 1]
                taken += len(run) - 1
            previous = True
        if len(stream) > CHUNK_TOKENS:
            return self._long(stream, [(run, True) if run else (word, False) for run, word in found])
        return [IndexedChunk(tuple(stream), self._sets(chars, words))] if stream else []

    def _stream_of_runs(self, normalised: str) -> list[str]:
        """The keyed stream of a text with combining marks (read run by run, as :func:`chunks` does)."""
        stream: list[str] = []
        previous = False
        for piece, cjk in _runs(normalised):
            if cjk and previous:
                stream.append(GAP_TOKEN)
            if not cjk:
                plain = [f"w:{piece}"]
            elif len(piece) == 1:
                plain = [f"c:{piece}"]
            else:
                plain = [f"b:{piece[i : i + 2]}" for i in range(len(piece) - 1)]
            stream += self.key_tokens(plain)
            previous = cjk
        return stream

    def _long(self, stream: list[str], runs: Sequence[tuple[str, bool]]) -> list[IndexedChunk]:
        """The chunks of a stream (as :func:`~._search_text.chunks` cuts a long one)."""
        out: list[IndexedChunk] = []
        for start, end, part in windows(len(stream), runs):
            chars = set("".join(piece for piece, cjk in part if cjk))
            sets = self._sets(chars, {piece for piece, cjk in part if not cjk})
            out.append(IndexedChunk(tuple(stream[start:end]), sets))
        return out

"""Search text: how an item's text and a person's query become tokens (pure; no keys, no I/O).

The index must find a Korean or Japanese term of any length as a substring — one- and
two-character words are the common case — and a Latin-script word as a word, on SQLite and
PostgreSQL alike, without a trigram index (terms under three characters never match) and
without ``LIKE`` (a scan). So the application tokenizes (issue 12):

* text and query are normalised the same way: invisible format characters removed (a
  zero-width space or soft hyphen inside a word, a bidirectional mark), then NFKC, case
  folding, NFKC again (half-width kana, full-width Latin and decomposed Hangul become their
  ordinary forms);
* a *run* of CJK characters (Hangul, kana, kanji) becomes its overlapping character bigrams
  in order (``b:``), or one ``c:`` token when the run is one character; a CJK query term of
  two or more characters is the phrase of its bigrams, which matches exactly where the term
  is a substring of a run;
* any other run of letters, digits and combining marks is a word (``w:``);
* two consecutive CJK runs (separated only by spaces or punctuation) are kept apart by a gap
  (:data:`GAP`), so the phrase of ``대한국`` never matches ``대한 한국``;
* tokens that only a lookup of one token needs, and that have no place in a phrase, form a
  *set* per chunk: every CJK character (``u:``, for one-character queries) and every prefix
  of every word up to :data:`PREFIX_MAX` characters (``p:``, for ``word*``). The index keeps
  keyed hashes of tokens, which cannot be matched by prefix, so prefixes are tokens too.

A document's stream is cut into chunks of :data:`CHUNK_TOKENS` positions (PostgreSQL
records phrase positions only up to 16,383, and a ``tsvector`` holds at most 1 MB), each
overlapping the previous by :data:`MAX_PHRASE` - 1 positions, so any phrase of up to
:data:`MAX_PHRASE` tokens lies whole in one chunk.

Query syntax: terms separated by spaces are ANDed; ``"…"`` is a phrase; ``word*`` a
prefix. Every other character (``AND``, ``-``, ``:``, ``(``, ``^``…) is plain text: the
query reaches the database only as keyed tokens, never as syntax.
"""

from __future__ import annotations

import bisect
import re
import unicodedata
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from accord.errors import InvalidInput

__all__ = [
    "CHUNK_TOKENS",
    "GAP",
    "IGNORED_RANGES",
    "MAX_PHRASE",
    "MAX_QUERY_CHARS",
    "MAX_TERMS",
    "PREFIX_MAX",
    "Chunk",
    "Query",
    "Term",
    "chunks",
    "is_cjk",
    "normalise",
    "parse_query",
    "pieces",
    "searchable_text",
    "windows",
    "words",
]

PREFIX_MAX = 24
"""Longest prefix a ``word*`` query may have (every word's prefixes up to it are indexed)."""
MAX_PHRASE = 32
"""Most tokens in one phrase (a CJK term of n characters is n - 1 tokens)."""
CHUNK_TOKENS = 1000
"""Stream positions per indexed chunk."""
MAX_QUERY_CHARS = 1000
"""Longest query accepted (a longer one is refused before it is read further)."""
MAX_TERMS = 16
"""Most terms in one query."""
GAP = ""
"""Stands between two consecutive CJK runs of the stream (one position, matched by nothing)."""

_CJK_RANGES = (
    (0x1100, 0x11FF),  # Hangul Jamo
    (0x3005, 0x3007),  # 々 〆 〇
    (0x303B, 0x303B),  # 〻
    (0x3040, 0x30FF),  # Hiragana, Katakana (with ー)
    (0x3130, 0x318F),  # Hangul Compatibility Jamo
    (0x31F0, 0x31FF),  # Katakana Phonetic Extensions
    (0x3400, 0x4DBF),  # CJK Extension A
    (0x4E00, 0x9FFF),  # CJK Unified Ideographs
    (0xA960, 0xA97F),  # Hangul Jamo Extended-A
    (0xAC00, 0xD7FF),  # Hangul Syllables, Jamo Extended-B
    (0xF900, 0xFAFF),  # CJK Compatibility Ideographs
    (0x1B000, 0x1B16F),  # Kana Supplement, Extended-A
    (0x20000, 0x3134F),  # CJK Extensions B–G
)


def is_cjk(char: str) -> bool:
    """Whether ``char`` is Hangul, kana or a CJK ideograph (searched as a substring)."""
    code = ord(char)
    return any(low <= code <= high for low, high in _CJK_RANGES)


def _is_word_char(char: str) -> bool:
    return char.isalnum() or unicodedata.category(char).startswith("M")


IGNORED_RANGES = (
    (0x00AD, 0x00AD),  # soft hyphen
    (0x0600, 0x0605),
    (0x061C, 0x061C),  # Arabic letter mark
    (0x06DD, 0x06DD),
    (0x070F, 0x070F),
    (0x0890, 0x0891),
    (0x08E2, 0x08E2),
    (0x180E, 0x180E),
    (0x200B, 0x200B),  # zero-width space (U+200C, the zero-width non-joiner, is not here: see below)
    (0x200D, 0x200F),  # zero-width joiner, left-to-right and right-to-left marks
    (0x202A, 0x202E),  # bidirectional embeddings and overrides
    (0x2060, 0x2064),  # word joiner, invisible operators
    (0x2066, 0x206F),  # bidirectional isolates, deprecated format characters
    (0xFEFF, 0xFEFF),  # byte order mark / zero-width no-break space
    (0xFFF9, 0xFFFB),
    (0x110BD, 0x110BD),
    (0x110CD, 0x110CD),
    (0x13430, 0x13438),
    (0x1BCA0, 0x1BCA3),
    (0x1D173, 0x1D17A),
    (0xE0001, 0xE0001),
    (0xE0020, 0xE007F),  # tags
)
"""The format characters (Unicode category Cf) that text and query lose before anything else.

Invisible, they would split a word or a CJK run where the reader sees none: ``미\u200b사일``
is ``미사일`` to the eye, and must be to search. All of Cf (Unicode 14, Python 3.11's) but the
zero-width non-joiner, U+200C: in Persian it marks a boundary inside a written word (searched,
as before, as a word boundary). The zero-width joiner only shapes (Indic conjuncts, emoji)."""
_IGNORED = re.compile("[" + "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in IGNORED_RANGES) + "]+")
_MAYBE_IGNORED = re.compile(
    "["
    + "".join(f"\\u{low:04x}-\\u{high:04x}" for low, high in IGNORED_RANGES if high <= 0xFFFF)
    + "\\U00010000-\\U0010ffff]"
)
"""The ignored characters of the BMP, or any beyond it: a test 3 to 4 times as fast as
:data:`_IGNORED`'s (15 µs of CPU for a 3,400-character report instead of 56), which only a text
that may hold one then takes."""


def normalise(text: str) -> str:
    """Format characters removed (:data:`IGNORED_RANGES`), then NFKC, case folding, NFKC (case
    folding may undo a composition)."""
    if _MAYBE_IGNORED.search(text) is not None:
        text = _IGNORED.sub("", text)
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


@dataclass(frozen=True)
class _Piece:
    """A run of normalised text: a CJK run or a word."""

    text: str
    cjk: bool


def _kind(char: str) -> bool | None:
    """True for a CJK character, False for a word character, None for a separator (memoised)."""
    try:
        return _KINDS[char]
    except KeyError:
        kind = True if is_cjk(char) else False if _is_word_char(char) else None
        _KINDS[char] = kind
        return kind


_KINDS: dict[str, bool | None] = {}
"""Each character's kind, once looked up (at most one entry per Unicode character)."""

_CJK_CLASS = "".join(f"\\U{low:08x}-\\U{high:08x}" for low, high in _CJK_RANGES)
_RUNS = re.compile(f"([{_CJK_CLASS}]+)|([^\\W_{_CJK_CLASS}]+)")
"""CJK runs (group 1) and words (group 2), in C: a word character is ``\\w`` without ``_``
(:meth:`str.isalnum`) and without CJK. It differs from :func:`_kind` only on combining
marks outside the CJK ranges (word characters, which ``\\w`` does not match): a text with
one is split character by character (:func:`_runs_by_char`)."""
_BIGRAMS = re.compile(f"(?=([{_CJK_CLASS}]{{2}}))")
"""Every two consecutive CJK characters (overlapping)."""
_PLAIN: set[str] = set()
"""Characters :data:`_RUNS` classifies as :func:`_kind` does (once looked up)."""
_MARKS: set[str] = set()
"""Characters it does not: combining marks outside the CJK ranges (once looked up)."""


def _has_marks(chars: set[str]) -> bool:
    """Whether some of ``chars`` are combining marks outside the CJK ranges (see :data:`_RUNS`)."""
    for char in chars - _PLAIN - _MARKS:
        kind = _kind(char)
        plain = kind is not False or char.isalnum()
        (_PLAIN if plain else _MARKS).add(char)
    return not chars.isdisjoint(_MARKS)


def _runs(normalised: str) -> list[tuple[str, bool]]:
    """(text, is CJK) of each CJK run and word of normalised text, in order."""
    if _has_marks(set(normalised)):
        return _runs_by_char(normalised)
    return [(cjk, True) if cjk else (word, False) for cjk, word in _RUNS.findall(normalised)]


def _runs_by_char(normalised: str) -> list[tuple[str, bool]]:
    """:func:`_runs`, one character at a time (the definition; for texts with combining marks)."""
    out: list[tuple[str, bool]] = []
    start = 0
    kind: bool | None = None  # True: CJK run, False: word, None: between pieces
    for index, char in enumerate(normalised):
        now = _kind(char)
        if now != kind:
            if kind is not None:
                out.append((normalised[start:index], kind))
            start, kind = index, now
    if kind is not None:
        out.append((normalised[start:], kind))
    return out


def pieces(normalised: str) -> Iterator[_Piece]:
    """The CJK runs and words of normalised text, in order (everything else separates them)."""
    for text, cjk in _runs(normalised):
        yield _Piece(text, cjk)


def words(normalised: str) -> list[str]:
    """The words (not CJK runs) of normalised text: what a Latin-script term is compared with."""
    return [text for text, cjk in _runs(normalised) if not cjk]


def _set_tokens(runs: Sequence[tuple[str, bool]]) -> frozenset[str]:
    """The set tokens of some pieces: each CJK character, each word's prefixes."""
    out = {f"u:{char}" for char in set("".join(text for text, cjk in runs if cjk))}
    for word in {text for text, cjk in runs if not cjk}:
        out.update([f"p:{word[:n]}" for n in range(1, min(len(word), PREFIX_MAX) + 1)])
    return frozenset(out)


def _positions(normalised: str) -> tuple[list[str], list[tuple[str, bool]]]:
    """The stream (``GAP`` between two CJK runs) and the pieces it was made of."""
    runs = _runs(normalised)
    # Every CJK bigram of the text in order, found in C: a run of n characters holds the next n - 1.
    bigrams = list(map("b:".__add__, _BIGRAMS.findall(normalised)))
    stream: list[str] = []
    taken = 0
    previous_cjk = False
    for text, cjk in runs:
        if not cjk:
            stream.append("w:" + text)
        else:
            if previous_cjk:
                stream.append(GAP)
            if len(text) == 1:
                stream.append("c:" + text)
            else:
                stream += bigrams[taken : taken + len(text) - 1]
                taken += len(text) - 1
        previous_cjk = cjk
    return stream, runs


def _spans(runs: Sequence[tuple[str, bool]]) -> list[tuple[int, int]]:
    """Where each piece's tokens lie in the stream :func:`_positions` makes of ``runs``."""
    spans: list[tuple[int, int]] = []
    position = 0
    previous_cjk = False
    for text, cjk in runs:
        if cjk and previous_cjk:
            position += 1  # the gap
        width = len(text) - 1 if cjk and len(text) > 1 else 1
        spans.append((position, position + width))
        position += width
        previous_cjk = cjk
    return spans


@dataclass(frozen=True)
class Chunk:
    """One indexed chunk of a document: its positional stream and its set tokens."""

    stream: tuple[str, ...]
    """Tokens in position order; :data:`GAP` marks a gap."""
    sets: frozenset[str]


def chunks(text: str) -> list[Chunk]:
    """The chunks a document's text is indexed as (none for text without words).

    Consecutive chunks overlap by ``MAX_PHRASE - 1`` positions so that every phrase of up to
    :data:`MAX_PHRASE` tokens lies whole in one of them.
    """
    stream, runs = _positions(normalise(text))
    if len(stream) <= CHUNK_TOKENS:
        return [Chunk(tuple(stream), _set_tokens(runs))] if stream else []
    return [
        Chunk(tuple(stream[start:end]), _set_tokens(part)) for start, end, part in windows(len(stream), runs)
    ]


def windows(
    length: int, runs: Sequence[tuple[str, bool]]
) -> Iterator[tuple[int, int, Sequence[tuple[str, bool]]]]:
    """The chunk windows ``[start, end)`` of a long stream of ``length`` tokens, each with its runs.

    Consecutive windows overlap by ``MAX_PHRASE - 1`` positions; a window's runs are the pieces
    with a token in it. The one cut of a long document, for :func:`chunks` and the keyed
    tokenizer alike (their chunks must agree, token for token).
    """
    spans = _spans(runs)
    step = CHUNK_TOKENS - (MAX_PHRASE - 1)
    start = 0
    while start < length:
        end = start + CHUNK_TOKENS
        # The pieces with a token in [start, end) (their spans are in increasing order).
        first = bisect.bisect_right(spans, start, key=lambda span: span[1])
        after = bisect.bisect_left(spans, end, key=lambda span: span[0])
        yield start, end, runs[first:after]
        if end >= length:
            return
        start += step


@dataclass(frozen=True)
class Term:
    """One ANDed query term: a phrase of stream tokens, or one set token.

    ``tokens`` of a phrase may hold :data:`GAP` between its parts (never first or last).
    """

    tokens: tuple[str, ...]
    text: str
    """The normalised text the person typed for this term, from its first word or CJK character
    to its last (what a snippet marks: ``-site`` marks ``site``)."""


@dataclass(frozen=True)
class Query:
    """A parsed query: its terms, all of which an item must match."""

    terms: tuple[Term, ...]

    def canonical(self) -> str:
        """One string per distinct query (what the journal's digest is taken of)."""
        return "\x1f".join("\x1e".join(t.tokens) for t in self.terms)


def _check_text(query: str) -> None:
    if len(query) > MAX_QUERY_CHARS:
        raise InvalidInput(f"a search query may have at most {MAX_QUERY_CHARS} characters")
    try:
        query.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidInput("the search query is not valid UTF-8 text") from exc


def _raw_terms(query: str) -> Iterator[tuple[str, bool]]:
    """(text, quoted) of each term: quoted phrases, then whitespace-separated words."""
    parts = query.split('"')
    for index, part in enumerate(parts):
        # An unbalanced quote: its tail is read as unquoted words.
        quoted = index % 2 == 1 and index < len(parts) - 1
        if quoted:
            yield part, True
        else:
            for bare in part.split():
                yield bare, False


def _core(normalised: str) -> str:
    """``normalised`` from its first word or CJK character to its last: what a snippet marks.

    ``-site``, a bidirectional control or a quote around a term is not in the text it matched.
    """
    kinds = [_kind(char) is not None for char in normalised]
    if True not in kinds:
        return ""
    return normalised[kinds.index(True) : len(kinds) - kinds[::-1].index(True)]


def _term(raw: str, quoted: bool) -> Term | None:
    prefix = not quoted and raw.endswith("*")
    text = normalise(raw[:-1] if prefix else raw)
    found = list(pieces(text))
    if not found:
        return None
    if not quoted and "*" in text:
        # ``ra*dar`` or ``*radar``: not a prefix, and read as words it would find something else.
        raise InvalidInput(f"a * may only end a word, for a prefix (radar*), not {raw[:40]!r}")
    text = _core(text)
    if prefix and len(found) == 1 and not found[0].cjk:
        word = found[0].text
        if len(word) > PREFIX_MAX:
            raise InvalidInput(f"a prefix (word*) may have at most {PREFIX_MAX} characters")
        return Term((f"p:{word}",), text)
    if len(found) == 1 and found[0].cjk and len(found[0].text) == 1:
        return Term((f"u:{found[0].text}",), text)
    tokens = tuple(_positions(text)[0])
    if len(tokens) > MAX_PHRASE:
        raise InvalidInput(f"a search term or phrase may have at most {MAX_PHRASE} tokens")
    return Term(tokens, text)


def parse_query(query: str) -> Query:
    """The terms of ``query`` (ANDed; ``"…"`` a phrase; ``word*`` a prefix).

    Raises:
        InvalidInput: the query is empty or only punctuation, too long, not valid text, has
            too many terms, or a phrase or prefix that is too long.
    """
    _check_text(query)
    terms: list[Term] = []
    for raw, quoted in _raw_terms(query):
        term = _term(raw, quoted)
        if term is not None and term not in terms:
            terms.append(term)
    if not terms:
        raise InvalidInput("the search query has no word to search for")
    if len(terms) > MAX_TERMS:
        raise InvalidInput(f"a search query may have at most {MAX_TERMS} terms")
    return Query(tuple(terms))


def searchable_text(parts: Sequence[str]) -> str:
    """The text of an item's parts as indexed: one part per line."""
    return "\n".join(p for p in parts if p)

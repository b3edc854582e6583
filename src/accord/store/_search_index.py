"""The blind search index's tables and their SQL, one design on SQLite and PostgreSQL (issue 12).

``search_docs`` holds one row per indexed chunk of an item's text (its own text or a
translation this node made): which item, which source, which chunk, the item's level in
this node's scheme (for ``--classification``), the item's created time (copied from
``items`` by the statement that writes the row: the newest items' chunks are one index
range, :mod:`._search_ids`) and the SHA-256 of the chunk's tokens (for ``accord search
check``). The tokens themselves — keyed hashes, never words — are in

* SQLite: the FTS5 table ``search_fts`` (``unicode61 remove_diacritics 0``), rowid = the
  chunk's id; a stream token is a 13-character base32 word, a gap is ``0``;
* PostgreSQL: the ``tsvector`` column ``search_docs.tokens`` (built from a literal, so no
  text search configuration parses it; GIN index); a gap is a skipped position.

A term is matched by one subquery per term (the terms of a query are ANDed per item, not
per chunk). Only tokens this module is given — base32 hashes, ``0`` — are ever written
into a ``MATCH`` or ``tsquery`` literal, each quoted; the literal is a bound parameter.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import cached_property

from sqlalchemy import Index, Integer, String, bindparam, delete, func, select, text, update
from sqlalchemy.orm import Mapped, Session, mapped_column
from sqlalchemy.sql.elements import ColumnElement

from accord.errors import StorageError
from accord.store._search_counts import (
    EVERY_ITEM,
    Class,
    PendingCounts,
    count_items,
    indexed_tokens,
    item_classes,
    uncount_items,
)
from accord.store._tables import TIME, Base, ItemRow

__all__ = [
    "GAP_TOKEN",
    "IndexedChunk",
    "SearchDoc",
    "SearchDocRow",
    "add_search_docs",
    "classified_items",
    "forget_search_item",
    "matching_items",
    "prepare_rows",
    "relabel_search_item",
    "search_level",
    "search_page",
]

GAP_TOKEN = "0"  # noqa: S105 (a marker, not a secret)
"""What stands for a gap between CJK runs in a stream (no keyed token is all digits)."""
_TOKEN_CHARS = 13
"""Characters of a keyed token (64 bits in base32)."""
_NOT_KEYED = str.maketrans("", "", "abcdefghijklmnopqrstuvwxyz234567 0")
"""Deletes every character a line of keyed tokens (and gaps) may hold: what is left is not."""


class SearchDocRow(Base):
    """One indexed chunk of an item's text (the tokens are in the backend's text index)."""

    __tablename__ = "search_docs"
    # The newest items' chunks, lowest id first (0019): a one-token page's floor (_search_ids).
    __table_args__ = (Index("ix_search_docs_created_at", "created_at", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # No foreign key: the index is derived data, rebuilt at will; `accord search check`
    # reports rows of items that are not held.
    item_id: Mapped[str] = mapped_column(String(64), index=True)
    source_id: Mapped[str] = mapped_column(String(64))
    """The item itself, or the translation whose text this is."""
    chunk: Mapped[int] = mapped_column(Integer)
    classification: Mapped[str] = mapped_column(String(64))
    digest: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[str] = mapped_column(TIME)
    """The item's ``created_at``, copied from ``items`` as the row is written (0019)."""


@dataclass(frozen=True)
class IndexedChunk:
    """A chunk's keyed tokens: the stream in order (``GAP_TOKEN`` for gaps) and the set."""

    stream: tuple[str, ...]
    sets: tuple[str, ...]

    def digest(self) -> str:
        """SHA-256 of the tokens, as stored for checks."""
        return self._digest

    def digest_and_line(self) -> tuple[str, str]:
        """:meth:`digest`, and the tokens as the text index takes them (checked: keyed tokens only).

        Raises:
            StorageError: a token is not a keyed token or a gap.
        """
        return self._digest_and_line

    # Cached (the frozen dataclass's own __dict__): a rebuild makes them in the thread that
    # prepares a batch (prepare_rows), and its writer thread finds them made.
    @cached_property
    def _joined(self) -> tuple[str, str]:
        return " ".join(self.stream), " ".join(self.sets)

    @cached_property
    def _digest(self) -> str:
        return _digest(*self._joined)

    @cached_property
    def _digest_and_line(self) -> tuple[str, str]:
        stream, sets = self._joined
        line = f"{stream} {sets}" if stream and sets else stream or sets
        _check_line(line, [*self.stream, *self.sets])
        return self._digest, line

    @cached_property
    def held(self) -> frozenset[str]:
        """The distinct tokens of the chunk, gaps included, and ``EVERY_ITEM`` (what counts are of)."""
        return frozenset((*self.stream, *self.sets, EVERY_ITEM))

    @cached_property
    def tsvector(self) -> str:
        """The chunk as a PostgreSQL ``tsvector`` literal (checked: keyed tokens only).

        Raises:
            StorageError: a token is not a keyed token or a gap.
        """
        return _tsvector(self)


_HASHED_AT_ONCE = 2000
"""Bytes given to SHA-256 at a time: under 2,048, hashlib keeps Python's lock (over it, it lets go
and must take it back, and a rebuild's writer thread then waits for the preparing thread)."""


def _digest(stream: str, sets: str) -> str:
    data = memoryview(f"{stream}|{sets}".encode("ascii"))
    hashed = hashlib.sha256()
    for start in range(0, len(data), _HASHED_AT_ONCE):
        hashed.update(data[start : start + _HASHED_AT_ONCE])
    return hashed.hexdigest()


def prepare_rows(docs: Sequence[SearchDoc], dialect: str) -> None:
    """Make now what :func:`add_search_docs` will need of ``docs`` on ``dialect`` (kept with the chunks).

    Raises:
        StorageError: a token is not a keyed token or a gap.
    """
    for doc in docs:
        for chunk in doc.chunks:
            _ = chunk.held
            if dialect == "postgresql":
                _ = chunk.digest(), chunk.tsvector
            else:
                chunk.digest_and_line()


def _checked(tokens: Iterable[str]) -> list[str]:
    out = list(tokens)
    _joined(out)
    return out


def _joined(tokens: list[str]) -> str:
    """The tokens separated by spaces, once each is known to be a keyed token (or a gap)."""
    line = " ".join(tokens)
    _check_line(line, tokens)
    return line


def _check_line(line: str, tokens: Sequence[str]) -> None:
    """``line`` (``tokens`` joined by single spaces) holds keyed tokens and gaps only.

    Each token is 13 characters of lowercase base32 (``a``–``z``, ``2``–``7``) or
    ``GAP_TOKEN``; checked in C, a line of a thousand tokens at a time: no character outside
    that alphabet, every token of 13 characters or a gap, no ``0`` but the gaps, and no space
    but the separators (a space inside a token would make it two).
    """
    gaps = tokens.count(GAP_TOKEN)
    if (
        line.translate(_NOT_KEYED)
        or list(map(len, tokens)).count(_TOKEN_CHARS) + gaps != len(tokens)
        or line.count(GAP_TOKEN) != gaps
        or line.count(" ") != max(len(tokens) - 1, 0)
    ):
        raise StorageError("the search index takes keyed tokens only")


def _tsvector(chunk: IndexedChunk) -> str:
    positions: dict[str, list[int]] = {}
    for position, token in enumerate(_checked(chunk.stream), start=1):
        if token != GAP_TOKEN:
            positions.setdefault(token, []).append(position)
    lexemes = [f"'{t}':{','.join(map(str, p))}" for t, p in positions.items()]
    lexemes += [f"'{t}'" for t in _checked(chunk.sets) if t not in positions]
    return " ".join(lexemes)


@dataclass(frozen=True)
class SearchDoc:
    """The indexed chunks of one text: an item's own, or a translation's under its item."""

    item_id: str
    source_id: str
    """The item itself, or the translation whose text this is."""
    classification: str
    chunks: Sequence[IndexedChunk]


def add_search_docs(
    session: Session, docs: Sequence[SearchDoc], pending: PendingCounts | None = None
) -> None:
    """Index the chunks of ``docs`` (one statement per table for all of them), and count them.

    With ``pending`` (a rebuild), the counts are added to it instead of written now.
    """
    _count_new_tokens(session, docs, pending)
    if session.get_bind().dialect.name != "postgresql":
        _add_sqlite(session, docs)
        return
    rows: list[dict[str, object]] = [
        {
            "item_id": doc.item_id,
            "source_id": doc.source_id,
            "chunk": number,
            "classification": doc.classification,
            "digest": chunk.digest(),
            # The tsvector goes in with its row: the chunk ids are not needed.
            "tokens": chunk.tsvector,
        }
        for doc in docs
        for number, chunk in enumerate(doc.chunks)
    ]
    if rows:
        session.execute(_PG_INSERT, rows)


# The item's created time is read by the insert itself: no writer can leave it out or get it
# wrong (an item that is not held gives NULL, which the column refuses). Each statement takes
# all the rows of a batch as one JSON array and runs once: with one step per row
# (`executemany`), the driver took Python's lock back after every row, and a rebuild's writer
# thread then waited for the thread preparing the next batch at every row (measured: 3-6x the
# insert's time with a busy thread beside it).
# json_extract, not ``->>``: that operator needs SQLite 3.38 (Ubuntu 22.04 has 3.37), JSON1 does not.
_SQLITE_DOCS = (
    "INSERT INTO search_docs (id, item_id, source_id, chunk, classification, digest, created_at) "
    "SELECT ?1 + r.key, json_extract(r.value, '$[0]'), json_extract(r.value, '$[1]'), "
    "json_extract(r.value, '$[2]'), json_extract(r.value, '$[3]'), json_extract(r.value, '$[4]'), "
    "(SELECT created_at FROM items WHERE id = json_extract(r.value, '$[0]')) FROM json_each(?2) AS r"
)
_SQLITE_FTS = "INSERT INTO search_fts (rowid, tokens) SELECT ?1 + key, value FROM json_each(?2)"


def _add_sqlite(session: Session, docs: Sequence[SearchDoc]) -> None:
    """The chunk rows and their text-index rows, numbered here, through the driver (no ORM)."""
    connection = session.connection()
    # A write transaction on SQLite holds the write lock from its start (BEGIN IMMEDIATE,
    # store._database): the ids after the highest are this transaction's to give. Were one
    # taken, the primary key would refuse it and the transaction fail, never share a row.
    first = int(connection.exec_driver_sql("SELECT coalesce(max(id), 0) + 1 FROM search_docs").scalar_one())
    rows: list[tuple[str, str, int, str, str]] = []
    lines: list[str] = []
    for doc in docs:
        for number, chunk in enumerate(doc.chunks):
            digest, line = chunk.digest_and_line()
            rows.append((doc.item_id, doc.source_id, number, doc.classification, digest))
            lines.append(line)
    if rows:
        # Row n of each array is chunk id first + n (json_each numbers from 0).
        connection.exec_driver_sql(_SQLITE_DOCS, (first, json.dumps(rows)))
        connection.exec_driver_sql(_SQLITE_FTS, (first, json.dumps(lines)))


def _count_new_tokens(session: Session, docs: Sequence[SearchDoc], pending: PendingCounts | None) -> None:
    """Count each item of ``docs`` once for each token it did not hold before (``search_counts``)."""
    held: dict[str, frozenset[str]] = {}
    for doc in docs:
        for chunk in doc.chunks:
            before = held.get(doc.item_id)
            held[doc.item_id] = chunk.held if before is None else before | chunk.held
    had = indexed_tokens(session, [i for i, tokens in held.items() if tokens])
    new = {
        item_id: tokens - had[item_id] if item_id in had else tokens  # most often new: no copy
        for item_id, tokens in held.items()
        if tokens
    }
    count_items(session, new, item_classes(session, list(new)), pending)


_PG_INSERT = text(
    "INSERT INTO search_docs (item_id, source_id, chunk, classification, digest, tokens, created_at) "
    "VALUES (:item_id, :source_id, :chunk, :classification, :digest, CAST(:tokens AS tsvector), "
    "(SELECT created_at FROM items WHERE id = CAST(:item_id AS VARCHAR)))"
)


def forget_search_item(session: Session, item_id: str, *, source_id: str | None = None) -> None:
    """Remove the index rows of ``item_id`` (of one source only, if given)."""
    where = [SearchDocRow.item_id == item_id]
    if source_id is not None:
        where.append(SearchDocRow.source_id == source_id)
    had = indexed_tokens(session, [item_id]).get(item_id, set())
    if session.get_bind().dialect.name != "postgresql":
        ids = list(session.scalars(select(SearchDocRow.id).where(*where)))
        if ids:
            session.execute(
                text("DELETE FROM search_fts WHERE rowid IN (SELECT value FROM json_each(:ids))"),
                {"ids": str(ids)},
            )
    session.execute(delete(SearchDocRow).where(*where))
    if had:
        kept = indexed_tokens(session, [item_id]).get(item_id, set()) if source_id is not None else set()
        uncount_items(session, {item_id: had - kept}, item_classes(session, [item_id]))


def relabel_search_item(session: Session, item_id: str, classification: str, counted_as: Class) -> None:
    """Record an item's new level (after a downgrade or declassification).

    ``counted_as`` is the item's class (access key or ``''``, party) before its marking
    changed: if the stored access key changed with it, the item's counts move to its new class.
    """
    session.execute(
        update(SearchDocRow).where(SearchDocRow.item_id == item_id).values(classification=classification)
    )
    now = item_classes(session, [item_id])
    if now and now[item_id] != counted_as:
        tokens = indexed_tokens(session, [item_id])
        uncount_items(session, tokens, {item_id: counted_as})
        count_items(session, tokens, now)


def _fts_phrase(tokens: Sequence[str]) -> str:
    return '"' + _joined(list(tokens)) + '"'


def _tsquery(tokens: Sequence[str]) -> str:
    parts: list[str] = []
    distance = 0
    for token in _checked(tokens):
        distance += 1
        if token == GAP_TOKEN:
            continue
        parts.append(f"'{token}'" if not parts else f"<{distance}> '{token}'")
        distance = 0
    return " ".join(parts)


_PG_TERM = "SELECT item_id FROM search_docs WHERE tokens @@ CAST(:term AS tsquery)"
# The text index is read first (rowids of the matching chunks), then their chunk rows: joined
# the other way, SQLite evaluates MATCH once per chunk row.
_FTS_TERM = (
    "SELECT item_id FROM search_docs WHERE id IN (SELECT rowid FROM search_fts WHERE search_fts MATCH :term)"
)


def matching_items(session: Session, terms: Sequence[Sequence[str]]) -> list[ColumnElement[bool]]:
    """One condition on ``items.id`` per term: the item has a chunk that matches the term.

    A term is a phrase of keyed stream tokens (``GAP_TOKEN`` between runs) or one set token.
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    if postgres:
        # For `tokens @@ …` the planner prices a sequential scan of search_docs by its heap,
        # which is small because the tsvectors are TOASTed, and then detoasts and tests every
        # row (370 ms at 20,000 holdings, against 38 ms through the GIN index, measured): for
        # the rest of this (read-only) transaction, a scan is its last resort. And every
        # statement is planned for its values: psycopg prepares a statement run five times,
        # and PostgreSQL's generic plan for a page's window (`created_at >= $1`, its selectivity
        # unknown) read most of the items (120-140 ms against 1 ms at 200,000 holdings, measured).
        session.execute(text("SET LOCAL enable_seqscan = off; SET LOCAL plan_cache_mode = force_custom_plan"))
    conditions: list[ColumnElement[bool]] = []
    sql = _PG_TERM if postgres else _FTS_TERM
    for term in terms:
        literal = _tsquery(term) if postgres else _fts_phrase(term)
        # unique: each term's literal is its own parameter in the one statement
        subquery = text(sql).bindparams(bindparam("term", literal, unique=True)).columns(item_id=String)
        conditions.append(ItemRow.id.in_(subquery))
    return conditions


def classified_items(level: str) -> ColumnElement[bool]:
    """The condition on ``items.id``: indexed at ``level`` (in this node's scheme)."""
    return ItemRow.id.in_(select(SearchDocRow.item_id).where(SearchDocRow.classification == level))


def search_level(session: Session, item_id: str) -> str | None:
    """The level an item is indexed at, if it is indexed."""
    return session.scalar(select(SearchDocRow.classification).where(SearchDocRow.item_id == item_id).limit(1))


def search_page(
    session: Session, conditions: Sequence[ColumnElement[bool]], limit: int
) -> tuple[list[str], int]:
    """Ids of items meeting ``conditions``, newest first, up to ``limit``; and how many meet them.

    One statement: the count is a window over every row meeting the conditions (the decision
    point's among them), taken before the limit. Evaluated apart, page and count each
    repeated the text-index subqueries.
    """
    total = func.count().over()
    query = (
        select(ItemRow.id, total)
        .where(*conditions)
        .order_by(ItemRow.created_at.desc(), ItemRow.id.desc())
        .limit(limit)
    )
    rows = session.execute(query).all()
    return [str(item_id) for item_id, _ in rows], int(rows[0][1]) if rows else 0

"""Rebuilding the blind search index from the holdings: two batches in flight (issue 12).

``accord search reindex`` (a restored backup, a new data key) decrypts, tokenizes and keys
every item, and writes its rows. The writing is mostly the database's own work (SQLite's
FTS5 insert, PostgreSQL's parsing of the rows), during which the driver lets go of Python's
lock: so one writer thread writes batch *k* while this thread reads, decrypts, tokenizes and
keys batch *k + 1*. The keys and the plain text stay in this process; the writer is given
keyed tokens, except for an item it must do again (changed since it was read, below), which
it decrypts and tokenizes itself. (Worker processes could share the CPU work too, but each
would have to hold the data key and plain text of what it indexes, for a gain that the
two cores of a node like this one — the database writing on one of them — could not give.)

A batch is read and prepared outside its write transaction, so the write checks it first,
under the write lock (SQLite) or a share lock on the items (PostgreSQL): an item whose
status, marking or translations changed since it was read, or that someone else indexed
meanwhile (a translation made during the rebuild), is done again from what is stored now,
in that transaction. A destroyed item is thus never written back, and no item is indexed
twice.

Each batch is its own transaction, as before: a search during the rebuild sees the index
as far as it has got (its counts come with the last batch); a rebuild that dies leaves what
it committed, which ``accord search check`` reports as missing, and the node working. The
write lock is held only to write a batch, not while it is prepared.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from accord.errors import AccordError
from accord.store import (
    IndexSource,
    ItemState,
    PendingCounts,
    SearchDoc,
    add_search_docs,
    all_item_ids,
    analyze_search_tables,
    clear_search_index,
    forget_search_item,
    index_sources,
    indexed_items,
    prepare_rows,
    rebuild_states,
    restore_text_index,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    from sqlalchemy.orm import Session

    from accord.node.core._context import NodeContext
    from accord.node.holdings._search_index import SearchIndex

__all__ = ["rebuild_index"]

_PENDING_COUNTS = 250_000
"""(Token, class) counts a rebuild holds before it writes them (a few tens of MB)."""


@dataclass
class _Batch:
    """A batch read and prepared outside its write transaction."""

    ids: list[str]
    seen: dict[str, ItemState] = field(default_factory=dict)
    """Each item's state as read (what its rows were made from)."""
    docs: dict[str, list[SearchDoc]] = field(default_factory=dict)
    """The rows of each item indexed (none for items not held for use or not readable)."""


def rebuild_index(
    ctx: NodeContext, index: SearchIndex, progress: Callable[[int, int], None] | None, batch: int
) -> int:
    """Re-index every item in batches of ``batch``; returns how many were indexed.

    ``progress`` is told (done, total) after each batch is written. On PostgreSQL the GIN
    index is dropped for the rebuild and made again at its end, or when it fails.
    """
    with ctx.db.transaction() as session:
        # Start from nothing: rows of items no longer held, and text-index rows left
        # without their chunk row, go too.
        clear_search_index(session, for_rebuild=True)
        ids = all_item_ids(session)
    try:
        indexed = _batches(ctx, index, ids, progress, batch)
    except BaseException:
        # The first error is the one to tell.
        with contextlib.suppress(AccordError), ctx.db.transaction() as session:
            restore_text_index(session)
        raise
    with ctx.db.transaction() as session:
        restore_text_index(session)
    with ctx.db.transaction() as session:
        analyze_search_tables(session)
    return indexed


def _batches(
    ctx: NodeContext,
    index: SearchIndex,
    ids: list[str],
    progress: Callable[[int, int], None] | None,
    batch: int,
) -> int:
    # The counts are written every few hundred thousand and with the last batch, not with
    # each: every batch holds most of the vocabulary (search_counts rows), and a rebuild's
    # index is incomplete until it ends anyway.
    pending = PendingCounts()
    indexed = 0
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="accord-reindex") as writer:
        writing: Future[int] | None = None
        for start in range(0, len(ids), batch):
            prepared = _prepare(ctx, index, ids[start : start + batch])
            if writing is not None:
                indexed += writing.result()
                if progress is not None:
                    progress(start, len(ids))
            last = start + batch >= len(ids)
            writing = writer.submit(_write, ctx, index, prepared, pending, last)
        if writing is not None:
            indexed += writing.result()
            if progress is not None:
                progress(len(ids), len(ids))
    return indexed


def _prepare(ctx: NodeContext, index: SearchIndex, ids: list[str]) -> _Batch:
    """Read, open, tokenize and key the items ``ids`` (a read-only snapshot; no write lock)."""
    with ctx.db.transaction(read_only=True) as session:
        prepared = _Batch(ids)
        _add_docs(index, index_sources(session, ids), prepared)
    # The rows' lines, digests and token sets too: the writer thread then does little but
    # the database's work (each time it takes Python's lock back, it may wait for this thread).
    for docs in prepared.docs.values():
        prepare_rows(docs, ctx.db.dialect)
    return prepared


def _add_docs(index: SearchIndex, sources: Iterable[IndexSource], into: _Batch) -> None:
    levels: dict[str, str] = {}  # marking → level: a batch's items share few markings
    for source in sources:
        row = source.row
        into.seen[row.id] = (str(row.status), row.marking_json, tuple(t.id for t in source.translations))
        try:
            parts = index.expected(source)
        except AccordError:
            continue  # not readable: left out, and reported by `search check`
        if not parts:
            continue
        level = levels.get(row.marking_json)
        if level is None:
            level = levels[row.marking_json] = index.level(row)
        into.docs[row.id] = [SearchDoc(row.id, source_id, level, chunked) for source_id, chunked in parts]


def _write(ctx: NodeContext, index: SearchIndex, prepared: _Batch, pending: PendingCounts, last: bool) -> int:
    """Write a prepared batch in one transaction (the writer thread); returns items indexed."""
    with ctx.db.transaction() as session:
        _redo_changed(session, index, prepared)
        # Oldest first, as the items were listed: search_ids reads the newest chunk ids.
        docs = [doc for item_id in prepared.ids for doc in prepared.docs.get(item_id, ())]
        add_search_docs(session, docs, pending)
        if pending.size >= _PENDING_COUNTS or last:
            pending.write(session)
    return len(prepared.docs)


def _redo_changed(session: Session, index: SearchIndex, prepared: _Batch) -> None:
    """Prepare again, from what is stored now, the items changed or indexed since they were read."""
    now = rebuild_states(session, prepared.ids)
    indexed = indexed_items(session, prepared.ids)
    again = [i for i in prepared.ids if i in indexed or now.get(i) != prepared.seen.get(i)]
    if not again:
        return
    for item_id in again:
        prepared.docs.pop(item_id, None)
        if item_id in indexed:
            forget_search_item(session, item_id)  # its rows and counts, as another writer made them
    _add_docs(index, index_sources(session, again), prepared)

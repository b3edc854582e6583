"""What a rebuild of the blind search index needs of the database, beyond writing rows (issue 12).

A rebuild (``accord search reindex``) starts from nothing and writes every item's rows in
batches, each its own transaction, while the node keeps working: a search during it may see
a partial index, never an error or another item's rows. What is here:

* :func:`clear_search_index` empties the index in one short transaction. SQLite: the FTS5
  table is dropped and made again from its own stored definition (``DELETE FROM`` an FTS5
  table removes row by row, each row's tokens read back and taken out of the index: ≈ 100 µs
  an item, measured). PostgreSQL: ``TRUNCATE`` (a ``DELETE`` leaves every row and GIN entry
  behind as dead versions until a vacuum: without autovacuum, each rebuild made the index larger
  and slower).
  With ``for_rebuild``, PostgreSQL's GIN index is dropped too: rows go in ≈ 2–3x cheaper
  without it, and :func:`restore_text_index` builds it once at the end from the sorted rows
  (measured: ≈ 320 µs a row kept up, ≈ 115 µs a row built at once).
* :func:`restore_text_index` makes the GIN index again (a no-op when it is there).
  :func:`missing_structure` tells ``accord search check`` when it is not: a rebuild that
  died between the two leaves a node whose searches still work (by reading every chunk row,
  slowly) and a check that says why, and the next rebuild makes it again.
* :func:`rebuild_states` and :func:`indexed_items` let a batch prepared outside its write
  transaction be checked inside it: an item changed since it was read (destroyed, relabelled,
  translated) or indexed meanwhile by someone else is done again under the write lock.
* What a rebuild and ``accord search check`` read: the items oldest first
  (:func:`all_item_ids`), each with its attachment names and translations
  (:func:`index_sources`), the stored digests and times; and the statistics and merge after
  a rebuild (:func:`analyze_search_tables`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import String, bindparam, delete, func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import BindParameter
from sqlalchemy.sql.selectable import TextualSelect

from accord.errors import StorageError
from accord.items import HoldingState
from accord.store._search_counts import SearchCountRow
from accord.store._search_index import SearchDocRow
from accord.store._tables import AttachmentRow, ItemRow
from accord.store._tables_custody import TranslationRow

__all__ = [
    "TEXT_INDEX",
    "IndexSource",
    "ItemState",
    "all_item_ids",
    "analyze_search_tables",
    "clear_search_index",
    "hold_for_indexing",
    "index_sources",
    "indexed_items",
    "missing_structure",
    "rebuild_states",
    "restore_text_index",
    "search_digests",
    "search_index_size",
    "search_levels",
    "search_time_drift",
]

TEXT_INDEX = "ix_search_docs_tokens"
"""PostgreSQL's GIN index of the keyed tokens (migration 0015)."""
_CREATE_TEXT_INDEX = f"CREATE INDEX IF NOT EXISTS {TEXT_INDEX} ON search_docs USING gin (tokens)"
"""As migration 0015 made it."""
_LOCK_WAIT = "5s"
"""How long a rebuild waits for the tables it empties (PostgreSQL): behind a long reader, every
writer of the index (a FLASH item being created) would queue behind the rebuild's wait."""

_LOCK_NOT_AVAILABLE = "55P03"
"""PostgreSQL's SQLSTATE for a lock not taken within ``lock_timeout``."""

ItemState = tuple[str, str, tuple[str, ...]]
"""What an item's index rows depend on and may change: status, stored marking, live translations."""


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def clear_search_index(session: Session, *, for_rebuild: bool = False) -> None:
    """Remove every row of the index (before a rebuild), orphaned text-index rows included.

    ``for_rebuild`` (PostgreSQL): drop the GIN index as well, for :func:`restore_text_index`
    to build at the end.

    Raises:
        StorageError: (PostgreSQL) a long transaction keeps the index tables for more than a
            few seconds (a ``search check`` running): nothing was changed.
    """
    if _postgres(session):
        session.execute(text(f"SET LOCAL lock_timeout = '{_LOCK_WAIT}'"))
        try:
            session.execute(text("TRUNCATE search_docs, search_counts"))
        except OperationalError as exc:
            if getattr(exc.orig, "sqlstate", None) == _LOCK_NOT_AVAILABLE:
                raise StorageError(
                    "the search index is in use by a long transaction (a `search check`?): try again"
                ) from exc
            raise
        if for_rebuild:
            session.execute(text(f"DROP INDEX IF EXISTS {TEXT_INDEX}"))
        return
    made = session.scalar(text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = 'search_fts'"))
    if made is None:
        raise StorageError("the search index's text table is missing: the database was not migrated")
    # Dropped and made again from its own definition, in this transaction: a reader keeps its
    # snapshot, a crash leaves the old index whole.
    session.execute(text("DROP TABLE search_fts"))
    session.execute(text(str(made)))
    session.execute(delete(SearchDocRow))
    session.execute(delete(SearchCountRow))


def restore_text_index(session: Session) -> None:
    """Make PostgreSQL's GIN index of the tokens if it is missing (nothing to do on SQLite).

    Built from the rows in one pass, with more sort memory than the server's default for
    this transaction; writers of the index wait for it (``CREATE INDEX`` holds a share lock),
    searches do not.
    """
    if not _postgres(session):
        return
    # More memory than PostgreSQL's default 64 MB builds the index in fewer passes; never less
    # than the operator gave the server.
    session.execute(
        text(
            "SELECT set_config('maintenance_work_mem', "
            "greatest(pg_size_bytes(current_setting('maintenance_work_mem')), pg_size_bytes('256MB')) / 1024 "
            "|| 'kB', true)"
        )
    )
    session.execute(text(_CREATE_TEXT_INDEX))


def missing_structure(session: Session) -> list[str]:
    """What the index lacks that a finished rebuild makes (for ``accord search check``)."""
    if not _postgres(session):
        return []
    there = session.scalar(text("SELECT to_regclass(:name) IS NOT NULL"), {"name": TEXT_INDEX})
    if there:
        return []
    return [
        f"the text index {TEXT_INDEX} is missing (a rebuild did not finish): "
        "searches still work but read every chunk row"
    ]


_PG_IDS = "SELECT value FROM json_array_elements_text(CAST(:ids AS json))"
_SQLITE_IDS = "SELECT value FROM json_each(:ids)"


def _ids_in(session: Session, item_ids: Sequence[str]) -> TextualSelect:
    """The ids as a subquery of one JSON parameter, not one placeholder per id: psycopg splits
    a statement's text in Python, and 2,000 placeholders cost ≈ 13 ms a statement."""
    listed: BindParameter[str] = bindparam("ids", json.dumps(list(item_ids)), unique=True)
    return text(_PG_IDS if _postgres(session) else _SQLITE_IDS).bindparams(listed).columns(value=String)


def hold_for_indexing(session: Session, item_id: str) -> None:
    """Make a rebuild's batch holding ``item_id`` finish first (PostgreSQL; to the transaction's end).

    Indexing a translation reads which tokens its item already holds, then counts the new
    ones. A rebuild's batch holds ``FOR SHARE`` on its items while it writes and counts their
    rows, and a translation's insert does not wait for that (its foreign key takes only ``FOR
    KEY SHARE``): both would count the item's shared tokens (a total one too high, found by
    review). ``FOR NO KEY UPDATE`` waits for the batch. On SQLite the write lock serialises
    them already.
    """
    if _postgres(session):
        session.execute(select(ItemRow.id).where(ItemRow.id == item_id).with_for_update(key_share=True))


def rebuild_states(session: Session, item_ids: Sequence[str]) -> dict[str, ItemState]:
    """Each item's :data:`ItemState` as of now, under a share lock on PostgreSQL.

    The lock (held to the end of the caller's transaction) makes a destruction, relabelling
    or revocation of these items wait until the rebuild's rows are committed, and then
    remove or change them; on SQLite the write transaction's lock does the same.
    """
    query = select(ItemRow.id, ItemRow.status, ItemRow.marking_json).where(
        ItemRow.id.in_(_ids_in(session, item_ids))
    )
    if _postgres(session):
        # In one order, so that two transactions locking several of these rows cannot deadlock.
        query = query.order_by(ItemRow.id).with_for_update(read=True)
    rows = session.execute(query).all()
    made: dict[str, list[str]] = {}
    translations = (
        select(TranslationRow.source_id, TranslationRow.id)
        .where(
            TranslationRow.source_id.in_(_ids_in(session, item_ids)),
            TranslationRow.status != HoldingState.DESTROYED,
        )
        .order_by(TranslationRow.id)
    )
    for source_id, translation_id in session.execute(translations):
        made.setdefault(str(source_id), []).append(str(translation_id))
    return {str(i): (str(status), str(marking), tuple(made.get(str(i), ()))) for i, status, marking in rows}


def indexed_items(session: Session, item_ids: Sequence[str]) -> set[str]:
    """Which of ``item_ids`` have index rows."""
    query = (
        select(SearchDocRow.item_id).where(SearchDocRow.item_id.in_(_ids_in(session, item_ids))).distinct()
    )
    return {str(i) for i in session.scalars(query)}


def analyze_search_tables(session: Session) -> None:
    """Refresh the planner's statistics of the tables a search reads (SQLite: and merge the text index).

    Without them SQLite looks matched ids up in the primary key (reading every sealed row)
    instead of the covering ``ix_items_search``; a rebuild refreshes them.
    """
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("ANALYZE items, search_docs"))
    else:
        session.execute(text("ANALYZE items"))
        session.execute(text("ANALYZE search_docs"))
        # One segment instead of one per batch: a search that probes items one by one
        # (`search_ids`) seeks each segment per probe (≈ 25x slower with a batch's segments).
        session.execute(text("INSERT INTO search_fts (search_fts) VALUES ('optimize')"))


@dataclass(frozen=True)
class IndexSource:
    """What an item's index rows are made from: its row, attachment names, translations made here."""

    row: ItemRow
    names: list[str]
    translations: list[TranslationRow]


def all_item_ids(session: Session) -> list[str]:
    """Every item's id, oldest first (a rebuild or a check walks them in batches).

    Oldest first, so that a rebuild numbers the chunk rows (the text index's rowids) in
    the order new items get them: :func:`search_ids` reads only the newest rowids.
    """
    return list(session.scalars(select(ItemRow.id).order_by(ItemRow.created_at, ItemRow.id)))


def index_sources(session: Session, item_ids: Sequence[str]) -> list[IndexSource]:
    """The items ``item_ids`` with their attachment names and live translations (three queries)."""
    oldest_first = (ItemRow.created_at, ItemRow.id)  # the order of a rebuild's chunk rows (all_item_ids)
    rows = session.scalars(select(ItemRow).where(ItemRow.id.in_(item_ids)).order_by(*oldest_first)).all()
    names: dict[str, list[str]] = {}
    query = (
        select(AttachmentRow.item_id, AttachmentRow.name)
        .where(AttachmentRow.item_id.in_(item_ids))
        .order_by(AttachmentRow.item_id, AttachmentRow.position)
    )
    for item_id, name in session.execute(query):
        names.setdefault(item_id, []).append(name)
    made: dict[str, list[TranslationRow]] = {}
    translations = (
        select(TranslationRow)
        .where(TranslationRow.source_id.in_(item_ids), TranslationRow.status != HoldingState.DESTROYED)
        .order_by(TranslationRow.id)
    )
    for translation in session.scalars(translations):
        made.setdefault(translation.source_id, []).append(translation)
    return [IndexSource(row, names.get(row.id, []), made.get(row.id, [])) for row in rows]


def search_digests(session: Session) -> dict[str, list[tuple[str, int, str]]]:
    """Each indexed item's (source, chunk, digest) rows, in order (for ``accord search check``)."""
    out: dict[str, list[tuple[str, int, str]]] = {}
    query = select(
        SearchDocRow.item_id, SearchDocRow.source_id, SearchDocRow.chunk, SearchDocRow.digest
    ).order_by(SearchDocRow.item_id, SearchDocRow.source_id, SearchDocRow.chunk)
    for item_id, source_id, chunk, digest in session.execute(query):
        out.setdefault(item_id, []).append((source_id, chunk, digest))
    if session.get_bind().dialect.name != "postgresql":
        fts = session.scalar(text("SELECT count(*) FROM search_fts"))
        docs = session.scalar(select(func.count()).select_from(SearchDocRow))
        if fts != docs:
            out.setdefault("", []).append(("search_fts", int(fts or 0), f"{docs} chunk rows"))
    return out


def search_levels(session: Session) -> dict[str, set[str]]:
    """The levels each indexed item's rows hold (one, unless a row was altered; for ``search check``)."""
    out: dict[str, set[str]] = {}
    query = select(SearchDocRow.item_id, SearchDocRow.classification).distinct()
    for item_id, level in session.execute(query):
        out.setdefault(item_id, set()).add(level)
    return out


def search_time_drift(session: Session) -> list[str]:
    """Items whose index rows do not hold the item's created time (for ``accord search check``)."""
    query = (
        select(SearchDocRow.item_id)
        .join(ItemRow, ItemRow.id == SearchDocRow.item_id)
        .where(SearchDocRow.created_at != ItemRow.created_at)
        .distinct()
        .order_by(SearchDocRow.item_id)
    )
    return [str(item_id) for item_id in session.scalars(query)]


def search_index_size(session: Session) -> int:
    """Bytes the index takes (tables and indexes), as far as the backend tells."""
    if session.get_bind().dialect.name == "postgresql":
        return int(session.scalar(text("SELECT pg_total_relation_size('search_docs')")) or 0)
    total = session.scalar(
        text(
            "SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search_fts%' OR name = 'search_docs' "
            "OR name LIKE 'ix_search_docs%'"
        )
    )
    return int(total or 0)

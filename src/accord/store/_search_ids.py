"""The page of a one-token search: the newest readable matches, not every match listed (issue 12).

A one-token query's total comes from ``search_counts``; its page is the newest ``limit``
items that meet the conditions (the decision point's among them) and hold the token. Listing
every match and sorting it costs ≈ 7 µs a match on SQLite (the text index's rowid, the chunk
row, the item's covering index, the sort): 40-100 ms for a term in 10,000 of 200,000 items.
So the newest items are read first, as a **window**, and the matches sought only there:

* SQLite: the newest ``k`` items, ``k`` ≈ 1.5 x ``limit`` x holdings / readable matches (by
  created time, ties included; doubled while it comes up short). The text index is read from
  the **lowest rowid of the window's chunks** up (FTS5 seeks to a rowid; that floor is one
  range of ``ix_search_docs_created_at``, each chunk row holding its item's created time —
  migration 0019; before, one seek per window item in ``ix_search_docs_item_id``, 8-20 ms for
  a window of ≈ 5,000 items at 200,000 holdings): a rebuild and every
  new item number their chunks oldest first, so the tail holds about the window's matches,
  whatever the number of matches in all. A chunk of an older item above that rowid (a
  translation made later) is read and dropped by the window's condition. When the tail is
  most of the text index (numbered in another order, e.g. by an older rebuild), the window's
  items are probed instead: slower, the same ids.
* PostgreSQL: the same windows, their edge the ``k``-th newest chunk row's time (narrow rows,
  not the items' pages: see :func:`_windowed`); the window's matches are the chunk rows of the
  window's created times that hold the token, one ``BitmapAnd`` of ``ix_search_docs_created_at``
  and the GIN index (a selective term at 200,000 holdings: ≈ 220 rows, not its ≈ 5,800
  matches, measured).

Either way the ids are exactly the head of the whole sorted list: every item outside the
window is older than every item in it, so when the window holds ``limit`` readable matches
they are the newest ``limit``. When the window would cost more than the list (a rare term),
or comes up short, the matches are listed.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import bindparam, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from accord.store._search_counts import EVERY_ITEM, SearchCountRow
from accord.store._search_index import SearchDocRow, _fts_phrase, _tsquery, matching_items
from accord.store._tables import ItemRow

__all__ = ["search_ids"]

# Per item, its chunks' rowids are looked up in the text index (MATCH with rowid =).
_FTS_ITEM_MATCHES = (
    "EXISTS (SELECT 1 FROM search_docs d WHERE d.item_id = items.id AND d.id IN "
    "(SELECT rowid FROM search_fts WHERE search_fts MATCH :term AND rowid = d.id))"
)
_PROBE_COST = 4
"""How many matches listed cost about as much as one item probed (measured on SQLite, session 13)."""
_FTS_TAIL = (
    "SELECT item_id FROM search_docs WHERE id IN "
    "(SELECT rowid FROM search_fts WHERE search_fts MATCH :term AND rowid >= :floor)"
)
_FLOOR = "SELECT min(id) FROM search_docs INDEXED BY ix_search_docs_created_at WHERE created_at >= :edge"
"""The lowest chunk id of a window's items, read from the index on (created time, id). The index is
named: for ``min(id)`` SQLite's planner otherwise walks the primary key up from the lowest id
until a row meets the condition, which with chunks numbered oldest first reads nearly all of
them (23-35 ms at 200,000 holdings, measured)."""
_PG_WINDOW = "SELECT item_id FROM search_docs WHERE created_at >= :edge AND tokens @@ CAST(:term AS tsquery)"
_WINDOW_ITEMS = 4
"""How many items of a window cost about as much as one match listed (SQLite, measured)."""
_WIDEN = 2
"""How much a window that came up short grows before the next try."""


def search_ids(
    session: Session, token: str, conditions: Sequence[ColumnElement[bool]], limit: int, shown: int
) -> list[str]:
    """Ids of the items meeting ``conditions`` that hold ``token``, newest first, up to ``limit``.

    ``shown``: how many there are (counted from ``search_counts``). The newest items are
    searched first, a window at a time (module docstring), about ``limit`` x holdings /
    ``shown`` items whatever the number of matches; when that would cost more than listing
    the matches, or the windows come up short, the matches are listed and sorted.
    """
    if shown == 0:
        return []
    wanted = min(limit, shown)
    counts = dict(
        session.execute(
            select(SearchCountRow.token, func.sum(SearchCountRow.items))
            .where(SearchCountRow.token.in_([token, EVERY_ITEM]))
            .group_by(SearchCountRow.token)
        ).all()
    )
    held, matches = int(counts.get(EVERY_ITEM, 0)), int(counts.get(token, 0))
    window = -(-3 * wanted * held // (2 * shown))  # 1.5 x the items expected to hold the page
    # A window costs its items (an index step each) and the text index's rows of its times: a
    # term in a few percent of the holdings takes one or two windows, not the list.
    tried, probe = window, False
    while tried < min(held, matches * _WINDOW_ITEMS):
        found = _windowed(session, token, conditions, limit, tried)
        if found is None:  # the chunks are not numbered oldest first (an older rebuild)
            probe = True
            break
        if len(found) >= wanted:
            return found
        tried *= _WIDEN
    probe = probe or tried == window  # no window read (too dear): probe, if cheaper than the list
    probed = -(-2 * wanted * held // shown)  # not widened: twice the items expected
    if probe and probed * _PROBE_COST < matches:
        found = _probed(session, token, conditions, limit, probed)
        if len(found) >= wanted:
            return found
    match = matching_items(session, [[token]])
    query = select(ItemRow.id).where(*conditions, *match).order_by(*_NEWEST).limit(limit)
    return [str(item_id) for item_id in session.scalars(query)]


_NEWEST = (ItemRow.created_at.desc(), ItemRow.id.desc())


def _windowed(
    session: Session, token: str, conditions: Sequence[ColumnElement[bool]], limit: int, window: int
) -> list[str] | None:
    """The page among the newest ``window`` items: on SQLite from the text index's tail.

    ``None`` when that tail is most of the text index (SQLite: its chunks not numbered oldest first).
    """
    postgres = session.get_bind().dialect.name == "postgresql"
    # The window: every item stored at or after the window-th newest's time (ties included),
    # read from the index on created_at (its ids by a skip-scan of ix_items_listing_order).
    # On PostgreSQL the window-th newest chunk row's time, from ix_search_docs_created_at: the
    # index alone is not enough where the visibility map is not set (the newest rows, until
    # (auto)vacuum has run), and each of the window's items read from the heap is a page of
    # its own (its sealed text and binding), a chunk row a few dozenth of one: 12.8 against
    # 1.1 ms cached, 72.6 against 4.5 ms not, for the 3,859 rows of `ミサ`'s window at 200,000
    # holdings (measured). An item with several chunk rows makes the window hold fewer items
    # than asked: it comes up short and widens, the ids the same.
    stamp = SearchDocRow.created_at if postgres else ItemRow.created_at
    edge = session.scalar(select(stamp).order_by(stamp.desc()).offset(window - 1).limit(1))
    if edge is None:
        return []
    if postgres:
        rows = text(_PG_WINDOW).bindparams(
            bindparam("term", _tsquery([token]), unique=True), bindparam("edge", edge, unique=True)
        )
        # The rows of the window's times are the window's (each holds its item's time; `search
        # check` sees one that does not). Said of items as well, the planner reads the window
        # from ix_items_created_at ANDed with the decision point's index: 25 ms for a window of
        # 150 items at 200,000 holdings, against 2 ms from the rows (measured).
        query = select(ItemRow.id).where(*conditions, ItemRow.id.in_(rows))
        return [str(item_id) for item_id in session.scalars(query.order_by(*_NEWEST).limit(limit))]
    newest = ItemRow.created_at >= edge
    # The window's chunks are those with the window's created times (each row holds its item's):
    # one range of ix_search_docs_created_at, not a seek per window item in ix_search_docs_item_id.
    floor = session.scalar(text(_FLOOR), {"edge": edge})
    if floor is None:
        return []
    last = int(session.scalar(select(func.max(SearchDocRow.id))) or 0)
    if (last - floor) * 2 > last:
        return None  # the tail is most of the text index: listing costs no more
    tail = text(_FTS_TAIL).bindparams(
        bindparam("term", _fts_phrase([token]), unique=True), bindparam("floor", int(floor), unique=True)
    )
    query = select(ItemRow.id).where(newest, *conditions, ItemRow.id.in_(tail))
    query = query.order_by(*_NEWEST).limit(limit)
    return [str(item_id) for item_id in session.scalars(query)]


def _probed(
    session: Session, token: str, conditions: Sequence[ColumnElement[bool]], limit: int, window: int
) -> list[str]:
    """SQLite: the page among the newest ``window`` items, each probed in the text index."""
    probe = text(_FTS_ITEM_MATCHES).bindparams(bindparam("term", _fts_phrase([token]), unique=True))
    newest = select(ItemRow.id).order_by(*_NEWEST).limit(window)
    query = select(ItemRow.id).where(ItemRow.id.in_(newest), *conditions, probe)
    query = query.order_by(*_NEWEST).limit(limit)
    return [str(item_id) for item_id in session.scalars(query)]

"""How many indexed items hold each keyed token, per read-condition class (issue 12).

A search's exact total must not cost one item lookup per match: a one- or two-character
CJK query (one token) matches up to half the holdings. ``search_counts`` keeps, for each
keyed token, how many indexed items hold it in each class of what the decision point reads
to decide a group of items at once — the item's stored access key (``''`` for none) and its
originating party (:meth:`ItemRepository.readable`). The total of a one-token query is then a
sum over the classes the person may read, whatever the number of matches.

The counts follow the index rows in the same transaction, by construction: every write of
``search_docs`` goes through :func:`add_search_docs`, :func:`forget_search_item`,
:func:`relabel_search_item` or :func:`clear_search_index`, and each calls
:func:`count_items` / :func:`uncount_items` here. An item counts once per token, however
many of its chunks and translations hold it: the tokens an item already had are read back
from the text index (never from its sealed text) before its counts change.
:func:`search_count_drift` recomputes every count from the index rows for ``accord search
check``. Only keyed tokens are stored, as in the text index.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Collection, Iterable, Iterator, Mapping
from itertools import chain, repeat
from operator import neg

from sqlalchemy import String, select, text
from sqlalchemy.orm import Mapped, Session, mapped_column

from accord.store._tables import Base, ItemRow

__all__ = [
    "EVERY_ITEM",
    "PendingCounts",
    "SearchCountRow",
    "count_items",
    "indexed_tokens",
    "item_classes",
    "recount",
    "search_count_drift",
    "token_counts",
    "uncount_items",
]

Class = tuple[str, str]
"""(access key, or ``''`` for none; originating party)."""


class SearchCountRow(Base):
    """How many indexed items of one class hold one keyed token."""

    __tablename__ = "search_counts"
    token: Mapped[str] = mapped_column(String(16), primary_key=True)
    access_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    """The items' stored access key, ``''`` for items without one."""
    party: Mapped[str] = mapped_column(String(8), primary_key=True)
    items: Mapped[int] = mapped_column()


_GAP = "0"
EVERY_ITEM = ""
"""The token no keyed token equals, which every indexed item holds: its counts are how many
items of each class are indexed (what a search weighs its ways of finding the page by)."""


def _postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def indexed_tokens(session: Session, item_ids: Collection[str]) -> dict[str, set[str]]:
    """The distinct keyed tokens the text index holds for each of ``item_ids`` (gaps left out)."""
    if not item_ids:
        return {}
    if _postgres(session):
        query = text(
            "SELECT item_id, tsvector_to_array(tokens) FROM search_docs WHERE item_id IN (SELECT value FROM "
            "json_array_elements_text(CAST(:ids AS json)))"
        )
    else:
        query = text(
            "SELECT d.item_id, f.tokens FROM search_docs d JOIN search_fts f ON f.rowid = d.id "
            "WHERE d.item_id IN (SELECT value FROM json_each(:ids))"
        )
    out: dict[str, set[str]] = {}
    for item_id, tokens in session.execute(query, {"ids": _json(item_ids)}):
        found = out.setdefault(str(item_id), set())
        found.update(tokens if isinstance(tokens, list) else str(tokens).split(" "))
    for found in out.values():
        found.discard(_GAP)
        found.add(EVERY_ITEM)
    return out


def _json(values: Iterable[str]) -> str:
    return json.dumps(sorted(values))


def item_classes(session: Session, item_ids: Collection[str]) -> dict[str, Class]:
    """Each item's class: (stored access key or ``''``, originating party)."""
    query = select(ItemRow.id, ItemRow.access_key, ItemRow.originator_party).where(ItemRow.id.in_(item_ids))
    return {str(i): (key or "", str(party)) for i, key, party in session.execute(query)}


class PendingCounts:
    """Counts a rebuild has made and not yet written: written together, with one of its batches.

    A rebuild's batches of 2,000 items each hold most of the vocabulary: counted batch by
    batch, each batch rewrote tens of thousands of the same rows. Held here, each row is
    written once per :meth:`write`.
    """

    def __init__(self) -> None:
        """Nothing pending."""
        self._deltas: dict[Class, Counter[str]] = {}
        self.size = 0
        """How many (token, class) counts are pending."""

    def add(self, grouped: Mapping[Class, list[Iterable[str]]]) -> None:
        """Count each item once per token it holds, per class: ``grouped`` holds each item's tokens.

        Counted in C straight into what is pending (a batch's own counter, merged key by key,
        cost as much as counting).
        """
        for shape, sets in grouped.items():
            mine = self._deltas.setdefault(shape, Counter())
            before = len(mine)
            mine.update(chain.from_iterable(sets))
            mine.pop(_GAP, None)
            self.size += len(mine) - before

    def write(self, session: Session) -> None:
        """Write the pending counts in the caller's transaction; nothing is pending after."""
        _apply(session, self._deltas, 1)
        self._deltas, self.size = {}, 0


def count_items(
    session: Session,
    tokens: Mapping[str, Iterable[str]],
    classes: Mapping[str, Class],
    pending: PendingCounts | None = None,
) -> None:
    """Count each item of ``tokens`` (item id → keyed tokens it now holds and did not) once per token.

    With ``pending``, the counts are added to it, to be written by its :meth:`~PendingCounts.write`.
    """
    if pending is not None:
        pending.add(_grouped(tokens, classes))
    else:
        _apply(session, _deltas(tokens, classes), 1)


def uncount_items(
    session: Session, tokens: Mapping[str, Iterable[str]], classes: Mapping[str, Class]
) -> None:
    """Take each item of ``tokens`` off the counts of the tokens, in the class it was counted in."""
    _apply(session, _deltas(tokens, classes), -1)


def _grouped(
    tokens: Mapping[str, Iterable[str]], classes: Mapping[str, Class]
) -> dict[Class, list[Iterable[str]]]:
    """Each item's tokens, by the item's class."""
    by_class: dict[Class, list[Iterable[str]]] = {}
    for item_id, held in tokens.items():
        if (
            item_id in classes
        ):  # else index rows of an item not held: never found, not counted (check: "extra")
            by_class.setdefault(classes[item_id], []).append(held)
    return by_class


def _deltas(tokens: Mapping[str, Iterable[str]], classes: Mapping[str, Class]) -> dict[Class, Counter[str]]:
    """How many of the items hold each token, per class."""
    out: dict[Class, Counter[str]] = {}
    for shape, sets in _grouped(tokens, classes).items():
        counted = out[shape] = Counter(chain.from_iterable(sets))  # counting strings, in C
        counted.pop(_GAP, None)
    return out


_UPSERT = (
    "INSERT INTO search_counts (token, access_key, party, items) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (token, access_key, party) DO UPDATE SET items = search_counts.items + excluded.items"
)
_PG_UPSERT = (
    "INSERT INTO search_counts (token, access_key, party, items) "
    "SELECT * FROM unnest(CAST(:t AS text[]), CAST(:k AS text[]), CAST(:p AS text[]), CAST(:n AS int[])) "
    "ON CONFLICT (token, access_key, party) DO UPDATE SET items = search_counts.items + excluded.items"
)


def _apply(session: Session, deltas: Mapping[Class, Counter[str]], sign: int) -> None:
    if not any(deltas.values()):
        return
    if _postgres(session):
        rows = sorted(_rows(deltas, sign))  # one order for every writer: no lock cycles on PostgreSQL
        session.execute(
            text(_PG_UPSERT),
            {
                "t": [t for t, _, _, _ in rows],
                "k": [k for _, k, _, _ in rows],
                "p": [p for _, _, p, _ in rows],
                "n": [n for _, _, _, n in rows],
            },
        )
    else:
        # Through the driver: SQLAlchemy's handling of tens of thousands of parameter sets
        # cost as much as SQLite's work (a rebuild's batch). Unsorted: SQLite takes its write
        # lock for the whole transaction, so no two writers interleave.
        session.connection().exec_driver_sql(_UPSERT, list(_rows(deltas, sign)))
    if sign < 0:
        # Rows at zero go, so that a class whose items are all gone is not "present".
        session.execute(
            text(
                "DELETE FROM search_counts WHERE token = :t AND access_key = :k AND party = :p AND items = 0"
            ),
            [{"t": t, "k": k, "p": p} for t, k, p, _ in _rows(deltas, sign)],
        )


def _rows(deltas: Mapping[Class, Counter[str]], sign: int) -> Iterator[tuple[str, str, str, int]]:
    """(token, access key, party, change) of each count; the tuples made in C (``zip``)."""
    for (key, party), counted in deltas.items():
        changes = counted.values() if sign > 0 else map(neg, counted.values())
        yield from zip(counted.keys(), repeat(key), repeat(party), changes)


def token_counts(session: Session, token: str) -> list[tuple[str | None, str, int]]:
    """(access key or ``None``, party, items) of each class with indexed items holding ``token``."""
    query = select(SearchCountRow.access_key, SearchCountRow.party, SearchCountRow.items).where(
        SearchCountRow.token == token, SearchCountRow.items > 0
    )
    return [(key or None, str(party), int(n)) for key, party, n in session.execute(query)]


def recount(session: Session) -> Counter[tuple[str, str, str]]:
    """What ``search_counts`` should hold, counted from the index rows: (token, key, party) → items.

    The tokens are read back in item order, so one item's set is held at a time.
    """
    if _postgres(session):
        query = text(
            "SELECT d.item_id, coalesce(i.access_key, ''), i.originator_party, tsvector_to_array(d.tokens) "
            "FROM search_docs d JOIN items i ON i.id = d.item_id ORDER BY d.item_id"
        )
    else:
        query = text(
            "SELECT d.item_id, coalesce(i.access_key, ''), i.originator_party, f.tokens FROM search_docs d "
            "JOIN items i ON i.id = d.item_id JOIN search_fts f ON f.rowid = d.id ORDER BY d.item_id"
        )
    out: Counter[tuple[str, str, str]] = Counter()
    current: str | None = None
    held: set[str] = set()
    shape: Class = ("", "")
    for item_id, key, party, tokens in session.execute(query).yield_per(1000):
        if item_id != current:
            out.update((token, *shape) for token in held - {_GAP})
            current, held, shape = item_id, set(), (str(key), str(party))
        held.update(tokens if isinstance(tokens, list) else str(tokens).split(" "))
        held.add(EVERY_ITEM)
    out.update((token, *shape) for token in held - {_GAP})
    return out


def search_count_drift(session: Session) -> list[str]:
    """How ``search_counts`` disagrees with the index rows (keyed tokens and classes only)."""
    want = recount(session)
    have = {
        (row.token, row.access_key, row.party): row.items
        for row in session.scalars(select(SearchCountRow).where(SearchCountRow.items != 0))
    }
    out = []
    for token, key, party in sorted(want.keys() | have.keys()):
        counted, indexed = have.get((token, key, party), 0), want.get((token, key, party), 0)
        if counted != indexed:
            # EVERY_ITEM is the empty token: named, not printed as a blank between two spaces.
            shown = "(every item: the class's indexed items)" if token == EVERY_ITEM else f"token {token}"
            out.append(f"{shown} of {key or '(no key)'}/{party}: counted {counted}, indexed {indexed}")
    return out

"""The dashboard's aggregate SQL: the exchange counted by day, precedence, lane and reason (issue 11).

:class:`FiguresRepository` answers each figure with one ``GROUP BY`` statement, within the
caller's unit of work; it decides nothing. The caller passes the window as the UTC stamps of
its local days' boundaries (``bounds``: *n* + 1 stamps for *n* days, as the node's time zone
cuts them, so a day that lost or gained an hour to daylight saving is still one day) and the
condition on ``items`` that selects what the person may read (``readable``: the listings'
condition, so no count includes a withheld item).

Each row's day is a nested ``CASE`` that halves the window at every level (five comparisons
for 30 days, whatever the time zone), computed in a subquery and grouped outside it, so
SQLite and PostgreSQL read the same statement. Stored times are fixed-width RFC 3339 text:
comparing them as text compares the instants. Statements read these indexes (migration 0016):

* ``ix_outbox_exchange`` (kind, created_at, …): items sent and their receipt times, by window;
* ``ix_items_received`` (received_at, …): items received, by window, with the columns the
  readable condition reads;
* ``ix_outbox_status`` (status): what is pending; ``ix_quarantine_at`` (at): refusals;
* ``ix_journal_refusals`` (outcome, at, action): refusals journalled, by action.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVarTuple

from sqlalchemy import ColumnClause, ColumnElement, Float, Integer, Select, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.sql.visitors import replacement_traverse

from accord.items import OutboxState
from accord.store._repository import Repository
from accord.store._tables import ItemRow, JournalRow, OutboxRow, PartyRow, QuarantineRow

__all__ = ["DayCount", "FiguresRepository", "LaneCount", "LatencyDay", "ReasonCount"]

Condition = ColumnElement[bool]
_Row = TypeVarTuple("_Row")
_ITEM = "item"
"""The outbox kind of an envelope that carries an item (its header's ``type``)."""


@dataclass(frozen=True)
class DayCount:
    """How many distinct items one party exchanged with us on one day of the window."""

    party: str
    day: int
    """The day's index in the window (0: the first)."""
    items: int


@dataclass(frozen=True)
class LatencyDay:
    """Receipt latency of the item envelopes of one precedence sent on one day (seconds)."""

    precedence: str
    day: int
    receipted: int
    p50: float
    p99: float


@dataclass(frozen=True)
class LaneCount:
    """The envelopes pending to one party in one delivery lane, and the oldest one's time."""

    party: str
    lane: str
    pending: int
    oldest: str


@dataclass(frozen=True)
class ReasonCount:
    """How many things partners sent were refused for one reason in the window, and the latest."""

    reason: str
    refused: int
    latest: str


class _Seconds(FunctionElement[float]):
    """Seconds from one stored time to another (both RFC 3339 text)."""

    type = Float()
    inherit_cache = True


@compiles(_Seconds, "sqlite")
def _seconds_sqlite(element: _Seconds, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"((julianday({later}) - julianday({earlier})) * 86400.0)"


@compiles(_Seconds)
def _seconds_standard(element: _Seconds, compiler: SQLCompiler, **kw: Any) -> str:
    later, earlier = (compiler.process(c, **kw) for c in element.clauses)
    return f"EXTRACT(EPOCH FROM (CAST({later} AS TIMESTAMPTZ) - CAST({earlier} AS TIMESTAMPTZ)))"


class _Unindexed(FunctionElement[Any]):
    """A column of ``items`` that SQLite may not look up by an index (``+column``)."""

    inherit_cache = True

    def __init__(self, column: ColumnElement[Any]) -> None:
        super().__init__(column)
        self.type = column.type


@compiles(_Unindexed, "sqlite")
def _unindexed_sqlite(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite's documented way to keep a term from using an index: a unary plus.
    return "+" + compiler.process(next(iter(element.clauses)), **kw)


@compiles(_Unindexed)
def _unindexed_standard(element: _Unindexed, compiler: SQLCompiler, **kw: Any) -> str:
    # PostgreSQL's planner weighs the indexes with its statistics (autovacuum keeps them).
    return compiler.process(next(iter(element.clauses)), **kw)


def _unindexed(condition: Condition) -> Condition:
    """``condition`` with each ``items`` column it names kept from SQLite's indexes.

    Without statistics SQLite prefers the equality terms of the read condition (shape, id)
    to the window's range, and would walk every readable item held to count a month's.
    """

    def replace(element: Any, **_: Any) -> Any:
        if isinstance(element, ColumnClause) and getattr(element, "table", None) is ItemRow.__table__:
            return _Unindexed(element)
        return None

    replaced: Condition = replacement_traverse(condition, {}, replace)
    return replaced


def day_of(stamp: ColumnElement[Any] | QueryableAttribute[Any], bounds: Sequence[str]) -> ColumnElement[int]:
    """The index of the day of ``stamp`` among the days ``bounds`` cut (a stamp in the window).

    A balanced tree of ``CASE`` expressions: log2(days) comparisons per row.
    """

    def pick(first: int, end: int) -> ColumnElement[int]:
        if end - first == 1:
            return literal(first, Integer)
        middle = (first + end) // 2
        return case((stamp < bounds[middle], pick(first, middle)), else_=pick(middle, end))

    if len(bounds) < 2:
        raise ValueError("a window needs at least one day (two bounds)")
    return pick(0, len(bounds) - 1)


EDGES = tuple(2 ** (k / 8) for k in range(8 * 22))
"""Upper edges of the latency buckets in seconds: 1 s, then eight per doubling, to 48 days."""


def bucket_of(seconds: ColumnElement[float]) -> ColumnElement[int]:
    """The latency bucket of ``seconds``: 0 below 1 s, *i* in [EDGES[i-1], EDGES[i]), the last beyond."""

    def pick(first: int, end: int) -> ColumnElement[int]:
        # Buckets first..end-1; bucket i lies below EDGES[i].
        if end - first == 1:
            return literal(first, Integer)
        middle = (first + end) // 2
        return case((seconds < EDGES[middle - 1], pick(first, middle)), else_=pick(middle, end))

    return pick(0, len(EDGES) + 1)


def _rank(buckets: list[tuple[int, int, float, float]], percent: int) -> float:
    """The nearest-rank ``percent`` percentile of a histogram of (bucket, count, least, greatest)."""
    buckets.sort()
    wanted = -(-percent * sum(count for _, count, _, _ in buckets) // 100)  # ceil(percent × n / 100)
    seen = 0
    for _, count, least, most in buckets:
        if seen + count >= wanted:
            place = wanted - seen - 1  # 0: the bucket's least value, count - 1: its greatest
            return least if count == 1 else least + (most - least) * place / (count - 1)
        seen += count
    return buckets[-1][3]


def _about_readable(query: Select[*_Row], readable: Condition | None) -> Select[*_Row]:
    """``query`` on ``outbox`` kept to envelopes about items ``readable`` selects (None: every one)."""
    if readable is None:
        return query
    return query.join(ItemRow, ItemRow.id == OutboxRow.item_id).where(readable)


class FiguresRepository(Repository):
    """The dashboard's figures, each one aggregate statement over the node's tables.

    ``readable`` is the condition on ``items`` selecting what the person may read, or ``None``
    when they may read every item held: then no statement about envelopes joins ``items``
    (the join costs a lookup per envelope; the common case of an officer cleared for all
    that is held needs none).
    """

    def received(self, bounds: Sequence[str], readable: Condition | None) -> list[DayCount]:
        """Items received per sending party per day, among those ``readable`` selects.

        The rows are read from ``ix_items_received`` by the window, and ``readable`` is
        applied to them with its columns kept from any index (:func:`_unindexed`): the planner
        cannot start from the shapes' index instead and walk every readable item held. Grouped
        by the sending node, the few groups are then named by their party.
        """
        at = ItemRow.received_at
        inner = select(ItemRow.received_from.label("node"), day_of(at, bounds).label("day")).where(
            at >= bounds[0], at < bounds[-1], ItemRow.received_from.is_not(None)
        )
        if readable is not None:
            inner = inner.where(_unindexed(readable))
        rows = inner.subquery()
        by_node = (
            select(rows.c.node, rows.c.day, func.count().label("n")).group_by(rows.c.node, rows.c.day)
        ).subquery()
        query = (
            select(PartyRow.party, by_node.c.day, func.sum(by_node.c.n))
            .join(PartyRow, PartyRow.node_id == by_node.c.node)
            .group_by(PartyRow.party, by_node.c.day)
        )
        return [DayCount(str(p), int(d), int(n)) for p, d, n in self._session.execute(query)]

    def sent(self, bounds: Sequence[str], readable: Condition | None) -> list[DayCount]:
        """Items sent per receiving party per day (an envelope sealed to one of its nodes each),
        among ``readable``."""
        at = OutboxRow.created_at
        inner = select(OutboxRow.peer_party.label("party"), day_of(at, bounds).label("day")).where(
            OutboxRow.kind == _ITEM, at >= bounds[0], at < bounds[-1]
        )
        rows = _about_readable(inner, readable).subquery()
        query = select(rows.c.party, rows.c.day, func.count()).group_by(rows.c.party, rows.c.day)
        return [DayCount(str(p), int(d), int(n)) for p, d, n in self._session.execute(query)]

    def latency(self, bounds: Sequence[str], readable: Condition | None) -> list[LatencyDay]:
        """p50 and p99 (nearest rank) of sealing-to-receipt seconds per precedence per day sent.

        SQL returns a histogram, not the rows: per precedence, day and latency bucket (eight
        per doubling, :data:`EDGES`) the count and the bucket's least and greatest value.
        A percentile is then exact when its rank falls on a bucket's first or last value (a
        day with one envelope, or equal latencies) and otherwise interpolated inside its
        bucket, at most 9 % wide. Ranking every row with window functions sorts them all:
        three times slower on SQLite.
        """
        at = OutboxRow.created_at
        inner = select(
            OutboxRow.precedence.label("precedence"),
            day_of(at, bounds).label("day"),
            _Seconds(OutboxRow.receipted_at, at).label("seconds"),
        ).where(
            OutboxRow.kind == _ITEM, at >= bounds[0], at < bounds[-1], OutboxRow.receipted_at.is_not(None)
        )
        # Computed once per row, then bucketed: not recomputed in every comparison.
        waited = _about_readable(inner, readable).cte("waited").prefix_with("MATERIALIZED")
        seconds = waited.c.seconds
        rows = select(
            waited.c.precedence, waited.c.day, bucket_of(seconds).label("bucket"), seconds
        ).subquery()
        key = (rows.c.precedence, rows.c.day, rows.c.bucket)
        query = select(*key, func.count(), func.min(rows.c.seconds), func.max(rows.c.seconds)).group_by(*key)
        groups: dict[tuple[str, int], list[tuple[int, int, float, float]]] = {}
        for precedence, day, number, count, least, most in self._session.execute(query):
            groups.setdefault((str(precedence), int(day)), []).append(
                (int(number), int(count), float(least), float(most))
            )
        return [
            LatencyDay(precedence, day, sum(c for _, c, _, _ in found), _rank(found, 50), _rank(found, 99))
            for (precedence, day), found in groups.items()
        ]

    def pending(self, readable: Condition | None, no_item: str) -> list[LaneCount]:
        """Envelopes pending per party and delivery lane about items ``readable`` selects.

        Control messages about no item (their item id is ``no_item``) are left out, as from
        the outbox page.
        """
        key = (OutboxRow.peer_party, OutboxRow.lane)
        inner = select(*key, OutboxRow.created_at).where(
            OutboxRow.status == OutboxState.PENDING, OutboxRow.item_id != no_item
        )
        rows = _about_readable(inner, readable).subquery()
        query = select(rows.c.peer_party, rows.c.lane, func.count(), func.min(rows.c.created_at)).group_by(
            rows.c.peer_party, rows.c.lane
        )
        return [
            LaneCount(str(p), str(lane), int(n), str(t)) for p, lane, n, t in self._session.execute(query)
        ]

    def refusals(self, bounds: Sequence[str], limit: int) -> list[ReasonCount]:
        """The ``limit`` most frequent reasons partners' messages were refused for in the window."""
        at = QuarantineRow.at
        refused = func.count().label("refused")
        query = (
            select(QuarantineRow.reason, refused, func.max(at))
            .where(at >= bounds[0], at < bounds[-1])
            .group_by(QuarantineRow.reason)
            .order_by(refused.desc(), QuarantineRow.reason)
            .limit(limit)
        )
        return [ReasonCount(str(r), int(n), str(t)) for r, n, t in self._session.execute(query)]

    def journal_refusals(self, bounds: Sequence[str], limit: int) -> list[ReasonCount]:
        """The ``limit`` actions most often refused in the journal in the window (``ix_journal_refusals``)."""
        at = JournalRow.at
        refused = func.count().label("refused")
        query = (
            select(JournalRow.action, refused, func.max(at))
            .where(JournalRow.outcome == "refused", at >= bounds[0], at < bounds[-1])
            .group_by(JournalRow.action)
            .order_by(refused.desc(), JournalRow.action)
            .limit(limit)
        )
        return [ReasonCount(str(a), int(n), str(t)) for a, n, t in self._session.execute(query)]

    def refusals_total(self, bounds: Sequence[str]) -> int:
        """How many things partners sent were refused in the window (every reason)."""
        at = QuarantineRow.at
        query = select(func.count()).select_from(QuarantineRow).where(at >= bounds[0], at < bounds[-1])
        return int(self._session.scalar(query) or 0)

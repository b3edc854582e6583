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
* ``ix_outbox_status`` (status): what is pending; ``ix_quarantine_at`` (at): refusals.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Float, Integer, case, func, literal, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from accord.items import OutboxState
from accord.store._repository import Repository
from accord.store._tables import ItemRow, OutboxRow, PartyRow, QuarantineRow

__all__ = ["DayCount", "FiguresRepository", "LaneCount", "LatencyDay", "ReasonCount"]

Condition = ColumnElement[bool]
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


class FiguresRepository(Repository):
    """The dashboard's figures, each one aggregate statement over the node's tables."""

    def received(self, bounds: Sequence[str], readable: Condition) -> list[DayCount]:
        """Items received per sending party per day, among those ``readable`` selects."""
        at = ItemRow.received_at
        rows = (
            select(PartyRow.party.label("party"), day_of(at, bounds).label("day"))
            .select_from(ItemRow)
            .join(PartyRow, PartyRow.node_id == ItemRow.received_from)
            .where(at >= bounds[0], at < bounds[-1], readable)
            .subquery()
        )
        query = select(rows.c.party, rows.c.day, func.count()).group_by(rows.c.party, rows.c.day)
        return [DayCount(str(p), int(d), int(n)) for p, d, n in self._session.execute(query)]

    def sent(self, bounds: Sequence[str], readable: Condition) -> list[DayCount]:
        """Distinct items sent per receiving party per day (their envelopes sealed), among ``readable``."""
        at = OutboxRow.created_at
        rows = (
            select(
                OutboxRow.peer_party.label("party"),
                day_of(at, bounds).label("day"),
                OutboxRow.item_id.label("item_id"),
            )
            .join(ItemRow, ItemRow.id == OutboxRow.item_id)
            .where(OutboxRow.kind == _ITEM, at >= bounds[0], at < bounds[-1], readable)
            .subquery()
        )
        query = select(rows.c.party, rows.c.day, func.count(rows.c.item_id.distinct())).group_by(
            rows.c.party, rows.c.day
        )
        return [DayCount(str(p), int(d), int(n)) for p, d, n in self._session.execute(query)]

    def latency(self, bounds: Sequence[str], readable: Condition) -> list[LatencyDay]:
        """p50 and p99 (nearest rank) of sealing-to-receipt seconds per precedence per day sent.

        Ranked by window functions in SQL: only one row per precedence and day comes back.
        """
        at = OutboxRow.created_at
        waited = (
            select(
                OutboxRow.precedence.label("precedence"),
                day_of(at, bounds).label("day"),
                _Seconds(OutboxRow.receipted_at, at).label("seconds"),
            )
            .join(ItemRow, ItemRow.id == OutboxRow.item_id)
            .where(
                OutboxRow.kind == _ITEM,
                at >= bounds[0],
                at < bounds[-1],
                OutboxRow.receipted_at.is_not(None),
                readable,
            )
            .subquery()
        )
        group = (waited.c.precedence, waited.c.day)
        ranked = select(
            *group,
            waited.c.seconds,
            func.row_number().over(partition_by=group, order_by=waited.c.seconds).label("rank"),
            func.count().over(partition_by=group).label("n"),
        ).subquery()
        rank, n, seconds = ranked.c.rank, ranked.c.n, ranked.c.seconds

        def nearest(percent: int) -> ColumnElement[float]:
            # The nearest-rank percentile: the value at rank ceil(percent × n / 100), in integers.
            return func.min(case((rank == (percent * n + 99) // 100, seconds)))

        query = select(ranked.c.precedence, ranked.c.day, func.max(n), nearest(50), nearest(99)).group_by(
            ranked.c.precedence, ranked.c.day
        )
        return [
            LatencyDay(str(p), int(d), int(count), float(p50), float(p99))
            for p, d, count, p50, p99 in self._session.execute(query)
        ]

    def pending(self, readable: Condition) -> list[LaneCount]:
        """Envelopes pending per party and delivery lane about items ``readable`` selects."""
        key = (OutboxRow.peer_party, OutboxRow.lane)
        query = (
            select(*key, func.count(), func.min(OutboxRow.created_at))
            .join(ItemRow, ItemRow.id == OutboxRow.item_id)
            .where(OutboxRow.status == OutboxState.PENDING, readable)
            .group_by(*key)
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

    def refusals_total(self, bounds: Sequence[str]) -> int:
        """How many things partners sent were refused in the window (every reason)."""
        at = QuarantineRow.at
        query = select(func.count()).select_from(QuarantineRow).where(at >= bounds[0], at < bounds[-1])
        return int(self._session.scalar(query) or 0)

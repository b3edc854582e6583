"""The dashboard: the exchange in figures, as one person may see it (issue 11).

:meth:`Dashboard.figures` is the one service behind the console's dashboard. Every figure is
one aggregate statement (``store.FiguresRepository``), and what a person gets follows the
rules the node already applies to the records the figures count:

* **items received** per partner per day: everyone, over the items they may read — the
  inbox's condition (the decision point, once per stored marking shape; Art. 7), put in the
  statement before it counts, so no count includes a withheld item;
* **items sent** per partner per day, **receipt latency** (p50/p99 per precedence per day
  sent), **pending by lane**: the outbox and receipts are the dissemination record, shown to
  the exchange roles only (officers and the authority, :data:`EXCHANGE_ROLES`), and again
  only about items they may read, as the outbox page leaves the others out;
* **refusals by reason**: the quarantine (what partners sent that this node refused), which
  the node shows the exchange roles whole; it holds no item of ours;
* **refusals journalled** per action: to those the decision point gives the ``read-journal``
  duty (officers, the authority, auditors), who may read every journal row anyway (Art. 8).

A figure a person may not see is ``None``, never an empty series: the console says that it is
not theirs, not that nothing happened. Days are the node's local days (or ``zone``'s), each
cut at its own local midnight, so a day of a daylight-saving change is still one day. The
decisions behind the counts are journalled as one ``dashboard.read`` event, as a listing's.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo

from accord.errors import InvalidInput, PolicyDenied
from accord.items import Precedence
from accord.node.core._principal import Act
from accord.node.holdings._access import journal_detail
from accord.node.registry._users import User
from accord.node.transfer._control import NO_ITEM
from accord.node.transfer._exchange_desk import EXCHANGE_ROLES
from accord.node.transfer._services import Footing, FootingBase
from accord.policy import Duty
from accord.store import DayCount, FiguresRepository, LaneCount, LatencyDay, ReasonCount, format_stamp

__all__ = ["MAX_DAYS", "Dashboard", "Figures", "LatencySeries", "PartySeries"]

MAX_DAYS = 92
"""The longest window the dashboard counts (a quarter)."""
TOP_REASONS = 10
"""How many refusal reasons are named; the rest are counted together."""


@dataclass(frozen=True)
class PartySeries:
    """One partner's count per day of the window."""

    party: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        """The window's total."""
        return sum(self.counts)


@dataclass(frozen=True)
class LatencySeries:
    """Receipt latency of one precedence per day sent: receipted envelopes, p50 and p99 (s).

    A day with no receipted envelope has ``None`` percentiles.
    """

    precedence: Precedence
    receipted: tuple[int, ...]
    p50: tuple[float | None, ...]
    p99: tuple[float | None, ...]


@dataclass(frozen=True)
class Figures:
    """The dashboard of one person: each figure, or ``None`` when it is not theirs to see."""

    days: tuple[date, ...]
    """The window's local days, oldest first."""
    utc_offset: str
    """The node's UTC offset now, e.g. ``+0900``."""
    received: tuple[PartySeries, ...]
    sent: tuple[PartySeries, ...] | None
    latency: tuple[LatencySeries, ...] | None
    pending: tuple[LaneCount, ...] | None
    refusals: tuple[ReasonCount, ...] | None
    refusals_total: int | None
    """Every refusal in the window (the reasons named are the most frequent ones)."""
    journal_refusals: tuple[ReasonCount, ...] | None = None
    """Refusals journalled in the window, by action (``reason`` is the action), most frequent first."""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view (the console's chart data)."""

        def parties(series: tuple[PartySeries, ...] | None) -> list[dict[str, object]] | None:
            return None if series is None else [{"party": s.party, "counts": list(s.counts)} for s in series]

        return {
            "days": [d.isoformat() for d in self.days],
            "utc_offset": self.utc_offset,
            "received": parties(self.received),
            "sent": parties(self.sent),
            "latency": None
            if self.latency is None
            else [
                {
                    "precedence": s.precedence.value,
                    "receipted": list(s.receipted),
                    "p50": list(s.p50),
                    "p99": list(s.p99),
                }
                for s in self.latency
            ],
            "pending": None
            if self.pending is None
            else [
                {"party": p.party, "lane": p.lane, "pending": p.pending, "oldest": p.oldest}
                for p in self.pending
            ],
            "refusals": None
            if self.refusals is None
            else [{"reason": r.reason, "refused": r.refused, "latest": r.latest} for r in self.refusals],
            "refusals_total": self.refusals_total,
            "journal_refusals": None
            if self.journal_refusals is None
            else [
                {"action": r.reason, "refused": r.refused, "latest": r.latest} for r in self.journal_refusals
            ],
        }


class Dashboard(FootingBase):
    """The exchange in figures for one person (see the module docstring)."""

    def __init__(self, footing: Footing) -> None:
        """Count the exchange of the node behind ``footing``."""
        super().__init__(footing)

    def figures(self, *, actor: str, days: int = 30, zone: tzinfo | None = None) -> Figures:
        """The figures ``actor`` may see over the last ``days`` local days, today included.

        Args:
            actor: The person asking; what they may see follows their role and the items
                they may read.
            days: The window, 1 to :data:`MAX_DAYS`.
            zone: The time zone that cuts the days; ``None`` is the node's local time.

        Raises:
            NotFound: no such user.
            InvalidInput: ``days`` is out of range.
        """
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput(f"the dashboard counts 1 to {MAX_DAYS} days")
        now = self._ctx.now()
        window = _days(now, days, zone)
        bounds = [format_stamp(_midnight(d, zone)) for d in (*window, window[-1] + timedelta(days=1))]
        with self._ctx.db.transaction(read_only=True) as session:
            user = self._users.get_in(session, actor)
            readable = self._items.readable_in(session, user, [], now)
            withheld, shapes, unseen = readable.journal()
            # Nothing withheld from this person: the condition would select every item, and the
            # statements need not look at the items at all.
            condition = readable.condition if withheld or shapes or unseen else None
            figures = FiguresRepository(session)
            received = _by_party(figures.received(bounds, condition), days)
            exchange = user.role.value in EXCHANGE_ROLES
            sent = _by_party(figures.sent(bounds, condition), days) if exchange else None
            latency = _latency(figures.latency(bounds, condition), days) if exchange else None
            pending = (
                tuple(sorted(figures.pending(condition, NO_ITEM), key=_lane_order)) if exchange else None
            )
            refusals = tuple(figures.refusals(bounds, TOP_REASONS)) if exchange else None
            total = figures.refusals_total(bounds) if exchange else None
            journalled = (
                tuple(figures.journal_refusals(bounds, TOP_REASONS)) if self._reads_journal(user) else None
            )
        detail = {**journal_detail((), withheld, shapes), "days": days}
        self._access.journal_decisions(Act(actor, now), "dashboard.read", detail)
        offset = _local(now, zone).strftime("%z")
        return Figures(tuple(window), offset, received, sent, latency, pending, refusals, total, journalled)

    def _reads_journal(self, user: User) -> bool:
        """Whether the decision point gives ``user`` the ``read-journal`` duty (Art. 8 records)."""
        try:
            self._access.require_duty(user, Duty.READ_JOURNAL)
        except PolicyDenied:
            return False
        return True


def _local(moment: datetime, zone: tzinfo | None) -> datetime:
    """``moment`` in ``zone``, or in the node's local time."""
    return moment.astimezone(zone) if zone else moment.astimezone()


def _days(now: datetime, count: int, zone: tzinfo | None) -> list[date]:
    today = _local(now, zone).date()
    return [today - timedelta(days=back) for back in range(count - 1, -1, -1)]


def _midnight(day: date, zone: tzinfo | None) -> datetime:
    """The instant a local day starts (a naive local time is resolved by the OS's zone rules)."""
    start = datetime.combine(day, time())
    return start.replace(tzinfo=zone) if zone else start.astimezone()


def _by_party(rows: Iterable[DayCount], days: int) -> tuple[PartySeries, ...]:
    """Each party's series (parties in code order; days with no item count 0)."""
    counts: dict[str, list[int]] = {}
    for row in rows:
        counts.setdefault(row.party, [0] * days)[row.day] = row.items
    return tuple(PartySeries(party, tuple(counts[party])) for party in sorted(counts))


def _latency(rows: Sequence[LatencyDay], days: int) -> tuple[LatencySeries, ...]:
    """A series per precedence that has receipted envelopes in the window, FLASH first."""
    out = []
    for precedence in sorted(Precedence, key=lambda p: -p.rank):
        mine = [r for r in rows if r.precedence == precedence.value]
        if not mine:
            continue
        receipted = [0] * days
        p50: list[float | None] = [None] * days
        p99: list[float | None] = [None] * days
        for row in mine:
            receipted[row.day], p50[row.day], p99[row.day] = row.receipted, row.p50, row.p99
        out.append(LatencySeries(precedence, tuple(receipted), tuple(p50), tuple(p99)))
    return tuple(out)


def _lane_order(lane: LaneCount) -> tuple[int, str]:
    """Most urgent lane first (flash, priority, routine), then by party."""
    return ({"flash": 0, "priority": 1, "routine": 2}.get(lane.lane, 3), lane.party)

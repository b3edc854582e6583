"""The dashboard: the exchange in figures, per role (issue 11).

``GET /dashboard`` calls one node service, ``node.dashboard.figures(actor=…)``, which decides
what the signed-in person may see (the node's rules for the records counted: every person
the items they may read that arrived; officers and the authority also the dissemination
record and the quarantine) and counts it in SQL. This module only lays the figures out:

* the time series (items exchanged per partner per day, receipt latency p50/p99 per
  precedence) are drawn by the vendored uPlot from ``static/dashboard.js``, which reads the
  figures from a ``data-figures`` attribute (no inline script: ``default-src 'self'``);
* the bars (pending by lane, refusals by reason) are SVG drawn here, on the server;
* every chart has a table beside it with the same numbers, for screen readers and keyboards.

The page shows counts, not items: its banner is the node's unclassified one.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse

from accord.node import Figures
from accord.web._console import Con, Me, Screen

__all__ = ["router"]

router = APIRouter()
"""The dashboard."""

WINDOWS = (7, 30, 90)
"""The windows offered, in days (the node counts 1 to 92)."""
_BAR_WIDTH = 360
"""The longest bar of an SVG chart, in its user units."""


@dataclass(frozen=True)
class Bar:
    """One bar of a server-drawn chart: its label, value, length and row."""

    label: str
    value: int
    width: int
    y: int


def bars(pairs: list[tuple[str, int]]) -> list[Bar]:
    """Bars for ``(label, value)`` pairs, the longest :data:`_BAR_WIDTH` long (a value > 0 shows)."""
    top = max((value for _, value in pairs), default=0)
    return [
        Bar(label, value, max(2, round(_BAR_WIDTH * value / top)) if top else 0, 28 * row)
        for row, (label, value) in enumerate(pairs)
    ]


def duration(seconds: float | None) -> str:
    """A latency as people read it: ``42 s``, ``12.5 min``, ``3.2 h`` (empty when none)."""
    if seconds is None:
        return ""
    if seconds < 60:  # a minute
        return f"{seconds:.0f} s"
    if seconds < 3600:  # an hour
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


def _layout(figures: Figures) -> dict[str, object]:
    """What the template shows: the figures, their tables' rows and the bars."""
    days = [d.isoformat() for d in figures.days]
    exchanged = [(f"{s.party}", "received", s) for s in figures.received]
    exchanged += [(f"{s.party}", "sent", s) for s in figures.sent or ()]
    pending = figures.pending or ()
    refusals = figures.refusals or ()
    return {
        "figures": figures,
        "days": days,
        "exchanged": exchanged,
        # The days with something exchanged (the chart shows the empty ones as zero).
        "exchanged_rows": [
            (day, counts)
            for i, day in enumerate(days)
            if any(counts := [series.counts[i] for _, _, series in exchanged])
        ],
        "latency_rows": [
            (day, [(s.receipted[i], duration(s.p50[i]), duration(s.p99[i])) for s in figures.latency or ()])
            for i, day in enumerate(days)
            if any(s.receipted[i] for s in figures.latency or ())
        ],
        "pending_bars": bars([(f"{p.party} · {p.lane}", p.pending) for p in pending]),
        "refusal_bars": bars([(r.reason[:60], r.refused) for r in refusals]),
        "journal_bars": bars([(r.reason, r.refused) for r in figures.journal_refusals or ()]),
        "chart_data": json.dumps(figures.to_dict(), ensure_ascii=False, separators=(",", ":")),
    }


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard(
    request: Request, console: Con, who: Me, days: Annotated[int, Query(ge=1, le=92)] = 30
) -> HTMLResponse:
    """The figures the node lets the signed-in person see over the last ``days`` local days."""
    figures = console.node.dashboard.figures(actor=who.name, days=days)
    context = {**_layout(figures), "window": days, "windows": WINDOWS}
    return console.page(request, who, Screen("dashboard.html", context))

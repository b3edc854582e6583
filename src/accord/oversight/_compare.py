"""Lining up the two parties' reports: what one says it sent, the other must say it received.

A node can leave events out of its own report, and verification cannot see what is not
there. The partner's ledger holds the other side of every exchange: JPN's ``sent|KOR``
is KOR's ``received|JPN``, breakdown by breakdown; a consent request made is one received;
a consent granted is one whose grant was received (:data:`~accord.oversight.MIRRORS`).
:func:`compare` shows every month and figure where the two differ, and the totals over the
period, so that a difference of a message in transit across a month's end (sent on the 31st,
received on the 1st) can be told from one that never arrived or was left out.

Pure: it compares what the reports say; verify each first (:func:`verify_report`).
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.errors import InvalidInput
from accord.json_view import JsonView
from accord.oversight._figures import MIRRORS, SEPARATOR
from accord.oversight._report import MonthFigures, OversightReport

__all__ = ["Discrepancy", "compare"]

PERIOD = "period"
"""The ``month`` of a discrepancy in the totals over the whole period."""


@dataclass(frozen=True)
class Discrepancy(JsonView):
    """One figure on which the two reports disagree.

    Attributes:
        month: ``2026-01``, or ``period`` for the totals over the period.
        figure: The first report's figure (``sent|KOR``).
        count: Its count in the first report.
        mirror: The second report's figure that should equal it (``received|JPN``).
        mirror_count: Its count in the second report.
    """

    month: str
    figure: str
    count: int
    mirror: str
    mirror_count: int


def _mirror(name: str, own: str, other: str) -> str | None:
    """The name of the figure at ``other`` that counts what ``name`` counts at ``own``."""
    words = name.split(SEPARATOR)
    family = MIRRORS.get(words[0])
    if family is None:
        return None
    if len(words) == 1:
        return family
    if words[1] != other:  # an exchange with a third party: not the other report's to mirror
        return None
    return SEPARATOR.join([family, own, *words[2:]])


def _pairs(
    a: OversightReport, b: OversightReport, months: list[MonthFigures], others: list[MonthFigures]
) -> set[tuple[str, str]]:
    """Every (figure at a, its mirror at b) either report lists, in either direction."""
    pairs: set[tuple[str, str]] = set()
    for month in months:
        for figure in month.figures:
            mirror = _mirror(figure.name, a.party, b.party)
            if mirror is not None:
                pairs.add((figure.name, mirror))
    for month in others:
        for figure in month.figures:
            mirror = _mirror(figure.name, b.party, a.party)
            if mirror is not None:
                pairs.add((mirror, figure.name))
    return pairs


def compare(a: OversightReport, b: OversightReport) -> list[Discrepancy]:
    """Every month and figure on which ``a`` and ``b`` disagree, then the period's totals.

    Raises:
        InvalidInput: the reports are not of one agreement and one period, or are of one party.
    """
    if a.agreement != b.agreement:
        raise InvalidInput(f"the reports are of two agreements: {a.agreement} and {b.agreement}")
    if (a.first_day, a.last_day) != (b.first_day, b.last_day):
        raise InvalidInput(
            f"the reports are of two periods: {a.first_day} to {a.last_day} and {b.first_day} to {b.last_day}"
        )
    if a.party == b.party:
        raise InvalidInput(f"both reports are {a.party}'s: compare one party's with the other's")
    pairs = sorted(_pairs(a, b, list(a.months), list(b.months)))
    found: list[Discrepancy] = []
    totals: dict[tuple[str, str], list[int]] = {pair: [0, 0] for pair in pairs}
    for month in a.months:
        other = b.month(month.month) or MonthFigures(month.month, ())
        for name, mirror in pairs:
            count, mirror_count = month.count(name), other.count(mirror)
            totals[name, mirror][0] += count
            totals[name, mirror][1] += mirror_count
            if count != mirror_count:
                found.append(Discrepancy(month.month, name, count, mirror, mirror_count))
    found.extend(
        Discrepancy(PERIOD, name, count, mirror, mirror_count)
        for (name, mirror), (count, mirror_count) in totals.items()
        if count != mirror_count
    )
    return found

"""Verifying an oversight report with the two parties' public identity cards alone.

:func:`verify_report` checks, in this order, and stops at the first failure with an error
that names it (a figure by month and name; never a partial "verified"):

1. the report parses strictly, and so does each card (its self-signature verifies);
2. one card is the reporting node's, of the reporting party; every other card is a
   partner's (another party), and each has countersigned the report's checkpoint;
3. the report is of the agreement and period asked for (when asked), and lists every month
   of its period, in order, once;
4. the checkpoint carries the node's dual signature and was made after the period ended (a
   checkpoint made earlier cannot hold the period's last events);
5. each partner's countersignature is of that checkpoint and carries its dual signature;
6. month by month, figure by figure: its count is the number of its leaves, its leaves are
   distinct, each is committed once in ``leaves`` with an RFC 9162 §2.1.3.2 inclusion proof
   that leads to the checkpoint's root; each breakdown (sent by precedence, kind, level)
   partitions its figure exactly; every leaf of a month comes after every leaf of the
   months before (the journal is in time order); no leaf is committed but uncounted;
7. the node's dual signature over the whole report.

What this proves, and what it cannot, is in ``docs/oversight.md``. Pure: no I/O, no clock.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from accord.canonical import parse_time
from accord.errors import InvalidInput, VerificationFailed
from accord.exchange import IdentityCard
from accord.ledger import verify_inclusion
from accord.oversight._figures import BREAKDOWNS, FAMILIES, SEPARATOR
from accord.oversight._report import Figure, LeafCommitment, MonthFigures, OversightReport

__all__ = ["Expected", "months_of", "verify_report"]


@dataclass(frozen=True)
class Expected:
    """What the reader expects the report to be about; None accepts what the report says.

    Attributes:
        agreement: The agreement's id.
        first_day: The period's first day.
        last_day: The period's last day.
    """

    agreement: str | None = None
    first_day: date | None = None
    last_day: date | None = None


def months_of(first_day: date, last_day: date) -> list[str]:
    """Every month from ``first_day``'s to ``last_day``'s, as ``2026-01``, in order."""
    out: list[str] = []
    year, month = first_day.year, first_day.month
    while (year, month) <= (last_day.year, last_day.month):
        out.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return out


def _day(text: str, what: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{what} is not a date: {text!r}") from exc


def _cards(
    report: OversightReport, card_texts: Sequence[str | bytes]
) -> tuple[IdentityCard, list[IdentityCard]]:
    cards = [IdentityCard.parse(text) for text in card_texts]
    own = [card for card in cards if card.node_id == report.node]
    if not own:
        raise VerificationFailed(f"no card of {report.node}, the node that made the report, was given")
    if own[0].party != report.party:
        raise VerificationFailed(
            f"the card of {report.node} is of party {own[0].party}, the report says {report.party}"
        )
    partners = [card for card in cards if card.node_id != report.node]
    if not partners:
        raise VerificationFailed("no partner's card was given: its countersignature cannot be checked")
    for card in partners:
        if card.party == report.party:
            raise VerificationFailed(
                f"the card of {card.node_id} is of {card.party}, the reporting party, not of a partner"
            )
    return own[0], partners


def _period(report: OversightReport, expected: Expected) -> tuple[date, date]:
    first, last = _day(report.first_day, "the first day"), _day(report.last_day, "the last day")
    if expected.agreement is not None and expected.agreement != report.agreement:
        raise VerificationFailed(f"the report is of agreement {report.agreement}, not {expected.agreement}")
    for name, want, got in (("first", expected.first_day, first), ("last", expected.last_day, last)):
        if want is not None and want != got:
            raise VerificationFailed(f"the report's {name} day is {got}, not {want}")
    if first > last:
        raise VerificationFailed(f"the period ends ({last}) before it begins ({first})")
    listed = [m.month for m in report.months]
    if listed != months_of(first, last):
        raise VerificationFailed(
            f"the report lists months {listed}, its period {first} to {last} has {months_of(first, last)}"
        )
    return first, last


def _checkpoint(
    report: OversightReport, own: IdentityCard, partners: Iterable[IdentityCard], last: date
) -> None:
    signed = report.checkpoint
    checkpoint = signed.checkpoint
    if checkpoint.origin != report.node:
        raise VerificationFailed(f"the checkpoint is of the ledger of {checkpoint.origin}, not {report.node}")
    try:
        signed.verify(own.signing_keys)
    except VerificationFailed as exc:
        raise VerificationFailed(f"the checkpoint is not signed by {report.node}") from exc
    end = datetime(last.year, last.month, last.day, tzinfo=UTC) + timedelta(days=1)
    if parse_time(checkpoint.timestamp) < end:
        raise VerificationFailed(
            f"the checkpoint was made at {checkpoint.timestamp}, before the period ended: "
            "it cannot hold the period's last events"
        )
    for card in partners:
        counters = [c for c in report.countersignatures if c.witness == card.node_id]
        if not counters:
            raise VerificationFailed(
                f"the checkpoint of {checkpoint.size} leaves was not countersigned by {card.node_id}"
            )
        for counter in counters:
            if counter.checkpoint != checkpoint:
                raise VerificationFailed(
                    f"the countersignature of {card.node_id} is of another checkpoint "
                    f"({counter.checkpoint.size} leaves), not the report's ({checkpoint.size})"
                )
            counter.verify(card.signing_keys)


class _Leaves:
    """The committed leaves, each proven once, on first use."""

    def __init__(self, report: OversightReport) -> None:
        self._checkpoint = report.checkpoint.checkpoint
        self._by_index: dict[int, LeafCommitment] = {}
        for leaf in report.leaves:
            if leaf.index in self._by_index:
                raise VerificationFailed(f"leaf {leaf.index} is committed twice")
            self._by_index[leaf.index] = leaf
        self._proven: set[int] = set()

    def prove(self, index: int, where: str) -> None:
        leaf = self._by_index.get(index)
        if leaf is None:
            raise VerificationFailed(f"{where}: leaf {index} is counted but not committed")
        if index in self._proven:
            return
        try:
            verify_inclusion(leaf.hash, index, self._checkpoint.size, leaf.path, self._checkpoint.root)
        except VerificationFailed as exc:
            raise VerificationFailed(f"{where}: leaf {index} is not in the checkpoint ({exc})") from exc
        self._proven.add(index)

    def unused(self) -> list[int]:
        return sorted(set(self._by_index) - self._proven)


def _figure(month: str, figure: Figure, leaves: _Leaves) -> None:
    where = f"{month} {figure.name}"
    if figure.name.split(SEPARATOR)[0] not in FAMILIES:
        raise VerificationFailed(f"{where}: no such figure")
    if figure.count != len(figure.leaves):
        raise VerificationFailed(f"{where}: counts {figure.count} but commits to {len(figure.leaves)} leaves")
    if list(figure.leaves) != sorted(set(figure.leaves)):
        raise VerificationFailed(f"{where}: its leaves are not distinct and in order")
    for index in figure.leaves:
        leaves.prove(index, where)


def _breakdowns(month: MonthFigures) -> None:
    names = [f.name for f in month.figures]
    if len(names) != len(set(names)):
        raise VerificationFailed(f"{month.month}: a figure is listed twice")
    for figure in month.figures:
        words = figure.name.split(SEPARATOR)
        if words[0] not in BREAKDOWNS:
            continue
        if len(words) == 2:
            whole = set(figure.leaves)
            for dimension in BREAKDOWNS[words[0]]:
                prefix = f"{figure.name}{SEPARATOR}{dimension}{SEPARATOR}"
                parts = [f for f in month.figures if f.name.startswith(prefix)]
                union = [leaf for part in parts for leaf in part.leaves]
                if len(union) != len(set(union)) or set(union) != whole:
                    raise VerificationFailed(
                        f"{month.month} {figure.name}: its {dimension} figures do not add up to it "
                        f"({sum(p.count for p in parts)} against {figure.count}, or a leaf counted twice)"
                    )
        elif month.figure(SEPARATOR.join(words[:2])) is None:
            raise VerificationFailed(f"{month.month} {figure.name}: a breakdown of a figure the month lacks")


def verify_report(
    report_text: str | bytes, card_texts: Sequence[str | bytes], expected: Expected | None = None
) -> OversightReport:
    """Verify an oversight report with the reporting node's card and its partners' (see the module).

    Returns:
        The verified report.

    Raises:
        InvalidInput: the report or a card is malformed.
        VerificationFailed: any check fails; the message names the first (the month and
            figure, when it is a figure's).
    """
    report = OversightReport.parse(report_text)
    own, partners = _cards(report, card_texts)
    _, last = _period(report, expected or Expected())
    _checkpoint(report, own, partners, last)
    leaves = _Leaves(report)
    highest = -1
    for month in report.months:
        for figure in month.figures:
            _figure(month.month, figure, leaves)
        _breakdowns(month)
        counted = [leaf for figure in month.figures for leaf in figure.leaves]
        if counted and min(counted) <= highest:
            raise VerificationFailed(
                f"{month.month}: leaf {min(counted)} is counted in this month but comes before "
                f"leaf {highest} of an earlier month (the journal is in time order)"
            )
        highest = max([*counted, highest])
    unused = leaves.unused()
    if unused:
        raise VerificationFailed(f"leaf {unused[0]} is committed but counted in no figure")
    try:
        report.verify_signature(own.signing_keys)
    except VerificationFailed as exc:
        raise VerificationFailed(f"the report is not signed by {report.node} (or was changed after)") from exc
    return report

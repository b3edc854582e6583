"""Oversight reports: ``accord oversight report|verify|compare|pdf`` (docs/oversight.md).

``report`` is made at a node by an officer or the authority; ``verify``, ``compare`` and
``pdf`` need no node: a committee's staff run them with the report files and the two
parties' public identity cards.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.console import RenderableType
from rich.text import Text

from accord.cli._auth import acting
from accord.cli._common import (
    check_writable,
    console,
    emit_json,
    exit_code,
    fail,
    print_table,
    read_text,
    refusals,
    write_bytes,
    write_text,
)
from accord.cli._options import HomeOpt, JsonOpt, as_option
from accord.errors import InvalidInput, VerificationFailed
from accord.exchange import IdentityCard
from accord.limits import MAX_DOCUMENT_BYTES
from accord.node import OversightRequest
from accord.oversight import (
    SEPARATOR,
    Expected,
    OversightReport,
    compare,
    figure_label,
    find_cjk_font,
    report_pdf,
    verify_report,
)

__all__ = ["oversight_app"]

oversight_app = typer.Typer(
    help="Oversight reports: the agreement's monthly figures, checkable with the parties' cards alone.",
    no_args_is_help=True,
)

_NOT_BROKEN_DOWN = 2
"""Words in the name of a figure that is not a breakdown (``sent|KOR``, ``copies``)."""
_MAX_REPORT_BYTES = 64 * MAX_DOCUMENT_BYTES
"""A report carries an audit path per leaf counted: larger than one document."""


def _day(text: str | None, option: str) -> date | None:
    if text is None:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"{option} is a date such as 2026-01-31, not {text!r}") from exc


def _required_day(text: str, option: str) -> date:
    day = _day(text, option)
    assert day is not None  # noqa: S101 - a required option is never None
    return day


def _summary(report: OversightReport) -> None:
    """The month-by-month figures (not the breakdowns) as a table, in the report's language."""
    # Every figure any month lists (a refusal's kind only where it happened), in report order.
    names = dict.fromkeys(
        f.name for m in report.months for f in m.figures if len(f.name.split(SEPARATOR)) <= _NOT_BROKEN_DOWN
    )
    rows: list[list[RenderableType]] = [
        [Text(figure_label(name, report.lang)), *(str(m.count(name)) for m in report.months)]
        for name in names
    ]
    print_table(("", *(m.month for m in report.months)), rows)


@oversight_app.command("report")
def report_(
    agreement: Annotated[str, typer.Option(help="The agreement's id (accord agreement list).")],
    from_: Annotated[str, typer.Option("--from", help="The period's first day (UTC), e.g. 2026-01-01.")],
    to: Annotated[str, typer.Option(help="The period's last day (UTC, inclusive), e.g. 2026-03-31.")],
    out: Annotated[Path, typer.Option(help="Write the signed report (JSON) to this file.")],
    as_user: Annotated[str, as_option("The officer or authority making the report.")],
    lang: Annotated[str, typer.Option(help="The language of its labels: en, ko or ja.")] = "en",
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Make the agreement's signed oversight report for a period that has ended."""
    with refusals():
        request = OversightRequest(agreement, _required_day(from_, "--from"), _required_day(to, "--to"), lang)
        check_writable(out)
    with acting(home, as_user) as (node, reporter):
        report = node.oversight.report(request, actor=reporter)
        write_text(out, report.to_json())
    checkpoint = report.checkpoint.checkpoint
    witnesses = [c.witness for c in report.countersignatures]
    if json_out:
        emit_json(
            {
                "out": str(out),
                "agreement": report.agreement,
                "months": [m.month for m in report.months],
                "leaves": len(report.leaves),
                "checkpoint_size": checkpoint.size,
                "countersigned_by": witnesses,
            }
        )
        return
    _summary(report)
    console.print(
        f"Wrote the report of {report.agreement}, {report.first_day} to {report.last_day}, to {out}: "
        f"{len(report.leaves)} ledger leaves proven in the checkpoint of {checkpoint.size} leaves "
        f"countersigned by {', '.join(witnesses)}",
        markup=False,
    )


@oversight_app.command("verify")
def verify(
    report_file: Annotated[Path, typer.Argument(help="A report from `accord oversight report`.")],
    card: Annotated[
        list[Path],
        typer.Option(help="A party's public identity card: the reporting node's and its partner's."),
    ],
    agreement: Annotated[str | None, typer.Option(help="Refuse a report of another agreement.")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="Refuse a report of another first day.")] = None,
    to: Annotated[str | None, typer.Option(help="Refuse a report of another last day.")] = None,
    json_out: JsonOpt = False,
) -> None:
    """Check a report with the parties' cards only: signatures, proofs, countersignature, arithmetic."""
    with refusals():
        expected = Expected(agreement, _day(from_, "--from"), _day(to, "--to"))
        cards = [read_text(path, limit=MAX_DOCUMENT_BYTES, what="identity card") for path in card]
        text = read_text(report_file, limit=_MAX_REPORT_BYTES, what="oversight report")
        report = verify_report(text, cards, expected)
        prints = {c.node_id: c.fingerprint for c in (IdentityCard.parse(t) for t in cards)}
    checkpoint = report.checkpoint.checkpoint
    figures = sum(len(m.figures) for m in report.months)
    if json_out:
        emit_json(
            {
                "ok": True,
                "agreement": report.agreement,
                "party": report.party,
                "node": report.node,
                "from": report.first_day,
                "to": report.last_day,
                "figures": figures,
                "leaves": len(report.leaves),
                "checkpoint_size": checkpoint.size,
                "countersigned_by": [c.witness for c in report.countersignatures],
                "cards": prints,
            }
        )
        return
    _summary(report)
    console.print(
        f"Verified: the report of {report.party} ({report.node}) on {report.agreement}, {report.first_day} "
        f"to {report.last_day}: {figures} figures in {len(report.months)} months, {len(report.leaves)} "
        f"leaves proven in the checkpoint of {checkpoint.size} leaves, countersigned by "
        f"{', '.join(c.witness for c in report.countersignatures)}",
        markup=False,
    )
    for node_id, fingerprint in prints.items():
        console.print(
            f"card used: {node_id}, fingerprint {fingerprint} "
            "(compare it with the one its authority gave you)",
            markup=False,
        )


@oversight_app.command("compare")
def compare_(
    first: Annotated[Path, typer.Argument(help="One party's report.")],
    second: Annotated[
        Path, typer.Argument(help="The other party's report of the same agreement and period.")
    ],
    json_out: JsonOpt = False,
) -> None:
    """Line the two parties' reports up, month by month; exit 6 when they disagree (verify first)."""
    with refusals():
        a = OversightReport.parse(read_text(first, limit=_MAX_REPORT_BYTES, what="oversight report"))
        b = OversightReport.parse(read_text(second, limit=_MAX_REPORT_BYTES, what="oversight report"))
        found = compare(a, b)
    if json_out:
        emit_json({"agreement": a.agreement, "discrepancies": [d.to_dict() for d in found]})
    elif found:
        print_table(
            ("month", a.party, "", b.party, ""),
            [(d.month, Text(d.figure), str(d.count), Text(d.mirror), str(d.mirror_count)) for d in found],
        )
    else:
        console.print(
            f"No discrepancy: {a.party}'s and {b.party}'s reports of {a.agreement}, {a.first_day} to "
            f"{a.last_day}, agree month by month",
            markup=False,
        )
    if found:
        fail(f"{len(found)} discrepancies between the two reports", exit_code(VerificationFailed("")))


@oversight_app.command("pdf")
def pdf(
    report_file: Annotated[Path, typer.Argument(help="A report from `accord oversight report`.")],
    out: Annotated[Path, typer.Option(help="Write the printable PDF to this file.")],
    json_out: JsonOpt = False,
) -> None:
    """Print a report as a PDF in its language: the figures it holds, charted (verify the JSON, not this)."""
    with refusals():
        check_writable(out)
        report = OversightReport.parse(
            read_text(report_file, limit=_MAX_REPORT_BYTES, what="oversight report")
        )
        made = report_pdf(report, find_cjk_font())
        write_bytes(out, made)
    if json_out:
        emit_json({"out": str(out), "agreement": report.agreement, "lang": report.lang, "bytes": len(made)})
        return
    console.print(
        f"Wrote the PDF of {report.party}'s report of {report.agreement}, {report.first_day} to "
        f"{report.last_day}, in {report.lang}, to {out} (a picture of the report: verify the JSON)",
        markup=False,
    )

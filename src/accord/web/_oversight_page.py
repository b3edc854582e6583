"""The oversight page: a report's monthly figures, charted and printable, its JSON and PDF (issue 15).

What ``accord oversight report`` and ``accord oversight pdf`` do, in the browser, for the
people the decision point gives the ``report-to-oversight`` duty (officers, the authority):

* ``GET /oversight`` — the form: agreement, first and last day (UTC), language;
* ``POST /oversight`` — the report made by ``node.oversight.report`` (the service the CLI
  calls, journalled there), shown as the tables of its monthly figures and a bar chart of
  the items exchanged (SVG drawn here from the figures: no script, no inline style); the
  page prints as it is (``@media print`` in ``console.css``);
* ``POST /oversight/file`` — the same report as its signed JSON, or as the PDF made from
  it alone (:func:`accord.oversight.report_pdf`), as a download. Each download makes the
  report again (and journals it): for a period that has ended its figures are the same;
  when it was made, and the checkpoint it proves against, may be later;
* ``/oversight/verify`` — a report and the two parties' identity cards uploaded and checked
  as ``accord oversight verify`` does (:func:`accord.oversight.verify_report`: no node
  needed), its figures shown, or its PDF downloaded; a report that does not verify shows the
  first thing that failed, and is journalled (``console.oversight-verify``, its error's kind
  only: never the file's content);
* ``/oversight/compare`` — the two parties' reports lined up (:mod:`._oversight_compare`).

A form's values are checked here first (each error beside its field) and by the node again.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from accord.errors import AccordError
from accord.exchange import IdentityCard
from accord.node import OversightRequest
from accord.oversight import (
    LANGUAGES,
    SEPARATOR,
    Expected,
    OversightReport,
    figure_label,
    find_cjk_font,
    report_pdf,
    summary_figures,
    verify_report,
)
from accord.policy import Duty
from accord.web._console import Con, Console, Malformed, Me, PostedForm, Screen, Who, as_download, posted_form
from accord.web._i18n import N_

__all__ = ["MAX_CARDS", "BarChart", "OversightForm", "bar_chart", "require_oversight", "router"]

router = APIRouter()
"""The oversight pages."""

_TRAFFIC = ("sent", "received")
MAX_CARDS = 4
"""Cards a verification takes: the reporter's and its partners' (a TISA has more than one)."""
_SAFE = re.compile(r"[^A-Za-z0-9._-]")
"""Characters kept in a download's file name (a header value)."""
_NOT_BROKEN_DOWN = 2
_LANGUAGE_NAMES = {"en": "English", "ko": "한국어", "ja": "日本語"}


class OversightForm(PostedForm):
    """The report asked for: agreement, period (UTC days, both included), language."""

    agreement: str = Field("", max_length=200)
    first: str = Field("", alias="from", max_length=64)
    last: str = Field("", alias="to", max_length=64)
    lang: str = Field("en", max_length=16)


class FileForm(OversightForm):
    """A download of the report: its signed JSON or its PDF."""

    format: Literal["json", "pdf"]


@dataclass(frozen=True)
class Bar:
    """One bar: its place in the chart's coordinates, its series (a CSS class), its count."""

    x: float
    y: float
    width: float
    height: float
    series: int
    count: int


@dataclass(frozen=True)
class BarChart:
    """Grouped bars: per month, one bar per figure of ``series``; drawn by the template as SVG."""

    width: int
    height: int
    base: float
    series: list[str]
    months: list[tuple[str, float]]
    bars: list[Bar]
    peak: int


def bar_chart(report: OversightReport, *, width: int = 640, height: int = 240) -> BarChart:
    """The exchanges of ``report`` (sent to, received from each partner) as grouped bars.

    Every number comes from the report's figures; the template only places the shapes.
    """
    series = [(n, c) for n, c in summary_figures(report) if n.split(SEPARATOR)[0] in _TRAFFIC]
    top, bottom, left = 20.0, 30.0, 10.0
    base = height - bottom
    peak = max([1, *(max(counts, default=0) for _, counts in series)])
    slot = (width - left) / max(1, len(report.months))
    bar = min(36.0, slot * 0.8 / max(1, len(series)))
    bars: list[Bar] = []
    months: list[tuple[str, float]] = []
    for m, month in enumerate(report.months):
        x0 = left + m * slot + (slot - bar * len(series)) / 2
        months.append((month.month, left + m * slot + slot / 2))
        for s, (_, counts) in enumerate(series):
            h = (base - top) * counts[m] / peak
            x = round(x0 + s * bar, 1)
            bars.append(Bar(x, round(base - h, 1), round(bar, 1), round(h, 1), s, counts[m]))
    labels = [figure_label(name, report.lang) for name, _ in series]
    return BarChart(width, height, base, labels, months, bars, peak)


def _agreements(console: Console) -> list[str]:
    return [a.id for a in console.node.agreements.all()]


def _choices(console: Console) -> dict[str, object]:
    return {
        "agreements": _agreements(console),
        "report_languages": [(code, _LANGUAGE_NAMES.get(code, code)) for code in LANGUAGES],
    }


def _day(text: str, name: str, errors: dict[str, str]) -> date | None:
    if not text.strip():
        errors[name] = N_("Give a day, such as 2026-01-31.")
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        errors[name] = N_("Not a day: give one such as 2026-01-31.")
        return None


def _request(console: Console, form: OversightForm, errors: dict[str, str]) -> OversightRequest | None:
    """The node's request, or None with each unreadable field's error in ``errors``."""
    if form.agreement not in _agreements(console):
        errors["agreement"] = N_("Choose one of the agreements imported here.")
    first, last = _day(form.first, "from", errors), _day(form.last, "to", errors)
    if first is not None and last is not None and first > last:
        errors["to"] = N_("The last day comes before the first.")
    if form.lang not in LANGUAGES:
        errors["lang"] = N_("Choose English, Korean or Japanese.")
    if errors or first is None or last is None:
        return None
    return OversightRequest(form.agreement, first, last, form.lang)


def _screen(console: Console, who: Who, values: dict[str, str], **context: object) -> Screen:
    return Screen(
        "oversight.html",
        {**_choices(console), "values": values, "errors": {}, "error": None, "report": None, **context},
    )


def _values(form: OversightForm) -> dict[str, str]:
    return {"agreement": form.agreement, "from": form.first, "to": form.last, "lang": form.lang}


def require_oversight(console: Console, who: Who) -> None:
    """Ask the decision point for the ``report-to-oversight`` duty (every oversight page)."""
    console.require_duty(who, Duty.REPORT_TO_OVERSIGHT, "console.oversight", "the oversight page")


@router.get("/oversight", response_class=HTMLResponse)
def oversight_form(request: Request, console: Con, who: Me) -> HTMLResponse:
    """The form of a report (officers and the authority)."""
    require_oversight(console, who)
    agreements = _agreements(console)
    values = {"agreement": agreements[0] if agreements else "", "from": "", "to": "", "lang": who.language}
    return console.page(request, who, _screen(console, who, values))


@router.post("/oversight", response_class=HTMLResponse)
def oversight(
    request: Request, console: Con, who: Me, form: Annotated[OversightForm, Form()]
) -> HTMLResponse:
    """The report asked for: its monthly figures as tables and a chart, its downloads."""
    report = _asked_report(request, (console, who), form, "an oversight report")
    if isinstance(report, HTMLResponse):
        return report
    return console.page(request, who, _screen(console, who, _values(form), **_shown(report)))


def _asked_report(
    request: Request, by: tuple[Console, Who], form: OversightForm, what: str
) -> OversightReport | HTMLResponse:
    """The report ``form`` asks for (``what`` names it to the CSRF check), made by the node;
    else the form again (400) with what is wrong: each unreadable field, or the node's refusal."""
    console, who = by
    console.check_csrf(who, form.csrf, what)
    require_oversight(console, who)
    errors: dict[str, str] = {}
    asked = _request(console, form, errors)
    if asked is None:
        return _form_again(request, by, form, errors=errors)
    try:
        return console.node.oversight.report(asked, actor=who.name)
    except AccordError as exc:  # the node's words, as the CLI prints them
        return _form_again(request, by, form, error=str(exc))


def _form_again(
    request: Request, by: tuple[Console, Who], form: OversightForm, **refused: object
) -> HTMLResponse:
    """The form as it was filled in, with why it was refused (``errors`` or ``error``), as a 400."""
    console, who = by
    return console.page(request, who, _screen(console, who, _values(form), **refused), status_code=400)


def _shown(report: OversightReport) -> dict[str, object]:
    """What the page shows of ``report``: its facts, its figures by month, its chart."""
    lang = report.lang

    def rows(broken_down: bool) -> list[tuple[str, list[int], int]]:
        names = dict.fromkeys(
            f.name
            for m in report.months
            for f in m.figures
            if (len(f.name.split(SEPARATOR)) > _NOT_BROKEN_DOWN) == broken_down
        )
        counted = [(name, [m.count(name) for m in report.months]) for name in names]
        return [(figure_label(name, lang), counts, sum(counts)) for name, counts in counted]

    return {
        "report": report,
        "witnesses": ", ".join(c.witness for c in report.countersignatures),
        "figures": rows(broken_down=False),
        "breakdowns": sorted(rows(broken_down=True)),
        "chart": bar_chart(report),
    }


@router.post("/oversight/file")
def oversight_file(request: Request, console: Con, who: Me, form: Annotated[FileForm, Form()]) -> Response:
    """The report as its signed JSON, or as its PDF, to download."""
    report = _asked_report(request, (console, who), form, "an oversight report file")
    if isinstance(report, HTMLResponse):
        return report
    try:
        if form.format == "json":
            data, media = report.to_json().encode("utf-8"), "application/json"
        else:
            data, media = report_pdf(report, find_cjk_font()), "application/pdf"
    except AccordError as exc:
        return _form_again(request, (console, who), form, error=str(exc))
    return as_download(data, media, f"{_file_stem(report)}.{form.format}")


def _file_stem(report: OversightReport) -> str:
    """A download's file name for ``report`` without its extension: party, agreement, period."""
    return _SAFE.sub("_", f"{report.party}-{report.agreement}-{report.first_day}-{report.last_day}")


@router.get("/oversight/verify", response_class=HTMLResponse)
def verify_form(request: Request, console: Con, who: Me) -> HTMLResponse:
    """The form: a report and the two parties' identity cards."""
    require_oversight(console, who)
    return console.page(request, who, Screen("oversight_verify.html", {"error": None, "report": None}))


@router.post("/oversight/verify", response_model=None)
async def verify(request: Request, console: Con, who: Me) -> Response:
    """Check an uploaded report with the uploaded cards; show it, or its PDF, or what failed."""
    form = await posted_form(request, max_files=MAX_CARDS + 1, max_fields=4)
    try:
        csrf, report, cards, want = (
            form.get("csrf"),
            form.get("report"),
            form.getlist("cards"),
            form.get("as"),
        )
        if (
            not isinstance(csrf, str)
            or not isinstance(report, UploadFile)
            or not 1 <= len(cards) <= MAX_CARDS
            or not all(isinstance(card, UploadFile) for card in cards)
            or want not in ("page", "pdf")
        ):
            raise Malformed
        await run_in_threadpool(console.check_csrf, who, csrf, "an oversight verification")
        sent = (await report.read(), [await card.read() for card in cards if isinstance(card, UploadFile)])
    finally:
        await form.close()
    return await run_in_threadpool(_verified, request, console, who, sent, want == "pdf")


def _verified(
    request: Request, console: Console, who: Who, sent: tuple[bytes, list[bytes]], as_pdf: bool
) -> Response:
    require_oversight(console, who)
    text, cards = sent
    try:
        report = verify_report(text, cards, Expected())
        prints = [(card.node_id, card.fingerprint) for card in (IdentityCard.parse(c) for c in cards)]
        if as_pdf:
            return as_download(
                report_pdf(report, find_cjk_font()), "application/pdf", f"{_file_stem(report)}.pdf"
            )
    except AccordError as exc:
        # The first thing that failed, in verify's words; the journal keeps its kind only.
        console.refuse(
            who.name, "console.oversight-verify", f"an oversight report refused: {type(exc).__name__}"
        )
        screen = Screen("oversight_verify.html", {"error": str(exc), "report": None})
        return console.page(request, who, screen, status_code=400)
    context = {"error": None, "prints": prints, **_shown(report)}
    return console.page(request, who, Screen("oversight_verify.html", context))

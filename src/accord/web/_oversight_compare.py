"""Comparing the two parties' oversight reports in the console (issue 15).

What ``accord oversight compare`` does, in the browser, for the people the decision point
gives the ``report-to-oversight`` duty (officers, the authority), as ``/oversight/verify``:

* ``GET /oversight/compare`` — the form: the two reports and, optionally, the parties'
  identity cards;
* ``POST /oversight/compare`` — with cards, each report is first verified as
  ``accord oversight verify`` does (:func:`accord.oversight.verify_report`); then both are
  lined up by :func:`accord.oversight.compare`, the function the CLI calls, and every
  discrepancy is shown month by month and over the period, each figure named in the viewer's
  language — or that there is none. Without cards the page compares what the files say, and
  says so (as the CLI's ``compare``: "verify both reports first").

A report that does not parse or verify, or two reports that cannot be compared (two agreements,
two periods, one party), show what failed, journalled (``console.oversight-compare``, the
error's kind only: never a file's content). No node state is used: only the duty is asked of
the node.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from accord.errors import AccordError
from accord.exchange import IdentityCard
from accord.oversight import (
    PERIOD,
    Discrepancy,
    Expected,
    OversightReport,
    compare,
    figure_label,
    verify_report,
)
from accord.web._console import Con, Console, Malformed, Me, Screen, Who, posted_form
from accord.web._i18n import N_
from accord.web._oversight_page import MAX_CARDS, require_oversight

__all__ = ["Row", "router"]

router = APIRouter()
"""The comparison page."""

_ORDINALS = (N_("The first report:"), N_("The second report:"))
"""Which report failed, before the failure in verify's words."""


@dataclass(frozen=True)
class Row:
    """One discrepancy as shown: the month (None for the period), each side's figure and count."""

    month: str | None
    figure: str
    label: str
    count: int
    mirror: str
    mirror_label: str
    mirror_count: int


def rows(found: list[Discrepancy], lang: str) -> list[Row]:
    """The discrepancies of :func:`accord.oversight.compare`, in its order, labelled in ``lang``."""
    return [
        Row(
            None if d.month == PERIOD else d.month,
            d.figure,
            figure_label(d.figure, lang),
            d.count,
            d.mirror,
            figure_label(d.mirror, lang),
            d.mirror_count,
        )
        for d in found
    ]


def _screen(**context: object) -> Screen:
    return Screen(
        "oversight_compare.html",
        {"error": None, "failed": None, "reports": None, "found": [], "prints": [], **context},
    )


@router.get("/oversight/compare", response_class=HTMLResponse)
def compare_form(request: Request, console: Con, who: Me) -> HTMLResponse:
    """The form: the two parties' reports, and their cards to verify each first."""
    require_oversight(console, who)
    return console.page(request, who, _screen())


def _chosen(part: object) -> bool:
    """Whether a file field holds a file: a field left empty comes as an unnamed file or as ``""``."""
    return part != "" and not (isinstance(part, UploadFile) and not part.filename)


@router.post("/oversight/compare", response_model=None)
async def compare_reports(request: Request, console: Con, who: Me) -> Response:
    """Verify the uploaded reports with the uploaded cards, if any; show their discrepancies."""
    form = await posted_form(request, max_files=MAX_CARDS + 2, max_fields=4)
    try:
        csrf, first, second = form.get("csrf"), form.get("first"), form.get("second")
        cards = [card for card in form.getlist("cards") if _chosen(card)]
        if (
            not isinstance(csrf, str)
            or not isinstance(first, UploadFile)
            or not isinstance(second, UploadFile)
            or len(cards) > MAX_CARDS
            or not all(isinstance(card, UploadFile) for card in cards)
        ):
            raise Malformed
        await run_in_threadpool(console.check_csrf, who, csrf, "an oversight comparison")
        texts = (await first.read(), await second.read())
        sent = (texts, [await card.read() for card in cards if isinstance(card, UploadFile)])
    finally:
        await form.close()
    return await run_in_threadpool(_compared, request, console, who, sent)


def _compared(
    request: Request, console: Console, who: Who, sent: tuple[tuple[bytes, bytes], list[bytes]]
) -> Response:
    require_oversight(console, who)
    texts, cards = sent
    reports: list[OversightReport] = []
    failed: str | None = None
    try:
        prints = [(card.node_id, card.fingerprint) for card in (IdentityCard.parse(c) for c in cards)]
        for ordinal, text in zip(_ORDINALS, texts, strict=True):
            failed = ordinal
            reports.append(verify_report(text, cards, Expected()) if cards else OversightReport.parse(text))
        failed = None
        found = compare(reports[0], reports[1])
    except AccordError as exc:
        # What failed, in verify's or compare's words; the journal keeps its kind only.
        console.refuse(
            who.name, "console.oversight-compare", f"an oversight comparison refused: {type(exc).__name__}"
        )
        screen = _screen(error=str(exc), failed=failed)
        return console.page(request, who, screen, status_code=400)
    context = {"reports": reports, "found": rows(found, who.language), "prints": prints}
    return console.page(request, who, _screen(**context))

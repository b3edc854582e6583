"""The security officer's compromise pages: cases, exposure, closing a case (GSOMIA Art. 17, issue 11).

What ``accord compromise report|list|close|exposure`` do, in the browser. Each route calls
the node service the CLI calls (``node.compromise``), as the signed-in person; the node
refuses anyone but a security officer, and a case about an item withheld from them is
answered as missing. The banner is that of the items the page names (their register lines,
``node.register``: withheld items are never among them).

Included in :mod:`._custody_pages`' router.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field

from accord.errors import AccordError, NotFound
from accord.items import CaseState, Direction
from accord.markings import Marking
from accord.node.custody import CaseView
from accord.web._console import Con, Console, Me, PostedForm, Screen, Who

__all__ = ["router"]

router = APIRouter()
"""The compromise pages."""


class ReportForm(PostedForm):
    """A compromise report: the items, actual or possible, what happened."""

    items: str = Field(max_length=10_000)
    actual: Literal["actual", "possible"]
    circumstances: str = Field(max_length=10_000)


class CloseForm(PostedForm):
    """Closing a case: the results of the investigation and the measures taken."""

    findings: str = Field(max_length=10_000)
    measures: str = Field(max_length=10_000)


@router.get("/compromise", response_class=HTMLResponse)
def cases(request: Request, console: Con, who: Me, status: str | None = None) -> HTMLResponse:
    """Cases reported here and reported to us, newest first, with the report form."""
    return console.page(request, who, _cases_screen(console, who, status or None, {}))


@router.post("/compromise", response_class=HTMLResponse)
def report(request: Request, console: Con, who: Me, form: Annotated[ReportForm, Form()]) -> Response:
    """Open a case; every originator concerned is notified at once by a FLASH envelope."""
    console.check_csrf(who, form.csrf, "a compromise report")
    items = [part for part in re.split(r"[,\s]+", form.items) if part]
    try:
        view = console.node.compromise.report(
            items, actual=form.actual == "actual", circumstances=form.circumstances, actor=who.name
        )
    except AccordError as exc:
        typed = {"items": form.items, "actual": form.actual, "circumstances": form.circumstances}
        screen = _cases_screen(console, who, None, {"error": str(exc), "typed": typed})
        return console.page(request, who, screen, status_code=400)
    return Response(status_code=303, headers={"Location": f"/compromise/{view.id}"})


@router.get("/compromise/{case_id}", response_class=HTMLResponse)
def case(request: Request, case_id: str, console: Con, who: Me) -> HTMLResponse:
    """One case: what was reported, and the close form for a case opened here."""
    return console.page(request, who, _case_screen(console, who, case_id, None))


@router.post("/compromise/{case_id}/close", response_class=HTMLResponse)
def close(
    request: Request, case_id: str, console: Con, who: Me, form: Annotated[CloseForm, Form()]
) -> HTMLResponse:
    """Close a case with its findings and measures; the report goes to every originator notified."""
    console.check_csrf(who, form.csrf, "closing a compromise case")
    try:
        console.node.compromise.close(case_id, findings=form.findings, measures=form.measures, actor=who.name)
    except AccordError as exc:
        typed = {"findings": form.findings, "measures": form.measures}
        screen = _case_screen(console, who, case_id, {"error": str(exc), "typed": typed})
        return console.page(request, who, screen, status_code=400)
    return console.page(request, who, _case_screen(console, who, case_id, {"closed": True}))


@router.get("/holdings/{item_id}/exposure", response_class=HTMLResponse)
def exposure(request: Request, item_id: str, console: Con, who: Me, proofs: bool = False) -> HTMLResponse:
    """Who could have seen the item: readers, people permitted now, sends, copies, consents."""
    node = console.node
    line = node.register.holding(item_id, actor=who.name)  # withheld answers as missing, first
    found = node.compromise.exposure(item_id, actor=who.name, proofs=proofs)
    shown = {
        seq: json.dumps(proof, indent=2, ensure_ascii=False) for seq, proof in sorted(found.proofs.items())
    }
    context = {"line": line, "found": found, "proofs": shown, "with_proofs": proofs}
    markings = [line.marking] if line.marking is not None else []
    return console.page(request, who, Screen("compromise_exposure.html", context, markings))


def _cases_screen(console: Console, who: Who, status: str | None, extra: dict[str, object]) -> Screen:
    views = console.node.compromise.listing(actor=who.name, status=status)
    context = {"cases": views, "status": status, "error": None, "typed": {}, **extra}
    return Screen("compromise_list.html", context, _markings_of(console, who, views))


def _case_screen(console: Console, who: Who, case_id: str, extra: dict[str, object] | None) -> Screen:
    found = [v for v in console.node.compromise.listing(actor=who.name) if v.id == case_id]
    if not found:
        raise NotFound(f"no compromise case {case_id[:64]!r} here")
    view = found[0]
    # Only the node that opened a case closes it (the node refuses the others: no form for them).
    may_close = view.direction == Direction.OUT and view.status == CaseState.OPEN
    context = {
        "case": view,
        "may_close": may_close,
        "error": None,
        "typed": {},
        "closed": False,
        **(extra or {}),
    }
    return Screen("compromise_case.html", context, _markings_of(console, who, found))


def _markings_of(console: Console, who: Who, views: Iterable[CaseView]) -> list[Marking]:
    """The markings of the items the cases name (those ``who`` may read: the node lists no other)."""
    named = dict.fromkeys(item for view in views for item in view.items)
    lines = [console.node.register.holding(item, actor=who.name) for item in named]
    return [line.marking for line in lines if line.marking is not None]

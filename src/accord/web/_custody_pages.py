"""The officer's custody pages: holdings, copies, translations, destruction, reconciliation (issue 11).

What ``accord holdings``, ``copy``, ``translate``, ``translation``, ``destroy``,
``certificate``, ``dissemination``, ``request-disposal`` and ``reconcile`` do, in the browser
(GSOMIA Arts. 6, 9–16). Each route calls the node service the CLI calls, as the signed-in
person, and hands the markings it shows to :meth:`Console.page` for the banner:

* ``/holdings`` — the holdings register (``node.register.holdings``), and the signed
  summary an officer hands to an originator (``node.register.summary``, a download);
* ``/holdings/ID`` — one item's line of the register (``node.register.holding``: withheld
  answers as missing), with its forms: numbered copies, a translation, destruction before a
  witness, a disposal request to a holder; each refusal is shown beside its form, in the
  node's words;
* ``/holdings/ID/certificate``, ``/holdings/ID/dissemination``, ``/translations/ID``;
* ``/reconcile`` — a holder's signed summary compared with our record (``node.register.reconcile``).

The compromise pages (Art. 17) are :mod:`._compromise_pages`, included in this router.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from accord.errors import AccordError, NotFound
from accord.items import HoldingState
from accord.markings import Marking
from accord.node import Role
from accord.node.custody import Holding
from accord.web import _compromise_pages
from accord.web._console import Con, Console, Malformed, Me, PostedForm, Screen, Who, as_download, posted_form

__all__ = ["router"]

router = APIRouter()
"""The custody pages (and, included, the compromise pages)."""


class CopyForm(PostedForm):
    """Numbered copies of an item: how many (the node checks the range)."""

    count: int


class TranslateForm(PostedForm):
    """A translation of an item: its language tag and the translated text."""

    lang: str = Field(max_length=40)
    text: str


class DestroyForm(PostedForm):
    """A destruction: how, and the witness (another user of this node)."""

    method: str = Field(max_length=1000)
    witness: str = Field(max_length=64)


class DisposalForm(PostedForm):
    """A disposal request to a holder of an item originated here (Art. 21)."""

    holder: str = Field(max_length=8)
    kind: Literal["destroy", "return"]
    reason: str = Field(max_length=2000)


class SummaryForm(PostedForm):
    """A signed holdings summary for one originating party."""

    party: str = Field(max_length=8)


@router.get("/holdings", response_class=HTMLResponse)
def holdings(request: Request, console: Con, who: Me, overdue: bool = False) -> HTMLResponse:
    """The holdings register: every item held here the person may read (Art. 6)."""
    held = console.node.register.holdings(actor=who.name, overdue_only=overdue)
    rows = [(h, sum(1 for c in h.copies if c.status == HoldingState.HELD)) for h in held]
    context = {"held": rows, "overdue": overdue, "officer": _officer(who)}
    return console.page(request, who, Screen("custody_holdings.html", context, _markings(held)))


@router.post("/holdings/summary")
def summary(request: Request, console: Con, who: Me, form: Annotated[SummaryForm, Form()]) -> Response:
    """A signed summary of one party's items held here, downloaded for its reconciliation."""
    console.check_csrf(who, form.csrf, "a holdings summary")
    made = console.node.register.summary(form.party, actor=who.name)
    return as_download(made.to_bytes() + b"\n", "application/json", f"{made.summary_id}.json")


@router.get("/holdings/{item_id}", response_class=HTMLResponse)
def holding(request: Request, item_id: str, console: Con, who: Me) -> HTMLResponse:
    """One item's line of the register, with its custody forms."""
    return console.page(request, who, _holding_screen(console, who, item_id))


@router.post("/holdings/{item_id}/copy", response_class=HTMLResponse)
def copy(
    request: Request, item_id: str, console: Con, who: Me, form: Annotated[CopyForm, Form()]
) -> HTMLResponse:
    """Make numbered copies (copy 1 of N…), each accounted for in the register."""
    console.check_csrf(who, form.csrf, "numbered copies")

    def act() -> str:
        made = console.node.custody.copy(item_id, count=form.count, actor=who.name)
        return ", ".join(c.label for c in made)

    return _acted(request, (console, who, item_id), "copy", act)


@router.post("/holdings/{item_id}/translate", response_class=HTMLResponse)
def translate(
    request: Request, item_id: str, console: Con, who: Me, form: Annotated[TranslateForm, Form()]
) -> HTMLResponse:
    """Record a translation: a derived item under its source's marking."""
    console.check_csrf(who, form.csrf, "a translation")

    def act() -> str:
        with tempfile.TemporaryDirectory(prefix="accord-translation-") as folder:
            path = Path(folder) / "translation.txt"
            path.write_text(form.text, encoding="utf-8")
            made = console.node.custody.translate(item_id, path=path, lang=form.lang, actor=who.name)
        return f"{made.id} ({made.lang})"

    return _acted(request, (console, who, item_id), "translate", act)


@router.post("/holdings/{item_id}/destroy", response_class=HTMLResponse)
def destroy(
    request: Request, item_id: str, console: Con, who: Me, form: Annotated[DestroyForm, Form()]
) -> HTMLResponse:
    """Destroy the item's content before a witness; the node signs the certificate."""
    console.check_csrf(who, form.csrf, "a destruction")

    def act() -> str:
        done = console.node.custody.destroy(item_id, method=form.method, witness=form.witness, actor=who.name)
        return done.certificate.certificate_id

    return _acted(request, (console, who, item_id), "destroy", act)


@router.post("/holdings/{item_id}/disposal", response_class=HTMLResponse)
def disposal(
    request: Request, item_id: str, console: Con, who: Me, form: Annotated[DisposalForm, Form()]
) -> HTMLResponse:
    """Ask a holder to return or destroy what this node provided (Art. 21)."""
    console.check_csrf(who, form.csrf, "a disposal request")

    def act() -> str:
        asked = console.node.disposal.request(
            item_id, holder=form.holder, kind=form.kind, reason=form.reason, actor=who.name
        )
        return ", ".join(asked)

    return _acted(request, (console, who, item_id), "disposal", act)


@router.get("/holdings/{item_id}/certificate")
def certificate(request: Request, item_id: str, console: Con, who: Me, download: bool = False) -> Response:
    """The signed destruction certificate this node issued for the item (or its file)."""
    node = console.node
    line = node.register.holding(item_id, actor=who.name)
    cert = node.custody.certificate(item_id, actor=who.name)
    text = cert.to_bytes().decode("utf-8")
    if download:
        return as_download((text + "\n").encode("utf-8"), "application/json", f"{cert.certificate_id}.json")
    context = {"line": line, "cert": cert, "text": text}
    return console.page(request, who, Screen("custody_certificate.html", context, _markings([line])))


@router.get("/holdings/{item_id}/dissemination", response_class=HTMLResponse)
def dissemination(request: Request, item_id: str, console: Con, who: Me) -> HTMLResponse:
    """Where the item went from here: sends and receipts, consents, receipts, certificates."""
    node = console.node
    line = node.register.holding(item_id, actor=who.name)
    record = node.register.dissemination(item_id, actor=who.name)
    context = {"line": line, "record": record}
    return console.page(request, who, Screen("custody_dissemination.html", context, _markings([line])))


@router.get("/translations/{translation_id}", response_class=HTMLResponse)
def translation(request: Request, translation_id: str, console: Con, who: Me) -> HTMLResponse:
    """A translation, under its source's markings and access decision."""
    view = console.node.custody.show_translation(translation_id, actor=who.name)
    return console.page(request, who, Screen("custody_translation.html", {"view": view}, [view.marking]))


@router.get("/reconcile", response_class=HTMLResponse)
def reconcile_form(request: Request, console: Con, who: Me) -> HTMLResponse:
    """The form: a holder party and its signed holdings summary."""
    return console.page(request, who, Screen("custody_reconcile.html", {"party": "", "error": None}))


@router.post("/reconcile", response_class=HTMLResponse)
async def reconcile(request: Request, console: Con, who: Me) -> HTMLResponse:
    """Compare a holder's signed summary with our record; every difference reported."""
    form = await posted_form(request, max_files=1, max_fields=8)
    try:
        csrf, party, upload = form.get("csrf"), form.get("party"), form.get("summary")
        if not isinstance(csrf, str) or not isinstance(party, str) or not isinstance(upload, UploadFile):
            raise Malformed
        await run_in_threadpool(console.check_csrf, who, csrf, "a reconciliation")
        data = await upload.read()
    finally:
        await form.close()
    return await run_in_threadpool(_reconciled, request, console, who, (party[:8], data))


def _reconciled(request: Request, console: Console, who: Who, sent: tuple[str, bytes]) -> HTMLResponse:
    party, data = sent
    try:
        result = console.node.register.reconcile(party, data, actor=who.name)
    except AccordError as exc:
        refused: dict[str, object] = {"party": party, "error": str(exc)}
        return console.page(request, who, Screen("custody_reconcile.html", refused), status_code=400)
    markings = _markings(_held_lines(console, who, [d.item_id for d in result.differences if d.item_id]))
    context = {"party": party, "error": None, "result": result}
    return console.page(request, who, Screen("custody_reconcile.html", context, markings))


def _acted(
    request: Request, on: tuple[Console, Who, str], form_name: str, act: Callable[[], str]
) -> HTMLResponse:
    """Run ``act`` and show the item's page with its outcome, or its refusal beside ``form_name``.

    The page is built after the act, through the read check: a missing or withheld item is
    the one 404 page whatever the act said, and any other refusal (a witness or holder not
    found included) is shown in the node's words.
    """
    console, who, item_id = on
    try:
        done, error = act(), None
    except AccordError as exc:
        done, error = None, str(exc)  # the node's words, as the CLI prints them
    screen = _holding_screen(console, who, item_id, outcome=(form_name, done, error))
    return console.page(request, who, screen, status_code=400 if error else 200)


def _holding_screen(
    console: Console, who: Who, item_id: str, outcome: tuple[str, str | None, str | None] | None = None
) -> Screen:
    node = console.node
    line = node.register.holding(item_id, actor=who.name)
    context = {
        "line": line,
        "originated_here": line.originator_node == node.config.node_id,
        "destroyed": line.status == HoldingState.DESTROYED,
        "outcome": outcome,
        "officer": _officer(who),
    }
    return Screen("custody_item.html", context, _markings([line]))


def _held_lines(console: Console, who: Who, item_ids: list[str]) -> list[Holding]:
    """The register lines of the items a report names that are held here (a difference may name
    an item the holder has and we do not: it has no line, and nothing here to mark)."""
    lines = []
    for item_id in dict.fromkeys(item_ids):
        try:
            lines.append(console.node.register.holding(item_id, actor=who.name))
        except NotFound:
            continue
    return lines


def _officer(who: Who) -> bool:
    """Whether to offer the officer's forms: the node gives these acts to the officer role only."""
    return who.role == Role.OFFICER.value


def _markings(lines: Iterable[Holding]) -> list[Marking]:
    """The markings of the register lines a page shows (each line carries its item's)."""
    return [line.marking for line in lines if line.marking is not None]


router.include_router(_compromise_pages.router)

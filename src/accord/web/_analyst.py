"""The analyst's pages: inbox, items, item, attachment, create, release request (issue 11).

Each route calls the node service the CLI calls, as the signed-in person, and passes the
markings it displays to :meth:`Console.page` for the banner. What a person may not read never
reaches a template: the inbox is ``node.items.inbox(actor=…)`` and the item list
``node.items.listing(actor=…)``, as ``accord item list`` (withheld items are not counted);
an item is ``node.items.show(…, actor=…)`` (withheld answers as missing: the one 404 page).

The pattern for the other roles' pages: one module like this one with its ``router`` (included
in ``_app.py``), each route taking ``Con`` and ``Me``, templates extending ``base.html``, every
route listed in ``tests/web/test_web_enumeration.py``.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse
from pydantic import Field
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData, UploadFile

from accord.canonical import parse_time
from accord.errors import AccordError, InvalidInput
from accord.items import KINDS, FieldSpec, ItemContent, ItemKind, Precedence
from accord.node import DamagedItem, ItemListing, ItemView, LabelRequest, NewItem
from accord.web._console import Con, Console, Malformed, Me, PostedForm, Screen, Who, posted_form

__all__ = ["InboxRow", "inbox_rows", "router"]

router = APIRouter()
"""The analyst's pages."""

_INLINE_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
_MAX_FILES = 8
_MAX_FIELD_CHARS = 4 * 1024 * 1024
_CONTROLS = ("NO-THIRD-PARTY", "PURPOSE-LIMITED")
_SAFE_NAME = re.compile(r"[^\w.\- ]+")
_MAX_PAGE = 10_000
PageNumber = Annotated[int, Query(ge=1, le=_MAX_PAGE)]


class ReleaseForm(PostedForm):
    """The release request form of an item page: the session's token, the third party, the purpose."""

    to: str = Field(min_length=3, max_length=8)
    purpose: str = Field(min_length=1, max_length=1000)


@dataclass(frozen=True)
class InboxRow:
    """One received item in the inbox, with its delivery time against the ACP 121 objective."""

    view: ItemView
    delivery: timedelta | None
    overdue: bool


def inbox_rows(views: list[ItemView]) -> list[InboxRow]:
    """The inbox rows: FLASH first (the node's order), each marked overdue when it arrived later
    than its precedence's ACP 121 objective after it was made (``Precedence.objective``)."""
    rows = []
    for view in views:
        delivery = None
        if view.received_at:
            try:
                delivery = parse_time(view.received_at) - parse_time(view.created_at)
            except InvalidInput:
                delivery = None
        overdue = delivery is not None and delivery > view.precedence.objective
        rows.append(InboxRow(view, delivery, overdue))
    return rows


def _paged(listing: ItemListing, page: int, size: int) -> dict[str, object]:
    """What a listing page shows besides its rows: the damaged items, the pages around it, and
    which items of how many readable it shows (the decision point's count, as ``accord item list``)."""
    offset = (page - 1) * size
    count = len(listing.views) + len(listing.damaged)
    total = listing.total if listing.total is not None else offset + count
    return {
        "damaged": listing.damaged,
        "page": page,
        "previous": page - 1 if page > 1 else None,
        "next": page + 1 if listing.more else None,
        # Formatted as the CLI's footer: "showing 1–50 of 1,234 readable".
        "shown": {"first": f"{offset + 1:,}", "last": f"{offset + count:,}", "total": f"{total:,}"}
        if count
        else None,
        "total": f"{total:,}",
    }


def _listed(
    request: Request,
    console: Console,
    who: Who,
    template: str,
    listed: tuple[dict[str, object], list[ItemView]],
) -> HTMLResponse:
    """A listing page (or its rows), under the banner of the items it shows."""
    context, views = listed
    return console.page(request, who, Screen(template, context, [v.marking for v in views]))


def _inbox(console: Console, who: Who, page: int) -> tuple[dict[str, object], list[ItemView]]:
    size = console.settings.inbox_page
    listing = console.node.items.inbox(actor=who.name, limit=size, offset=(page - 1) * size)
    return {"rows": inbox_rows(listing.views), **_paged(listing, page, size)}, listing.views


@router.get("/inbox", response_class=HTMLResponse)
def inbox(request: Request, console: Con, who: Me, page: PageNumber = 1) -> HTMLResponse:
    """Received items the person may read, FLASH first, delivery against the objective; a page
    at a time (``ConsoleSettings.inbox_page``)."""
    return _listed(request, console, who, "inbox.html", _inbox(console, who, page))


@router.get("/inbox/rows", response_class=HTMLResponse)
def inbox_fragment(request: Request, console: Con, who: Me, page: PageNumber = 1) -> HTMLResponse:
    """The inbox rows for htmx polling, with both banners out of band (an arrival may raise them)."""
    return _listed(request, console, who, "inbox_rows.html", _inbox(console, who, page))


def _items(console: Console, who: Who, page: int) -> tuple[dict[str, object], list[ItemView]]:
    """A page of ``accord item list``: the one decision point's listing (``node.items.listing``),
    only the page's items opened and verified, the total counting no withheld item."""
    size = console.settings.inbox_page
    listing = console.node.items.listing(actor=who.name, limit=size, offset=(page - 1) * size)
    # The damaged items the person may be told about are rows too, as the CLI lists them.
    rows: list[ItemView | DamagedItem] = [*listing.views, *listing.damaged]
    return {"rows": rows, **_paged(listing, page, size)}, listing.views


@router.get("/items", response_class=HTMLResponse)
def items(request: Request, console: Con, who: Me, page: PageNumber = 1) -> HTMLResponse:
    """Every item held here that the person may read, made here or received, FLASH first then
    newest; a page at a time (``ConsoleSettings.inbox_page``), with how many are readable in all."""
    return _listed(request, console, who, "items.html", _items(console, who, page))


@router.get("/items/rows", response_class=HTMLResponse)
def items_fragment(request: Request, console: Con, who: Me, page: PageNumber = 1) -> HTMLResponse:
    """The item list's rows for htmx polling, with both banners out of band (as the inbox's)."""
    return _listed(request, console, who, "items_rows.html", _items(console, who, page))


def _create_form(
    console: Console, who: Who, kind: ItemKind, values: dict[str, object], error: str | None
) -> Screen:
    """The form for a new item of ``kind``: as typed and refused with ``error``, or new (empty, None)."""
    node = console.node
    choices = {
        "kind": kind,
        "kinds": list(ItemKind),
        "specs": KINDS[kind],
        # Only the levels the decision point lets this person create at (Art. 7).
        "levels": node.items.creatable_levels(who.name),
        "precedences": list(Precedence),
        "controls": _CONTROLS,
        "agreements": [a.id for a in node.agreements.all()],
    }
    return Screen.form("create.html", choices, values, error)


@router.get("/items/new", response_class=HTMLResponse)
def new_item(request: Request, console: Con, who: Me, kind: str = "report") -> HTMLResponse:
    """The form for a new item of ``kind``, with its typed fields."""
    return console.page(request, who, _create_form(console, who, _kind(kind), {}, None))


@router.post("/items/new", response_class=HTMLResponse)
async def create_item(request: Request, console: Con, who: Me) -> Response:
    """Create the item at the node; a refusal is shown above the form, kept as typed."""
    form = await posted_form(request, max_files=_MAX_FILES, max_fields=64)
    try:
        console.check_csrf(who, _text(form, "csrf"), "creating an item")
        kind = _kind(_text(form, "kind"))
        values: dict[str, object] = {
            key: _text(form, key) for key in form if key not in ("csrf", "attachments", "controls")
        }
        values["controls"] = [c for c in form.getlist("controls") if isinstance(c, str)]
        uploads = [f for f in form.getlist("attachments") if isinstance(f, UploadFile) and f.filename]
        try:
            view = await run_in_threadpool(_create, console, who, kind, form, uploads)
        except AccordError as exc:
            # The node's words, as the CLI prints them.
            refused = await run_in_threadpool(_create_form, console, who, kind, values, str(exc))
            return await run_in_threadpool(console.page, request, who, refused, status_code=400)
    finally:
        await form.close()
    return Response(status_code=303, headers={"Location": f"/items/{view.id}"})


@router.get("/items/{item_id}", response_class=HTMLResponse)
def item(request: Request, item_id: str, console: Con, who: Me) -> HTMLResponse:
    """One item after the read check (withheld: the missing-item page), both labels shown."""
    node = console.node
    view = node.items.show(item_id, actor=who.name)
    specs = {spec.name: spec for spec in KINDS[view.content.kind]}
    context = {
        "item": view,
        "fields": [(specs.get(name), name, value) for name, value in view.content.fields.items()],
        "previews": [i for i, a in enumerate(view.attachments) if a.media_type in _INLINE_IMAGES],
        "partners": [c.party for c in node.parties.all() if c.party != view.originator_party],
    }
    return console.page(request, who, Screen("item.html", context, [view.marking]))


@router.get("/items/{item_id}/attachments/{position}")
def attachment(item_id: str, position: int, console: Con, who: Me, inline: bool = False) -> Response:
    """An attachment's verified plaintext: a download, or an image shown inline."""
    ref, stream = console.node.items.attachment(item_id, position, actor=who.name)
    show_inline = inline and ref.media_type in _INLINE_IMAGES
    disposition = "inline" if show_inline else "attachment"
    headers = {"Content-Disposition": f"{disposition}; filename*=UTF-8''{quote(ref.name)}"}
    media = ref.media_type if show_inline else "application/octet-stream"
    return StreamingResponse(stream, media_type=media, headers=headers)


@router.post("/items/{item_id}/release", response_class=HTMLResponse)
def release_request(
    request: Request, item_id: str, console: Con, who: Me, form: Annotated[ReleaseForm, Form()]
) -> HTMLResponse:
    """Ask the originator to consent to a release to a third party (Art. 6)."""
    console.check_csrf(who, form.csrf, "a release request")
    node = console.node
    asked = node.consents.request(item_id, to=form.to.strip().upper(), purpose=form.purpose, actor=who.name)
    view = node.items.show(item_id, actor=who.name)
    return console.page(
        request, who, Screen("release_sent.html", {"asked": asked, "item": view}, [view.marking])
    )


def _kind(text: str) -> ItemKind:
    try:
        return ItemKind.parse(text)
    except AccordError as exc:
        raise Malformed from exc


def _text(form: FormData, key: str) -> str:
    value = form.get(key, "")
    if not isinstance(value, str) or len(value) > _MAX_FIELD_CHARS:
        raise Malformed
    return value


def _split(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[,\s]+", text) if part.strip()]


def _create(
    console: Console, who: Who, kind: ItemKind, form: FormData, uploads: list[UploadFile]
) -> ItemView:
    """Build the item from the form and create it at the node (in a worker thread)."""
    fields = {spec.name: _text(form, f"field_{spec.name}") for spec in KINDS[kind]}
    controls = [c for c in form.getlist("controls") if isinstance(c, str)]
    if any(c not in _CONTROLS for c in controls):
        raise Malformed
    content = ItemContent(
        kind, _text(form, "title"), _text(form, "body"), _text(form, "purpose"), _typed(kind, fields)
    )
    agreement = _text(form, "agreement") or None
    label = LabelRequest(
        classification=_text(form, "classification"),
        releasable_to=_split(_text(form, "rel")),
        need_to_know=_split(_text(form, "ntk")),
        originator_controls=controls,
        agreement=agreement,
    )
    precedence = Precedence.parse(_text(form, "precedence") or "ROUTINE")
    with tempfile.TemporaryDirectory(prefix="accord-upload-") as folder:
        paths = []
        for position, upload in enumerate(uploads):
            # The file's own name is kept (it is bound into the item); only its last part, tamed.
            name = _SAFE_NAME.sub("_", Path(upload.filename or "").name)[:120] or f"attachment-{position}"
            path = Path(folder) / f"{position}" / name
            path.parent.mkdir()
            with path.open("wb") as out:
                while piece := upload.file.read(1024 * 1024):
                    out.write(piece)
            paths.append(path)
        return console.node.items.create(
            NewItem(content, label, precedence, attachments=paths), actor=who.name
        )


def _typed(kind: ItemKind, fields: dict[str, str]) -> dict[str, object]:
    # Empty optional fields are left out; the node parses and checks the rest (parse_fields).
    specs: dict[str, FieldSpec] = {spec.name: spec for spec in KINDS[kind]}
    return {name: value for name, value in fields.items() if value.strip() and name in specs}

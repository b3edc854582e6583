"""The officer's exchange pages: send, outbox, receipts, quarantine, consents, downgrade (issue 11).

Each route calls the node service the CLI command calls, as the signed-in person:

* **Send** ``/send`` — ``accord send``: ``node.sending.send_many`` (agreement, scope,
  markings and consent checked by the node; a refusal is shown above the form in its words);
* **Outbox** ``/outbox`` — ``accord outbox``: ``node.desk.outbox`` (officers and the
  authority; items the person may not read are left out), age against the ACP 121 objective;
* **Receipts** ``/items/ID/receipts`` — ``accord receipts``: ``node.desk.receipts`` (an item
  withheld from the person answers as a missing one);
* **Quarantine** ``/quarantine`` — ``accord quarantine list``: ``node.desk.quarantine``;
* **Consents** ``/consents`` — ``accord consent list|approve|deny|revoke``: ``node.consents``;
* **Downgrade** ``/items/ID/downgrade`` — ``accord downgrade``: ``node.notices.downgrade``.

Forms are pydantic models read with ``Form()``: a post with missing or ill-typed fields is
refused as malformed before any service is called (journalled, nothing changed); every form
carries the session's CSRF token, checked first.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse
from pydantic import Field

from accord.errors import AccordError, InvalidInput
from accord.items import Precedence
from accord.markings import Marking, scheme
from accord.node import NO_ITEM, ConsentGrant, ConsentView, ItemView, end_of_day
from accord.web._console import Con, Console, Me, PostedForm, Screen, Who

__all__ = ["router"]

router = APIRouter()
"""The officer's exchange pages."""

_STATUSES = ("pending", "approved", "denied", "revoked")


class SendForm(PostedForm):
    """The send form: item ids (as ``accord send`` takes them), the party, precedence, agreement."""

    items: str = Field(max_length=4000, pattern=r"[^\s,]")  # at least one id, as `accord send`
    to: str = Field(min_length=1, max_length=8)
    precedence: str = Field(default="", max_length=16)
    agreement: str = Field(default="", max_length=200)


class ApproveForm(PostedForm):
    """The approval of a consent request: how long, and on which conditions (``accord consent approve``)."""

    days: int = 30
    conditions: str = Field(default="", max_length=4000)
    purpose_only: bool = False
    no_onward_release: bool = False
    destroy_by: str = Field(default="", max_length=40)


class ReasonForm(PostedForm):
    """A denial or a revocation: the reason the holder (and the third party) are told."""

    reason: str = Field(min_length=1, max_length=1000)


class DowngradeForm(PostedForm):
    """A downgrade (a lower level) or a declassification, with the reason every holder is told."""

    to: str = Field(default="", max_length=64)
    declassify: bool = False
    reason: str = Field(min_length=1, max_length=1000)


# --- send -------------------------------------------------------------------------------


def _send_form(console: Console, values: dict[str, str], error: str | None) -> Screen:
    node = console.node
    choices = {
        "partners": sorted({c.party for c in node.parties.all() if c.party != node.config.party}),
        "precedences": list(Precedence),
        "agreements": [a.id for a in node.agreements.all()],
    }
    return Screen.form("officer_send.html", choices, values, error)


@router.get("/send", response_class=HTMLResponse)
def send_page(request: Request, console: Con, who: Me, item: str = "") -> HTMLResponse:
    """The release form (``accord send``), with an item already named when asked from its page."""
    return console.page(request, who, _send_form(console, {"items": item[:200]}, None))


@router.post("/send", response_class=HTMLResponse)
def send(request: Request, console: Con, who: Me, form: Annotated[SendForm, Form()]) -> HTMLResponse:
    """Release items to a partner: the node checks and queues a sealed envelope per node."""
    console.check_csrf(who, form.csrf, "sending")
    node = console.node
    item_ids = form.items.replace(",", " ").split()
    try:
        chosen = Precedence.parse(form.precedence) if form.precedence else None
        sent = node.sending.send_many(
            item_ids, to=form.to, actor=who.name, precedence=chosen, agreement_id=form.agreement or None
        )
    except AccordError as exc:
        # The node's words, as the CLI prints them; what was typed is kept.
        values = form.model_dump(exclude={"csrf"})
        return console.page(request, who, _send_form(console, values, str(exc)), status_code=400)
    views = [node.items.show(item_id, actor=who.name) for item_id in dict.fromkeys(item_ids)]
    context = {"sent": sent, "items": views}
    return console.page(request, who, Screen("officer_sent.html", context, [v.marking for v in views]))


# --- outbox, receipts, quarantine -------------------------------------------------------


def _outbox(console: Console, who: Who, done: bool, template: str) -> Screen:
    entries = console.node.desk.outbox(actor=who.name, include_done=done)
    return Screen(template, {"entries": entries, "done": done, "no_item": NO_ITEM})


@router.get("/outbox", response_class=HTMLResponse)
def outbox(request: Request, console: Con, who: Me, done: bool = False) -> HTMLResponse:
    """Envelopes waiting for a receipt (or all), most urgent first, age against the objective."""
    return console.page(request, who, _outbox(console, who, done, "officer_outbox.html"))


@router.get("/outbox/rows", response_class=HTMLResponse)
def outbox_fragment(request: Request, console: Con, who: Me, done: bool = False) -> HTMLResponse:
    """The outbox rows for htmx polling: the ages grow, receipted envelopes leave."""
    return console.page(request, who, _outbox(console, who, done, "officer_outbox_rows.html"))


@router.get("/items/{item_id}/receipts", response_class=HTMLResponse)
def receipts(request: Request, item_id: str, console: Con, who: Me) -> HTMLResponse:
    """The signed receipts partners returned for an item the person may read."""
    node = console.node
    found = node.desk.receipts(item_id, actor=who.name)
    view = node.items.show(item_id, actor=who.name)
    rows = [
        {**r, "level": _level(r.get("alternative_label")), "digest": str(r.get("content_sha384", ""))}
        for r in found
    ]
    context = {"item": view, "receipts": rows}
    return console.page(request, who, Screen("officer_receipts.html", context, [view.marking]))


def _level(label: object) -> str:
    return str(label.get("classification", "")) if isinstance(label, dict) else ""


@router.get("/quarantine", response_class=HTMLResponse)
def quarantine(request: Request, console: Con, who: Me) -> HTMLResponse:
    """What partners sent that was refused, newest first, with the precise reasons."""
    rows = console.node.desk.quarantine(actor=who.name)
    return console.page(request, who, Screen("officer_quarantine.html", {"rows": rows}))


# --- consents ---------------------------------------------------------------------------


@router.get("/consents", response_class=HTMLResponse)
def consents(request: Request, console: Con, who: Me, status: str = "") -> HTMLResponse:
    """The consent queue: requests asked of us and by us about items the person may read."""
    context: dict[str, object] = {"consents": [], "status": status, "statuses": _STATUSES, "error": None}
    try:
        # The node refuses a status it does not know, in the CLI's words: shown beside the field.
        context["consents"] = console.node.consents.listing(actor=who.name, status=status or None)
    except InvalidInput as exc:
        context["error"] = str(exc)
        return console.page(request, who, Screen("officer_consents.html", context), status_code=400)
    return console.page(request, who, Screen("officer_consents.html", context))


def _decided(request: Request, console: Console, who: Who, view: ConsentView) -> HTMLResponse:
    return console.page(request, who, Screen("officer_consent_done.html", {"consent": view}))


@router.post("/consents/{request_id}/approve", response_class=HTMLResponse)
def approve(
    request: Request, request_id: str, console: Con, who: Me, form: Annotated[ApproveForm, Form()]
) -> HTMLResponse:
    """Consent: the node signs a token for the holder with the conditions and expiry."""
    console.check_csrf(who, form.csrf, "a consent")
    grant = ConsentGrant(
        days=form.days,
        conditions=[line.strip() for line in form.conditions.splitlines() if line.strip()],
        purpose_only=form.purpose_only,
        no_onward_release=form.no_onward_release,
        destroy_by=end_of_day(form.destroy_by) if form.destroy_by.strip() else None,
    )
    view = console.node.consents.approve(request_id, actor=who.name, grant=grant)
    return _decided(request, console, who, view)


@router.post("/consents/{request_id}/deny", response_class=HTMLResponse)
def deny(
    request: Request, request_id: str, console: Con, who: Me, form: Annotated[ReasonForm, Form()]
) -> HTMLResponse:
    """Refuse consent, saying why; the holder is told."""
    console.check_csrf(who, form.csrf, "a consent denial")
    view = console.node.consents.deny(request_id, reason=form.reason, actor=who.name)
    return _decided(request, console, who, view)


@router.post("/consents/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke(
    request: Request, token_id: str, console: Con, who: Me, form: Annotated[ReasonForm, Form()]
) -> HTMLResponse:
    """Withdraw a consent; the holder and the third party's nodes are told."""
    console.check_csrf(who, form.csrf, "a consent revocation")
    view = console.node.consents.revoke(token_id, reason=form.reason, actor=who.name)
    return _decided(request, console, who, view)


# --- downgrade and declassify -----------------------------------------------------------


def _downgrade_form(view: ItemView, values: dict[str, object], error: str | None) -> Screen:
    current = view.marking.originator
    lower = [lvl.native for lvl in scheme(current.policy).levels if lvl.rank < current.level.rank]
    return Screen.form(
        "officer_downgrade.html", {"item": view, "levels": lower}, values, error, [view.marking]
    )


@router.get("/items/{item_id}/downgrade", response_class=HTMLResponse)
def downgrade_page(request: Request, item_id: str, console: Con, who: Me) -> HTMLResponse:
    """The downgrade form of an item the person may read: the levels below its own."""
    view = console.node.items.show(item_id, actor=who.name)
    return console.page(request, who, _downgrade_form(view, {}, None))


@router.post("/items/{item_id}/downgrade", response_class=HTMLResponse)
def downgrade(
    request: Request, item_id: str, console: Con, who: Me, form: Annotated[DowngradeForm, Form()]
) -> HTMLResponse:
    """Lower the item's classification or declassify it; a signed notice goes to every holder."""
    console.check_csrf(who, form.csrf, "a downgrade")
    node = console.node
    before = node.items.show(item_id, actor=who.name)
    try:
        told = node.notices.downgrade(
            item_id, to=form.to or None, declassify=form.declassify, reason=form.reason, actor=who.name
        )
    except AccordError as exc:
        values = form.model_dump(exclude={"csrf"})
        return console.page(request, who, _downgrade_form(before, values, str(exc)), status_code=400)
    after = node.items.show(item_id, actor=who.name)
    markings: list[Marking] = [after.marking]
    context = {"item": after, "declassified": form.declassify, "to": form.to, "told": told}
    return console.page(request, who, Screen("officer_downgraded.html", context, markings))

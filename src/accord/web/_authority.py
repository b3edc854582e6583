"""The security authority's pages: users and clearances, partners, agreements, keys (issue 11).

Each route calls the node service the CLI calls, as the signed-in person. A clearance is
changed by ``node.users.set_clearance(…, actor=…)``, which decides: only an authority may, and
nobody changes their own (Art. 7) — the page offers no form for one's own row, and a forged
post is refused by the node in the CLI's words. Partners, agreements and keys are shown as the
CLI lists them (``party list``, ``agreement status``, ``note list``, ``ledger vkeys``); an API
token is revoked by ``node.accounts.revoke_token`` (its owner or an authority may); pinning,
importing and issuing notes stay at the CLI, where the node's home and keys are.

Every page first asks the node's decision point for the ``administer`` duty (the authority's
alone): the users page shows every clearance, which is nobody else's business; a refusal is
journalled as ``console.administer`` and answered with the refused page.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import Field

from accord.agreements import Note, Status
from accord.markings import scheme
from accord.node import SignedNote, note_vkeys
from accord.policy import Duty
from accord.web._console import Con, Console, Me, PostedForm, Screen, Token, Who

__all__ = ["TimelineEntry", "router", "timeline"]

router = APIRouter()
"""The security authority's pages."""


class ClearanceForm(PostedForm):
    """The clearance form of a user's row: the session's token and the new level."""

    level: str = Field(min_length=1, max_length=64)


@dataclass(frozen=True)
class TimelineEntry:
    """One diplomatic note of an agreement and the agreement's state at the end of the note's date."""

    note: Note
    signer: str
    state: Status


def timeline(console: Console, agreement_id: str, notes: list[SignedNote]) -> list[TimelineEntry]:
    """The notes in their recorded order, each with the agreement's state on its date (Art. 21)."""
    agreements = console.node.agreements
    return [TimelineEntry(n.note, n.signer, agreements.status(agreement_id, n.note.date)) for n in notes]


def _users_screen(console: Console, who: Who, error: tuple[str, str] | None = None) -> Screen:
    """The users with their clearances, and the API tokens; ``error`` is (user name or token id,
    the node's refusal) beside that row."""
    context = {
        "users": console.node.users.all(),
        "levels": scheme(console.node.config.scheme).levels,
        "tokens": console.node.accounts.tokens(),
        "error": error,
    }
    return Screen("authority_users.html", context)


@router.get("/authority/users", response_class=HTMLResponse)
def users(request: Request, console: Con, who: Me) -> HTMLResponse:
    """Every user with role, clearance, need-to-know and purposes; a clearance form on the others."""
    console.require_duty(who, Duty.ADMINISTER, "console.administer", "the users")
    return console.page(request, who, _users_screen(console, who))


@router.post("/authority/users/{name}/clearance", response_class=HTMLResponse)
def set_clearance(
    request: Request, name: str, console: Con, who: Me, form: Annotated[ClearanceForm, Form()]
) -> Response:
    """Change a user's clearance; the node refuses one's own and anyone but an authority."""
    console.check_csrf(who, form.csrf, "a clearance")
    return console.acted(
        request,
        who,
        lambda: console.node.users.set_clearance(name, form.level, actor=who.name),
        # The node's words beside the row, as the CLI prints them.
        lambda reason: _users_screen(console, who, (name, reason)),
        then=f"/authority/users#user-{name}",
    )


@router.post("/authority/tokens/{token_id}/revoke", response_class=HTMLResponse)
def revoke_token(request: Request, token_id: str, console: Con, who: Me, csrf: Token) -> Response:
    """Revoke an API token at once; the node lets its owner or an authority do it."""
    console.check_csrf(who, csrf, "a token's revocation")
    return console.acted(
        request,
        who,
        lambda: console.node.accounts.revoke_token(token_id, actor=who.name),
        lambda reason: _users_screen(console, who, (token_id, reason)),
        then=f"/authority/users#token-{token_id}",
    )


@router.get("/authority/partners", response_class=HTMLResponse)
def partners(request: Request, console: Con, who: Me) -> HTMLResponse:
    """The pinned partner nodes and the fingerprints checked with them out of band."""
    console.require_duty(who, Duty.ADMINISTER, "console.administer", "the partners")
    node = console.node
    context = {"own": node.parties.own_card(), "partners": node.parties.all()}
    return console.page(request, who, Screen("authority_partners.html", context))


@router.get("/authority/agreements", response_class=HTMLResponse)
def agreements(request: Request, console: Con, who: Me) -> HTMLResponse:
    """Every imported agreement and its state today (in the agreement's time zone)."""
    console.require_duty(who, Duty.ADMINISTER, "console.administer", "the agreements")
    service = console.node.agreements
    rows = [(a, service.status(a.id, service.today(a.id))) for a in service.all()]
    return console.page(request, who, Screen("authority_agreements.html", {"rows": rows}))


@router.get("/authority/agreements/{agreement_id}", response_class=HTMLResponse)
def agreement(request: Request, agreement_id: str, console: Con, who: Me) -> HTMLResponse:
    """One agreement: its terms, its state today, and the timeline of its diplomatic notes."""
    console.require_duty(who, Duty.ADMINISTER, "console.administer", "an agreement")
    service = console.node.agreements
    found = service.get(agreement_id)
    context = {
        "agreement": found,
        "status": service.status(found.id, service.today(found.id)),
        "timeline": timeline(console, found.id, service.notes(found.id)),
    }
    return console.page(request, who, Screen("authority_agreement.html", context))


@router.get("/authority/keys", response_class=HTMLResponse)
def keys(request: Request, console: Con, who: Me) -> HTMLResponse:
    """This node's public keys: its card's fingerprints and its ledger's verifier keys."""
    console.require_duty(who, Duty.ADMINISTER, "console.administer", "the keys")
    card = console.node.parties.own_card()
    context = {"card": card, "vkeys": note_vkeys(card)}
    return console.page(request, who, Screen("authority_keys.html", context))

"""The auditor's pages: journal, ledger, witnesses, alarms (issue 11).

Each route calls the node service the CLI calls, as the signed-in person. The journal is
``node.journal.listing(actor=…)``: the node decides who may read it (the ``read-journal`` duty)
and journals the read. The ledger's status, its witnesses and alarms are the sealed record of
that journal, so their pages ask the same duty of the node's enforcement point first
(:func:`_require_records`). An alarm is acknowledged by ``node.witness.acknowledge_alarm``,
which decides who may (the ``acknowledge-alarm`` duty: officers and the authority). A ledger
verification runs in the background (:class:`accord.web._ledger_run.LedgerRun`, one per console)
and the page polls its state until the findings are in.
"""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from accord.errors import InvalidInput
from accord.node import JournalFilter
from accord.policy import Duty
from accord.web._console import Con, Console, Me, PostedForm, Screen, Token, Who

__all__ = ["JournalQuery", "router"]

router = APIRouter()
"""The auditor's pages."""

_PAGE = 50


class JournalQuery(BaseModel):
    """The journal page's filters (a GET form: reading changes nothing) and where the page starts."""

    actor: str = Field("", max_length=200)
    action: str = Field("", max_length=200)
    item: str = Field("", max_length=200)
    since: str = Field("", max_length=64)
    until: str = Field("", max_length=64)
    refusals: bool = False
    after: int = 0
    limit: int = _PAGE  # the node says which sizes it serves (1–1000), beside the filters

    def where(self) -> JournalFilter:
        """The node's filter: empty fields filter nothing."""
        return JournalFilter(
            actor=self.actor.strip() or None,
            action=self.action.strip() or None,
            item_id=self.item.strip() or None,
            since=self.since.strip() or None,
            until=self.until.strip() or None,
            refusals=self.refusals,
        )

    def next_link(self, after: int) -> str:
        """The query of the next page: the same filters, after ``after``."""
        fields = self.model_dump(exclude={"after"}, exclude_defaults=True)
        if "refusals" in fields:
            fields["refusals"] = "true"
        return "?" + urlencode({**fields, "after": after})


class AckForm(PostedForm):
    """An alarm's acknowledgement: the session's token and the finding for the record."""

    finding: str = Field(min_length=1, max_length=4000)


def _require_records(console: Console, who: Who, what: str) -> None:
    """The ledger is the journal's sealed record: its pages need the ``read-journal`` duty.

    Raises:
        PolicyDenied: the decision point denies it (journalled as ``console.records``).
    """
    console.require_duty(who, Duty.READ_JOURNAL, "console.records", what)


@router.get("/audit/journal", response_class=HTMLResponse)
def journal(request: Request, console: Con, who: Me, query: Annotated[JournalQuery, Query()]) -> HTMLResponse:
    """Journal events in seq order, filtered by actor, action, item and time, a page at a time."""
    context: dict[str, object] = {"query": query, "events": (), "next": None, "error": None}
    try:
        page = console.node.journal.listing(
            actor=who.name, where=query.where(), after=query.after, limit=query.limit
        )
    except InvalidInput as exc:
        # A filter the node cannot read: its words beside the filters, as the CLI prints them.
        context["error"] = str(exc)
        return console.page(request, who, Screen("audit_journal.html", context), status_code=400)
    context["events"] = page.events
    context["next"] = None if page.next_after is None else query.next_link(page.next_after)
    return console.page(request, who, Screen("audit_journal.html", context))


@router.get("/audit/journal/{seq}", response_class=HTMLResponse)
def journal_event(request: Request, seq: int, console: Con, who: Me) -> HTMLResponse:
    """One journal event in full, its detail included."""
    event = console.node.journal.show(seq, actor=who.name)
    context = {"event": event, "detail": _json(dict(event.detail))}  # as `accord journal show`
    return console.page(request, who, Screen("audit_event.html", context))


@router.get("/audit/ledger", response_class=HTMLResponse)
def ledger(request: Request, console: Con, who: Me) -> HTMLResponse:
    """The ledger's size, its latest signed checkpoints, and its verification: a button, the
    run in progress, or the last run's findings."""
    _require_records(console, who, "the ledger")
    ledger = console.node.ledger
    context = {
        "size": ledger.size(),
        "checkpoints": ledger.checkpoints(limit=10),
        "run": console.ledger_run.state(),
    }
    return console.page(request, who, Screen("audit_ledger.html", context))


@router.post("/audit/ledger/verify")
def verify(request: Request, console: Con, who: Me, csrf: Token) -> Response:
    """Start recomputing the whole ledger from the journal in the background (journalled as the
    person); the ledger page follows it. While one runs, asking again follows that one."""
    console.check_csrf(who, csrf, "a ledger verification")
    _require_records(console, who, "a ledger verification")
    console.ledger_run.start(who.name)
    return RedirectResponse("/audit/ledger#verify-result", status_code=303)


@router.get("/audit/ledger/verify", response_class=HTMLResponse)
def verification(request: Request, console: Con, who: Me) -> HTMLResponse:
    """The verification's state alone, for htmx polling: a progress bar while it runs (the
    fragment asks again every second), then the findings (it stops asking)."""
    _require_records(console, who, "the ledger's verification")
    context = {"run": console.ledger_run.state()}
    return console.page(request, who, Screen("_ledger_run.html", context))


@router.get("/audit/witnesses", response_class=HTMLResponse)
def witnesses(request: Request, console: Con, who: Me) -> HTMLResponse:
    """Per partner node: its checkpoint held here, and its countersignatures of ours."""
    _require_records(console, who, "the witnesses")
    witness = console.node.witness
    context = {"rows": witness.witnesses(), "countersignatures": witness.countersignatures()[:50]}
    return console.page(request, who, Screen("audit_witnesses.html", context))


def _alarms_screen(console: Console, who: Who, error: tuple[int, str] | None = None) -> Screen:
    """The alarms, each with its evidence as the CLI's ``--json`` gives it; ``error`` is
    (alarm id, the node's refusal) beside that alarm's form."""
    alarms = [
        (alarm, {"held": _json(alarm["held"]), "presented": _json(alarm["presented"])})
        for alarm in console.node.witness.alarms()
    ]
    return Screen("audit_alarms.html", {"alarms": alarms, "error": error})


def _json(value: object) -> str:
    return json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)


@router.get("/audit/alarms", response_class=HTMLResponse)
def alarms(request: Request, console: Con, who: Me) -> HTMLResponse:
    """Partners' forks and rollbacks, and refused seals; open ones first in the node's order."""
    _require_records(console, who, "the alarms")
    return console.page(request, who, _alarms_screen(console, who))


@router.post("/audit/alarms/{alarm_id}/ack", response_class=HTMLResponse)
def acknowledge(
    request: Request, alarm_id: int, console: Con, who: Me, form: Annotated[AckForm, Form()]
) -> Response:
    """Acknowledge (close) an alarm with a finding; the node decides who may."""
    console.check_csrf(who, form.csrf, "an alarm's acknowledgement")
    _require_records(console, who, "the alarms")
    return console.acted(
        request,
        who,
        lambda: console.node.witness.acknowledge_alarm(alarm_id, finding=form.finding, actor=who.name),
        lambda reason: _alarms_screen(console, who, (alarm_id, reason)),
        then=f"/audit/alarms#alarm-{alarm_id}",
    )

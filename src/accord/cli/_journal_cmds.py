"""Reading the journal: ``accord journal list|show`` (officers, the authority, auditors)."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.text import Text

from accord.cli._auth import acting
from accord.cli._common import console, emit_json, print_table
from accord.cli._options import HomeOpt, JsonOpt, as_option
from accord.node import JournalEntry, JournalFilter

__all__ = ["journal_app"]

journal_app = typer.Typer(
    help="The journal: who did what, when, to which item, and why a refusal was refused.",
    no_args_is_help=True,
)


def _why(event: JournalEntry) -> str:
    reason = event.detail.get("reason")
    return str(reason) if reason is not None else ""


@journal_app.command("list")
def list_(
    as_user: Annotated[str, as_option("The officer, authority or auditor reading.")],
    actor: Annotated[
        str | None, typer.Option(help="Only events of this actor (a user, peer:NODE, …).")
    ] = None,
    action: Annotated[
        str | None,
        typer.Option(help="Only this action (item.read), or every one under a prefix (consent.*)."),
    ] = None,
    item: Annotated[
        str | None,
        typer.Option(help="Only events about this item id (and the listings and searches that showed it)."),
    ] = None,
    since: Annotated[
        str | None, typer.Option(help="At or after this time: RFC 3339 with a zone, or a date (00:00 UTC).")
    ] = None,
    until: Annotated[str | None, typer.Option(help="Before this time (exclusive), same forms.")] = None,
    refusals_only: Annotated[
        bool, typer.Option("--refusals", help="Only refused actions, with their reasons.")
    ] = False,
    after: Annotated[int, typer.Option(help="Start after this seq (the next page: the last seq shown).")] = 0,
    limit: Annotated[int, typer.Option(help="At most this many events (1–1000).")] = 50,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Journal events in seq order, filtered; every read is journalled too."""
    where = JournalFilter(
        actor=actor, action=action, item_id=item, since=since, until=until, refusals=refusals_only
    )
    with acting(home, as_user) as (node, reader):
        page = node.journal.listing(actor=reader, where=where, after=after, limit=limit)
    if json_out:
        emit_json(page.to_dict())
        return
    if not page.events:
        console.print("No journal event matches")
        return
    # Text, not markup: actors, reasons and findings are whatever people typed.
    print_table(
        ("seq", "at", "actor", "action", "item", "outcome", "reason"),
        (
            [
                Text(cell)
                for cell in (
                    str(event.seq),
                    event.at,
                    event.actor,
                    event.action,
                    event.item_id or "",
                    event.outcome,
                    _why(event),
                )
            ]
            for event in page.events
        ),
    )
    if page.next_after is not None:
        console.print(f"More: --after {page.next_after}", markup=False)


@journal_app.command("show")
def show(
    seq: Annotated[int, typer.Argument(help="The event's seq (from journal list).")],
    as_user: Annotated[str, as_option("The officer, authority or auditor reading.")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """One journal event in full, its detail included."""
    with acting(home, as_user) as (node, reader):
        event = node.journal.show(seq, actor=reader)
    if json_out:
        emit_json(event.to_dict())
        return
    console.print(f"#{event.seq} {event.at}  {event.actor}  {event.action}  {event.outcome}", markup=False)
    if event.item_id:
        console.print(f"item: {event.item_id}", markup=False)
    console.print("sealed: " + ("no" if event.leaf is None else f"leaf {event.leaf}"), markup=False)
    console.print(json.dumps(dict(event.detail), ensure_ascii=False, indent=2, sort_keys=True), markup=False)

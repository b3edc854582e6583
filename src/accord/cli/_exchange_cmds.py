"""Commands for the exchange: send, outbox, inbox, receipts, quarantine."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from accord.cli._auth import acting, login
from accord.cli._common import (
    console,
    emit_json,
    node_at,
    node_writing,
    print_listing,
    refusals,
)
from accord.cli._options import HomeOpt, ItemIdArg, JsonOpt, as_option
from accord.items import Precedence
from accord.node import OutboxEntry, Principal

__all__ = ["bundle_app", "inbox", "outbox", "quarantine_app", "receipts", "send"]

quarantine_app = typer.Typer(
    help="What partners sent that was refused, with the precise reasons.", no_args_is_help=True
)


def send(
    item_ids: Annotated[list[str], typer.Argument(help="Item id(s); several are queued together, or none.")],
    to: Annotated[str, typer.Option(help="Recipient party (e.g. KOR).")],
    as_user: Annotated[str, as_option("The officer releasing the item.")],
    precedence: Annotated[
        str | None, typer.Option(help="FLASH, IMMEDIATE, PRIORITY or ROUTINE (default: the item's).")
    ] = None,
    agreement: Annotated[
        str | None, typer.Option(help="Agreement to send under (default: the only one).")
    ] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Release an item to a partner: check agreement, scope and markings; queue a sealed envelope."""
    with refusals():
        chosen = Precedence.parse(precedence) if precedence else None
        with node_at(home) as node:
            actor = login(node, as_user)
            sent = node.sending.send_many(
                item_ids, to=to, actor=actor, precedence=chosen, agreement_id=agreement
            )
    if json_out:
        emit_json([s.to_dict() for s in sent])
        return
    for s in sent:
        console.print(
            f"Queued {s.precedence.value} {s.message_id} for {s.party} node {s.peer} under {s.agreement_id} "
            f"(seq {s.seq}); `accord serve` delivers it."
        )


def outbox(
    home: HomeOpt = None,
    all_: Annotated[bool, typer.Option("--all", help="Include receipted envelopes.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Envelopes waiting for a receipt, most urgent first, with age against the precedence objective."""
    with refusals(), node_at(home) as node:
        entries = node.delivery.outbox(include_done=all_)
    print_listing(
        json_out,
        [e.to_dict() for e in entries],
        ("precedence", "message", "item", "to", "status", "age / objective", "tries", "last error"),
        map(_outbox_cells, entries),
        empty="Outbox empty.",
    )


def _outbox_cells(e: OutboxEntry) -> tuple[str | Text, ...]:
    age: str | Text = f"{int(e.age.total_seconds())}s / {int(e.precedence.objective.total_seconds())}s"
    if e.overdue:
        age = Text(f"{age} OVERDUE", style="red")
    return (
        e.precedence.value,
        e.message_id,
        e.item_id,
        f"{e.party} {e.peer}",
        e.status if e.count == 1 else f"{e.status} ×{e.count}",
        age,
        str(e.attempts),
        e.last_error,
    )


def inbox(
    as_user: Annotated[str, as_option("The user reading: only the items they may read are listed.")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Items received from partners that a user may read, FLASH first, with both banners."""
    with acting(home, as_user) as (node, actor):
        listing = node.items.inbox(actor=actor)
    print_listing(
        json_out,
        [v.summary() for v in listing.views],
        ("precedence", "id", "from", "banners", "title", "received"),
        (
            (
                v.precedence.value,
                v.id,
                v.received_from or "",
                "\n".join(v.banners),
                v.content.title,
                v.received_at or "",
            )
            for v in listing.views
        ),
        empty="Inbox empty.",
    )


def receipts(
    item_id: ItemIdArg,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Signed receipts partners returned for an item."""
    with refusals(), node_at(home) as node:
        found = node.delivery.receipts(item_id)
    print_listing(
        json_out,
        found,
        ("peer", "message", "received at", "alternative label", "content SHA-384"),
        map(_receipt_cells, found),
        empty=f"No receipts yet for {item_id}.",
    )


def _receipt_cells(r: dict[str, object]) -> tuple[str, ...]:
    alt = r["alternative_label"]
    level = alt.get("classification", "") if isinstance(alt, dict) else ""
    return (
        str(r["peer"]),
        str(r["message_id"]),
        str(r["received_at"]),
        str(level),
        str(r["content_sha384"]),  # whole: a digest is compared with the sender's, character by character
    )


@quarantine_app.command("list")
def quarantine_list(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Refused transmissions, envelopes and bundles, newest first, with the reason.

    Refused background messages (ledger witnessing) of one kind from one peer for one reason
    are one line, with their count.
    """
    with refusals(), node_at(home) as node:
        found = node.receiving.quarantine_groups()
    print_listing(
        json_out,
        found,
        ("id", "at", "peer", "message", "reason"),
        map(_quarantine_cells, found),
        empty="Nothing has been refused.",
    )


def _quarantine_cells(r: dict[str, object]) -> tuple[str, ...]:
    count = int(str(r["count"]))
    reason = str(r["reason"]) if count == 1 else f"{r['reason']} (×{count} {r['kind']} since {r['first_at']})"
    return (str(r["id"]), str(r["at"]), str(r["peer"]), str(r["message_id"] or ""), reason)


bundle_app = typer.Typer(
    help="Offline bundles for an air-gapped link (the diplomatic pouch).", no_args_is_help=True
)


@bundle_app.command("export")
def bundle_export(
    file: Annotated[Path, typer.Argument(help="The bundle file to write.")],
    to: Annotated[str, typer.Option(help="Recipient party (e.g. KOR).")],
    node: Annotated[
        str | None, typer.Option(help="Recipient node id, when several nodes of the party are pinned.")
    ] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Write every pending envelope for a partner, with its attachments, into one signed file."""
    with node_writing(home, file) as opened:
        summary = opened.bundles.export(to=to, path=file, actor=str(Principal.operator()), node_id=node)
    if json_out:
        emit_json(summary.to_dict())
        return
    console.print(
        f"Wrote {summary.envelopes} envelope(s) and {summary.blobs} attachment blob(s) for {summary.peer} "
        f"to {file} ({summary.size} bytes). They stay pending until the return bundle is imported."
    )


@bundle_app.command("import")
def bundle_import(
    file: Annotated[Path, typer.Argument(help="A bundle from a partner (envelopes or receipts).")],
    receipts_out: Annotated[
        Path | None,
        typer.Option(help="Where to write the return bundle (default: FILE's stem + .receipts.accord)."),
    ] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import a bundle: verify and ingest envelopes (writing the return bundle), or record receipts."""
    with node_writing(home, receipts_out) as opened:
        summary = opened.bundles.import_(file, actor=str(Principal.operator()), receipts_out=receipts_out)
    if json_out:
        emit_json(summary.to_dict())
        return
    if summary.kind == "receipts":
        console.print(
            f"Recorded {summary.receipts} receipt(s) and {summary.rejected} rejection(s) from {summary.peer}."
        )
    else:
        console.print(
            f"Accepted {summary.new} new envelope(s) from {summary.peer}, {summary.already_received} "
            f"already received before (already held or applied: nothing changed, receipt given again), "
            f"rejected {summary.rejected}; return bundle with the signed receipts: {summary.return_bundle}"
        )

"""Accountability (GSOMIA Arts. 6, 9–16): copy, translate, destroy, holdings, dissemination, reconcile."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli._auth import acting
from accord.cli._common import (
    console,
    emit_json,
    exit_code,
    fail,
    print_listing,
    print_table,
    read_text,
    write_text,
)
from accord.cli._options import HomeOpt, JsonOpt, OriginatorOfficerOpt, as_option
from accord.errors import Conflict
from accord.items import HoldingState
from accord.limits import MAX_SUMMARY_BYTES
from accord.node.custody import Holding

__all__ = [
    "certificate",
    "copy",
    "destroy",
    "dissemination",
    "holdings_app",
    "reconcile",
    "request_disposal",
    "translate",
    "translation",
]

holdings_app = typer.Typer(
    help="The holdings register: what this node holds, and signed summaries for originators (Art. 6).",
    no_args_is_help=True,
)


def copy(
    item_id: Annotated[str, typer.Argument(help="The item to copy.")],
    count: Annotated[int, typer.Option(help="How many copies (1-100); numbering continues.")],
    as_user: Annotated[str, as_option("The officer making the copies.")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Make numbered copies of an item (copy 1 of N…), each accounted for in the register."""
    with acting(home, as_user) as (node, actor):
        made = node.custody.copy(item_id, count=count, actor=actor)
    if json_out:
        emit_json([c.to_dict() for c in made])
        return
    for c in made:
        console.print(f"{item_id}: {c.label}")


def translate(
    item_id: Annotated[str, typer.Argument(help="The item translated.")],
    file: Annotated[Path, typer.Option(help="The translated text (UTF-8).")],
    lang: Annotated[str, typer.Option(help="Its language tag, e.g. ko, ja, en.")],
    as_user: Annotated[str, as_option("The officer recording the translation.")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a translation: a derived item with the source's markings, linked to it."""
    with acting(home, as_user) as (node, actor):
        made = node.custody.translate(item_id, path=file, lang=lang, actor=actor)
    if json_out:
        emit_json({"id": made.id, "translation_of": made.source_id, "lang": made.lang})
        return
    console.print(f"Translation {made.id} ({made.lang}) of {made.source_id}, marked as its source:")
    for line in made.banners:
        console.print(f"  {line}")


def translation(
    translation_id: Annotated[str, typer.Argument(help="The translation (accord holdings list).")],
    as_user: Annotated[str, as_option("The person reading.")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show a translation, under its source's markings and access decision."""
    with acting(home, as_user) as (node, actor):
        view = node.custody.show_translation(translation_id, actor=actor)
    if json_out:
        emit_json(view.to_dict())
        return
    for line in view.banners:
        console.print(line)
    console.print(f"Translation {view.id} ({view.lang}) of {view.source_id}")
    console.print(view.content.title)
    console.print(view.content.body)


def destroy(
    item_id: Annotated[str, typer.Argument(help="The item to destroy.")],
    method: Annotated[str, typer.Option(help="How, e.g. 'crypto-erase; paper copies shredded'.")],
    witness: Annotated[str, typer.Option(help="Another user of this node who witnesses it.")],
    as_user: Annotated[str, as_option("The officer destroying the item.")],
    out: Annotated[Path | None, typer.Option(help="Also write the signed certificate to this file.")] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Destroy an item's content (crypto-erase); keep its record; sign a destruction certificate."""
    with acting(home, as_user, out=out) as (node, actor):
        done = node.custody.destroy(item_id, method=method, witness=witness, actor=actor)
        if out is not None:
            write_text(out, done.certificate.to_bytes().decode("utf-8") + "\n")
    if json_out:
        emit_json(done.to_dict())
        return
    cert = done.certificate
    console.print(f"Destroyed {item_id}: certificate {cert.certificate_id}, witnessed by {cert.witness}")
    if done.notified:
        console.print(f"  the originator's node {done.notified} is sent the certificate (`accord serve`)")


def certificate(
    item_id: Annotated[str, typer.Argument(help="A destroyed item.")],
    as_user: Annotated[str, as_option("The person asking.")],
    out: Annotated[Path | None, typer.Option(help="Write the signed certificate to this file.")] = None,
    home: HomeOpt = None,
) -> None:
    """Print (or write) the signed destruction certificate this node issued for an item."""
    with acting(home, as_user, out=out) as (node, actor):
        cert = node.custody.certificate(item_id, actor=actor)
        text = cert.to_bytes().decode("utf-8")
        if out is not None:
            write_text(out, text + "\n")
    if out is None:
        console.print(text, markup=False, highlight=False)
    else:
        console.print(f"Wrote {cert.certificate_id} to {out}")


@holdings_app.command("list")
def holdings_list(
    as_user: Annotated[str, as_option("The person looking.")],
    overdue: Annotated[
        bool, typer.Option("--overdue", help="Only items past the destroy-by date of their consent.")
    ] = False,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Items held here that you may read: origin, status, location, copies, translations, destroy-by."""
    with acting(home, as_user) as (node, actor):
        held = node.register.holdings(actor=actor, overdue_only=overdue)
    print_listing(
        json_out,
        [h.to_dict() for h in held],
        ("item", "marking", "from", "status", "copies", "translations", "certificate", "destroy by"),
        map(_holding_cells, held),
        empty="No holding listed.",
    )


def _holding_cells(h: Holding) -> tuple[str, ...]:
    origin = f"{h.received_from} at {h.received_at}" if h.received_from else "originated here"
    live = sum(1 for c in h.copies if c.status == HoldingState.HELD)
    return (
        h.item_id,
        h.banner,
        origin,
        h.status,
        f"{live} held of {len(h.copies)}" if h.copies else "",
        ", ".join(f"{i} ({lang})" for i, lang, _ in h.translations),
        h.certificate_id or "",
        (f"{h.destroy_by} OVERDUE" if h.overdue else h.destroy_by) or "",
    )


@holdings_app.command("summary")
def holdings_summary(
    for_party: Annotated[str, typer.Option("--for", help="The originating party (e.g. JPN).")],
    out: Annotated[Path, typer.Option(help="Write the signed summary to this file.")],
    as_user: Annotated[str, as_option("The officer making the summary.")],
    home: HomeOpt = None,
) -> None:
    """Sign a summary of what this node holds of one party's items, for its reconciliation."""
    with acting(home, as_user, out=out) as (node, actor):
        summary = node.register.summary(for_party, actor=actor)
        write_text(out, summary.to_bytes().decode("utf-8") + "\n")
    console.print(
        f"Wrote {summary.summary_id} ({len(summary.items)} item(s) of {summary.for_party}) to {out}"
    )


def dissemination(
    item_id: Annotated[str, typer.Argument(help="The item.")],
    as_user: Annotated[str, as_option("The person looking.")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Where an item went from here: sends and receipts, consents, third parties' receipts, certificates."""
    with acting(home, as_user) as (node, actor):
        record = node.register.dissemination(item_id, actor=actor)
    if json_out:
        emit_json(record.to_dict())
        return
    print_table(
        ("message", "kind", "to", "sent", "status", "receipted"),
        (
            [str(s[k] or "") for k in ("message_id", "kind", "to", "created_at", "status", "receipted_at")]
            for s in record.sends
        ),
    )
    for c in record.consents:
        console.print(f"consent {c['request_id']}: {c['holder']} → {c['third_party']}, {c['status']}")
    for r in record.third_party_receipts:
        console.print(
            f"received by {r['node']} ({r['third_party']}) from {r['from']} on {r['received_at']} "
            f"under consent {r['token_id']}: {r['receipt_id']}"
        )
    for d in record.certificates:
        console.print(
            f"destroyed at {d['holder']} on {d['destroyed_at']}: {d['certificate_id']} ({d['method']})"
        )


def reconcile(
    party: Annotated[str, typer.Argument(help="The holding party (e.g. KOR).")],
    summary: Annotated[Path, typer.Option(help="Its signed holdings summary (accord holdings summary).")],
    as_user: Annotated[str, as_option("The officer reconciling.")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Compare a partner's signed holdings summary with what we provided to it; report every difference.

    Exits 5 (the two records disagree) when there is any difference, after reporting them all.
    """
    with acting(home, as_user) as (node, actor):
        text = read_text(summary, limit=MAX_SUMMARY_BYTES, what="holdings summary")
        result = node.register.reconcile(party, text, actor=actor)
    found = len(result.differences)
    code = exit_code(Conflict(""))
    if json_out:
        emit_json(result.to_dict())
        if found:
            raise typer.Exit(code)
        return
    console.print(
        f"{result.summary_id} from {result.holder_node}: {result.items_compared} item(s) compared, "
        f"{found} difference(s)"
    )
    for d in result.differences:
        console.print(f"  {d.kind} {d.item_id}: {d.detail}" if d.item_id else f"  {d.kind}: {d.detail}")
    if found:
        fail(f"{found} difference(s) between {result.holder_node}'s summary and our record", code)


def request_disposal(
    item_id: Annotated[str, typer.Argument(help="An item originated at this node.")],
    holder: Annotated[str, typer.Option(help="The party that holds it (e.g. KOR).")],
    reason: Annotated[str, typer.Option(help="Why; the holder's officers see it.")],
    as_user: OriginatorOfficerOpt,
    return_: Annotated[
        bool, typer.Option("--return", help="Ask for its return (default: its destruction).")
    ] = False,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Ask a holder to return or destroy what this node provided (Art. 21: also after termination)."""
    kind = "return" if return_ else "destroy"
    with acting(home, as_user) as (node, actor):
        asked = node.disposal.request(item_id, holder=holder, kind=kind, reason=reason, actor=actor)
    if json_out:
        emit_json({"item_id": item_id, "kind": kind, "asked": asked})
        return
    console.print(f"Asked {', '.join(asked)} to {kind} item {item_id}; `accord serve` delivers the request.")

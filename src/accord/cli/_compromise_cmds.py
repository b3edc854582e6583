"""Compromise and loss (GSOMIA Art. 17): compromise report|exposure|close|list."""

from __future__ import annotations

from typing import Annotated

import typer

from accord.cli._auth import acting
from accord.cli._common import console, emit_json, print_listing, print_table
from accord.cli._options import HomeOpt, JsonOpt, as_option
from accord.items import Direction

__all__ = ["compromise_app"]

compromise_app = typer.Typer(
    help="Loss or compromise of CMI: notify the originator at once, investigate, report (Art. 17).",
    no_args_is_help=True,
)

_DIRECTIONS: dict[str, str] = {Direction.OUT: "reported here", Direction.IN: "reported to us"}


@compromise_app.command("report")
def report(
    item_ids: Annotated[list[str], typer.Argument(help="The items lost or compromised (held here).")],
    circumstances: Annotated[str, typer.Option(help="What happened, when and where, as far as known.")],
    as_user: Annotated[str, as_option("The security officer reporting.")],
    actual: Annotated[
        bool, typer.Option("--actual", help="The compromise is actual (give this or --possible).")
    ] = False,
    possible: Annotated[
        bool,
        typer.Option(
            "--possible", help="The compromise is possible (give this or --actual; both are reported)."
        ),
    ] = False,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Open a compromise case; every originator concerned is notified at once by a FLASH envelope."""
    # Two flags, exactly one given: a "--actual/--possible" switch let the last one win
    # silently when both were given, and named only --actual when neither was.
    if actual == possible:
        raise typer.BadParameter(
            "give --actual or --possible, not both" if actual else "give --actual or --possible",
            param_hint="'--actual'",
        )
    with acting(home, as_user) as (node, actor):
        view = node.compromise.report(item_ids, actual=actual, circumstances=circumstances, actor=actor)
    if json_out:
        emit_json(view.to_dict())
        return
    kind = "actual" if view.actual else "possible"
    console.print(f"Case {view.id} opened: {kind} compromise of {', '.join(view.items)}.")
    if view.originators:
        console.print(f"FLASH notice queued for {', '.join(view.originators)}; `accord serve` delivers it.")
    else:
        console.print("Every item was originated here: no other node to notify.")


@compromise_app.command("exposure")
def exposure(
    item_id: Annotated[str, typer.Argument(help="An item held here.")],
    as_user: Annotated[str, as_option("The security officer investigating.")],
    proofs: Annotated[
        bool, typer.Option("--proofs", help="Attach the ledger's inclusion proof of every event cited.")
    ] = False,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Who could have seen an item: readers, people permitted now, sends, copies, translations, consents."""
    with acting(home, as_user) as (node, actor):
        found = node.compromise.exposure(item_id, actor=actor, proofs=proofs)
    if json_out:
        emit_json(found.to_dict())
        return
    console.print(f"Exposure of item {found.item_id} (originator {found.originator_party}):")
    rows: list[tuple[str, str, str, str]] = []
    for e in found.readers:
        rows.append((str(e["action"]), str(e["who"]), str(e["at"]), str(e["seq"])))
    for e in found.listed:
        rows.append((f"listed ({e['action']})", str(e["who"]), str(e["at"]), str(e["seq"])))
    for p in found.permitted:
        rows.append(("permitted to read now", f"{p['user']} ({p['role']}, {p['clearance']})", "", ""))
    for s in found.sends:
        receipted = s["receipted_at"] or "not receipted"
        rows.append(("sent", f"{s['to']} ({s['party']})", str(s["sent_at"]), f"{s['status']}, {receipted}"))
    for c in found.copies:
        rows.append(
            (f"copy {c['number']} of {c['of']}", str(c["made_by"]), str(c["made_at"]), str(c["status"]))
        )
    for t in found.translations:
        rows.append((f"translation ({t['lang']})", str(t["made_by"]), str(t["made_at"]), str(t["status"])))
    for c in found.consents:
        rows.append((
            "consent to pass on", f"{c['holder_party']} → {c['third_party']}", str(c["decided_at"] or ""),
            str(c["status"]),
        ))  # fmt: skip
    print_table(("what", "who / where", "when", "journal seq / status"), rows)
    if found.seqs and not proofs:
        console.print("Prove any event with `accord ledger prove SEQ`, or ask again with --proofs.")


@compromise_app.command("close")
def close(
    case_id: Annotated[str, typer.Argument(help="The case (accord compromise list).")],
    findings: Annotated[str, typer.Option(help="The results of the investigation.")],
    measures: Annotated[str, typer.Option(help="The measures taken to prevent a recurrence.")],
    as_user: Annotated[str, as_option("The security officer closing the case.")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Close a case with its findings and measures; the report goes to every originator notified."""
    with acting(home, as_user) as (node, actor):
        view = node.compromise.close(case_id, findings=findings, measures=measures, actor=actor)
    if json_out:
        emit_json(view.to_dict())
        return
    console.print(f"Case {view.id} closed.")
    if view.originators:
        console.print(f"Report queued for {', '.join(view.originators)}; `accord serve` delivers it.")


@compromise_app.command("list")
def list_(
    as_user: Annotated[str, as_option("The security officer looking.")],
    status: Annotated[str | None, typer.Option(help="Only open or closed cases.")] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Compromise cases reported here and reported to us, about items you may read, newest first."""
    with acting(home, as_user) as (node, actor):
        views = node.compromise.listing(actor=actor, status=status)
    print_listing(
        json_out,
        [v.to_dict() for v in views],
        ("case", "direction", "reported by", "items", "actual", "opened", "status"),
        (
            (
                v.id,
                _DIRECTIONS.get(v.direction, v.direction),
                f"{v.opened_by} at {v.reporting_node}",
                ", ".join(v.items),
                "actual" if v.actual else "possible",
                v.opened_at,
                v.status,
            )
            for v in views
        ),
        empty="No compromise case.",
    )

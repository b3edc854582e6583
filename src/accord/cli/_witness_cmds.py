"""Commands for ledger witnessing: publish our checkpoint, see the witnesses, list fork alarms."""

from __future__ import annotations

import typer

from accord.cli._common import HomeOpt, JsonOpt, console, emit_json, exit_code, make_table, node_at, refusals
from accord.errors import IntegrityError

__all__ = ["alarms", "publish", "witnesses"]

# Offering the ledger's checkpoint is the node's own routine work; an operator only does it sooner.
_ACTOR = "witness"
_ALARM_EXIT = exit_code(IntegrityError(""))


def publish(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Seal, then offer our latest checkpoint to every partner node now (`accord serve` does it every 10 s).

    A partner that has already been offered it is not offered it again; the offer goes
    through the outbox like any envelope, so it leaves with the next delivery.
    """
    with refusals(), node_at(home) as node:
        node.ledger.seal()
        told = node.witness.publish(actor=_ACTOR)
        latest = node.ledger.latest_checkpoint()
    size = None if latest is None else latest.checkpoint.size
    if json_out:
        emit_json({"size": size, "to": told})
        return
    if told:
        console.print(f"Checkpoint of {size} leaves offered to {', '.join(told)}")
    else:
        console.print("Nothing to offer: every partner was offered the latest checkpoint")


def witnesses(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Per partner node: its checkpoint we hold (and since when), and its countersignatures of ours."""
    with refusals(), node_at(home) as node:
        rows = node.witness.witnesses()
    if json_out:
        emit_json(rows)
        return
    if not rows:
        console.print("No partner node is pinned")
        return
    table = make_table("node", "its ledger (held here)", "ours offered", "ours countersigned", "alarms")
    for row in rows:
        seen, published, counter = row["seen"], row["published"], row["countersigned"]
        table.add_row(
            str(row["node"]),
            "—"
            if not isinstance(seen, dict)
            else f"{seen['size']} leaves, {seen['time']} (got {seen['at']})",
            "—" if not isinstance(published, dict) else f"{published['size']} leaves at {published['at']}",
            "—"
            if not isinstance(counter, dict)
            else f"{counter['size']} leaves at {counter['signed_at']} ({row['countersignatures']} in all)",
            str(row["alarms"]),
        )
    console.print(table)


def alarms(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Forks and rollbacks of partners' ledgers, and seals refused over a damaged ledger; exit 9 if any.

    Each alarm comes with the two checkpoints that prove it (--json).
    """
    with refusals(), node_at(home) as node:
        found = node.witness.alarms()
    if json_out:
        emit_json(found)
        _exit_on_alarm(found)
        return
    if not found:
        console.print("No alarm: every partner's checkpoints are consistent, and our ledger sealed cleanly")
        return
    table = make_table("id", "detected", "node", "kind", "reason")
    for alarm in found:
        table.add_row(
            str(alarm["id"]),
            str(alarm["detected_at"]),
            str(alarm["origin"]),
            str(alarm["kind"]),
            str(alarm["reason"]),
        )
    console.print(table)
    console.print("The two signed checkpoints of each alarm: --json", markup=False)
    _exit_on_alarm(found)


def _exit_on_alarm(found: list[dict[str, object]]) -> None:
    # A script or a monitor polls this command: an alarm is a failure of the ledger's integrity.
    if found:
        raise typer.Exit(_ALARM_EXIT)

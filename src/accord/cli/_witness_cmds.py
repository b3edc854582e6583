"""Commands for ledger witnessing: publish our checkpoint, see the witnesses, list and acknowledge alarms."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.text import Text

from accord.cli._auth import acting
from accord.cli._common import console, emit_json, exit_code, node_at, print_table, refusals
from accord.cli._options import HomeOpt, JsonOpt, as_option
from accord.errors import IntegrityError
from accord.items import AlarmState

__all__ = ["ack_alarm", "alarms", "publish", "witnesses"]

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
    print_table(
        ("node", "its ledger (held here)", "ours offered", "ours countersigned", "alarms"),
        map(_witness_cells, rows),
    )


def _witness_cells(row: dict[str, object]) -> tuple[str, ...]:
    seen, published, counter = row["seen"], row["published"], row["countersigned"]
    return (
        str(row["node"]),
        "—" if not isinstance(seen, dict) else f"{seen['size']} leaves, {seen['time']} (got {seen['at']})",
        "—" if not isinstance(published, dict) else f"{published['size']} leaves at {published['at']}",
        "—"
        if not isinstance(counter, dict)
        else f"{counter['size']} leaves at {counter['signed_at']} ({row['countersignatures']} in all)",
        str(row["alarms"]),
    )


def alarms(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Partners' forks and rollbacks, refused seals, damaged items; exit 9 if any is open.

    A fork or rollback comes with the two checkpoints that prove it (--json); a seal refused
    over a damaged ledger, or an item found damaged that no reader was told of
    (`item-damaged`, see `accord item verify`), with what was found.
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
    columns = ("id", "detected_at", "origin", "kind", "reason", "status")
    print_table(
        ("id", "detected", "node", "kind", "reason", "status"),
        ([str(alarm[key]) for key in columns] for alarm in found),
    )
    for alarm in found:
        if alarm["status"] != AlarmState.OPEN:
            console.print(Text(f"Alarm {alarm['id']}: {_status(alarm)}"))
    console.print("The two signed checkpoints of each alarm: --json", markup=False)
    _exit_on_alarm(found)


def _exit_on_alarm(found: list[dict[str, object]]) -> None:
    # A script or a monitor polls this command: an open alarm is a failure of the ledger's
    # integrity; one an officer acknowledged with a finding is on record and no longer fails it.
    if any(alarm.get("status", AlarmState.OPEN) == AlarmState.OPEN for alarm in found):
        raise typer.Exit(_ALARM_EXIT)


def _status(alarm: dict[str, object]) -> str:
    ack = alarm.get("acknowledged")
    if not isinstance(ack, dict):
        return AlarmState.OPEN
    return f"acknowledged by {ack['by']} at {ack['at']}: {ack['finding']}"


def ack_alarm(
    alarm_id: Annotated[int, typer.Argument(help="The alarm's id (from accord ledger alarms).")],
    finding: Annotated[
        str, typer.Option(help="What was found and done, for the record (1–4000 characters).")
    ],
    as_user: Annotated[str, as_option("The officer or authority acknowledging.")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Acknowledge (close) a ledger alarm with a finding; who, when and the finding are journalled."""
    with acting(home, as_user) as (node, actor):
        alarm = node.witness.acknowledge_alarm(alarm_id, finding=finding, actor=actor)
    if json_out:
        emit_json(alarm)
        return
    console.print(Text(f"Alarm {alarm['id']} ({alarm['kind']} of {alarm['origin']}): {_status(alarm)}"))

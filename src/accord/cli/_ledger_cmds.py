"""Commands for the tamper-evident ledger: seal, verify, prove, check-proof, checkpoints, note, export, …"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli._common import (
    console,
    emit_json,
    err_console,
    exit_code,
    fail,
    node_at,
    node_writing,
    print_listing,
    read_text,
    refusals,
    write_text,
)
from accord.cli._options import HomeOpt, JsonOpt
from accord.cli._progress import counted_progress
from accord.cli._witness_cmds import ack_alarm, alarms, publish, witnesses
from accord.errors import IntegrityError
from accord.limits import MAX_DOCUMENT_BYTES
from accord.node import IdentityCard, SignedCheckpoint, check_proof, note_vkeys

__all__ = ["ledger_app"]

ledger_app = typer.Typer(
    help="The tamper-evident ledger: every journal event a leaf of a signed Merkle tree (RFC 9162).",
    no_args_is_help=True,
)

# The journal's actor for what an operator does here: checking and disclosing evidence is
# the auditor's part (DESIGN.md §2).
_ACTOR = "auditor"
_SHOWN_FINDINGS = 10


def _checkpoint_dict(signed: SignedCheckpoint) -> dict[str, object]:
    return signed.checkpoint.to_dict()


def _leaves(count: int) -> str:
    return f"{count} leaf" if count == 1 else f"{count} leaves"


def _describe(signed: SignedCheckpoint) -> str:
    cp = signed.checkpoint
    return f"{_leaves(cp.size)}, root {cp.root.hex()}, signed by {cp.origin} at {cp.timestamp}"


@ledger_app.command("seal")
def ledger_seal(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Seal the journal events not sealed yet and sign a checkpoint (`accord serve` does it every second)."""
    with refusals(), node_at(home) as node:
        signed = node.ledger.seal()
        latest = signed or node.ledger.latest_checkpoint()
    if json_out:
        emit_json(
            {"sealed": signed is not None, "checkpoint": None if latest is None else _checkpoint_dict(latest)}
        )
        return
    if signed is not None:
        console.print(f"Sealed: checkpoint of {_describe(signed)}")
    elif latest is not None:
        console.print(f"Nothing new to seal; latest checkpoint: {_describe(latest)}")
    else:
        console.print("Nothing to seal: the journal is empty")


@ledger_app.command("verify")
def ledger_verify(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Recompute the ledger from the journal; exit 9 and name the first bad leaf if anything was altered.

    Every leaf hash, every stored tree node and every checkpoint (its dual signature and its
    root) is recomputed from the journal rows. Altered, deleted, inserted or reordered rows,
    altered tree nodes and forged checkpoints are reported at the first leaf they concern.
    """
    with (
        refusals(),
        node_at(home) as node,
        counted_progress("verifying the ledger", enabled=not json_out) as progress,
    ):
        report = node.ledger.verify(actor=_ACTOR, progress=progress)
    if json_out:
        emit_json(report.to_dict())
        try:
            report.check()
        except IntegrityError as exc:
            raise typer.Exit(exit_code(exc)) from exc
        return
    if report.ok:
        console.print(
            f"Ledger intact: {_leaves(report.leaves)}, {report.checkpoints} signed checkpoint(s) verified"
            + (f"; {report.unsealed} event(s) wait for the next seal" if report.unsealed else "")
        )
        return
    for finding in report.findings[:_SHOWN_FINDINGS]:
        err_console.print(f"leaf {finding.index} ({finding.kind}): {finding.message}", markup=False)
    if report.count > _SHOWN_FINDINGS:
        err_console.print(f"… {report.count - _SHOWN_FINDINGS} more (--json lists up to 1,000)", markup=False)
    if report.consequence is not None:
        err_console.print(f"({report.consequence})", markup=False)
    # The findings are listed above: the closing line names the first, not its reason again.
    first = report.findings[0]
    in_all = "1 finding" if report.count == 1 else f"{report.count} findings"
    fail(
        f"ledger: first bad leaf {first.index} ({first.kind}), {in_all} in all (listed above)",
        exit_code(IntegrityError("")),
    )


@ledger_app.command("prove")
def ledger_prove(
    seq: Annotated[int, typer.Argument(help="The journal event's number (seq, from 1).", min=1)],
    out: Annotated[
        Path | None, typer.Option(help="Write the proof to this file instead of printing it.")
    ] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Print an inclusion proof of one journal event (check it with `accord ledger check-proof`)."""
    with node_writing(home, out) as node:
        proof = node.ledger.prove(seq, actor=_ACTOR)
        if out is not None:
            write_text(out, proof.to_json() + "\n")
    checkpoint = proof.signed.checkpoint
    if out is None:
        typer.echo(proof.to_json())
    elif json_out:
        emit_json({"seq": seq, "leaf_index": proof.leaf_index, "size": checkpoint.size, "out": str(out)})
    else:
        console.print(
            f"Wrote the proof of event {seq} (leaf {proof.leaf_index} of {checkpoint.size}, "
            f"{len(proof.path)} hashes) to {out}"
        )


@ledger_app.command("check-proof")
def ledger_check_proof(
    file: Annotated[Path, typer.Argument(help="An inclusion proof from `accord ledger prove`.")],
    card: Annotated[Path, typer.Option(help="The node's public identity card (JSON).")],
    json_out: JsonOpt = False,
) -> None:
    """Check an inclusion proof with the node's identity card only (no node home needed)."""
    with refusals():
        card_text = read_text(card, limit=MAX_DOCUMENT_BYTES, what="identity card")
        proof = check_proof(read_text(file, limit=MAX_DOCUMENT_BYTES, what="proof"), card_text)
        # The reader must compare it with the one the node's authority gave out of band.
        fingerprint = IdentityCard.parse(card_text).fingerprint
    event, checkpoint = proof.event, proof.signed.checkpoint
    if json_out:
        emit_json(
            {
                "ok": True,
                "leaf_index": proof.leaf_index,
                "event": event,
                "checkpoint": checkpoint.to_dict(),
                "checkpoint_note": proof.note is not None,
                "card": {"node_id": checkpoint.origin, "fingerprint": fingerprint},
            }
        )
        return
    console.print(
        f"Proof holds: event {event.get('seq')} ({event.get('action')} by {event.get('actor')} at "
        f"{event.get('at')}, {event.get('outcome')}) is leaf {proof.leaf_index} of the ledger of "
        f"{checkpoint.origin}",
        markup=False,
    )
    console.print(f"checkpoint: {_describe(proof.signed)}", markup=False)
    if proof.note is not None:
        console.print("checkpoint note (C2SP tlog-checkpoint): signed, the same checkpoint", markup=False)
    console.print(
        f"card used: {checkpoint.origin}, fingerprint {fingerprint} "
        "(compare it with the one the node's authority gave you)",
        markup=False,
    )


@ledger_app.command("checkpoints")
def ledger_checkpoints(
    limit: Annotated[int, typer.Option(help="How many, newest first.")] = 20,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List the newest signed checkpoints (size, root, time)."""
    with refusals(), node_at(home) as node:
        found = node.ledger.checkpoints(limit=limit)
    print_listing(
        json_out,
        [_checkpoint_dict(signed) for signed in found],
        ("size", "root", "time", "origin"),
        (
            (str(cp.size), cp.root.hex(), cp.timestamp, cp.origin)
            for cp in (signed.checkpoint for signed in found)
        ),
        empty="No checkpoint signed yet.",
    )


@ledger_app.command("note")
def ledger_note(
    size: Annotated[
        int | None, typer.Option(help="The checkpoint of this many leaves (default: the latest).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the note to this file instead of printing it.")
    ] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Print a signed checkpoint as a C2SP tlog-checkpoint signed note, with partners' cosignatures.

    Any transparency-log tool checks it with the node's vkeys (`accord ledger vkeys`):
    the node's Ed25519 line (type 0x01) and each partner's tlog-cosignature v1 line (0x04);
    the ML-DSA-65 lines are Accord's (docs/ledger.md).
    """
    with node_writing(home, out) as node:
        text = node.ledger.note(size)
        if out is not None:
            write_text(out, text)
    if json_out:
        emit_json({"note": text} if out is None else {"out": str(out)})
    elif out is None:
        typer.echo(text, nl=False)
    else:
        console.print(f"Wrote the checkpoint note to {out}")


@ledger_app.command("vkeys")
def ledger_vkeys(
    card: Annotated[
        Path | None, typer.Option(help="A node's public identity card (default: this node's own).")
    ] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Print the C2SP verifier keys (vkeys) of a node's checkpoint notes and cosignatures.

    From a card, no node home is needed: check the card's fingerprint with the node's
    authority first, as for `check-proof`.
    """
    with refusals():
        if card is not None:
            parsed = IdentityCard.parse(read_text(card, limit=MAX_DOCUMENT_BYTES, what="identity card"))
        else:
            with node_at(home) as node:
                parsed = node.parties.own_card()
        keys = note_vkeys(parsed)
    if json_out:
        emit_json({"node_id": parsed.node_id, "fingerprint": parsed.fingerprint, "vkeys": keys})
        return
    for role, value in keys.items():
        typer.echo(f"{role} {value}")


@ledger_app.command("consistency")
def ledger_consistency(
    old: Annotated[int, typer.Argument(help="The smaller tree size (a checkpoint you hold).")],
    new: Annotated[int, typer.Argument(help="The larger tree size (at most the ledger's size).")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Print the RFC 9162 §2.1.4 consistency proof from the tree of OLD leaves to the tree of NEW leaves.

    With the two signed checkpoints of those sizes (`ledger checkpoints`), an auditor checks
    with their own RFC 9162 code that the ledger of NEW leaves extends the one of OLD leaves.
    """
    with refusals(), node_at(home) as node:
        proof = node.ledger.consistency(old, new)
    hashes = [digest.hex() for digest in proof]
    if json_out:
        emit_json({"old_size": old, "new_size": new, "proof": hashes})
        return
    console.print(f"Consistency proof from {_leaves(old)} to {_leaves(new)}: {len(hashes)} hash(es)")
    for digest in hashes:
        typer.echo(digest)


@ledger_app.command("export")
def ledger_export(
    start: Annotated[int, typer.Option("--from", help="The first leaf index (0-based).")],
    end: Annotated[
        int, typer.Option("--to", help="One past the last leaf index (at most the ledger's size).")
    ],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Print the leaves [FROM, TO) of the ledger: each one's exact leaf data, one per line.

    A leaf's data is the event's canonical JSON (docs/ledger.md "What is hashed"), which holds
    no newline; its leaf hash is SHA-256(0x00 || the line's bytes, without the newline).
    `--json` gives `[{"leaf_index", "leaf"}]`.
    """
    with refusals(), node_at(home) as node:
        leaves = node.ledger.leaves(start, end)
    if json_out:
        emit_json([{"leaf_index": start + n, "leaf": data.decode("utf-8")} for n, data in enumerate(leaves)])
        return
    out = typer.get_binary_stream("stdout")
    for data in leaves:
        out.write(data + b"\n")
    out.flush()


# The witnesses' commands (their own module), listed after the commands above.
ledger_app.command("publish")(publish)
ledger_app.command("witnesses")(witnesses)
ledger_app.command("alarms")(alarms)
ledger_app.command("ack-alarm")(ack_alarm)

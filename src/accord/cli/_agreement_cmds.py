"""Commands for agreements: sign, import, status, diplomatic notes."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Annotated

import typer

from accord.agreements import Note, NoteKind, Status
from accord.cli._common import (
    console,
    emit_json,
    err_console,
    node_at,
    node_writing,
    print_listing,
    read_text,
    refusals,
    write_text,
)
from accord.cli._options import HomeOpt, JsonOpt
from accord.errors import InvalidInput
from accord.limits import MAX_DOCUMENT_BYTES
from accord.node import Node, NoteDraft

__all__ = ["agreement_app"]

agreement_app = typer.Typer(
    help="Agreements (GSOMIA): sign, import, status, diplomatic notes.", no_args_is_help=True
)
note_app = typer.Typer(
    help="Signed diplomatic notes: entry into force, notice, suspension, withdrawal, amendment.",
    no_args_is_help=True,
)
agreement_app.add_typer(note_app, name="note")

AgreementIdArg = Annotated[str, typer.Argument(help="Agreement id.")]
AgreementFileArg = Annotated[Path, typer.Argument(help="The agreement's TOML file.")]


def _parse_date(text: str | None) -> datetime | date:
    # Without a date: now, an instant the node turns into the parties' calendar date in the
    # agreement's time zone (Art. 21 counts their days, not UTC's).
    if text is None:
        return datetime.now(UTC)
    return _parse_day(text)


def _parse_day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput(f"not a date (YYYY-MM-DD): {text!r}") from exc


@agreement_app.command("sign")
def agreement_sign(
    file: AgreementFileArg,
    out: Annotated[
        Path | None, typer.Option(help="Where to write the signature (default FILE.PARTY.sig.json).")
    ] = None,
    home: HomeOpt = None,
) -> None:
    """Sign an agreement's exact text as this node's party (Ed25519 + ML-DSA-65)."""
    with node_writing(home, out) as node:
        signature = node.agreements.sign(
            read_text(file, limit=MAX_DOCUMENT_BYTES, what="agreement"), actor="authority"
        )
        target = out or file.with_name(f"{file.name}.{signature.party}.sig.json")
        write_text(target, signature.to_json() + "\n")
    console.print(
        f"{signature.party} signed {signature.agreement_id} (SHA-384 {signature.digest[:16]}…) → {target}"
    )


@agreement_app.command("import")
def agreement_import(
    file: AgreementFileArg,
    signature: Annotated[
        list[Path] | None,
        typer.Option(help="A party's signature file; repeat for each party (default: FILE.*.sig.json)."),
    ] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import an agreement signed by every party it names."""
    with refusals():
        sig_files = signature or sorted(file.parent.glob(f"{file.name}.*.sig.json"))
        with node_at(home) as node:
            agreement, new = node.agreements.import_(
                read_text(file, limit=MAX_DOCUMENT_BYTES, what="agreement"),
                [read_text(s, limit=MAX_DOCUMENT_BYTES, what="signature") for s in sig_files],
                actor="authority",
            )
    if json_out:
        emit_json({"agreement_id": agreement.id, "new": new, "parties": list(agreement.party_codes)})
        return
    verb = "Imported" if new else "Already imported:"
    console.print(f"{verb} {agreement.id} — {agreement.title} (signed by {', '.join(agreement.party_codes)})")


@agreement_app.command("list")
def agreement_list(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """List imported agreements with today's state."""
    with refusals(), node_at(home) as node:
        now = datetime.now(UTC)
        rows = [(a, node.agreements.status(a.id, now)) for a in node.agreements.all()]
    print_listing(
        json_out,
        [
            {"id": a.id, "title": a.title, "parties": list(a.party_codes), "state": s.state.value}
            for a, s in rows
        ],
        ("id", "parties", "state", "title"),
        ((a.id, ", ".join(a.party_codes), s.state.value, a.title) for a, s in rows),
        empty="No agreement imported (accord agreement import).",
    )


@agreement_app.command("status")
def agreement_status(
    agreement_id: AgreementIdArg,
    at: Annotated[
        str | None,
        typer.Option(help="Date to evaluate (YYYY-MM-DD, in the agreement's time zone; default now)."),
    ] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show the agreement's state, next renewal and last day for a termination notice (Art. 21).

    Dates are the parties' calendar dates in the agreement's time zone; the summary says how
    the notice deadline is counted.
    """
    with refusals(), node_at(home) as node:
        st = node.agreements.status(agreement_id, _parse_date(at))
    if json_out:
        emit_json(status_dict(agreement_id, st))
        return
    console.print(f"{agreement_id}: {st.summary()}", markup=False)


def status_dict(agreement_id: str, st: Status) -> dict[str, object]:
    """A status as JSON-ready data."""

    def iso(d: date | None) -> str | None:
        return d.isoformat() if d else None

    return {
        "agreement_id": agreement_id,
        "at": st.at.isoformat(),
        "state": st.state.value,
        "in_force_since": iso(st.in_force_since),
        "next_renewal": iso(st.next_renewal),
        "notice_deadline": iso(st.notice_deadline),
        "terminates_on": iso(st.terminates_on),
        "pending_notice": st.pending_notice.id if st.pending_notice else None,
        "suspended_notice": st.suspended_notice.id if st.suspended_notice else None,
        "amendments": list(st.amendments),
        "protection_continues": st.protection_continues,
        "new_exchange_allowed": st.new_exchange_allowed,
        "time_zone": st.time_zone,
        "notice_rule": st.notice_rule,
        "missed_term_end": iso(st.missed_term_end),
        "late_notice_warning": st.late_notice_warning,
        "summary": st.summary(),
    }


@note_app.command("issue")
def note_issue(
    agreement_id: AgreementIdArg,
    kind: Annotated[str, typer.Option(help=", ".join(k.value for k in NoteKind))],
    on: Annotated[
        str | None,
        typer.Option(
            "--date", help="Date of the note (YYYY-MM-DD; default today in the agreement's time zone)."
        ),
    ] = None,
    refers: Annotated[
        list[str] | None, typer.Option(help="Id of an earlier note this one refers to.")
    ] = None,
    text: Annotated[str, typer.Option(help="The note's words.")] = "",
    amendment_digest: Annotated[
        str | None, typer.Option(help="SHA-384 of the amended text (amendment).")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Write the signed note here for the partners.")] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Give a diplomatic note as this node's party; it is signed, checked and recorded."""
    with refusals():
        try:
            note_kind = NoteKind(kind)
        except ValueError as exc:
            raise InvalidInput(
                f"unknown note kind {kind!r}; use one of {', '.join(k.value for k in NoteKind)}"
            ) from exc
    # The folder of --out is checked before the note is recorded: a recorded note the partners
    # never receive would be half of a diplomatic act.
    with node_writing(home, out) as node:
        day = _parse_day(on) if on else node.agreements.today(agreement_id)
        signed = node.agreements.issue_note(
            agreement_id,
            NoteDraft(
                note_kind, on=day, text=text, refers_to=refers or (), amendment_digest=amendment_digest
            ),
            actor="authority",
        )
        warning = _late_warning(node, signed.note)
        if out is not None:
            write_text(out, signed.to_json() + "\n")
    if json_out:
        emit_json({"note_id": signed.note.id, **signed.note.to_dict(), "warning": warning})
        return
    where = f" → {out}" if out else ""
    console.print(f"{signed.note.party} gave {note_kind.value} {signed.note.id} on {signed.note.date}{where}")
    if warning:
        err_console.print(f"warning: {warning}", markup=False)


def _late_warning(node: Node, note: Note) -> str | None:
    """Art. 21: a termination notice after the deadline takes effect a term later; a note dated
    more than a few days ago changes the agreement's past. Say so."""
    return node.agreements.note_warning(note)


@note_app.command("import")
def note_import(
    file: Annotated[Path, typer.Argument(help="A partner's signed note (JSON).")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Record a partner's signed diplomatic note."""
    with refusals(), node_at(home) as node:
        signed, new = node.agreements.import_note(
            read_text(file, limit=MAX_DOCUMENT_BYTES, what="note"), actor="authority"
        )
        warning = _late_warning(node, signed.note)
    if json_out:
        emit_json(
            {
                "note_id": signed.note.id,
                "new": new,
                "signer": signed.signer,
                **signed.note.to_dict(),
                "warning": warning,
            }
        )
        return
    verb = "Recorded" if new else "Already recorded:"
    n = signed.note
    console.print(f"{verb} {n.kind.value} by {n.party} on {n.date} for {n.agreement_id} ({n.id})")
    if warning:
        err_console.print(f"warning: {warning}", markup=False)


@note_app.command("list")
def note_list(
    agreement_id: AgreementIdArg,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List the notes recorded for an agreement."""
    with refusals(), node_at(home) as node:
        notes = node.agreements.notes(agreement_id)
    print_listing(
        json_out,
        [{"note_id": s.note.id, "signer": s.signer, **s.note.to_dict()} for s in notes],
        ("date", "party", "kind", "id", "refers to"),
        (
            (s.note.date.isoformat(), s.note.party, s.note.kind.value, s.note.id, ", ".join(s.note.refers_to))
            for s in notes
        ),
        empty=f"No note recorded for {agreement_id}.",
    )

"""Diplomatic notes of an agreement at a node: signed, checked against the record, kept (Art. 21).

A note (entry into force, termination notice, suspension, withdrawal, amendment) is given
by one party and signed by a node of that party; :class:`NoteRecord` signs our own, checks
a partner's signature, and records either only when it can follow the notes already
recorded (:func:`accord.agreements.check_note`). The agreement's ``status`` is computed
from :func:`recorded_notes` by :class:`~._agreements.AgreementService`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.agreements import Agreement, Note, NoteKind, check_note, status
from accord.errors import AgreementStateError, VerificationFailed
from accord.exchange import SignedNote, note_statement
from accord.node.core._context import NodeContext
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.registry._parties import PartyService
from accord.store import NoteRow, format_stamp

__all__ = ["NoteDraft", "NoteRecord", "recorded_notes"]


@dataclass(frozen=True)
class NoteDraft:
    """A note this node's party is to give: what it notifies, its date, its words (Art. 21).

    The node names its own party as the one that gives it, signs it and records it
    (:meth:`~._agreements.AgreementService.issue_note`).
    """

    kind: NoteKind
    on: date
    text: str = ""
    """Free text (for example the conditions of a suspension)."""
    refers_to: Sequence[str] = ()
    """Ids of the earlier notes it refers to."""
    amendment_digest: str | None = None
    """For an amendment, :func:`~accord.agreements.agreement_digest` of the amended text."""

    def given_by(self, party: str, agreement_id: str) -> Note:
        """The note as ``party`` gives it about the agreement ``agreement_id``."""
        return Note(
            agreement_id=agreement_id,
            kind=self.kind,
            party=party,
            date=self.on,
            text=self.text,
            refers_to=tuple(self.refers_to),
            amendment_digest=self.amendment_digest,
        )


BACKDATED_DAYS = 7
"""A note dated more days than this before the parties' today is backdated: it is recorded (the
lifecycle allows it) but the officer is warned, as for a late notice. A week covers a note given
on a Friday and recorded after the pouch's journey; a note from 1990 takes effect in 1990."""


def backdated_warning(agreement: Agreement, notes: Sequence[Note], note: Note, today: date) -> str | None:
    """Why ``note``, recorded ``today`` after ``notes``, changes the agreement's past; None if it is recent.

    A backdated termination notice ends the agreement on the anniversary its date gives, which
    may already be past: exchange stops at once, with nothing to say it was not meant.
    """
    days = (today - note.date).days
    if days <= BACKDATED_DAYS:
        return None
    now = status(agreement, [*notes, note], today)
    effect = f"the agreement is {now.state.value}"
    if now.terminates_on is not None:
        verb = "terminated" if now.terminates_on <= today else "terminates"
        effect += f" ({verb} on {now.terminates_on.isoformat()})"
    return (
        f"note {note.id} ({note.kind.value} by {note.party}) is dated {note.date.isoformat()}, {days} days "
        f"before today ({today.isoformat()} in {agreement.time_zone}): it counts from that date, and as of "
        f"today {effect}"
    )


def note_warning(agreement: Agreement, notes: Sequence[Note], note: Note, today: date) -> str | None:
    """What the officer is told on recording ``note`` after ``notes``: a late or backdated note, or None."""
    warnings = [backdated_warning(agreement, notes, note, today)]
    if note.kind is NoteKind.TERMINATION_NOTICE:
        # Art. 21: a notice after the deadline for the next anniversary takes effect a term later.
        warnings.insert(0, status(agreement, [*notes, note], note.date).late_notice_warning)
    found = [w for w in warnings if w is not None]
    return "; ".join(found) if found else None


def recorded_notes(session: Session, agreement_id: str) -> list[SignedNote]:
    """The signed notes recorded for an agreement, in date order (then as recorded)."""
    rows = session.scalars(
        select(NoteRow)
        .where(NoteRow.agreement_id == agreement_id)
        .order_by(NoteRow.note_date, NoteRow.recorded_at)
    ).all()
    return [_parsed_note(row.signed_json) for row in rows]


class NoteRecord:
    """Signs, verifies and records the diplomatic notes of the agreements imported here."""

    def __init__(self, ctx: NodeContext, parties: PartyService) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx
        self._parties = parties

    def issue(self, session: Session, agreement: Agreement, note: Note, actor: str) -> SignedNote:
        """Sign our own party's note as this node and record it.

        Raises:
            AgreementStateError: the note cannot follow the notes already recorded.
        """
        signer = self._ctx.config.node_id
        signed = SignedNote(note, signer, self._ctx.keys.sign("note", note_statement(note, signer)))
        self._record(session, agreement, signed, actor, action="agreement.note")
        return signed

    def import_(self, session: Session, agreement: Agreement, signed: SignedNote, actor: str) -> bool:
        """Record a partner's signed note; whether it is new.

        Raises:
            NotFound: the signer is not pinned.
            VerificationFailed: signed by a node of another party, or the signature is wrong.
            AgreementStateError: the note cannot follow the notes already recorded.
        """
        party, keys = self._parties.signer(session, signed.signer)
        if party != signed.note.party:
            raise VerificationFailed(
                f"note {signed.note.id} is given by {signed.note.party} but signed by a node of {party}"
            )
        keys.verify("note", signed.statement(), signed.signature)
        if session.get(NoteRow, signed.note.id) is not None:
            return False
        self._record(session, agreement, signed, actor, action="agreement.note-import")
        return True

    def _record(
        self, session: Session, agreement: Agreement, signed: SignedNote, actor: str, *, action: str
    ) -> None:
        note = signed.note
        # Today is the parties' calendar date (the agreement's time zone), not UTC's.
        today = agreement.local_date(self._ctx.now())
        if note.date > today:
            # A note dated ahead of our clock would block every real note after it (notes
            # must follow in date order), so it is refused until its date comes.
            raise AgreementStateError(
                f"note {note.id} is dated {note.date}, after today ({today} in {agreement.time_zone})"
            )
        notes = [n.note for n in recorded_notes(session, agreement.id)]
        check_note(agreement, notes, note)
        detail = dict(_note_detail(signed))
        # A late or backdated note: the officer is told, and the journal keeps the warning.
        warning = note_warning(agreement, notes, note, today)
        if warning is not None:
            detail["warning"] = warning
        session.add(
            NoteRow(
                id=note.id,
                agreement_id=agreement.id,
                kind=note.kind.value,
                party=note.party,
                note_date=note.date.isoformat(),
                signed_json=signed.to_json(),
                recorded_at=format_stamp(self._ctx.now()),
            )
        )
        journal_done(session, Act(actor, self._ctx.now()), action, detail=detail)


def _note_detail(signed: SignedNote) -> Mapping[str, object]:
    note = signed.note
    return {
        "agreement_id": note.agreement_id,
        "note_id": note.id,
        "kind": note.kind.value,
        "party": note.party,
        "date": note.date.isoformat(),
        "signer": signed.signer,
    }


@functools.lru_cache(maxsize=1024)
def _parsed_note(signed_json: str) -> SignedNote:
    return SignedNote.parse(signed_json)

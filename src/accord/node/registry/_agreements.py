"""Agreements at a node: signing, importing (signed by every party), diplomatic notes, status.

An agreement is imported only when every party it names has signed its exact text with
both signature schemes (the signer must be this node or a pinned partner of that party).
Diplomatic notes (entry into force, termination notice, suspension, withdrawal, amendment)
are signed by the node of the party that gives them, checked against the notes already
recorded (GSOMIA Art. 21 lifecycle), and kept; ``status`` is computed from them.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.agreements import (
    Agreement,
    Note,
    Status,
    agreement_digest,
    load_agreement,
    status,
)
from accord.errors import (
    Conflict,
    NotFound,
    PolicyDenied,
    VerificationFailed,
)
from accord.exchange import AgreementSignature, SignedNote, agreement_statement
from accord.markings import SCHEMES, is_party_code
from accord.node.core._context import NodeContext
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.registry._agreement_notes import NoteDraft, NoteRecord, note_warning, recorded_notes
from accord.node.registry._parties import PartyService
from accord.store import AgreementRow, AgreementSignatureRow, PartyRow, format_stamp

__all__ = ["ABOUT_HELD", "AgreementService", "travel_refusal"]

ABOUT_HELD = frozenset(
    {
        "consent-revocation",
        "consent-receipt",
        "downgrade",
        "disposal-request",
        "destruction-certificate",
        "compromise-notice",
        "compromise-report",
    }
)
"""Control messages about CMI already held: they still travel after the agreement it was
exchanged under has ended, while its protection survives (Art. 21). A ``consent-receipt``
is one: it accounts to the originator for an item a third party already holds (Art. 6),
carries none of its content, and the originator needs it most when the agreement with the
third party has ended and the item is still to be returned or destroyed."""


def travel_refusal(agreement: Agreement, status: Status, message_type: str) -> str | None:
    """Why an envelope of ``message_type`` may not travel under ``agreement`` now (Art. 21).

    The one rule both ends apply: the receiver when an envelope arrives, the sender when it
    leaves (an envelope queued while the agreement was in force may no longer go).

    Args:
        agreement: The agreement the envelope travels under.
        status: The agreement's status at this node's clock.
        message_type: The envelope header's ``type`` (``item``, ``destruction-certificate``…).

    Returns:
        None when it may travel: while new exchange is allowed, or, for a message about CMI
        already held (:data:`ABOUT_HELD`), while protection survives termination. Otherwise
        the reason, for the officer.
    """
    if status.new_exchange_allowed:
        return None
    if message_type in ABOUT_HELD and agreement.protection_survives_termination:
        return None
    return f"{agreement.id} is {status.state.value} on {status.day}: nothing new travels under it (Art. 21)"


class AgreementService:
    """Agreements and their lifecycle at this node."""

    def __init__(self, ctx: NodeContext, parties: PartyService) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx
        self._parties = parties
        self._note_record = NoteRecord(ctx, parties)

    # --- signing and import -------------------------------------------------------------

    def sign(self, toml_text: str, *, actor: str) -> AgreementSignature:
        """Sign an agreement's exact text as this node's party.

        Raises:
            AgreementFormatError: the file is malformed.
            PolicyDenied: this node's party is not a party to it.
        """
        with self._ctx.work(actor, "agreement.sign") as session:
            agreement = load_agreement(toml_text)
            self._require_member(agreement)
            cfg = self._ctx.config
            digest = agreement_digest(toml_text)
            statement = agreement_statement(agreement.id, digest, cfg.party, cfg.node_id)
            signature = self._ctx.keys.sign("agreement", statement)
            journal_done(
                session,
                Act(actor, self._ctx.now()),
                "agreement.sign",
                detail={"agreement_id": agreement.id, "digest": digest},
            )
            return AgreementSignature(agreement.id, digest, cfg.party, cfg.node_id, signature)

    def import_(
        self, toml_text: str, signature_texts: Sequence[str], *, actor: str
    ) -> tuple[Agreement, bool]:
        """Import an agreement signed by every party it names. Returns it and whether it is new.

        The signatures are verified on every import, also when the same text is already
        imported (then nothing is stored and the result says it is not new).

        Raises:
            AgreementFormatError: the file is malformed.
            InvalidInput: a signature file is malformed.
            VerificationFailed: a party has not signed, or a signature does not verify.
            NotFound: a signature comes from a node that is not pinned.
            Conflict: another text with the same agreement id is already imported.
        """
        with self._ctx.work(actor, "agreement.import") as session:
            agreement = load_agreement(toml_text)
            self._require_member(agreement)
            digest = agreement_digest(toml_text)
            existing = session.get(AgreementRow, agreement.id)
            if existing is not None and existing.digest != digest:
                raise Conflict(
                    f"agreement {agreement.id} is already imported with other text; "
                    "changes need amendment notes from every party (Art. 21)"
                )
            # Every import verifies every signature it is given, even of a text already
            # held: an altered signature file is an error whatever is stored.
            verified = self._verify_signatures(session, agreement, digest, signature_texts)
            if existing is not None:
                return agreement, False
            session.add(
                AgreementRow(
                    id=agreement.id,
                    toml_text=toml_text,
                    digest=digest,
                    imported_at=format_stamp(self._ctx.now()),
                )
            )
            session.flush()
            for sig in verified:
                session.add(
                    AgreementSignatureRow(
                        agreement_id=agreement.id,
                        party=sig.party,
                        node_id=sig.node_id,
                        signed_json=sig.to_json(),
                    )
                )
            journal_done(
                session,
                Act(actor, self._ctx.now()),
                "agreement.import",
                detail={
                    "agreement_id": agreement.id,
                    "digest": digest,
                    "signed_by": [s.node_id for s in verified],
                },
            )
            return agreement, True

    def _verify_signatures(
        self, session: Session, agreement: Agreement, digest: str, texts: Sequence[str]
    ) -> list[AgreementSignature]:
        by_party: dict[str, AgreementSignature] = {}
        for text in texts:
            sig = AgreementSignature.parse(text)
            if sig.agreement_id != agreement.id or sig.digest != digest:
                raise VerificationFailed(
                    f"a signature by {sig.node_id} is for {sig.agreement_id} with another text, not this file"
                )
            party, keys = self._parties.signer(session, sig.node_id)
            if party != sig.party:
                raise VerificationFailed(f"node {sig.node_id} belongs to {party}, not {sig.party}")
            if sig.party not in agreement.party_codes:
                raise VerificationFailed(f"{sig.party} is not a party to {agreement.id}")
            keys.verify("agreement", sig.statement(), sig.signature)
            by_party[sig.party] = sig
        missing = [p for p in agreement.party_codes if p not in by_party]
        if missing:
            raise VerificationFailed(
                f"agreement {agreement.id} is not signed by {', '.join(missing)}: every party must sign it"
            )
        return [by_party[p] for p in agreement.party_codes]

    def _require_member(self, agreement: Agreement) -> None:
        party = self._ctx.config.party
        if party not in agreement.party_codes:
            raise PolicyDenied(f"this node's party {party} is not a party to {agreement.id}")

    # --- reading ----------------------------------------------------------------------

    def get(self, agreement_id: str) -> Agreement:
        """An imported agreement.

        Raises:
            NotFound: not imported here.
        """
        with self._ctx.db.transaction(read_only=True) as session:
            return self._get(session, agreement_id)

    def _get(self, session: Session, agreement_id: str) -> Agreement:
        row = session.get(AgreementRow, agreement_id)
        if row is None:
            raise NotFound(f"agreement {agreement_id!r} is not imported at this node")
        return _loaded(row.toml_text)

    def all(self) -> list[Agreement]:
        """Every imported agreement, by id."""
        with self._ctx.db.transaction(read_only=True) as session:
            rows = session.scalars(select(AgreementRow).order_by(AgreementRow.id)).all()
            return [_loaded(row.toml_text) for row in rows]

    def notes(self, agreement_id: str) -> list[SignedNote]:
        """The signed notes recorded for an agreement, in order.

        Raises:
            NotFound: the agreement is not imported.
        """
        with self._ctx.db.transaction(read_only=True) as session:
            self._get(session, agreement_id)
            return recorded_notes(session, agreement_id)

    def status(self, agreement_id: str, at: datetime | date) -> Status:
        """The agreement's state at ``at`` from its recorded notes (Art. 21).

        ``at`` is an aware instant (converted to the parties' date in the agreement's time
        zone) or a calendar date of the agreement.

        Raises:
            NotFound: the agreement is not imported.
            InvalidInput: ``at`` is a naive datetime.
        """
        with self._ctx.db.transaction(read_only=True) as session:
            return self.status_in(session, agreement_id, at)

    def covering(self, session: Session, party: str, *, wanted: str | None = None) -> Agreement:
        """The agreement under which this node's party deals with ``party`` (Arts. 4, 6, 21).

        ``wanted`` if given (both parties must be among its parties), else the only agreement
        imported here between the two. Whether it is in force, and whether a label may travel
        under it, are asked separately (:meth:`status_in`, :func:`accord.policy.may_travel`).

        Raises:
            NotFound: none is imported here.
            Conflict: several are; the caller must choose.
            PolicyDenied: ``wanted`` does not have both parties.
        """
        own = self._ctx.config.party
        if wanted is not None:
            agreement = self.get_in(session, wanted)
            if party not in agreement.party_codes or own not in agreement.party_codes:
                raise PolicyDenied(f"{party} is not a party to {agreement.id}")
            return agreement
        candidates = [
            agreement
            for agreement in (self.get_in(session, row.id) for row in self._rows(session))
            if {own, party} <= set(agreement.party_codes)
        ]
        if not candidates:
            raise NotFound(f"no agreement between {own} and {party} is imported here")
        if len(candidates) > 1:
            ids = ", ".join(a.id for a in candidates)
            raise Conflict(f"several agreements cover {own} and {party} ({ids}); choose one with --agreement")
        return candidates[0]

    def any_in_force_with(self, session: Session, party: str, at: datetime) -> Agreement:
        """Some agreement in force at ``at`` with ``party``, for messages that concern no item
        (witnessing) or that any agreement between the two may carry; the first by id.

        Raises:
            NotFound: there is none.
        """
        own = self._ctx.config.party
        for row in self._rows(session):
            agreement = self.get_in(session, row.id)
            if {own, party} <= set(agreement.party_codes) and self.status_in(
                session, agreement.id, at
            ).new_exchange_allowed:
                return agreement
        raise NotFound(f"no agreement in force between {own} and {party} is imported here")

    def known_parties(self, session: Session) -> set[str]:
        """Every party this node knows of: its own, those of the agreements imported here, those
        of the partners it has pinned, and those whose classification scheme is built in (an item
        may be marked for a partner before its agreement arrives; a made-up code has none of these)."""
        named = {code for row in self._rows(session) for code in self.get_in(session, row.id).party_codes}
        pinned = set(session.scalars(select(PartyRow.party)))
        schemes = {code for code in SCHEMES if is_party_code(code)}
        return named | pinned | schemes | {self._ctx.config.party}

    @staticmethod
    def _rows(session: Session) -> list[AgreementRow]:
        return list(session.scalars(select(AgreementRow).order_by(AgreementRow.id)))

    def status_in(self, session: Session, agreement_id: str, at: datetime | date) -> Status:
        """:meth:`status` inside the caller's transaction.

        Raises:
            NotFound: the agreement is not imported.
            InvalidInput: ``at`` is a naive datetime.
        """
        agreement = self._get(session, agreement_id)
        return status(agreement, [n.note for n in recorded_notes(session, agreement_id)], at)

    def today(self, agreement_id: str) -> date:
        """Today's date for the agreement: the parties' calendar date in its time zone.

        Raises:
            NotFound: the agreement is not imported.
        """
        return self.get(agreement_id).local_date(self._ctx.now())

    def note_warning(self, note: Note) -> str | None:
        """What the officer is told about a recorded note: late (Art. 21) or backdated, or None.

        Raises:
            NotFound: the agreement is not imported.
        """
        with self._ctx.db.transaction(read_only=True) as session:
            agreement = self._get(session, note.agreement_id)
            before = [n.note for n in recorded_notes(session, agreement.id) if n.note.id != note.id]
            return note_warning(agreement, before, note, agreement.local_date(self._ctx.now()))

    def get_in(self, session: Session, agreement_id: str) -> Agreement:
        """:meth:`get` inside the caller's transaction.

        Raises:
            NotFound: not imported here.
        """
        return self._get(session, agreement_id)

    # --- diplomatic notes -------------------------------------------------------------

    def issue_note(self, agreement_id: str, draft: NoteDraft, *, actor: str) -> SignedNote:
        """Give the note ``draft`` about the agreement as this node's party, sign it and record it.

        Raises:
            NotFound: the agreement is not imported.
            AgreementStateError: the note cannot follow the notes already recorded.
        """
        with self._ctx.work(
            actor, "agreement.note", detail={"agreement_id": agreement_id, "kind": draft.kind.value}
        ) as s:
            agreement = self._get(s, agreement_id)
            note = draft.given_by(self._ctx.config.party, agreement.id)
            return self._note_record.issue(s, agreement, note, actor)

    def import_note(self, note_text: str | bytes, *, actor: str) -> tuple[SignedNote, bool]:
        """Record a partner's signed note. Returns it and whether it is new.

        Raises:
            InvalidInput: the file is malformed.
            NotFound: the agreement is not imported, or the signer is not pinned.
            VerificationFailed: signed by a node of another party, or the signature is wrong.
            AgreementStateError: the note cannot follow the notes already recorded.
        """
        with self._ctx.work(actor, "agreement.note-import") as session:
            signed = SignedNote.parse(note_text)
            agreement = self._get(session, signed.note.agreement_id)
            return signed, self._note_record.import_(session, agreement, signed, actor)


@functools.lru_cache(maxsize=64)
def _loaded(toml_text: str) -> Agreement:
    # Stored agreements were checked at import; reading one is frequent (every send and
    # every received envelope re-checks the agreement), parsing TOML each time is not needed.
    return load_agreement(toml_text)

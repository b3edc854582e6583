"""Custody of what is held: numbered copies, translations, destruction (GSOMIA Arts. 6, 9–16).

* **copy** — an officer makes numbered copies ("copy 4 of 6"), each a row of its own that
  the holdings register accounts for; the numbering continues across requests. Decision
  point action ``copy`` (obligation ``number-copy``).
* **translate** — a derived item: the translated text sealed under a key of its own, the
  source's marking carried unchanged (the originator's label and controls, Art. 4 and
  obligation ``carry-markings``), linked to its source. It is *not* an item originated
  here: it lives beside the source (table ``item_translations``), is read under the
  source's decision (same marking, same originator, same consents), is never released on
  its own, and is destroyed with its source. The originator never signed the translated
  text, so its binding is a signature of **this** node (purpose ``translation``) over the
  source id and digest, the carried label, the language and the text's digest; it is
  verified with this node's own keys when the translation is shown.
* **destroy** — crypto-erase: the item's wrapped key and sealed content are overwritten
  (SQLite's ``secure_delete`` zeroes the freed bytes, the write-ahead log is truncated),
  the attachment keys are erased and their blobs deleted; copies and translations go with
  it. The metadata stays (marking, digests, binding, status ``destroyed``). The node
  signs a :class:`~accord.exchange.DestructionCertificate`; for a received item it goes
  to the originator as a ``destruction-certificate`` envelope, and the originator files
  it in its dissemination record (a certificate for an item it did not originate, or
  never provided to that node, is refused and quarantined).
"""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.canonical import canonical_json, format_time
from accord.crypto import DualSignature, new_data_key
from accord.errors import (
    AccordError,
    Conflict,
    IntegrityError,
    InvalidInput,
    ItemError,
    NotFound,
    PolicyDenied,
    VerificationFailed,
    Withheld,
)
from accord.exchange import DestructionCertificate, EnvelopeHeader, new_certificate_id
from accord.items import ItemContent, Precedence
from accord.limits import MAX_TEXT_BYTES, read_bounded
from accord.markings import Marking, banner, received_banner
from accord.node.core._context import NodeContext
from accord.node.holdings._access import AccessService
from accord.node.holdings._items import ItemService, destroyed_message
from accord.node.holdings._vault import (
    open_translation,
    seal_translation,
    unwrap_translation_key,
    wrap_translation_key,
)
from accord.node.originator._consents import ConsentService
from accord.node.registry._agreements import AgreementService
from accord.node.registry._parties import PartyService
from accord.node.registry._users import UserService
from accord.node.transfer._control import (
    Entry,
    Incoming,
    about_item,
    handle,
    not_on_record,
    originated_item,
    same_version,
    signed_by,
)
from accord.node.transfer._sending import SendingService
from accord.policy import Action
from accord.store import (
    AttachmentRow,
    ConsentRow,
    CopyRow,
    DestructionRow,
    ItemRow,
    OutboxRow,
    TranslationRow,
    append_event,
    format_stamp,
)

__all__ = ["CopyView", "CustodyService", "Destroyed", "TranslationView"]

MAX_COPIES = 100
_LANG = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{1,8}){0,3}")


@dataclass(frozen=True)
class CopyView:
    """One numbered copy of an item."""

    item_id: str
    number: int
    of: int
    made_by: str
    made_at: str
    status: str

    @property
    def label(self) -> str:
        """What is written on the copy: ``copy 4 of 6``."""
        return f"copy {self.number} of {self.of}"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "item_id": self.item_id,
            "number": self.number,
            "of": self.of,
            "label": self.label,
            "made_by": self.made_by,
            "made_at": self.made_at,
            "status": self.status,
        }


@dataclass(frozen=True)
class TranslationView:
    """A translation as shown to a person: the source's banners, the translated text."""

    id: str
    source_id: str
    lang: str
    marking: Marking
    content: ItemContent
    banners: tuple[str, ...]
    made_by: str
    made_at: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "id": self.id,
            "translation_of": self.source_id,
            "lang": self.lang,
            "banners": list(self.banners),
            "marking": self.marking.to_dict(),
            "content": self.content.to_dict(),
            "made_by": self.made_by,
            "made_at": self.made_at,
        }


@dataclass(frozen=True)
class Destroyed:
    """The outcome of a destruction: the signed certificate and who was told."""

    certificate: DestructionCertificate
    notified: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {"certificate": self.certificate.to_dict(), "notified": self.notified}


def _copy_view(row: CopyRow) -> CopyView:
    return CopyView(row.item_id, row.number, row.of, row.made_by, row.made_at, row.status)


def translation_statement(row: TranslationRow, source: ItemRow, node_id: str) -> bytes:
    """What this node signs for a translation: source, carried label, language, text digest."""
    return canonical_json(
        {
            "type": "accord-translation",
            "v": 1,
            "translation_id": row.id,
            "translation_of": source.id,
            "source_content_sha384": source.content_sha384,
            "originator_node": source.originator_node,
            "marking": json.loads(row.marking_json),
            "lang": row.lang,
            "content_sha384": row.content_sha384,
            "made_by": row.made_by,
            "made_at": row.made_at,
            "translated_at": node_id,
        }
    )


class CustodyService:
    """Copies, translations and destruction of items held here."""

    def __init__(
        self,
        ctx: NodeContext,
        parties: PartyService,
        agreements: AgreementService,
        users: UserService,
        items: ItemService,
        access: AccessService,
        sending: SendingService,
        consents: ConsentService,
    ) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx
        self._parties = parties
        self._agreements = agreements
        self._users = users
        self._items = items
        self._access = access
        self._sending = sending
        self._consents = consents

    # --- copies -------------------------------------------------------------------------

    def copy(self, item_id: str, *, count: int, actor: str) -> list[CopyView]:
        """Make ``count`` numbered copies of an item; numbering continues from earlier copies.

        Raises:
            InvalidInput: ``count`` is not 1–100.
            NotFound: no such item or user (or the item is withheld from ``actor``).
            PolicyDenied: ``actor`` may not copy it (role, clearance, need to know...).
            Conflict: the item was destroyed.
            IntegrityError: the item no longer verifies.
        """
        with self._ctx.work(actor, "item.copy", item_id=item_id, detail={"count": count}) as session:
            if not 1 <= count <= MAX_COPIES:
                raise InvalidInput(f"make from 1 to {MAX_COPIES} copies at a time, not {count}")
            now = self._ctx.now()
            row = self._checked(session, item_id, Action.COPY, actor, now)
            self._items.view_in(session, row)  # never copy what no longer verifies
            last = session.scalar(select(func.max(CopyRow.number)).where(CopyRow.item_id == item_id)) or 0
            of = last + count
            rows = [
                CopyRow(
                    item_id=item_id,
                    number=last + n,
                    of=of,
                    made_by=actor,
                    made_at=format_stamp(now),
                    status="held",
                )
                for n in range(1, count + 1)
            ]
            session.add_all(rows)
            append_event(
                session,
                at=now,
                actor=actor,
                action="item.copy",
                outcome="ok",
                item_id=item_id,
                detail={"numbers": [r.number for r in rows], "of": of},
            )
            return [_copy_view(r) for r in rows]

    def copies(self, session: Session, item_id: str) -> list[CopyView]:
        """The copies of an item, in number order (no policy check: callers decide)."""
        rows = session.scalars(select(CopyRow).where(CopyRow.item_id == item_id).order_by(CopyRow.number))
        return [_copy_view(r) for r in rows]

    # --- translations -------------------------------------------------------------------

    def translate(self, item_id: str, *, path: Path, lang: str, actor: str) -> TranslationView:
        """Make a translation of an item from the text in ``path``, in language ``lang``.

        Raises:
            InvalidInput: ``lang`` is not a language tag such as ``ko`` or ``ja``, or the file
                is larger than ``accord.limits.MAX_TEXT_BYTES`` (4 MiB; refused unread).
            ItemError: the file is not UTF-8 text.
            NotFound: the file cannot be read; no such item or user (or the item is withheld
                from ``actor``).
            PolicyDenied: ``actor`` may not translate it.
            Conflict: the item was destroyed.
            IntegrityError: the item no longer verifies.
        """
        detail = {"lang": lang}
        with self._ctx.work(actor, "item.translate", item_id=item_id, detail=detail) as session:
            lang = lang.strip()
            if not _LANG.fullmatch(lang):
                raise InvalidInput(f"{lang[:20]!r} is not a language tag such as ko, ja or en")
            translated = _read_text(path)
            now = self._ctx.now()
            row = self._checked(session, item_id, Action.TRANSLATE, actor, now)
            source = self._items.view_in(session, row)
            content = ItemContent(
                source.content.kind,
                source.content.title,
                translated,
                source.content.purpose,
                source.content.fields,
            )
            translation_id = f"tr-{uuid.uuid4().hex}"
            key = new_data_key()
            made = TranslationRow(
                id=translation_id,
                source_id=item_id,
                lang=lang,
                # The source's marking, unchanged: the same label and controls (Arts. 4, 16).
                marking_json=row.marking_json,
                content_sealed=seal_translation(key, content.canonical_bytes(), translation_id),
                wrapped_key=wrap_translation_key(self._ctx.data_key, key, translation_id),
                content_sha384=content.sha384(),
                signature_json="",
                made_by=actor,
                made_at=format_stamp(now),
                status="held",
            )
            signature = self._ctx.keys.sign(
                "translation", translation_statement(made, row, self._ctx.config.node_id)
            )
            made.signature_json = json.dumps(signature.to_dict(), sort_keys=True)
            session.add(made)
            append_event(
                session,
                at=now,
                actor=actor,
                action="item.translate",
                outcome="ok",
                item_id=item_id,
                detail={
                    "translation_id": translation_id,
                    "lang": lang,
                    "content_sha384": made.content_sha384,
                },
            )
            return TranslationView(
                translation_id, item_id, lang, source.marking, content, source.banners, actor, made.made_at
            )

    def show_translation(self, translation_id: str, *, actor: str) -> TranslationView:
        """A translation, if ``actor`` may read its source (same marking, same decision).

        Raises:
            NotFound: no such translation, or it is withheld, or it was destroyed.
            IntegrityError: its text or carried label no longer matches this node's signature.
        """
        with self._ctx.work(actor, "translation.read", item_id=translation_id) as session:
            now = self._ctx.now()
            user = self._users.get_in(session, actor)
            made = session.get(TranslationRow, translation_id)
            source = None if made is None else session.get(ItemRow, made.source_id)
            if made is None or source is None:
                raise NotFound(f"no item {translation_id!r} at this node")
            resource = replace(self._items.resource_of(source), item_id=translation_id)
            decision = self._access.require_read(session, user, resource, now)
            if made.status == "destroyed":
                raise NotFound(destroyed_message(translation_id, None))
            try:
                signature = DualSignature.from_dict(json.loads(made.signature_json))
                self._ctx.keys.public().verify(
                    "translation", translation_statement(made, source, self._ctx.config.node_id), signature
                )
                key = unwrap_translation_key(self._ctx.data_key, made.wrapped_key, made.id)
                plain = open_translation(key, made.content_sealed, made.id)
                content = ItemContent.from_dict(json.loads(plain))
                if content.sha384() != made.content_sha384:
                    raise VerificationFailed("the translated text does not match its digest")
                marking = Marking.from_dict(json.loads(made.marking_json))
            except (AccordError, ValueError) as exc:
                raise IntegrityError(
                    f"translation {translation_id}: its signature no longer verifies — text or label altered"
                ) from exc
            append_event(
                session,
                at=now,
                actor=actor,
                action="translation.read",
                outcome="ok",
                item_id=translation_id,
                detail={"translation_of": source.id, "obligations": list(decision.obligations)},
            )
            return TranslationView(
                made.id,
                source.id,
                made.lang,
                marking,
                content,
                self._banners(marking),
                made.made_by,
                made.made_at,
            )

    def translations(self, session: Session, item_id: str) -> list[TranslationRow]:
        """The translations of an item (no policy check: callers decide)."""
        return list(
            session.scalars(
                select(TranslationRow)
                .where(TranslationRow.source_id == item_id)
                .order_by(TranslationRow.made_at)
            )
        )

    # --- destruction --------------------------------------------------------------------

    def destroy(self, item_id: str, *, method: str, witness: str, actor: str) -> Destroyed:
        """Destroy an item's content before a witness; sign a certificate; tell the originator.

        Raises:
            NotFound: no such item or user (or the item is withheld from ``actor``), the
                witness is not a user here, or the originator's node is not pinned.
            PolicyDenied: ``actor`` may not destroy it, or the witness may not see it.
            InvalidInput: the witness is ``actor``, or the method is empty.
            Conflict: it was already destroyed.
            IntegrityError: the item no longer verifies (it is not certified as intact).
        """
        detail = {"method": method[:100], "witness": witness}
        blobs: list[str] = []
        with self._ctx.work(actor, "item.destroy", item_id=item_id, detail=detail) as session:
            now = self._ctx.now()
            own = self._ctx.config
            row = self._checked(session, item_id, Action.DESTROY, actor, now)
            self._check_witness(session, row, witness, actor, now)
            view = self._items.view_in(session, row)
            copies = session.scalars(
                select(CopyRow).where(CopyRow.item_id == item_id, CopyRow.status == "held")
            ).all()
            certificate = DestructionCertificate.make(
                self._ctx.keys,
                certificate_id=new_certificate_id(),
                item_id=item_id,
                content_sha384=row.content_sha384,
                originator_party=row.originator_party,
                originator_node=row.originator_node,
                holder_party=own.party,
                holder_node=own.node_id,
                method=method,
                destroyed_by=actor,
                witness=witness,
                destroyed_at=format_time(now),
                copies=len(copies),
            )
            blobs = self._erase(session, row)
            for copy in copies:
                copy.status = "destroyed"
            session.add(
                DestructionRow(
                    id=certificate.certificate_id,
                    direction="issued",
                    item_id=item_id,
                    holder_node=own.node_id,
                    certificate_json=certificate.to_bytes().decode("utf-8"),
                    destroyed_at=certificate.destroyed_at,
                    recorded_at=format_stamp(now),
                )
            )
            notified = None
            if row.originator_node != own.node_id:
                # Arts. 6, 16: the originator accounts for what it provided; it gets the certificate.
                card = self._parties.card(session, row.originator_node)
                self._sending.enqueue(
                    session,
                    kind="destruction-certificate",
                    card=card,
                    agreement=self._agreement_of(session, view.marking, row.originator_party),
                    precedence=Precedence.ROUTINE,
                    item_id=item_id,
                    payload=certificate.to_bytes(),
                    actor=actor,
                    now=now,
                )
                notified = card.node_id
            append_event(
                session,
                at=now,
                actor=actor,
                action="item.destroy",
                outcome="ok",
                item_id=item_id,
                detail={
                    "certificate_id": certificate.certificate_id,
                    "method": certificate.method,
                    "witness": witness,
                    "copies": len(copies),
                    "attachments": len(blobs),
                    "notified": notified,
                },
            )
        # The keys are gone with the commit; the ciphertext blobs go after it (a failure here
        # leaves only ciphertext that nothing can open).
        for blob_id in blobs:
            self._ctx.blobs.delete(blob_id)
        self._truncate_log()
        return Destroyed(certificate, notified)

    def certificate(self, item_id: str, *, actor: str) -> DestructionCertificate:
        """The destruction certificate this node issued for an item.

        Raises:
            NotFound: no such item (or withheld), or it was not destroyed here.
        """
        with self._ctx.work(actor, "item.certificate", item_id=item_id) as session:
            now = self._ctx.now()
            user = self._users.get_in(session, actor)
            row = session.get(ItemRow, item_id)
            if row is None:
                raise NotFound(f"no item {item_id!r} at this node")
            self._access.require_read(session, user, self._items.resource_of(row), now)
            found = session.scalar(
                select(DestructionRow).where(
                    DestructionRow.item_id == item_id, DestructionRow.direction == "issued"
                )
            )
            if found is None:
                raise NotFound(f"item {item_id} was not destroyed here: there is no certificate")
            append_event(
                session,
                at=now,
                actor=actor,
                action="item.certificate",
                outcome="ok",
                item_id=item_id,
                detail={"certificate_id": found.id},
            )
            return DestructionCertificate.parse(found.certificate_json)

    def incoming(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str, now: datetime
    ) -> Incoming:
        """Check a destruction certificate from a holder, in the originator's snapshot.

        Raises:
            InvalidInput: malformed.
            PolicyDenied: not from the holder it names, or the item was never provided to it.
            VerificationFailed: not signed by the holder, or for another version of the item.
            NotFound: this node did not originate the item.
            Conflict: the certificate is already on record.
        """
        own = self._ctx.config
        sender = header.sender

        def locate(certificate: DestructionCertificate) -> ItemRow:
            missing = (
                f"a destruction certificate for item {certificate.item_id}, which this node did not originate"
            )
            if certificate.originator_node != own.node_id:
                raise NotFound(missing)
            return originated_item(session, certificate.item_id, own.node_id, missing)

        def check(certificate: DestructionCertificate, row: ItemRow) -> None:
            refusal = f"a destruction certificate for another version of item {row.id}"
            same_version(row, certificate.content_sha384, refusal)
            if not self._provided(session, row.id, sender, sender_party):
                raise PolicyDenied(
                    f"a destruction certificate for item {row.id}, which was never provided to {sender}"
                )
            not_on_record(
                session,
                DestructionRow,
                certificate.certificate_id,
                f"destruction certificate {certificate.certificate_id} is already on record",
            )

        def apply(
            session: Session, certificate: DestructionCertificate, row: ItemRow, now: datetime
        ) -> Entry:
            session.add(
                DestructionRow(
                    id=certificate.certificate_id,
                    direction="received",
                    item_id=certificate.item_id,
                    holder_node=sender,
                    certificate_json=certificate.to_bytes().decode("utf-8"),
                    destroyed_at=certificate.destroyed_at,
                    recorded_at=format_stamp(now),
                )
            )
            return Entry(
                item_id=certificate.item_id,
                detail={
                    "certificate_id": certificate.certificate_id,
                    "holder": sender,
                    "method": certificate.method,
                    "witness": certificate.witness,
                    "copies": certificate.copies,
                },
            )

        return handle(
            session,
            header,
            plaintext,
            parse=DestructionCertificate.parse,
            authenticate=signed_by(
                session,
                header,
                sender_party,
                self._parties.signer,
                lambda c: (c.holder_node, c.holder_party),
                "a destruction certificate must come from the holder that destroyed the item",
            ),
            locate=locate,
            check=check,
            apply=apply,
            journal="item.destroy.received",
            receipt=lambda _, row, applied: about_item(row, own.scheme, applied),
        )

    # --- helpers ------------------------------------------------------------------------

    def _checked(self, session: Session, item_id: str, action: Action, actor: str, now: datetime) -> ItemRow:
        """The item, once the decision point permits ``action``; refused if destroyed."""
        user = self._users.get_in(session, actor)
        row = session.get(ItemRow, item_id)
        if row is None:
            raise NotFound(f"no item {item_id!r} at this node")
        self._access.require(session, user, action, self._items.resource_of(row), now)
        if row.status == "destroyed":
            raise Conflict(destroyed_message(item_id, None))
        return row

    def _check_witness(self, session: Session, row: ItemRow, witness: str, actor: str, now: datetime) -> None:
        if witness == actor:
            raise InvalidInput("the witness must be another person than the one who destroys the item")
        try:
            user = self._users.get_in(session, witness)
        except NotFound as exc:
            raise NotFound(f"the witness {witness!r} is not a user of this node") from exc
        try:
            self._access.require_read(session, user, self._items.resource_of(row), now)
        except Withheld as exc:
            # The actor may read the item: naming the witness's missing clearance reveals nothing.
            raise PolicyDenied(f"the witness {witness} may not see this item: {exc.reason}") from exc

    def _erase(self, session: Session, row: ItemRow) -> list[str]:
        """Crypto-erase the item, its attachments' keys and its translations; return the blob ids."""
        if session.get_bind().dialect.name == "sqlite":
            # Zero the bytes the overwritten key and content leave in the database file.
            session.execute(text("PRAGMA secure_delete=ON"))
        row.wrapped_key = b""
        row.content_sealed = b""
        row.status = "destroyed"
        blobs = []
        for att in session.scalars(select(AttachmentRow).where(AttachmentRow.item_id == row.id)):
            att.wrapped_key = b""
            blobs.append(att.blob_id)
        for made in self.translations(session, row.id):
            made.wrapped_key = b""
            made.content_sealed = b""
            made.status = "destroyed"
        session.flush()
        return blobs

    def _truncate_log(self) -> None:
        """Empty SQLite's write-ahead log, which still holds the pages as they were before."""
        engine = self._ctx.db.engine
        if engine.dialect.name != "sqlite":
            return
        # Outside any transaction (a checkpoint cannot run inside one). Best effort: a reader
        # holding an old snapshot makes it wait and give up; the next destruction retries.
        raw = engine.raw_connection()
        try:
            raw.driver_connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # type: ignore[union-attr]
        except sqlite3.Error:
            pass
        finally:
            raw.close()

    def _agreement_of(self, session: Session, marking: Marking, originator_party: str) -> Agreement:
        """The agreement the item was provided under (the certificate travels under it)."""
        own = marking.for_scheme(self._ctx.config.scheme) or marking.originator
        wanted = own.agreement or marking.originator.agreement
        if wanted is not None:
            try:
                return self._agreements.get_in(session, wanted)
            except NotFound:
                pass
        return self._agreements.covering(session, originator_party)

    @staticmethod
    def _provided(session: Session, item_id: str, node_id: str, party: str) -> bool:
        """Whether the dissemination record shows the item went to ``node_id`` (or its party, by consent)."""
        sent = session.scalar(
            select(OutboxRow.message_id).where(
                OutboxRow.item_id == item_id, OutboxRow.peer == node_id, OutboxRow.kind == "item"
            )
        )
        if sent is not None:
            return True
        consented = session.scalar(
            select(ConsentRow.id).where(
                ConsentRow.item_id == item_id,
                ConsentRow.direction == "in",
                ConsentRow.third_party == party,
                ConsentRow.status.in_(("approved", "revoked")),
            )
        )
        return consented is not None

    def _banners(self, marking: Marking) -> tuple[str, ...]:
        own = self._ctx.config.scheme
        if marking.originator.policy != own:
            return (received_banner(marking, own), banner(marking.originator))
        return (banner(marking.originator),)


def _read_text(path: Path) -> str:
    data = read_bounded(path, limit=MAX_TEXT_BYTES, what=f"translation file {path}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ItemError(f"{path} is not UTF-8 text") from exc

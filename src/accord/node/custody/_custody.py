"""Custody of what is held: numbered copies, translations, destruction (GSOMIA Arts. 6, 9–16).

:class:`CustodyService` is the wing's façade (the CLI, both APIs and the tests call it);
each concern lives in a module of its own:

* **copy** — :mod:`._copies`: numbered copies ("copy 4 of 6"), the numbering continuing
  across requests (Art. 13; decision point action ``copy``, obligation ``number-copy``);
* **translate** — :mod:`._translations`: a derived item under its source's marking and
  decision, bound by this node's signature (Arts. 13–14);
* **destroy** — :mod:`._destruction`: crypto-erase before a witness, a signed
  :class:`~accord.exchange.DestructionCertificate`, sent to the originator of a received
  item (Arts. 6, 16).

At the originator, :meth:`CustodyService.incoming` files a holder's certificate in its
dissemination record; a certificate for an item it did not originate, or never provided to
that node (:func:`~accord.node.custody._provision.provided_to`), is refused and quarantined.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from accord.errors import (
    InvalidInput,
    PolicyDenied,
)
from accord.exchange import DestructionCertificate, EnvelopeHeader
from accord.items import DestructionDirection
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.custody._copies import MAX_COPIES, CopyView, copies_of, copy_view, number_copies
from accord.node.custody._destruction import Destroyed, Destruction, certificate_row
from accord.node.custody._provision import provided_to
from accord.node.custody._translations import Translations, TranslationView, translations_of
from accord.node.originator._consents import ConsentService
from accord.node.originator._gate import ItemGate
from accord.node.transfer._control import (
    Entry,
    Incoming,
    Received,
    Steps,
    handle,
    not_on_record,
    originated_here,
    receipt_of_item,
    same_version,
    signed_by,
)
from accord.node.transfer._services import Services
from accord.policy import Action
from accord.store import (
    DestructionRepository,
    ItemRow,
    TranslationRow,
)

__all__ = ["CopyView", "CustodyService", "Destroyed", "TranslationView"]


class CustodyService(ItemGate):
    """Copies, translations and destruction of items held here."""

    # The one answer to "was this item provided to that node?" (Arts. 6, 16).
    _provided = staticmethod(provided_to)

    def __init__(self, services: Services, consents: ConsentService) -> None:
        """Serve the node behind ``services.ctx``."""
        super().__init__(services)
        self._consents = consents
        self._translations = Translations(services)
        self._destruction = Destruction(services)

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
            row = self.permitted(session, item_id, Action.COPY, actor, now)
            self._items.view_in(session, row)  # never copy what no longer verifies
            rows = number_copies(session, item_id, count, actor, now)
            journal_done(
                session,
                Act(actor, now),
                "item.copy",
                item_id=item_id,
                detail={"numbers": [r.number for r in rows], "of": rows[-1].of},
            )
            return [copy_view(r) for r in rows]

    def copies(self, session: Session, item_id: str) -> list[CopyView]:
        """The copies of an item, in number order (no policy check: callers decide)."""
        return copies_of(session, item_id)

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
        return self._translations.translate(item_id, path=path, lang=lang, actor=actor)

    def show_translation(self, translation_id: str, *, actor: str) -> TranslationView:
        """A translation, if ``actor`` may read its source (same marking, same decision).

        Raises:
            NotFound: no such translation, or it is withheld, or it was destroyed.
            IntegrityError: its text or carried label no longer matches this node's signature.
        """
        return self._translations.show(translation_id, actor=actor)

    def translations(self, session: Session, item_id: str) -> list[TranslationRow]:
        """The translations of an item (no policy check: callers decide)."""
        return translations_of(session, item_id)

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
        return self._destruction.destroy(item_id, method=method, witness=witness, actor=actor)

    def certificate(self, item_id: str, *, actor: str) -> DestructionCertificate:
        """The destruction certificate this node issued for an item.

        Raises:
            NotFound: no such item (or withheld), or it was not destroyed here.
        """
        return self._destruction.certificate(item_id, actor=actor)

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
            return originated_here(
                session, certificate.item_id, certificate.originator_node, own.node_id, missing
            )

        def check(certificate: DestructionCertificate, row: ItemRow) -> None:
            refusal = f"a destruction certificate for another version of item {row.id}"
            same_version(row, certificate.content_sha384, refusal)
            if not self._provided(session, row.id, sender, sender_party):
                raise PolicyDenied(
                    f"a destruction certificate for item {row.id}, which was never provided to {sender}"
                )
            not_on_record(
                DestructionRepository(session).get(certificate.certificate_id),
                f"destruction certificate {certificate.certificate_id} is already on record",
            )

        return handle(
            header,
            plaintext,
            Steps(
                parse=DestructionCertificate.parse,
                authenticate=signed_by(
                    Received(session, header, sender_party),
                    self._parties.signer,
                    lambda c: (c.holder_node, c.holder_party),
                    "a destruction certificate must come from the holder that destroyed the item",
                ),
                locate=locate,
                check=check,
                apply=lambda write, certificate, _, now: _file_certificate(write, certificate, sender, now),
                journal="item.destroy.received",
                receipt=receipt_of_item(own.scheme),
            ),
        )


def _file_certificate(
    session: Session, certificate: DestructionCertificate, sender: str, now: datetime
) -> Entry:
    """Apply a holder's destruction certificate: file it as received, for the journal."""
    DestructionRepository(session).add(
        certificate_row(certificate, DestructionDirection.RECEIVED, sender, now)
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

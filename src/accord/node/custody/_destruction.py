"""Destruction before a witness, with a signed certificate to the originator (GSOMIA Arts. 6, 16).

Destruction is a crypto-erase: the item's wrapped key and sealed content are overwritten
(SQLite's ``secure_delete`` zeroes the freed bytes, the write-ahead log is truncated), the
attachment keys are erased and their blobs deleted; copies and translations go with it. The
metadata stays (marking, digests, binding, status ``destroyed``). The node signs a
:class:`~accord.exchange.DestructionCertificate`; for a received item it goes to the
originator as a ``destruction-certificate`` envelope (the originator's side is
``CustodyService.incoming``).
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import text
from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.canonical import format_time
from accord.errors import InvalidInput, NotFound, PolicyDenied, Withheld
from accord.exchange import UNSIGNED, DestructionCertificate, new_certificate_id
from accord.items import DestructionDirection, HoldingState, Precedence
from accord.json_view import JsonView
from accord.markings import Marking
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.custody._translations import translations_of
from accord.node.holdings._search_index import SearchIndex
from accord.node.originator._gate import ItemGate
from accord.node.transfer._sealing import Outgoing
from accord.policy import Action
from accord.store import (
    CopyRepository,
    DestructionRepository,
    DestructionRow,
    ItemRepository,
    ItemRow,
    format_stamp,
)

__all__ = ["Destroyed", "Destruction", "certificate_row"]


@dataclass(frozen=True)
class Destroyed(JsonView):
    """The outcome of a destruction: the signed certificate and who was told."""

    certificate: DestructionCertificate
    notified: str | None


class Destruction(ItemGate):
    """Destroy items held here, certify it, tell the originator (Arts. 6, 16)."""

    def destroy(self, item_id: str, *, method: str, witness: str, actor: str) -> Destroyed:
        """Destroy an item before a witness; see :meth:`CustodyService.destroy` (same ``Raises``)."""
        detail = {"method": method[:100], "witness": witness}
        blobs: list[str] = []
        with self._ctx.work(actor, "item.destroy", item_id=item_id, detail=detail) as session:
            now = self._ctx.now()
            act = Act(actor, now)
            # Arts. 6, 16: a holding nobody may read any more (its consent revoked) is still
            # destroyed, with its certificate to the originator.
            row = self.accountable(session, item_id, Action.DESTROY, actor, now)
            self._check_witness(session, row, witness, actor, now)
            marking = self._items.view_in(session, row).marking
            copies = CopyRepository(session).held_copies(item_id)
            certificate = self._certificate(row, method, witness, len(copies), act)
            blobs = self._erase(session, row)
            SearchIndex(self._ctx).forget(session, row.id)
            for copy in copies:
                copy.status = HoldingState.DESTROYED
            DestructionRepository(session).add(
                certificate_row(certificate, DestructionDirection.ISSUED, self._ctx.config.node_id, now)
            )
            notified = self._tell_originator(session, row, marking, certificate, act)
            journal_done(
                session,
                act,
                "item.destroy",
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

    def _certificate(
        self, row: ItemRow, method: str, witness: str, copies: int, act: Act
    ) -> DestructionCertificate:
        """The certificate this node signs for the destruction of ``row``."""
        own = self._ctx.config
        return DestructionCertificate(
            certificate_id=new_certificate_id(),
            item_id=row.id,
            content_sha384=row.content_sha384,
            originator_party=row.originator_party,
            originator_node=row.originator_node,
            holder_party=own.party,
            holder_node=own.node_id,
            method=method,
            destroyed_by=act.actor,
            witness=witness,
            destroyed_at=format_time(act.now),
            copies=copies,
            signature=UNSIGNED,
        ).signed_with(self._ctx.keys)

    def _tell_originator(
        self,
        session: Session,
        row: ItemRow,
        marking: Marking,
        certificate: DestructionCertificate,
        act: Act,
    ) -> str | None:
        """Send the certificate to the originator of a received item; return its node (or None)."""
        if row.originator_node == self._ctx.config.node_id:
            return None
        # Arts. 6, 16: the originator accounts for what it provided; it gets the certificate.
        card = self._parties.card(session, row.originator_node)
        self._sending.enqueue(
            session,
            Outgoing(
                kind="destruction-certificate",
                card=card,
                agreement=self._agreement_of(session, marking, row.originator_party),
                precedence=Precedence.ROUTINE,
                item_id=row.id,
                payload=certificate.to_bytes(),
            ),
            act,
        )
        return card.node_id

    def certificate(self, item_id: str, *, actor: str) -> DestructionCertificate:
        """The certificate issued here; see :meth:`CustodyService.certificate` (same ``Raises``)."""
        with self._ctx.work(actor, "item.certificate", item_id=item_id) as session:
            now = self._ctx.now()
            self.readable(session, item_id, actor, now, accounting=True)
            found = DestructionRepository(session).issued_for(item_id)
            if found is None:
                raise NotFound(f"item {item_id} was not destroyed here: there is no certificate")
            journal_done(
                session,
                Act(actor, now),
                "item.certificate",
                item_id=item_id,
                detail={"certificate_id": found.id},
            )
            return DestructionCertificate.parse(found.certificate_json)

    def _check_witness(self, session: Session, row: ItemRow, witness: str, actor: str, now: datetime) -> None:
        if witness == actor:
            raise InvalidInput("the witness must be another person than the one who destroys the item")
        try:
            user = self._users.get_in(session, witness)
        except NotFound as exc:
            raise NotFound(f"the witness {witness!r} is not a user of this node") from exc
        try:
            self._access.require_read(session, user, self.accounted(session, [row])[0], now)
        except Withheld as exc:
            # The actor may read the item: naming the witness's missing clearance reveals nothing.
            raise PolicyDenied(f"the witness {witness} may not see this item: {exc.reason}") from exc

    @staticmethod
    def _erase(session: Session, row: ItemRow) -> list[str]:
        """Crypto-erase the item, its attachments' keys and its translations; return the blob ids."""
        if session.get_bind().dialect.name == "sqlite":
            # Zero the bytes the overwritten key and content leave in the database file.
            session.execute(text("PRAGMA secure_delete=ON"))
        row.wrapped_key = b""
        row.content_sealed = b""
        row.status = HoldingState.DESTROYED
        blobs = []
        for att in ItemRepository(session).attachments(row.id):
            att.wrapped_key = b""
            blobs.append(att.blob_id)
        for made in translations_of(session, row.id):
            made.wrapped_key = b""
            made.content_sealed = b""
            made.status = HoldingState.DESTROYED
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
        wanted = marking.agreement_in(self._ctx.config.scheme)
        if wanted is not None:
            try:
                return self._agreements.get_in(session, wanted)
            except NotFound:
                pass
        return self._agreements.covering(session, originator_party)


def certificate_row(
    certificate: DestructionCertificate, direction: DestructionDirection, holder_node: str, now: datetime
) -> DestructionRow:
    """The record of a destruction certificate: issued here, or received from the holder ``holder_node``."""
    return DestructionRow(
        id=certificate.certificate_id,
        direction=direction,
        item_id=certificate.item_id,
        holder_node=holder_node,
        certificate_json=certificate.to_bytes().decode("utf-8"),
        destroyed_at=certificate.destroyed_at,
        recorded_at=format_stamp(now),
    )

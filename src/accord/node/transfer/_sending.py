"""Sending: checks with reasons, then an envelope per recipient node in the durable outbox.

``send`` refuses, saying why, unless (GSOMIA Arts. 4, 6, 21): the agreement between the two
parties is in force today; the item's level has an equivalent in the recipient's scheme;
its topics are within the agreement's topic scope (TISA); the recipient is in the label's
*Releasable To*; the item was originated here, or its originator's consent to this onward
release is held (Art. 6). The envelope is sealed at once (HPKE to the recipient's pinned
key, the agreement's suite) and written to the outbox in the same transaction as the
journal entry; the delivery worker sends it. Nothing in the outbox is ever deleted:
receipted rows are the dissemination record.

:class:`SendingService` is the façade; the checks live in :mod:`._release`, the sealing of
an envelope into the outbox in :mod:`._sealing`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.agreements import Agreement, Status
from accord.errors import NotFound
from accord.exchange import IdentityCard, ItemPayload
from accord.items import Precedence
from accord.node.registry._users import User
from accord.node.transfer._release import Authorised, ReleaseChecks
from accord.node.transfer._sealing import Sent, seal_into_outbox, suite_of
from accord.node.transfer._services import Footing
from accord.store import ItemRepository, NewEvent, PartyRow, append_event

__all__ = ["SendingService", "Sent", "suite_of"]


class SendingService:
    """Release of items to partner nodes."""

    def __init__(self, footing: Footing) -> None:
        """Serve the node behind ``footing.ctx`` (its registry and holdings)."""
        ctx, parties, agreements = footing.ctx, footing.parties, footing.agreements
        items, access = footing.items, footing.access
        self._ctx = ctx
        self._parties = parties
        self._agreements = agreements
        self._users = footing.users
        self._items = items
        self._access = access
        self._release = ReleaseChecks(ctx, agreements, items, access, parties)

    def send(
        self,
        item_id: str,
        *,
        to: str,
        actor: str,
        precedence: Precedence | None = None,
        agreement_id: str | None = None,
    ) -> list[Sent]:
        """Check the release and put one envelope per node of party ``to`` in the outbox.

        Raises:
            NotFound: no such item, user, agreement, or no pinned node of ``to``.
            PolicyDenied: the user may not release, the item is not releasable to ``to``,
                its topics are outside the agreement's scope, or it was not originated here.
            TranslationRefused: the level has no equivalent in the recipient's scheme.
            AgreementStateError: the agreement is not in force today.
        """
        return self.send_many([item_id], to=to, actor=actor, precedence=precedence, agreement_id=agreement_id)

    def send_many(
        self,
        item_ids: Sequence[str],
        *,
        to: str,
        actor: str,
        precedence: Precedence | None = None,
        agreement_id: str | None = None,
    ) -> list[Sent]:
        """:meth:`send` for several items in one transaction: all are queued, or none.

        Raises:
            NotFound, PolicyDenied, TranslationRefused, AgreementStateError: as :meth:`send`,
                for the first item refused (nothing is queued then).
        """
        to = to.strip().upper()
        first = item_ids[0] if len(item_ids) == 1 else None
        detail: dict[str, object] = {"to": to, "items": len(item_ids)}
        urgent = precedence is Precedence.FLASH or self._any_flash(item_ids)
        with self._ctx.work(actor, "item.send", item_id=first, detail=detail, urgent=urgent) as session:
            user = self._users.get_in(session, actor)
            now = self._ctx.now()
            peers: list[IdentityCard] = []
            sent: list[Sent] = []
            checked: dict[str | None, tuple[Agreement, Status]] = {}
            for item_id in item_ids:
                sent.extend(
                    self._send_one(session, item_id, to, peers, user, precedence, agreement_id, now, checked)
                )
        if urgent:
            self._ctx.flash_committed()
        return sent

    def _any_flash(self, item_ids: Sequence[str]) -> bool:
        with self._ctx.db.transaction(read_only=True) as session:
            return ItemRepository(session).any_of_precedence(item_ids, Precedence.FLASH)

    def _send_one(
        self,
        session: Session,
        item_id: str,
        to: str,
        peers: list[IdentityCard],
        user: User,
        precedence: Precedence | None,
        agreement_id: str | None,
        now: datetime,
        checked: dict[str | None, tuple[Agreement, Status]],
    ) -> list[Sent]:
        row = ItemRepository(session).get(item_id)
        if row is None:
            raise NotFound(f"no item {item_id!r} at this node")
        release = self._release.authorise(session, row, user, to, agreement_id, now, checked)
        if not peers:  # looked up once, after the first item's checks (their reasons come first)
            peers.extend(self.peers_in(session, to))
        payload = self._release.payload(session, row, release.view, release.consent)
        chosen = precedence or release.view.precedence
        return [
            self._queue(session, row.id, to, card, release, chosen, payload, user.name, now) for card in peers
        ]

    def _queue(
        self,
        session: Session,
        item_id: str,
        to: str,
        card: IdentityCard,
        release: Authorised,
        chosen: Precedence,
        payload: ItemPayload,
        actor: str,
        now: datetime,
    ) -> Sent:
        """Put the item's envelope to one node in the outbox; journal ``item.send``."""
        blobs = [{"blob_id": a.blob_id, "size": a.blob_size} for a in payload.attachments]
        queued = self.enqueue(
            session,
            kind="item",
            card=card,
            agreement=release.agreement,
            precedence=chosen,
            item_id=item_id,
            payload=payload.to_bytes(),
            blobs=blobs,
            actor=actor,
            now=now,
        )
        detail: dict[str, object] = {
            "to": to,
            "peer": card.node_id,
            "message_id": queued.message_id,
            "agreement_id": release.agreement.id,
            "precedence": chosen.value,
            "digest": queued.digest,
            "obligations": list(release.decision.obligations),
        }
        if release.consent is not None:
            detail["consent"] = release.consent.token_id
        append_event(
            session,
            NewEvent(at=now, actor=actor, action="item.send", outcome="ok", item_id=item_id, detail=detail),
            flush=False,
        )
        return queued

    def enqueue(
        self,
        session: Session,
        *,
        kind: str,
        card: IdentityCard,
        agreement: Agreement,
        precedence: Precedence,
        item_id: str,
        payload: bytes,
        actor: str,
        now: datetime,
        blobs: Sequence[dict[str, object]] = (),
    ) -> Sent:
        """Seal one envelope of type ``kind`` to ``card`` and put it in the outbox.

        Items and the consent and notice messages about them travel the same way: the
        agreement's suite, the peer's sequence, the delivery worker, receipts.
        """
        return seal_into_outbox(
            session,
            self._ctx.config.node_id,
            kind=kind,
            card=card,
            agreement=agreement,
            precedence=precedence,
            item_id=item_id,
            payload=payload,
            actor=actor,
            now=now,
            blobs=blobs,
        )

    def peers_in(self, session: Session, party: str) -> list[IdentityCard]:
        """The pinned nodes of ``party``.

        Raises:
            NotFound: none is pinned here.
        """
        rows = session.scalars(
            select(PartyRow).where(PartyRow.party == party).order_by(PartyRow.node_id)
        ).all()
        if not rows:
            raise NotFound(f"no node of {party} is pinned here (accord party add CARD)")
        return [IdentityCard.parse(row.card_json) for row in rows]

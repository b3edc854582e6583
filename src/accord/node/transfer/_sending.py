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

from collections.abc import Mapping, Sequence
from typing import TypedDict, Unpack

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.errors import NotFound
from accord.exchange import IdentityCard, ItemPayload
from accord.items import Precedence
from accord.node.core._principal import Act
from accord.node.holdings._verifying import Prefetched
from accord.node.transfer._release import Authorised, ReleaseChecks, ReleaseRequest
from accord.node.transfer._sealing import Outgoing, Sent, seal_into_outbox, suite_of
from accord.node.transfer._services import Footing, FootingBase
from accord.store import ItemRepository, NewEvent, PartyRow, append_event

__all__ = ["Outgoing", "SendTerms", "SendingService", "Sent", "suite_of"]


class _Whom(TypedDict):
    # The terms every release names; a class of its own (not ``Required[...]``) so that the
    # run-time check below sees them as required too (Python 3.11 cannot read ``Required``
    # from postponed annotations).
    to: str
    actor: str


class SendTerms(_Whom, total=False):
    """To whom and how :meth:`SendingService.send` (and ``send_many``) release: keyword arguments.

    Attributes:
        to: The recipient party (every pinned node of it gets an envelope). Required.
        actor: The user who releases. Required.
        precedence: The envelopes' precedence; not given or ``None``: the item's own.
        agreement_id: The agreement asked for; not given or ``None``: the one that covers ``to``.
    """

    precedence: Precedence | None
    agreement_id: str | None


def _check_terms(terms: Mapping[str, object]) -> None:
    # mypy checks the callers it sees; this keeps a misspelt or missing term (a script's,
    # a test's) from being dropped silently — an agreement asked for must never fall back
    # to "the one that covers `to`" because its keyword was wrong.
    known = SendTerms.__required_keys__ | SendTerms.__optional_keys__
    unknown = sorted(terms.keys() - known)
    missing = sorted(SendTerms.__required_keys__ - terms.keys())
    if unknown or missing:
        raise TypeError(f"send terms: unknown {unknown}, missing {missing}")


class SendingService(FootingBase):
    """Release of items to partner nodes."""

    def __init__(self, footing: Footing) -> None:
        """Serve the node behind ``footing.ctx`` (its registry and holdings)."""
        super().__init__(footing)
        self._release = ReleaseChecks(footing)

    def send(self, item_id: str, **terms: Unpack[SendTerms]) -> list[Sent]:
        """Check the release and put one envelope per node of party ``to`` in the outbox.

        ``terms``: see :class:`SendTerms`.

        Raises:
            NotFound: no such item, user, agreement, or no pinned node of ``to``.
            PolicyDenied: the user may not release, the item is not releasable to ``to``,
                its topics are outside the agreement's scope, or it was not originated here.
            TranslationRefused: the level has no equivalent in the recipient's scheme.
            AgreementStateError: the agreement is not in force today.
        """
        return self.send_many([item_id], **terms)

    def send_many(self, item_ids: Sequence[str], **terms: Unpack[SendTerms]) -> list[Sent]:
        """:meth:`send` for several items in one transaction: all are queued, or none.

        Raises:
            NotFound, PolicyDenied, TranslationRefused, AgreementStateError: as :meth:`send`,
                for the first item refused (nothing is queued then).
        """
        _check_terms(terms)
        if terms.get("precedence") is Precedence.FLASH or self._any_flash(item_ids):
            return self._send_all(item_ids, terms, urgent=True)
        # Routine work checks and seals without SQLite's write lock and takes it only to write,
        # so that FLASH work waits for the writes, not for the checks (issue 14); if another
        # writer got in first, it is done again, at last holding the lock throughout.
        return self._ctx.optimistically(
            lambda optimistic: self._send_all(item_ids, terms, optimistic=optimistic)
        )

    def _send_all(
        self, item_ids: Sequence[str], terms: SendTerms, *, urgent: bool = False, optimistic: bool = False
    ) -> list[Sent]:
        to, actor = terms["to"].strip().upper(), terms["actor"]
        precedence, agreement_id = terms.get("precedence"), terms.get("agreement_id")
        first = item_ids[0] if len(item_ids) == 1 else None
        detail: dict[str, object] = {"to": to, "items": len(item_ids)}
        working = (
            self._ctx.optimistic_work(actor, "item.send", item_id=first, detail=detail)
            if optimistic
            else self._ctx.work(actor, "item.send", item_id=first, detail=detail, urgent=urgent)
        )
        with working as session:
            user = self._users.get_in(session, actor)
            # The rows, attachments, notices and consents of all the items: one query each,
            # not one each per item.
            rows = {row.id: row for row in ItemRepository(session).among(item_ids)}
            prefetched = Prefetched.read(session, self._parties, list(rows))
            consented = self._items.consented_among(session, list(rows))
            request = ReleaseRequest(
                session, user, to, agreement_id, self._ctx.now(), {}, rows, prefetched, consented
            )
            peers: list[IdentityCard] = []
            sent: list[Sent] = []
            for item_id in item_ids:
                sent.extend(self._send_one(request, item_id, precedence, peers))
            sealed = urgent and self._ctx.seal_within(session)
        if urgent:
            self._ctx.flash_committed(sealed=sealed)
        return sent

    def _any_flash(self, item_ids: Sequence[str]) -> bool:
        with self._ctx.db.transaction(read_only=True) as session:
            return ItemRepository(session).any_of_precedence(item_ids, Precedence.FLASH)

    def _send_one(
        self, request: ReleaseRequest, item_id: str, precedence: Precedence | None, peers: list[IdentityCard]
    ) -> list[Sent]:
        session = request.session
        row = request.rows.get(item_id)
        if row is None:
            raise NotFound(f"no item {item_id!r} at this node")
        release = self._release.authorise(request, row)
        if not peers:  # looked up once, after the first item's checks (their reasons come first)
            peers.extend(self.peers_in(session, request.to))
        payload = self._release.payload(session, row, release.view, release.consent, request.prefetched)
        chosen = precedence or release.view.precedence
        return [self._queue(request, card, release, payload, chosen) for card in peers]

    def _queue(
        self,
        request: ReleaseRequest,
        card: IdentityCard,
        release: Authorised,
        payload: ItemPayload,
        precedence: Precedence,
    ) -> Sent:
        """Put the item's envelope to one node in the outbox; journal ``item.send``."""
        blobs = [{"blob_id": a.blob_id, "size": a.blob_size} for a in payload.attachments]
        outgoing = Outgoing(
            kind="item",
            card=card,
            agreement=release.agreement,
            precedence=precedence,
            item_id=payload.item_id,
            payload=payload.to_bytes(),
            blobs=blobs,
        )
        queued = self.enqueue(request.session, outgoing, request.act)
        detail: dict[str, object] = {
            "to": request.to,
            "peer": card.node_id,
            "message_id": queued.message_id,
            "agreement_id": release.agreement.id,
            "precedence": precedence.value,
            # The originator's level and the kind: what an oversight report counts this leaf
            # by (docs/oversight.md), so that the leaf itself says what it is counted as.
            "classification": release.view.marking.originator.classification,
            "kind": release.view.content.kind.value,
            "digest": queued.digest,
            "obligations": list(release.decision.obligations),
        }
        if release.consent is not None:
            detail["consent"] = release.consent.token_id
        append_event(
            request.session,
            NewEvent(
                at=request.now,
                actor=request.user.name,
                action="item.send",
                outcome="ok",
                item_id=payload.item_id,
                detail=detail,
            ),
            flush=False,
        )
        return queued

    def enqueue(self, session: Session, outgoing: Outgoing, act: Act) -> Sent:
        """Seal ``outgoing`` to its node and put it in the outbox, as ``act``.

        Items and the consent and notice messages about them travel the same way: the
        agreement's suite, the peer's sequence, the delivery worker, receipts.
        """
        return seal_into_outbox(session, self._ctx.config.node_id, outgoing, act)

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

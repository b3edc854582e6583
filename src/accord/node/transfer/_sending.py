"""Sending: checks with reasons, then an envelope per recipient node in the durable outbox.

``send`` refuses, saying why, unless (GSOMIA Arts. 4, 6, 21): the agreement between the two
parties is in force today; the item's level has an equivalent in the recipient's scheme;
its topics are within the agreement's topic scope (TISA); the recipient is in the label's
*Releasable To*; the item was originated here, or its originator's consent to this onward
release is held (Art. 6). The envelope is sealed at once (HPKE to the recipient's pinned
key, the agreement's suite) and written to the outbox in the same transaction as the
journal entry; the delivery worker sends it. Nothing in the outbox is ever deleted:
receipted rows are the dissemination record.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.agreements import Agreement, Status
from accord.crypto import Suite, seal_envelope
from accord.errors import NotFound, PolicyDenied
from accord.exchange import (
    AttachmentManifest,
    ConsentToken,
    EnvelopeHeader,
    IdentityCard,
    ItemPayload,
    WireEnvelope,
    lane_of,
)
from accord.items import Precedence
from accord.node.holdings._access import consent_terms, require_scope
from accord.node.holdings._consent_book import usable_consent
from accord.node.holdings._items import ItemView
from accord.node.holdings._vault import unwrap_blob_key
from accord.node.registry._users import User
from accord.node.transfer._services import FootingBase
from accord.policy import Action, may_travel
from accord.store import (
    AttachmentRow,
    ItemRow,
    OutboxRow,
    PartyRow,
    PeerSequenceRow,
    append_event,
    format_stamp,
)

__all__ = ["SendingService", "Sent", "suite_of"]


def suite_of(agreement: Agreement) -> Suite:
    """The HPKE suite an agreement's envelopes use."""
    return Suite.CNSA2 if agreement.exchange_suite == "cnsa-2.0" else Suite.DEFAULT


@dataclass(frozen=True)
class Sent:
    """One envelope placed in the outbox."""

    message_id: str
    peer: str
    party: str
    agreement_id: str
    precedence: Precedence
    seq: int
    digest: str = ""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "message_id": self.message_id,
            "peer": self.peer,
            "party": self.party,
            "agreement_id": self.agreement_id,
            "precedence": self.precedence.value,
            "seq": self.seq,
        }


class SendingService(FootingBase):
    """Release of items to partner nodes."""

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
            found = session.scalar(
                select(ItemRow.id)
                .where(ItemRow.id.in_(list(item_ids)), ItemRow.precedence == Precedence.FLASH.value)
                .limit(1)
            )
        return found is not None

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
        actor = user.name
        row = session.get(ItemRow, item_id)
        if row is None:
            raise NotFound(f"no item {item_id!r} at this node")
        # Someone who may not read the item is told it does not exist (no probing).
        resource = self._items.resource_of(row)
        self._access.require_read(session, user, resource, now)
        view = self._items.view_in(session, row)
        agreement = self._check(session, view, to, agreement_id, now, checked)
        # Art. 6: an item provided by a partner goes on only with its originator's consent.
        consent = None
        if view.originator_node != self._ctx.config.node_id:
            try:
                consent = self._consent(session, view, to, now)
            except PolicyDenied:
                # Held under a consent that forbids passing it on (Art. 6): the decision
                # point's reason (the condition, the consent) comes first.
                if any(not terms.onward_release for terms in resource.consents):
                    self._access.require(
                        session, user, Action.RELEASE, resource, now, agreement=agreement, target=to
                    )
                raise
        decision = self._access.require(
            session,
            user,
            Action.RELEASE,
            resource,
            now,
            agreement=agreement,
            target=to,
            consent=consent_terms(consent) if consent is not None else None,
        )
        if not peers:  # looked up once, after the first item's checks (their reasons come first)
            peers.extend(self.peers_in(session, to))
        payload = self._payload(session, row, view, consent)
        chosen = precedence or view.precedence
        blobs = [{"blob_id": a.blob_id, "size": a.blob_size} for a in payload.attachments]
        sent: list[Sent] = []
        for card in peers:
            queued = self.enqueue(
                session,
                kind="item",
                card=card,
                agreement=agreement,
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
                "agreement_id": agreement.id,
                "precedence": chosen.value,
                "digest": queued.digest,
                "obligations": list(decision.obligations),
            }
            if consent is not None:
                detail["consent"] = consent.token_id
            append_event(
                session,
                flush=False,
                at=now,
                actor=actor,
                action="item.send",
                outcome="ok",
                item_id=item_id,
                detail=detail,
            )
            sent.append(queued)
        return sent

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
        suite = suite_of(agreement)
        seq = _next_seq(session, card.node_id)
        header = EnvelopeHeader(
            type=kind,
            suite=suite,
            sender=self._ctx.config.node_id,
            recipient=card.node_id,
            message_id=f"msg-{uuid.uuid4().hex}",
            agreement_id=agreement.id,
            precedence=precedence,
            created=format_stamp(now),
            seq=seq,
        )
        header_bytes = header.to_bytes()
        envelope = WireEnvelope(
            header_bytes, seal_envelope(suite, card.hpke_public(suite), header_bytes, payload)
        )
        session.add(
            OutboxRow(
                message_id=header.message_id,
                peer=card.node_id,
                peer_party=card.party,
                item_id=item_id,
                kind=kind,
                agreement_id=agreement.id,
                precedence=precedence.value,
                rank=precedence.rank,
                lane=lane_of(precedence),
                seq=seq,
                header=header_bytes,
                ciphertext=envelope.ciphertext,
                digest=envelope.digest(),
                blobs_json=json.dumps(list(blobs)),
                status="pending",
                attempts=0,
                next_attempt_at=format_stamp(now),
                last_error="",
                created_at=format_stamp(now),
                sent_by=actor,
                receipted_at=None,
            )
        )
        return Sent(
            header.message_id, card.node_id, card.party, agreement.id, precedence, seq, envelope.digest()
        )

    def _check(
        self,
        session: Session,
        view: ItemView,
        to: str,
        agreement_id: str | None,
        now: datetime,
        checked: dict[str | None, tuple[Agreement, Status]],
    ) -> Agreement:
        own = self._ctx.config
        label = view.marking.originator
        relayed = view.originator_node != own.node_id
        if to == own.party:
            raise PolicyDenied(f"{to} is this node's own party")
        # An onward release goes under the agreement with the receiving party, not the one
        # the originator provided the item under.
        wanted = agreement_id if relayed else agreement_id or label.agreement
        if wanted not in checked:  # once per agreement in one send
            agreement = self._agreements.covering(session, to, wanted=wanted)
            checked[wanted] = (agreement, self._agreements.status_in(session, agreement.id, now))
        agreement, status = checked[wanted]
        # An onward release translates from the label this node holds the item under when
        # the agreement does not know the originator's scheme (Art. 4).
        source = label
        if relayed and label.policy not in agreement.schemes:
            source = view.marking.for_scheme(own.scheme) or label
        require_scope(may_travel(label, agreement, status, to=to, direct=not relayed, source=source))
        return agreement

    def _consent(self, session: Session, view: ItemView, to: str, now: datetime) -> ConsentToken:
        return usable_consent(
            session,
            self._parties,
            item_id=view.id,
            content_sha384=view.content.sha384(),
            originator_party=view.originator_party,
            holder_party=self._ctx.config.party,
            third_party=to,
            now=now,
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

    def _payload(
        self, session: Session, row: ItemRow, view: ItemView, consent: ConsentToken | None
    ) -> ItemPayload:
        item_key = self._items.item_key(row)
        manifests = []
        attachments = session.scalars(
            select(AttachmentRow).where(AttachmentRow.item_id == row.id).order_by(AttachmentRow.position)
        ).all()
        for att, ref in zip(attachments, view.attachments, strict=True):
            key = unwrap_blob_key(item_key, att.wrapped_key, row.id, att.position)
            manifests.append(AttachmentManifest(ref, att.blob_id, self._ctx.blobs.size(att.blob_id), key))
        return ItemPayload(
            item_id=row.id,
            originator_node=row.originator_node,
            originator_party=row.originator_party,
            label=view.marking.originator,
            binding=view.binding,
            content=view.content,
            attachments=tuple(manifests),
            consent=consent,
        )


def _next_seq(session: Session, peer: str) -> int:
    row = session.get(PeerSequenceRow, (peer, "out"))
    if row is None:
        row = PeerSequenceRow(peer=peer, direction="out", last_seq=0)
        session.add(row)
    row.last_seq += 1
    return row.last_seq

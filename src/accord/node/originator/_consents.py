"""Originator consent for an onward release, across nodes (GSOMIA Art. 6).

A holder may pass an item a partner provided to a third party only with the originator's
prior written approval. The flow, each step an envelope through the outbox, delivery and
receipts like any item:

1. ``request`` at the holder (KOR): a :class:`~accord.exchange.ConsentRequest` to the
   originator node (JPN), IMMEDIATE, under the agreement the item was provided under;
2. ``approve`` / ``deny`` at the originator, by an officer who may read the item: the
   answer is a :class:`~accord.exchange.ConsentDecision`; an approval carries a
   :class:`~accord.exchange.ConsentToken` signed by the originator node (item, content
   digest, holder, third party, purpose, conditions, expiry);
3. the holder keeps the token; ``accord send`` to the third party attaches it
   (:func:`usable_consent`), and the third party's node verifies the originator's
   signature before it accepts the item (``_receiving``);
4. ``revoke`` at the originator sends a signed revocation to the holder and to the third
   party's nodes; each marks the consent revoked (the third party's holding too).

Table ``consents``: ``direction`` ``out`` at the holder that asked, ``in`` at the
originator, ``held`` at a third party that received an item with its token.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.canonical import format_time
from accord.errors import (
    AgreementStateError,
    Conflict,
    InvalidInput,
    NotFound,
    PolicyDenied,
    VerificationFailed,
    Withheld,
)
from accord.exchange import (
    ConsentConditions,
    ConsentDecision,
    ConsentRequest,
    ConsentRevocation,
    ConsentToken,
    EnvelopeHeader,
    new_request_id,
    new_token_id,
)
from accord.items import Precedence
from accord.markings import Marking
from accord.node.holdings._stored import FINAL_STATUSES
from accord.node.transfer._control import (
    NO_ITEM,
    Apply,
    Entry,
    Incoming,
    about_item,
    about_no_item,
    authored_by,
    handle,
    not_on_record,
    originated_item,
    same_version,
    signed_by,
    verify_signed,
)
from accord.node.transfer._services import ServiceBase
from accord.policy import Action, ConsentTerms
from accord.store import ConsentRow, ItemRow, OutboxRow, append_event

__all__ = ["ConsentService", "ConsentView"]

MAX_DAYS = 365


@dataclass(frozen=True)
class ConsentView:
    """A consent request and what became of it, as an officer sees it."""

    id: str
    direction: str
    item_id: str
    originator_node: str
    holder_party: str
    third_party: str
    purpose: str
    requested_by: str
    requested_at: str
    status: str
    decided_by: str | None
    decided_at: str | None
    reason: str | None
    token_id: str | None
    expires_at: str | None
    revoked_at: str | None
    limits: dict[str, object] | None = None  # the enforced conditions of the token, if any

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return dict(self.__dict__)


def _view(row: ConsentRow) -> ConsentView:
    return ConsentView(
        id=row.id,
        direction=row.direction,
        item_id=row.item_id,
        originator_node=row.originator_node,
        holder_party=row.holder_party,
        third_party=row.third_party,
        purpose=row.purpose,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        status=row.status,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reason=row.reason,
        token_id=row.token_id,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        limits=_limits(row.token_json),
    )


def _limits(token_json: str | None) -> dict[str, object] | None:
    if token_json is None:
        return None
    limits = ConsentToken.parse(token_json).limits
    return limits.to_dict() if limits else None


class ConsentService(ServiceBase):
    """Consent requests, decisions, tokens and revocations at this node."""

    # --- at the holder ------------------------------------------------------------------

    def request(self, item_id: str, *, to: str, purpose: str, actor: str) -> ConsentView:
        """Ask the originator of ``item_id`` to consent to its release to ``to``.

        Raises:
            NotFound: no such item or user (or the item is withheld from ``actor``), no
                agreement with ``to``, or the originator's node is not pinned here.
            InvalidInput: the item was originated here, or ``to`` is its originator or us.
            PolicyDenied: ``actor`` may not release items.
            AgreementStateError: the agreement the item came under is no longer in force.
        """
        to = to.strip().upper()
        detail = {"to": to}
        with self._ctx.work(actor, "consent.request", item_id=item_id, detail=detail) as session:
            now = self._ctx.now()
            own = self._ctx.config
            user = self._users.get_in(session, actor)
            row = session.get(ItemRow, item_id)
            if row is None:
                raise NotFound(f"no item {item_id!r} at this node")
            resource = self._items.resource_of(row)
            self._access.require_read(session, user, resource, now)
            if row.originator_node == own.node_id:
                raise InvalidInput(f"item {item_id} was originated here: release it with accord send")
            if to in (own.party, row.originator_party):
                raise InvalidInput(f"{to} is not a third party for item {item_id}")
            onward = self._agreements.any_in_force_with(session, to, now)
            request_id = new_request_id()
            # Decided as the release would be with the consent asked for (its terms: this
            # party, this purpose, no condition): every other rule still applies, and so do
            # the conditions of a consent this node received the item under (Art. 6).
            asked = ConsentTerms(request_id, row.originator_party, to, purpose)
            self._access.require(
                session, user, Action.RELEASE, resource, now, agreement=onward, target=to, consent=asked
            )
            view = self._items.view_in(session, row)
            provided_under = self._provided_under(session, view.marking)
            card = self._parties.card(session, row.originator_node)
            request = ConsentRequest(
                request_id=request_id,
                item_id=item_id,
                content_sha384=row.content_sha384,
                holder_party=own.party,
                holder_node=own.node_id,
                third_party=to,
                purpose=purpose,
                requested_by=actor,
                requested_at=format_time(now),
            )
            sent = self._sending.enqueue(
                session,
                kind="consent-request",
                card=card,
                agreement=provided_under,
                precedence=Precedence.IMMEDIATE,
                item_id=item_id,
                payload=request.to_bytes(),
                actor=actor,
                now=now,
            )
            consent = ConsentRow(
                id=request.request_id,
                direction="out",
                item_id=item_id,
                content_sha384=row.content_sha384,
                originator_node=row.originator_node,
                holder_party=own.party,
                holder_node=own.node_id,
                third_party=to,
                purpose=request.purpose,
                request_json=request.to_bytes().decode("utf-8"),
                requested_by=actor,
                requested_at=request.requested_at,
                status="pending",
            )
            session.add(consent)
            append_event(
                session,
                at=now,
                actor=actor,
                action="consent.request",
                outcome="ok",
                item_id=item_id,
                detail={"request_id": request.request_id, "to": to, "message_id": sent.message_id},
            )
            session.flush()
            return _view(consent)

    # --- at the originator --------------------------------------------------------------

    def approve(
        self,
        request_id: str,
        *,
        actor: str,
        days: int = 30,
        conditions: Sequence[str] = (),
        purpose_only: bool = False,
        no_onward_release: bool = False,
        destroy_by: datetime | None = None,
    ) -> ConsentView:
        """Consent to the release asked for: sign a token and send it to the holder.

        ``conditions`` are free text for the officers. The other conditions are signed
        into the token and enforced by the third party's node (Art. 6): ``purpose_only``
        (its readers must work for the request's purpose), ``no_onward_release`` (it may
        not pass the item on), ``destroy_by`` (its holdings register shows the item
        overdue from that moment until it is destroyed).

        Raises:
            NotFound: no such request here, or its item is withheld from ``actor``.
            Conflict: the request was already decided.
            InvalidInput: ``days`` is not 1–365, or the destroy-by time is not after now.
            PolicyDenied: ``actor`` may not release the item.
        """
        if not 1 <= days <= MAX_DAYS:
            raise InvalidInput(f"a consent lasts 1 to {MAX_DAYS} days, not {days}")
        limits = ConsentConditions(
            purpose_only=purpose_only,
            no_onward_release=no_onward_release,
            destroy_by=format_time(destroy_by) if destroy_by is not None else None,
        )
        with self._ctx.work(actor, "consent.approve", detail={"request_id": request_id}) as session:
            now = self._ctx.now()
            row, decision_agreement = self._decidable(session, request_id, actor, now)
            token = ConsentToken.make(
                self._ctx.keys,
                token_id=new_token_id(),
                request_id=row.id,
                item_id=row.item_id,
                content_sha384=row.content_sha384,
                originator_party=self._ctx.config.party,
                originator_node=self._ctx.config.node_id,
                holder_party=row.holder_party,
                third_party=row.third_party,
                purpose=row.purpose,
                conditions=tuple(conditions),
                issued_at=format_time(now),
                expires_at=format_time(now + timedelta(days=days)),
                approved_by=actor,
                limits=limits,
            )
            answer = ConsentDecision(row.id, True, token, None, actor, format_time(now))
            self._answer(session, row, answer, decision_agreement, actor, now)
            row.status = "approved"
            row.token_id = token.token_id
            row.token_json = token.to_bytes().decode("utf-8")
            row.expires_at = token.expires_at
            append_event(
                session,
                at=now,
                actor=actor,
                action="consent.approve",
                outcome="ok",
                item_id=row.item_id,
                detail={
                    "request_id": row.id,
                    "token_id": token.token_id,
                    "holder": row.holder_party,
                    "third_party": row.third_party,
                    "expires_at": token.expires_at,
                    "limits": token.limits.to_dict() if token.limits else None,
                },
            )
            return _view(row)

    def deny(self, request_id: str, *, reason: str, actor: str) -> ConsentView:
        """Refuse the release asked for, saying why; the holder is told.

        Raises:
            NotFound, Conflict, PolicyDenied: as :meth:`approve`.
        """
        with self._ctx.work(actor, "consent.deny", detail={"request_id": request_id}) as session:
            now = self._ctx.now()
            row, decision_agreement = self._decidable(session, request_id, actor, now)
            answer = ConsentDecision(row.id, False, None, reason, actor, format_time(now))
            self._answer(session, row, answer, decision_agreement, actor, now)
            row.status = "denied"
            row.reason = answer.reason
            append_event(
                session,
                at=now,
                actor=actor,
                action="consent.deny",
                outcome="ok",
                item_id=row.item_id,
                detail={"request_id": row.id, "reason": answer.reason},
            )
            return _view(row)

    def revoke(self, token_id: str, *, reason: str, actor: str) -> ConsentView:
        """Withdraw a consent: the holder and the third party's nodes are told.

        Raises:
            NotFound: no consent with this token id was given here.
            Conflict: it is not in force (never approved, or already revoked).
            PolicyDenied: ``actor`` may not release the item.
        """
        with self._ctx.work(actor, "consent.revoke", detail={"token_id": token_id}) as session:
            now = self._ctx.now()
            row = session.scalar(
                select(ConsentRow).where(ConsentRow.token_id == token_id, ConsentRow.direction == "in")
            )
            if row is None:
                raise NotFound(f"no consent {token_id!r} was given here")
            _, agreement = self._officer_check(
                session, row, actor, now, f"no consent {token_id!r} was given here"
            )
            if row.status != "approved":
                raise Conflict(f"consent {token_id} is {row.status}, not in force")
            revocation = ConsentRevocation.make(
                self._ctx.keys,
                token_id=token_id,
                item_id=row.item_id,
                originator_node=self._ctx.config.node_id,
                reason=reason,
                revoked_at=format_time(now),
            )
            told = [row.holder_node]
            self._sending.enqueue(
                session,
                kind="consent-revocation",
                card=self._parties.card(session, row.holder_node),
                agreement=agreement,
                precedence=Precedence.IMMEDIATE,
                item_id=NO_ITEM,  # receipted by nodes that may not hold it yet (see incoming)
                payload=revocation.to_bytes(),
                actor=actor,
                now=now,
            )
            # The third party may already hold the item: tell its nodes, under our
            # agreement with it, when there is one.
            try:
                with_third = self._agreements.any_in_force_with(session, row.third_party, now)
                cards = self._sending.peers_in(session, row.third_party)
            except (NotFound, Conflict):
                cards = []
            for card in cards:
                self._sending.enqueue(
                    session,
                    kind="consent-revocation",
                    card=card,
                    agreement=with_third,
                    precedence=Precedence.IMMEDIATE,
                    item_id=NO_ITEM,  # receipted by nodes that may not hold it yet (see incoming)
                    payload=revocation.to_bytes(),
                    actor=actor,
                    now=now,
                )
                told.append(card.node_id)
            row.status = "revoked"
            row.revoked_at = revocation.revoked_at
            row.reason = revocation.reason
            row.revocation_json = revocation.to_bytes().decode("utf-8")
            append_event(
                session,
                at=now,
                actor=actor,
                action="consent.revoke",
                outcome="ok",
                item_id=row.item_id,
                detail={"token_id": token_id, "reason": revocation.reason, "told": told},
            )
            return _view(row)

    # --- views --------------------------------------------------------------------------

    def listing(self, *, actor: str, status: str | None = None) -> list[ConsentView]:
        """The consents about items ``actor`` may read, newest first.

        Raises:
            NotFound: no such user.
            PolicyDenied: ``actor`` is not an officer or authority.
        """
        with self._ctx.db.transaction(read_only=True) as session:
            now = self._ctx.now()
            user = self._users.get_in(session, actor)
            if user.role.value not in ("officer", "authority"):
                raise PolicyDenied(f"{actor} has the role {user.role.value}; consents are for officers")
            query = select(ConsentRow).order_by(ConsentRow.requested_at.desc(), ConsentRow.id)
            if status is not None:
                query = query.where(ConsentRow.status == status)
            rows = session.scalars(query).all()
            items = {r.item_id: session.get(ItemRow, r.item_id) for r in rows}
            resources = [self._items.resource_of(item) for item in items.values() if item is not None]
            permitted, _ = self._access.readable(session, user, resources, now)
            readable = {r.item_id for r in permitted}
            return [_view(r) for r in rows if r.item_id in readable]

    # --- incoming -----------------------------------------------------------------------

    def incoming(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str, now: datetime
    ) -> Incoming:
        """Check a consent message from ``header.sender`` in the receiver's snapshot.

        Raises:
            InvalidInput: malformed.
            VerificationFailed: a signature or a digest does not match.
            NotFound: the item or request it is about is not here.
            PolicyDenied: the sender has no standing to send it.
            Conflict: it was already applied.
        """
        if header.type == "consent-request":
            return self._incoming_request(session, header, plaintext, sender_party)
        if header.type == "consent-decision":
            return self._incoming_decision(session, header, plaintext, now)
        if header.type == "consent-revocation":
            return self._incoming_revocation(session, header, plaintext, sender_party, now)
        raise InvalidInput(f"envelope type {header.type!r} is not a consent message")

    def _incoming_request(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str
    ) -> Incoming:
        own = self._ctx.config

        def locate(request: ConsentRequest) -> ItemRow:
            missing = f"consent request for item {request.item_id}, which this node did not originate"
            return originated_item(session, request.item_id, own.node_id, missing)

        def check(request: ConsentRequest, item: ItemRow) -> None:
            refusal = f"consent request for another version of item {request.item_id}"
            same_version(item, request.content_sha384, refusal)
            # Only the item itself counts (a notice about it does not make the sender a holder).
            sent = session.scalar(
                select(OutboxRow.message_id).where(
                    OutboxRow.item_id == request.item_id,
                    OutboxRow.peer == header.sender,
                    OutboxRow.kind == "item",
                )
            )
            if sent is None:
                raise PolicyDenied(f"item {request.item_id} was never provided to {header.sender}")
            refusal = f"consent request {request.request_id} is already here"
            not_on_record(session, ConsentRow, request.request_id, refusal)

        def apply(session: Session, request: ConsentRequest, _: ItemRow, now: datetime) -> Entry:
            session.add(
                ConsentRow(
                    id=request.request_id,
                    direction="in",
                    item_id=request.item_id,
                    content_sha384=request.content_sha384,
                    originator_node=own.node_id,
                    holder_party=request.holder_party,
                    holder_node=request.holder_node,
                    third_party=request.third_party,
                    purpose=request.purpose,
                    request_json=request.to_bytes().decode("utf-8"),
                    requested_by=request.requested_by,
                    requested_at=request.requested_at,
                    status="pending",
                )
            )
            return Entry(
                item_id=request.item_id,
                detail={
                    "request_id": request.request_id,
                    "holder": request.holder_party,
                    "third_party": request.third_party,
                    "purpose": request.purpose,
                    "requested_by": request.requested_by,
                },
            )

        return handle(
            session,
            header,
            plaintext,
            parse=ConsentRequest.parse,
            authenticate=authored_by(
                header,
                sender_party,
                lambda r: (r.holder_node, r.holder_party),
                "a consent request must come from the holder that asks",
            ),
            locate=locate,
            check=check,
            apply=apply,
            journal="consent.request.received",
            receipt=lambda _, item, applied: about_item(item, own.scheme, applied),
        )

    def _incoming_decision(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, now: datetime
    ) -> Incoming:
        def locate(decision: ConsentDecision) -> ConsentRow:
            row = session.get(ConsentRow, decision.request_id)
            if row is None or row.direction != "out":
                raise NotFound(f"a consent decision for {decision.request_id}, which this node did not ask")
            return row

        def check(decision: ConsentDecision, row: ConsentRow) -> None:
            # The author is the originator our request went to; its token is signed by it.
            if row.originator_node != header.sender:
                raise PolicyDenied("a consent decision must come from the item's originator")
            if row.status != "pending":
                raise Conflict(f"consent request {row.id} was already decided ({row.status})")
            token = decision.token
            if token is not None:
                verify_signed(session, self._parties.signer, header, token)
                if token.originator_node != header.sender:
                    raise VerificationFailed("the consent is signed for another originator")
                token.check(
                    item_id=row.item_id,
                    content_sha384=row.content_sha384,
                    holder_party=self._ctx.config.party,
                    third_party=row.third_party,
                    now=now,
                )

        def apply(session: Session, decision: ConsentDecision, _: ConsentRow, now: datetime) -> Entry:
            token = decision.token
            target = session.get_one(ConsentRow, decision.request_id)
            target.decided_by = decision.decided_by
            target.decided_at = decision.decided_at
            if token is not None:
                target.status = "approved"
                target.token_id = token.token_id
                target.token_json = token.to_bytes().decode("utf-8")
                target.expires_at = token.expires_at
            else:
                target.status = "denied"
                target.reason = decision.reason
            return Entry(
                item_id=target.item_id,
                detail={
                    "request_id": target.id,
                    "approved": decision.approved,
                    "token_id": token.token_id if token is not None else None,
                    "reason": decision.reason,
                },
            )

        def receipt(_: ConsentDecision, row: ConsentRow, applied: Apply) -> Incoming:
            item = session.get(ItemRow, row.item_id)
            if item is None:
                raise NotFound(f"item {row.item_id} is no longer held here")
            return about_item(item, self._ctx.config.scheme, applied)

        return handle(
            session,
            header,
            plaintext,
            parse=ConsentDecision.parse,
            authenticate=None,
            locate=locate,
            check=check,
            apply=apply,
            journal="consent.decision.received",
            receipt=receipt,
        )

    def _incoming_revocation(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str, now: datetime
    ) -> Incoming:
        me = self._ctx.config

        def locate(revocation: ConsentRevocation) -> ConsentRow | None:
            # Not found is no refusal: the item may still be on its way (kept, see apply).
            return session.scalar(select(ConsentRow).where(ConsentRow.token_id == revocation.token_id))

        def check(revocation: ConsentRevocation, row: ConsentRow | None) -> None:
            if row is not None and (
                row.originator_node != header.sender or row.item_id != revocation.item_id
            ):
                raise PolicyDenied(f"a revocation of consent {revocation.token_id} that does not match it")
            if row is not None and row.status == "revoked":
                raise Conflict(f"consent {revocation.token_id} is already revoked")

        def apply(
            session: Session, revocation: ConsentRevocation, row: ConsentRow | None, now: datetime
        ) -> Entry:
            detail: dict[str, object] = {"token_id": revocation.token_id, "reason": revocation.reason}
            target = session.get(ConsentRow, row.id) if row is not None else None
            if target is None:
                # Not seen yet (the item may still be on its way from the holder): kept, so the
                # item is refused when it arrives (``revoked``).
                target = _held_revocation(revocation, me.party)
                session.add(target)
                detail["before_the_item"] = True
            target.status = "revoked"
            target.revoked_at = revocation.revoked_at
            target.reason = revocation.reason
            target.revocation_json = revocation.to_bytes().decode("utf-8")
            holding = session.get(ItemRow, target.item_id)
            if target.direction == "held" and holding is not None and holding.status not in FINAL_STATUSES:
                # The item was received under this consent: it may no longer be used or
                # passed on; it stays protected and accounted for until returned or destroyed.
                holding.status = "consent-revoked"
                detail["holding"] = "consent-revoked"
            if target.direction == "out":
                detail["cancelled"] = _cancel_waiting(session, target)
            return Entry(item_id=target.item_id, detail=detail)

        return handle(
            session,
            header,
            plaintext,
            parse=ConsentRevocation.parse,
            authenticate=signed_by(
                session,
                header,
                sender_party,
                self._parties.signer,
                lambda r: (r.originator_node, None),
                "only the originator revokes its consent",
            ),
            locate=locate,
            check=check,
            apply=apply,
            journal="consent.revocation.received",
            receipt=lambda _, __, applied: about_no_item(
                me.scheme, me.node_id, "CONSENT REVOCATION", applied, now
            ),
        )

    # --- helpers ------------------------------------------------------------------------

    def _decidable(
        self, session: Session, request_id: str, actor: str, now: datetime
    ) -> tuple[ConsentRow, Agreement]:
        row = session.get(ConsentRow, request_id)
        if row is None or row.direction != "in":
            raise NotFound(f"no consent request {request_id!r} here")
        _, agreement = self._officer_check(
            session, row, actor, now, f"no consent request {request_id!r} here"
        )
        if row.status != "pending":
            raise Conflict(f"consent request {request_id} was already decided ({row.status})")
        return row, agreement

    def _officer_check(
        self, session: Session, row: ConsentRow, actor: str, now: datetime, missing: str
    ) -> tuple[ItemRow, Agreement]:
        # Deciding is a release decision about our own item, to the holder, under the
        # agreement it was provided under: role, clearance, need to know, in force. Someone
        # who may not read the item is told the request (or consent) does not exist.
        user = self._users.get_in(session, actor)
        item = session.get(ItemRow, row.item_id)
        if item is None:
            raise NotFound(missing)
        resource = self._items.resource_of(item)
        try:
            self._access.require_read(session, user, resource, now)
        except Withheld as exc:
            raise Withheld(missing, reason=exc.reason) from exc
        view = self._items.view_in(session, item)
        agreement = self._provided_under(session, view.marking, party=row.holder_party)
        self._access.require(
            session, user, Action.RELEASE, resource, now, agreement=agreement, target=row.holder_party
        )
        return item, agreement

    def _answer(
        self,
        session: Session,
        row: ConsentRow,
        answer: ConsentDecision,
        agreement: Agreement,
        actor: str,
        now: datetime,
    ) -> None:
        # Our record of the decision is the one the holder gets: who decided, and when.
        row.decided_by = answer.decided_by
        row.decided_at = answer.decided_at
        self._sending.enqueue(
            session,
            kind="consent-decision",
            card=self._parties.card(session, row.holder_node),
            agreement=agreement,
            precedence=Precedence.IMMEDIATE,
            item_id=row.item_id,
            payload=answer.to_bytes(),
            actor=actor,
            now=now,
        )

    def _provided_under(self, session: Session, marking: Marking, *, party: str | None = None) -> Agreement:
        """The agreement an item was provided under, in force (Art. 21)."""
        own = marking.for_scheme(self._ctx.config.scheme) or marking.originator
        wanted = own.agreement or marking.originator.agreement
        if wanted is None:
            if party is None:
                raise NotFound("the item names no agreement it was provided under")
            agreement = self._agreements.covering(session, party)
        else:
            agreement = self._agreements.get_in(session, wanted)
        status = self._agreements.status_in(session, agreement.id, self._ctx.now())
        if not status.new_exchange_allowed:
            raise AgreementStateError(
                f"{agreement.id} is {status.state.value} on {status.day}: nothing new under it (Art. 21)"
            )
        return agreement


def _held_revocation(revocation: ConsentRevocation, third_party: str) -> ConsentRow:
    """The record of a revocation that came before the item it revokes the consent for."""
    return ConsentRow(
        id=f"rev-{revocation.token_id}",
        direction="held",
        item_id=revocation.item_id,
        content_sha384="",
        originator_node=revocation.originator_node,
        holder_party="",
        holder_node="",
        third_party=third_party,
        purpose="",
        request_json="{}",
        requested_by="",
        requested_at=revocation.revoked_at,
        status="revoked",
        token_id=revocation.token_id,
    )


def _cancel_waiting(session: Session, consent: ConsentRow) -> int:
    """Cancel the releases still waiting in our outbox under a revoked consent (Art. 6)."""
    waiting = session.scalars(
        select(OutboxRow).where(
            OutboxRow.item_id == consent.item_id,
            OutboxRow.peer_party == consent.third_party,
            OutboxRow.status == "pending",
        )
    ).all()
    for envelope in waiting:
        envelope.status = "cancelled"
        envelope.last_error = "the originator revoked its consent (Art. 6)"
    return len(waiting)

"""Consent messages that arrive: requests, decisions, revocations (Art. 6).

Each runs the template of :mod:`accord.node.transfer._control` (authenticate → locate →
check → apply → journal → receipt):

* a ``consent-request`` at the originator, from a holder it provided the item to, is kept
  (``direction`` ``in``) for an officer to decide;
* a ``consent-decision`` at the holder, from the originator its request went to, records
  the answer and keeps the signed token, checked against the request;
* a ``consent-revocation`` from the originator marks the consent revoked: the holder
  cancels the releases still waiting under it, a third party's holding becomes
  ``consent-revoked``; one that arrives before the item is kept, so the item is refused.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from accord.errors import Conflict, InvalidInput, NotFound, PolicyDenied, VerificationFailed
from accord.exchange import ConsentDecision, ConsentRequest, ConsentRevocation, EnvelopeHeader
from accord.items import FINAL_HOLDING_STATES, ConsentState, Direction, HoldingState
from accord.node.core._context import NodeContext
from accord.node.holdings._search_index import SearchIndex
from accord.node.originator._consent_asking import request_row
from accord.node.originator._consent_revocation import cancel_waiting, held_revocation
from accord.node.transfer._control import (
    Apply,
    Entry,
    Incoming,
    Received,
    Steps,
    about_item,
    about_no_item,
    authored_by,
    handle,
    not_on_record,
    originated_item,
    receipt_of_item,
    same_version,
    signed_by,
    verify_signed,
)
from accord.node.transfer._services import ServiceBase
from accord.store import ConsentRepository, ConsentRow, ItemRepository, ItemRow, OutboxRepository

__all__ = ["ConsentIncoming"]


class ConsentIncoming(ServiceBase):
    """The handlers of the three consent messages (registered by the composition root)."""

    def incoming(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str, now: datetime
    ) -> Incoming:
        """Check a consent message; see :meth:`ConsentService.incoming` (same ``Raises``)."""
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
            sent = OutboxRepository(session).first_sent(request.item_id, header.sender, kind="item")
            if sent is None:
                raise PolicyDenied(f"item {request.item_id} was never provided to {header.sender}")
            refusal = f"consent request {request.request_id} is already here"
            not_on_record(ConsentRepository(session).get(request.request_id), refusal)

        return handle(
            header,
            plaintext,
            Steps(
                parse=ConsentRequest.parse,
                authenticate=authored_by(
                    header,
                    sender_party,
                    lambda r: (r.holder_node, r.holder_party),
                    "a consent request must come from the holder that asks",
                ),
                locate=locate,
                check=check,
                apply=lambda write, request, _, now: _file_request(write, request, own.node_id),
                journal="consent.request.received",
                receipt=receipt_of_item(own.scheme),
            ),
        )

    def _incoming_decision(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, now: datetime
    ) -> Incoming:
        def locate(decision: ConsentDecision) -> ConsentRow:
            row = ConsentRepository(session).get(decision.request_id)
            if row is None or row.direction != Direction.OUT:
                raise NotFound(f"a consent decision for {decision.request_id}, which this node did not ask")
            return row

        def check(decision: ConsentDecision, row: ConsentRow) -> None:
            # The author is the originator our request went to; its token is signed by it.
            if row.originator_node != header.sender:
                raise PolicyDenied("a consent decision must come from the item's originator")
            if row.status != ConsentState.PENDING:
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

        def receipt(_: ConsentDecision, row: ConsentRow, applied: Apply) -> Incoming:
            item = ItemRepository(session).get(row.item_id)
            if item is None:
                raise NotFound(f"item {row.item_id} is no longer held here")
            return about_item(item, self._ctx.config.scheme, applied)

        return handle(
            header,
            plaintext,
            Steps(
                parse=ConsentDecision.parse,
                authenticate=None,
                locate=locate,
                check=check,
                apply=lambda write, decision, _, now: _file_decision(write, decision),
                journal="consent.decision.received",
                receipt=receipt,
            ),
        )

    def _incoming_revocation(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str, now: datetime
    ) -> Incoming:
        me = self._ctx.config

        def locate(revocation: ConsentRevocation) -> ConsentRow | None:
            # Not found is no refusal: the item may still be on its way (kept, see apply).
            return ConsentRepository(session).by_token(revocation.token_id)

        def check(revocation: ConsentRevocation, row: ConsentRow | None) -> None:
            if row is not None and (
                row.originator_node != header.sender or row.item_id != revocation.item_id
            ):
                raise PolicyDenied(f"a revocation of consent {revocation.token_id} that does not match it")
            if row is not None and row.status == ConsentState.REVOKED:
                raise Conflict(f"consent {revocation.token_id} is already revoked")

        return handle(
            header,
            plaintext,
            Steps(
                parse=ConsentRevocation.parse,
                authenticate=signed_by(
                    Received(session, header, sender_party),
                    self._parties.signer,
                    lambda r: (r.originator_node, None),
                    "only the originator revokes its consent",
                ),
                locate=locate,
                check=check,
                apply=lambda write, revocation, row, now: _revoke(write, revocation, row, self._ctx),
                journal="consent.revocation.received",
                receipt=lambda _, __, applied: about_no_item(
                    me.scheme, me.node_id, "CONSENT REVOCATION", applied, now
                ),
            ),
        )


def _file_request(session: Session, request: ConsentRequest, originator_node: str) -> Entry:
    """Apply a holder's consent request: file it as pending, for the originator's decision."""
    ConsentRepository(session).add(request_row(request, Direction.IN, originator_node))
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


def _file_decision(session: Session, decision: ConsentDecision) -> Entry:
    """Apply the originator's decision to our request: approved with its token, or denied."""
    token = decision.token
    target = ConsentRepository(session).require(decision.request_id)
    target.decided_by = decision.decided_by
    target.decided_at = decision.decided_at
    if token is not None:
        target.status = ConsentState.APPROVED
        target.token_id = token.token_id
        target.token_json = token.to_bytes().decode("utf-8")
        target.expires_at = token.expires_at
    else:
        target.status = ConsentState.DENIED
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


def _revoke(
    session: Session, revocation: ConsentRevocation, row: ConsentRow | None, ctx: NodeContext
) -> Entry:
    """Apply the originator's revocation of a consent, kept when its consent is not seen yet."""
    detail: dict[str, object] = {"token_id": revocation.token_id, "reason": revocation.reason}
    consents = ConsentRepository(session)
    target = consents.get(row.id) if row is not None else None
    if target is None:
        # Not seen yet (the item may still be on its way from the holder): kept, so the
        # item is refused when it arrives (``revoked``).
        target = held_revocation(revocation, ctx.config.party)
        consents.add(target)
        detail["before_the_item"] = True
    target.status = ConsentState.REVOKED
    target.revoked_at = revocation.revoked_at
    target.reason = revocation.reason
    target.revocation_json = revocation.to_bytes().decode("utf-8")
    holding = ItemRepository(session).get(target.item_id)
    if (
        target.direction == Direction.HELD
        and holding is not None
        and holding.status not in FINAL_HOLDING_STATES
    ):
        # The item was received under this consent: it may no longer be used or
        # passed on; it stays protected and accounted for until returned or destroyed.
        holding.status = HoldingState.CONSENT_REVOKED
        SearchIndex(ctx).forget(session, holding.id)
        detail["holding"] = HoldingState.CONSENT_REVOKED
    if target.direction == Direction.OUT:
        detail["cancelled"] = cancel_waiting(session, target)
    return Entry(item_id=target.item_id, detail=detail)

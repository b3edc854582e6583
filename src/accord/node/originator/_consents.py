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

:class:`ConsentService` is the façade; the steps live in :mod:`._consent_asking` (1.),
:mod:`._consent_decisions` (2.), :mod:`._consent_revocation` (4.), the incoming messages'
handlers in :mod:`._consent_incoming`, the agreement and officer checks they share in
:mod:`._consent_grounds` and the officer's view in :mod:`._consent_views`.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from accord.errors import InvalidInput, PolicyDenied
from accord.exchange import EnvelopeHeader
from accord.items import ConsentState
from accord.node.originator._consent_asking import ConsentAsking
from accord.node.originator._consent_decisions import MAX_DAYS, ConsentDecisions, ConsentGrant, end_of_day
from accord.node.originator._consent_incoming import ConsentIncoming
from accord.node.originator._consent_revocation import ConsentRevoking
from accord.node.originator._consent_views import ConsentView, view_of
from accord.node.transfer._control import Incoming
from accord.node.transfer._exchange_desk import EXCHANGE_ROLES
from accord.node.transfer._services import ServiceBase, Services
from accord.store import ConsentRepository, ItemRepository

__all__ = ["MAX_DAYS", "ConsentGrant", "ConsentService", "ConsentView", "end_of_day"]


class ConsentService(ServiceBase):
    """Consent requests, decisions, tokens and revocations at this node."""

    def __init__(self, services: Services) -> None:
        """Serve the node behind ``services.ctx`` (its registry, holdings and release)."""
        super().__init__(services)
        self._asking = ConsentAsking(services)
        self._decisions = ConsentDecisions(services)
        self._revoking = ConsentRevoking(services)
        self._incoming = ConsentIncoming(services)

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
        return self._asking.request(item_id, to=to, purpose=purpose, actor=actor)

    # --- at the originator --------------------------------------------------------------

    def approve(self, request_id: str, *, actor: str, grant: ConsentGrant | None = None) -> ConsentView:
        """Consent to the release asked for: sign a token and send it to the holder.

        ``grant`` (30 days, no conditions when None): its ``conditions`` are free text for
        the officers. The other conditions are signed into the token and enforced by the
        third party's node (Art. 6): ``purpose_only`` (its readers must work for the
        request's purpose), ``no_onward_release`` (it may not pass the item on),
        ``destroy_by`` (its holdings register shows the item overdue from that moment until
        it is destroyed).

        Raises:
            NotFound: no such request here, or its item is withheld from ``actor``.
            Conflict: the request was already decided.
            InvalidInput: ``grant.days`` is not 1–365, or the destroy-by time is not after now.
            PolicyDenied: ``actor`` may not release the item.
        """
        return self._decisions.approve(request_id, actor=actor, grant=grant)

    def deny(self, request_id: str, *, reason: str, actor: str) -> ConsentView:
        """Refuse the release asked for, saying why; the holder is told.

        Raises:
            NotFound, Conflict, PolicyDenied: as :meth:`approve`.
        """
        return self._decisions.deny(request_id, reason=reason, actor=actor)

    def revoke(self, token_id: str, *, reason: str, actor: str) -> ConsentView:
        """Withdraw a consent: the holder and the third party's nodes are told.

        Raises:
            NotFound: no consent with this token id was given here.
            Conflict: it is not in force (never approved, or already revoked).
            PolicyDenied: ``actor`` may not release the item.
        """
        return self._revoking.revoke(token_id, reason=reason, actor=actor)

    # --- views --------------------------------------------------------------------------

    def listing(self, *, actor: str, status: str | None = None) -> list[ConsentView]:
        """The consents about items ``actor`` may read (or could, before a revocation), newest first.

        Raises:
            InvalidInput: ``status`` is none of pending, approved, denied, revoked.
            NotFound: no such user.
            PolicyDenied: ``actor`` is not an officer or authority.
        """
        state = None
        if status is not None:
            # An unknown status would match nothing: "no consents" for what was never asked.
            try:
                state = ConsentState(status.strip().lower())
            except ValueError as exc:
                known = ", ".join(s.value for s in ConsentState)
                raise InvalidInput(f"unknown consent status {status[:40]!r}; use one of {known}") from exc
        with self._ctx.db.transaction(read_only=True) as session:
            now = self._ctx.now()
            user = self._users.get_in(session, actor)
            if user.role.value not in EXCHANGE_ROLES:
                raise PolicyDenied(f"{actor} has the role {user.role.value}; consents are for officers")
            rows = ConsentRepository(session).listing(state)
            held = ItemRepository(session)
            items = {r.item_id: held.get(r.item_id) for r in rows}
            # Listing a consent accounts for the holding, it does not show it: decided on the
            # holding as received, so the third party's officer still sees the consent its
            # originator revoked, as the originator and the holder do (Art. 6; ``ItemGate``).
            resources = self.accounted(session, [item for item in items.values() if item is not None])
            permitted, _ = self._access.readable(session, user, resources, now)
            readable = {r.item_id for r in permitted}
            return [view_of(r) for r in rows if r.item_id in readable]

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
        return self._incoming.incoming(session, header, plaintext, sender_party, now)

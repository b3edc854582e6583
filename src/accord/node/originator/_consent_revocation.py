"""Revoking a consent: the originator withdraws it, holder and third party are told (Art. 6).

:meth:`ConsentRevoking.revoke` (at the originator, by an officer who may release the item)
signs a :class:`~accord.exchange.ConsentRevocation` and sends it, IMMEDIATE, to the holder
under the agreement the item was provided under, and to the third party's nodes under our
agreement with it when there is one (it may already hold the item).

Where it arrives (:mod:`._consent_incoming`): a holder cancels the releases still waiting
in its outbox under the consent (:func:`cancel_waiting`); a third party that holds the item
marks its holding ``consent-revoked``, and one that does not hold it yet keeps the
revocation (:func:`held_revocation`) so that the item is refused when it arrives.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.canonical import format_time
from accord.errors import Conflict, NotFound
from accord.exchange import UNSIGNED, ConsentRevocation
from accord.items import ConsentState, Direction, OutboxState, Precedence
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.originator._consent_grounds import ConsentGrounds
from accord.node.originator._consent_views import ConsentView, view_of
from accord.node.transfer._control import NO_ITEM
from accord.node.transfer._sealing import Outgoing
from accord.store import ConsentRepository, ConsentRow, OutboxRepository

__all__ = ["ConsentRevoking", "cancel_waiting", "held_revocation"]


class ConsentRevoking(ConsentGrounds):
    """The originator's revocations of consents it gave (Art. 6)."""

    def revoke(self, token_id: str, *, reason: str, actor: str) -> ConsentView:
        """Withdraw a consent; see :meth:`ConsentService.revoke` (same ``Raises``)."""
        with self._ctx.work(actor, "consent.revoke", detail={"token_id": token_id}) as session:
            now = self._ctx.now()
            row = ConsentRepository(session).by_token(token_id, Direction.IN)
            if row is None:
                raise NotFound(f"no consent {token_id!r} was given here")
            _, agreement = self.officer_check(
                session, row, actor, now, f"no consent {token_id!r} was given here"
            )
            if row.status != ConsentState.APPROVED:
                raise Conflict(f"consent {token_id} is {row.status}, not in force")
            revocation = ConsentRevocation(
                token_id=token_id,
                item_id=row.item_id,
                originator_node=self._ctx.config.node_id,
                reason=reason,
                revoked_at=format_time(now),
                signature=UNSIGNED,
            ).signed_with(self._ctx.keys)
            act = Act(actor, now)
            told = self._tell(session, row, revocation, agreement, act)
            row.status = ConsentState.REVOKED
            row.revoked_at = revocation.revoked_at
            row.reason = revocation.reason
            row.revocation_json = revocation.to_bytes().decode("utf-8")
            journal_done(
                session,
                act,
                "consent.revoke",
                item_id=row.item_id,
                detail={"token_id": token_id, "reason": revocation.reason, "told": told},
            )
            return view_of(row)

    def _tell(
        self,
        session: Session,
        row: ConsentRow,
        revocation: ConsentRevocation,
        agreement: Agreement,
        act: Act,
    ) -> list[str]:
        """Send the revocation to the holder and the third party's nodes; return who was told."""
        told = [(self._parties.card(session, row.holder_node), agreement)]
        # The third party may already hold the item: tell its nodes, under our
        # agreement with it, when there is one.
        try:
            with_third = self._agreements.any_in_force_with(session, row.third_party, act.now)
            told += [(card, with_third) for card in self._sending.peers_in(session, row.third_party)]
        except (NotFound, Conflict):
            pass
        for card, under in told:
            self._sending.enqueue(
                session,
                Outgoing(
                    kind="consent-revocation",
                    card=card,
                    agreement=under,
                    precedence=Precedence.IMMEDIATE,
                    item_id=NO_ITEM,  # receipted by nodes that may not hold it yet (see incoming)
                    payload=revocation.to_bytes(),
                ),
                act,
            )
        return [card.node_id for card, _ in told]


def held_revocation(revocation: ConsentRevocation, third_party: str) -> ConsentRow:
    """The record of a revocation that came before the item it revokes the consent for."""
    return ConsentRow(
        id=f"rev-{revocation.token_id}",
        direction=Direction.HELD,
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
        status=ConsentState.REVOKED,
        token_id=revocation.token_id,
    )


def cancel_waiting(session: Session, consent: ConsentRow) -> int:
    """Cancel the releases still waiting in our outbox under a revoked consent (Art. 6)."""
    waiting = OutboxRepository(session).pending_to_party(consent.item_id, consent.third_party)
    for envelope in waiting:
        envelope.status = OutboxState.CANCELLED
        envelope.last_error = "the originator revoked its consent (Art. 6)"
    return len(waiting)

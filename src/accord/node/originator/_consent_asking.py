"""At the holder: ask the originator's consent to pass an item on (Art. 6).

:meth:`ConsentAsking.request` checks that the officer may read the item, that it came from
a partner and the party named is a third party, and that the release would be allowed
with the consent asked for (every other rule still applies, and so do the conditions of a
consent this node received the item under). Then a
:class:`~accord.exchange.ConsentRequest` goes to the originator node, IMMEDIATE, under the
agreement the item was provided under, and the request is kept (``direction`` ``out``).
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.canonical import format_time
from accord.errors import InvalidInput, NotFound
from accord.exchange import ConsentRequest, new_request_id
from accord.items import ConsentState, Direction, Precedence
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.holdings._access import Release
from accord.node.originator._consent_grounds import ConsentGrounds
from accord.node.originator._consent_views import ConsentView, view_of
from accord.node.transfer._sealing import Outgoing
from accord.policy import ConsentTerms
from accord.store import ConsentRepository, ConsentRow, ItemRepository, ItemRow

__all__ = ["ConsentAsking", "request_row"]


class ConsentAsking(ConsentGrounds):
    """The holder's consent requests (Art. 6)."""

    def request(self, item_id: str, *, to: str, purpose: str, actor: str) -> ConsentView:
        """Ask the originator's consent; see :meth:`ConsentService.request` (same ``Raises``)."""
        to = to.strip().upper()
        detail = {"to": to}
        with self._ctx.work(actor, "consent.request", item_id=item_id, detail=detail) as session:
            now = self._ctx.now()
            act = Act(actor, now)
            row, asked, provided_under = self._askable(session, item_id, to, purpose, act)
            return view_of(self._ask(session, row, asked, provided_under, act))

    def _askable(
        self, session: Session, item_id: str, to: str, purpose: str, act: Act
    ) -> tuple[ItemRow, ConsentTerms, Agreement]:
        """Check the request may be made; return the item, the consent asked for and its agreement.

        The consent asked for carries the new request's id where a token's would be (no
        token exists yet).
        """
        own = self._ctx.config
        user = self._users.get_in(session, act.actor)
        row = ItemRepository(session).get(item_id)
        if row is None:
            raise NotFound(f"no item {item_id!r} at this node")
        resource = self._items.resource_of(row)
        self._access.require_read(session, user, resource, act.now)
        if row.originator_node == own.node_id:
            raise InvalidInput(f"item {item_id} was originated here: release it with accord send")
        if to in (own.party, row.originator_party):
            raise InvalidInput(f"{to} is not a third party for item {item_id}")
        onward = self._agreements.any_in_force_with(session, to, act.now)
        request_id = new_request_id()
        # Decided as the release would be with the consent asked for (its terms: this
        # party, this purpose, no condition): every other rule still applies, and so do
        # the conditions of a consent this node received the item under (Art. 6).
        asked = ConsentTerms(request_id, row.originator_party, to, purpose)
        self._access.require_release(session, user, resource, act.now, Release(onward, to, asked))
        view = self._items.view_in(session, row)
        return row, asked, self.provided_under(session, view.marking)

    def _ask(
        self, session: Session, row: ItemRow, asked: ConsentTerms, provided_under: Agreement, act: Act
    ) -> ConsentRow:
        """Send the request for the consent ``asked`` to the originator node; keep it (direction ``out``)."""
        actor, now = act.actor, act.now
        card = self._parties.card(session, row.originator_node)
        request = ConsentRequest(
            request_id=asked.token_id,
            item_id=row.id,
            content_sha384=row.content_sha384,
            holder_party=self._ctx.config.party,
            holder_node=self._ctx.config.node_id,
            third_party=asked.third_party,
            purpose=asked.purpose,
            requested_by=actor,
            requested_at=format_time(now),
        )
        sent = self._sending.enqueue(
            session,
            Outgoing(
                kind="consent-request",
                card=card,
                agreement=provided_under,
                precedence=Precedence.IMMEDIATE,
                item_id=request.item_id,
                payload=request.to_bytes(),
            ),
            Act(actor, now),
        )
        consent = request_row(request, Direction.OUT, row.originator_node)
        ConsentRepository(session).add(consent)
        journal_done(
            session,
            act,
            "consent.request",
            item_id=request.item_id,
            detail={
                "request_id": request.request_id,
                "to": request.third_party,
                "message_id": sent.message_id,
            },
        )
        session.flush()
        return consent


def request_row(request: ConsentRequest, direction: Direction, originator_node: str) -> ConsentRow:
    """The record of a consent request, pending a decision.

    ``direction`` is ``out`` at the holder that sent it, ``in`` at the originator node
    ``originator_node`` it was sent to.
    """
    return ConsentRow(
        id=request.request_id,
        direction=direction,
        item_id=request.item_id,
        content_sha384=request.content_sha384,
        originator_node=originator_node,
        holder_party=request.holder_party,
        holder_node=request.holder_node,
        third_party=request.third_party,
        purpose=request.purpose,
        request_json=request.to_bytes().decode("utf-8"),
        requested_by=request.requested_by,
        requested_at=request.requested_at,
        status=ConsentState.PENDING,
    )

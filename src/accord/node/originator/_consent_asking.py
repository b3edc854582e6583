"""At the holder: ask the originator's consent to pass an item on (Art. 6).

:meth:`ConsentAsking.request` checks that the officer may read the item, that it came from
a partner and the party named is a third party, and that the release would be allowed
with the consent asked for (every other rule still applies, and so do the conditions of a
consent this node received the item under). Then a
:class:`~accord.exchange.ConsentRequest` goes to the originator node, IMMEDIATE, under the
agreement the item was provided under, and the request is kept (``direction`` ``out``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from accord.agreements import Agreement
from accord.canonical import format_time
from accord.errors import InvalidInput, NotFound
from accord.exchange import ConsentRequest, new_request_id
from accord.items import ConsentState, Direction, Precedence
from accord.node.core._principal import Act
from accord.node.originator._consent_grounds import ConsentGrounds
from accord.node.originator._consent_views import ConsentView, view_of
from accord.node.transfer._services import ServiceBase, Services
from accord.policy import Action, ConsentTerms
from accord.store import ConsentRepository, ConsentRow, ItemRepository, ItemRow, NewEvent, append_event

__all__ = ["ConsentAsking"]


class ConsentAsking(ServiceBase):
    """The holder's consent requests (Art. 6)."""

    def __init__(self, services: Services, grounds: ConsentGrounds) -> None:
        """Ask for the node behind ``services.ctx`` (its registry, holdings and release)."""
        super().__init__(services)
        self._grounds = grounds

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
            row, request_id, provided_under = self._askable(session, item_id, to, purpose, Act(actor, now))
            return view_of(self._ask(session, row, request_id, to, purpose, provided_under, actor, now))

    def _askable(
        self, session: Session, item_id: str, to: str, purpose: str, act: Act
    ) -> tuple[ItemRow, str, Agreement]:
        """Check the request may be made; return the item, a new request id and its agreement."""
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
        self._access.require(
            session, user, Action.RELEASE, resource, act.now, agreement=onward, target=to, consent=asked
        )
        view = self._items.view_in(session, row)
        return row, request_id, self._grounds.provided_under(session, view.marking)

    def _ask(
        self,
        session: Session,
        row: ItemRow,
        request_id: str,
        to: str,
        purpose: str,
        provided_under: Agreement,
        actor: str,
        now: datetime,
    ) -> ConsentRow:
        """Send the request to the originator node and keep it (``direction`` ``out``)."""
        card = self._parties.card(session, row.originator_node)
        request = ConsentRequest(
            request_id=request_id,
            item_id=row.id,
            content_sha384=row.content_sha384,
            holder_party=self._ctx.config.party,
            holder_node=self._ctx.config.node_id,
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
            item_id=request.item_id,
            payload=request.to_bytes(),
            actor=actor,
            now=now,
        )
        consent = _out_row(request, row)
        ConsentRepository(session).add(consent)
        append_event(
            session,
            NewEvent(
                at=now,
                actor=actor,
                action="consent.request",
                outcome="ok",
                item_id=request.item_id,
                detail={
                    "request_id": request.request_id,
                    "to": request.third_party,
                    "message_id": sent.message_id,
                },
            ),
        )
        session.flush()
        return consent


def _out_row(request: ConsentRequest, row: ItemRow) -> ConsentRow:
    """The holder's record of a request it sent (``direction`` ``out``, pending)."""
    return ConsentRow(
        id=request.request_id,
        direction=Direction.OUT,
        item_id=request.item_id,
        content_sha384=row.content_sha384,
        originator_node=row.originator_node,
        holder_party=request.holder_party,
        holder_node=request.holder_node,
        third_party=request.third_party,
        purpose=request.purpose,
        request_json=request.to_bytes().decode("utf-8"),
        requested_by=request.requested_by,
        requested_at=request.requested_at,
        status=ConsentState.PENDING,
    )

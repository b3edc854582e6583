"""The originator asks a holder to return or destroy what it provided (GSOMIA Arts. 15, 21).

When an agreement ends, or whenever the originator decides, it may ask each holder to
return or destroy an item. ``request`` at the originator sends a ``disposal-request``
envelope (IMMEDIATE, authenticated by the transmission's signature like every control
message) to every node of the holder party that the dissemination record says received the
item: the nodes it was sent to, and the third party's nodes whose consent receipts say a
holder passed it on to them under this node's consent (:mod:`._receipts`). The holder marks
its holding ``to-return`` or ``to-destroy``, journals the request, and its officer carries
it out with ``accord destroy`` (method "returned to the originator" for a return:
electronic CMI is returned by destroying the copy and certifying it); the destruction
certificate then reaches the originator's dissemination record.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from accord.canonical import format_time
from accord.errors import Conflict, NotFound, PolicyDenied
from accord.exchange import DisposalRequest, EnvelopeHeader
from accord.items import FINAL_HOLDING_STATES, HoldingState, Precedence
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.originator._consents import ConsentService
from accord.node.originator._gate import ItemGate
from accord.node.transfer._control import Entry, Incoming, Steps, handle, originated_item, receipt_of_item
from accord.node.transfer._sealing import Outgoing
from accord.node.transfer._services import Services
from accord.policy import Action
from accord.store import (
    ConsentRepository,
    ItemRepository,
    ItemRow,
    OutboxRepository,
)

__all__ = ["DisposalRequest", "DisposalService"]

_STATUS = {"return": HoldingState.TO_RETURN, "destroy": HoldingState.TO_DESTROY}


class DisposalService(ItemGate):
    """Return and destruction requests from the originator to its holders."""

    def __init__(self, services: Services, consents: ConsentService) -> None:
        """Serve the node behind ``services.ctx``."""
        super().__init__(services)
        self._consents = consents

    def request(self, item_id: str, *, holder: str, kind: str, reason: str, actor: str) -> list[str]:
        """Ask every node of ``holder`` that received ``item_id`` to return or destroy it.

        Returns:
            The node ids asked.

        Raises:
            NotFound: no such item (or withheld), or it never went to ``holder``.
            PolicyDenied: not originated here, or ``actor`` may not decide about it.
            InvalidInput: an unknown kind or an empty reason.
        """
        holder = holder.strip().upper()
        detail = {"holder": holder, "kind": kind}
        with self._ctx.work(actor, "item.disposal.request", item_id=item_id, detail=detail) as session:
            now = self._ctx.now()
            row = self.allowed(session, item_id, Action.DESTROY, actor, now)
            if row.originator_node != self._ctx.config.node_id:
                raise PolicyDenied(
                    f"only the originator {row.originator_party} asks for the return or destruction of item "
                    f"{item_id} (Art. 21)"
                )
            request = DisposalRequest(item_id, kind, reason, actor, format_time(now))
            sent = OutboxRepository(session).destinations(item_id, party=holder, kind="item")
            targets = dict(sent)
            # A third party that received it under our consent (Art. 6), under the agreement
            # its receipt came under.
            for node, agreement_id in ConsentRepository(session).receiving_nodes(item_id, holder):
                targets.setdefault(node, agreement_id)
            if not targets:
                raise NotFound(f"item {item_id} was never provided to {holder}")
            for peer, agreement_id in sorted(targets.items()):
                self._sending.enqueue(
                    session,
                    Outgoing(
                        kind="disposal-request",
                        card=self._parties.card(session, peer),
                        agreement=self._agreements.get_in(session, agreement_id),
                        precedence=Precedence.IMMEDIATE,
                        item_id=item_id,
                        payload=request.to_bytes(),
                    ),
                    Act(actor, now),
                )
            journal_done(
                session,
                Act(actor, now),
                "item.disposal.request",
                item_id=item_id,
                detail={**detail, "reason": request.reason, "asked": sorted(targets)},
            )
            return sorted(targets)

    def incoming(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str, now: datetime
    ) -> Incoming:
        """Check a disposal request from the originator, in the holder's snapshot.

        Raises:
            InvalidInput: malformed.
            NotFound: the item is not held here, or the sender did not originate it.
            Conflict: it is already destroyed or returned here.
        """

        def locate(request: DisposalRequest) -> ItemRow:
            missing = f"a disposal request for item {request.item_id}, which the sender did not provide here"
            return originated_item(session, request.item_id, header.sender, missing)

        def check(_: DisposalRequest, row: ItemRow) -> None:
            if row.status in FINAL_HOLDING_STATES:
                raise Conflict(f"item {row.id} is already {row.status} here")

        def apply(session: Session, request: DisposalRequest, _: ItemRow, now: datetime) -> Entry:
            holding = ItemRepository(session).require(request.item_id)
            holding.status = _STATUS[request.kind]
            return Entry(
                item_id=request.item_id,
                detail={
                    "kind": request.kind,
                    "reason": request.reason,
                    "requested_by": request.requested_by,
                    "requested_at": request.requested_at,
                },
            )

        # The originator is known from the item (it must be the sender), not from the request.
        return handle(
            header,
            plaintext,
            Steps(
                parse=DisposalRequest.parse,
                authenticate=None,
                locate=locate,
                check=check,
                apply=apply,
                journal="item.disposal.requested",
                receipt=receipt_of_item(self._ctx.config.scheme),
            ),
        )

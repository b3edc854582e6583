"""The officer's desk of the exchange: outbox, receipts and quarantine, as a person sees them.

``accord outbox``, ``accord receipts`` and ``accord quarantine list`` are the node operator's
(they read the node's home); the user API and the console show the same records to a
signed-in person, and this is where that person is checked, once for every interface:

* only officers and the security authority see the exchange's records (the outbox, the
  receipts, the quarantine are the dissemination record and its refusals, Arts. 6, 9–10);
* an outbox entry or a receipt is about an item: it is shown only when the person may read
  the item (an item withheld from them answers as a missing one, Art. 7).
"""

from __future__ import annotations

from accord.errors import NotFound, PolicyDenied
from accord.node.registry._users import User
from accord.node.transfer._delivery import DeliveryService, OutboxEntry
from accord.node.transfer._receiving import ReceivingService
from accord.node.transfer._services import ServiceBase, Services

__all__ = ["EXCHANGE_ROLES", "ExchangeDesk"]

EXCHANGE_ROLES = frozenset({"officer", "authority"})
"""The roles that see the exchange's records (the outbox, receipts, quarantine)."""


class ExchangeDesk(ServiceBase):
    """The exchange's records shown to a signed-in officer or authority."""

    def __init__(self, services: Services, delivery: DeliveryService, receiving: ReceivingService) -> None:
        """Show the records of ``delivery`` and ``receiving`` at the node behind ``services``."""
        super().__init__(services)
        self._delivery = delivery
        self._receiving = receiving

    def outbox(self, *, actor: str, include_done: bool = False) -> list[OutboxEntry]:
        """The outbox (:meth:`DeliveryService.outbox`) without the entries of items ``actor`` may not read.

        Raises:
            NotFound: no such user.
            PolicyDenied: ``actor`` is not an officer or authority.
        """
        self._officer(actor, "the outbox is")
        entries = self._delivery.outbox(include_done=include_done)
        readable = self._items.readable_ids(actor, [e.item_id for e in entries])
        return [e for e in entries if e.item_id in readable]

    def receipts(self, item_id: str, *, actor: str) -> list[dict[str, object]]:
        """The signed receipts partners gave for an item ``actor`` may read.

        Raises:
            NotFound: no such user, no such item, or the item is withheld from ``actor``.
            PolicyDenied: ``actor`` is not an officer or authority.
        """
        if item_id not in self._items.readable_ids(actor, [item_id]):
            # Withheld and missing answer alike (Art. 7), whoever asks; the decision is journalled.
            raise NotFound(f"no item {item_id!r} at this node")
        self._officer(actor, "receipts are")
        return self._delivery.receipts(item_id)

    def quarantine(self, *, actor: str) -> list[dict[str, object]]:
        """What partners sent that was refused, with the reasons (:meth:`ReceivingService.quarantine_groups`).

        Raises:
            NotFound: no such user.
            PolicyDenied: ``actor`` is not an officer or authority.
        """
        self._officer(actor, "the quarantine is")
        return self._receiving.quarantine_groups()

    def _officer(self, actor: str, what: str) -> User:
        with self._ctx.db.transaction(read_only=True) as session:
            user = self._users.get_in(session, actor)
        if user.role.value not in EXCHANGE_ROLES:
            raise PolicyDenied(f"{actor} has the role {user.role.value}; {what} for officers")
        return user

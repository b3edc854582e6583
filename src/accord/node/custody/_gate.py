"""The decision point's gate before a custody action on one item (GSOMIA Arts. 13–16).

Copying, translating and destroying an item are actions of the decision point (``copy``,
``translate``, ``destroy``): :class:`ItemGate` asks it, and refuses an item already
destroyed, before the custody wing does anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accord.errors import Conflict, NotFound
from accord.items import HoldingState
from accord.node.holdings._access import AccessService
from accord.node.holdings._items import ItemService
from accord.node.holdings._stored import destroyed_message
from accord.node.registry._users import UserService
from accord.policy import Action
from accord.store import ItemRepository, ItemRow

__all__ = ["ItemGate"]


@dataclass(frozen=True)
class ItemGate:
    """Who may do what to an item held here: the services the custody wing asks."""

    users: UserService
    items: ItemService
    access: AccessService

    def permitted(self, session: Session, item_id: str, action: Action, actor: str, now: datetime) -> ItemRow:
        """The item, once the decision point permits ``action``; refused if destroyed.

        Raises:
            NotFound: no such item or user (or the item is withheld from ``actor``).
            PolicyDenied: the decision point refuses ``action`` to ``actor``.
            Conflict: the item was destroyed.
        """
        user = self.users.get_in(session, actor)
        row = ItemRepository(session).get(item_id)
        if row is None:
            raise NotFound(f"no item {item_id!r} at this node")
        self.access.require(session, user, action, self.items.resource_of(row), now)
        if row.status == HoldingState.DESTROYED:
            raise Conflict(destroyed_message(item_id, None))
        return row

"""The decision point's gate before an action on one item held here (GSOMIA Arts. 6, 13–16).

Copying, translating and destroying an item, asking its holders to dispose of it and
changing its classification are actions of the decision point (``copy``, ``translate``,
``destroy``, ``downgrade``): :class:`ItemGate` asks it before the service does anything,
and for a custody action refuses an item already destroyed. It is the base of the services
that act on one item: in the custody wing :class:`~accord.node.custody.CustodyService`,
its translations and destruction, and the register (an item's dissemination record); here
:class:`~._disposal.DisposalService` and :class:`~._notices.NoticeService`. It lives in the
lower of the two wings so that both can use it (ADR 0005).

Accounting for a holding is not reading it (Arts. 6, 16): :meth:`ItemGate.accountable`
and ``readable(accounting=True)`` decide on the holding as it was received
(``ServiceBase.accounted``: a consent the originator has since revoked counts too), so
whoever could read it then still lists it, reports it and (an officer) destroys it; nobody
shows, copies or passes it on any more (those keep the plain decision).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from accord.errors import Conflict, NotFound
from accord.items import HoldingState
from accord.node.holdings._stored import destroyed_message
from accord.node.transfer._services import ServiceBase
from accord.policy import Action, Resource
from accord.store import ItemRepository, ItemRow

__all__ = ["ItemGate"]


class ItemGate(ServiceBase):
    """Who may do what to an item held here: the decision point, asked before an action on it."""

    def allowed(self, session: Session, item_id: str, action: Action, actor: str, now: datetime) -> ItemRow:
        """The item, once the decision point permits ``action`` to ``actor``.

        Raises:
            NotFound: no such item or user (or the item is withheld from ``actor``).
            PolicyDenied: the decision point refuses ``action`` to ``actor``.
        """
        user = self._users.get_in(session, actor)
        row = _held(session, item_id)
        self._access.require(session, user, action, self._items.resource_of(row), now)
        return row

    def permitted(self, session: Session, item_id: str, action: Action, actor: str, now: datetime) -> ItemRow:
        """The item, once the decision point permits the custody ``action``; refused if destroyed.

        Raises:
            NotFound: no such item or user (or the item is withheld from ``actor``).
            PolicyDenied: the decision point refuses ``action`` to ``actor``.
            Conflict: the item was destroyed.
        """
        row = self.allowed(session, item_id, action, actor, now)
        if row.status == HoldingState.DESTROYED:
            raise Conflict(destroyed_message(item_id, None))
        return row

    def accountable(
        self, session: Session, item_id: str, action: Action, actor: str, now: datetime
    ) -> ItemRow:
        """Like :meth:`permitted`, decided on the holding as it was received (its revoked consents count).

        For an action that accounts for the holding without showing it (a destruction).

        Raises:
            NotFound: no such item or user (or the item is withheld from ``actor``).
            PolicyDenied: the decision point refuses ``action`` to ``actor``.
            Conflict: the item was destroyed.
        """
        user = self._users.get_in(session, actor)
        row = _held(session, item_id)
        self._access.require(session, user, action, self.accounted(session, [row])[0], now)
        if row.status == HoldingState.DESTROYED:
            raise Conflict(destroyed_message(item_id, None))
        return row

    def readable(
        self, session: Session, item_id: str, actor: str, now: datetime, *, accounting: bool = False
    ) -> ItemRow:
        """The item, if ``actor`` may read it (destroyed or not: its record stays).

        ``accounting``: or could read it as it was received (its revoked consents count), to
        account for it without showing it.

        Raises:
            NotFound: no such item or user (or the item is withheld from ``actor``).
        """
        user = self._users.get_in(session, actor)
        row = _held(session, item_id)
        self._access.require_read(session, user, self._resource(session, row, accounting), now)
        return row

    def _resource(self, session: Session, row: ItemRow, accounting: bool) -> Resource:
        return self.accounted(session, [row])[0] if accounting else self._items.resource_of(row)


def _held(session: Session, item_id: str) -> ItemRow:
    row = ItemRepository(session).get(item_id)
    if row is None:
        raise NotFound(f"no item {item_id!r} at this node")
    return row

"""The services a wing above transfer is built from, passed as one typed object.

The release (:class:`SendingService`) acts on a :class:`Footing`: the node's context, the
registry (parties, agreements, users) and the holdings (items, access). The receiving
side (its receipts of items passed on go out through the release) and the consent,
notice, disposal, custody, compromise, register and witness services act on the same
footing and the release (Arts. 6, 9, 17): :class:`Services`. ``Node`` builds both once;
:class:`FootingBase` and :class:`ServiceBase` name each member as the private attribute
those services read, so no constructor repeats the list.

It lives in transfer because :class:`Services` holds the sending service: a wing may
import only the wings below it (ADR 0005).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, fields
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from accord.node.core._context import NodeContext
from accord.node.holdings._access import AccessService
from accord.node.holdings._items import ItemService
from accord.node.registry._agreements import AgreementService
from accord.node.registry._parties import PartyService
from accord.node.registry._users import UserService
from accord.policy import Resource
from accord.store import ItemRow

if TYPE_CHECKING:
    # A type only: the sending service is itself built from a Footing.
    from accord.node.transfer._sending import SendingService

__all__ = ["Footing", "FootingBase", "ServiceBase", "Services"]


@dataclass(frozen=True, slots=True)
class Footing:
    """The node's context, its registry and its holdings: what the release acts on."""

    ctx: NodeContext
    parties: PartyService
    agreements: AgreementService
    users: UserService
    items: ItemService
    access: AccessService


@dataclass(frozen=True, slots=True)
class Services(Footing):
    """A :class:`Footing` and the release: what the originator, custody and audit wings act on."""

    sending: SendingService

    @classmethod
    def on(cls, footing: Footing, sending: SendingService) -> Services:
        """``footing`` with the release ``sending``."""
        return cls(**{f.name: getattr(footing, f.name) for f in fields(footing)}, sending=sending)


class FootingBase:
    """A service of the node built from a :class:`Footing` (the release)."""

    def __init__(self, footing: Footing) -> None:
        """Serve the node behind ``footing.ctx``."""
        self._ctx = footing.ctx
        self._parties = footing.parties
        self._agreements = footing.agreements
        self._users = footing.users
        self._items = footing.items
        self._access = footing.access


class ServiceBase(FootingBase):
    """A service built from :class:`Services` (receiving; the originator, custody and audit wings)."""

    def __init__(self, services: Services) -> None:
        """Serve the node behind ``services.ctx``."""
        super().__init__(services)
        self._services = services
        self._sending = services.sending

    def accounted(self, session: Session, rows: Sequence[ItemRow]) -> list[Resource]:
        """The decision point's view of ``rows`` as received: their consents since revoked count.

        To account for a holding — list it, report it, destroy it — never to show, copy or
        pass it on: a holding whose consent was revoked is still held here, and whoever could
        read it then still answers for it (Arts. 6, 16, 17).

        Raises:
            IntegrityError: a stored marking, sealed content or consent cannot be read.
        """
        consented = self._items.consented_among(session, [row.id for row in rows], accounting=True)
        return [self._items.resource_of(row, consented) for row in rows]

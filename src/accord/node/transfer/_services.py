"""The services a wing above transfer is built from, passed as one typed object.

The consent, notice, disposal, custody, compromise, register and witness services all
act on the same footing: the node's context, the registry (parties, agreements, users),
the holdings (items, access) and the release (sending; Arts. 6, 9, 17). :class:`Services`
bundles them once, in ``Node``; :class:`ServiceBase` names each as the private
attribute those services read, so no constructor repeats the list.

It lives in transfer because it holds :class:`SendingService`: a wing may import only the
wings below it (ADR 0005).
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.node.core._context import NodeContext
from accord.node.holdings._access import AccessService
from accord.node.holdings._items import ItemService
from accord.node.registry._agreements import AgreementService
from accord.node.registry._parties import PartyService
from accord.node.registry._users import UserService
from accord.node.transfer._sending import SendingService

__all__ = ["ServiceBase", "Services"]


@dataclass(frozen=True, slots=True)
class Services:
    """The node's context and the services below the originator, custody and audit wings."""

    ctx: NodeContext
    parties: PartyService
    agreements: AgreementService
    users: UserService
    items: ItemService
    access: AccessService
    sending: SendingService


class ServiceBase:
    """A service of the node built from :class:`Services` (the originator, custody, audit wings)."""

    def __init__(self, services: Services) -> None:
        """Serve the node behind ``services.ctx``."""
        self._services = services
        self._ctx = services.ctx
        self._parties = services.parties
        self._agreements = services.agreements
        self._users = services.users
        self._items = services.items
        self._access = services.access
        self._sending = services.sending

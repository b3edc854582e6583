"""What the units of the item service are built from, passed as one typed object.

:class:`~._items.ItemService` builds one :class:`ItemFooting` and hands it to each of its
units (creating, reading, listing, search); :class:`ItemUnit` names each member as the
private attribute those units read, so no constructor repeats the list.
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.node.core._context import NodeContext
from accord.node.holdings._access import AccessService
from accord.node.holdings._resources import ItemResources
from accord.node.registry._agreements import AgreementService
from accord.node.registry._parties import PartyService
from accord.node.registry._users import UserService

__all__ = ["ItemFooting", "ItemUnit"]


@dataclass(frozen=True, slots=True)
class ItemFooting:
    """The node's context, its registry, the enforcement point and the decision point's view of items."""

    ctx: NodeContext
    parties: PartyService
    agreements: AgreementService
    users: UserService
    access: AccessService
    resources: ItemResources


class ItemUnit:
    """A unit of the item service, built from an :class:`ItemFooting`."""

    def __init__(self, footing: ItemFooting) -> None:
        """Serve the items of the node behind ``footing.ctx``."""
        self._ctx = footing.ctx
        self._parties = footing.parties
        self._agreements = footing.agreements
        self._users = footing.users
        self._access = footing.access
        self._resources = footing.resources

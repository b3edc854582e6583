"""The decision point's view of stored items, read from their columns (GSOMIA Arts. 6, 7).

Deciding comes before verifying: a :class:`~accord.policy.Resource` is built from the
stored marking (or its access-key shape) and the consents held for the item, without
checking the binding — that is done when the item is shown, after the decision. Only an
item marked PURPOSE-LIMITED has its content opened, for the purpose of provision (Art. 6).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from datetime import datetime
from functools import partial
from typing import Any

from sqlalchemy.orm import Session, object_session

from accord.errors import AccordError, IntegrityError, InvalidInput
from accord.exchange import ConsentToken
from accord.items import ConsentState, HoldingState, ItemContent, Precedence
from accord.markings import Marking
from accord.node.core._context import NodeContext
from accord.node.holdings._access import AccessService, consent_terms
from accord.node.holdings._access_keys import AccessShapes, Shape, purpose_limited
from accord.node.holdings._item_types import DamagedItem
from accord.node.holdings._vault import open_content
from accord.node.holdings._verifying import item_key
from accord.node.registry._users import User
from accord.policy import ConsentTerms, Resource
from accord.store import ConsentRepository, ItemRepository, ItemRow

__all__ = ["Consented", "ItemResources"]

Consented = dict[str, tuple[ConsentTerms, ...]]
"""For each item held with the originator's consent: the terms of its consents."""


class ItemResources:
    """Builds the decision point's inputs for the items this node holds (Arts. 6, 7)."""

    def __init__(self, ctx: NodeContext, access: AccessService, shapes: AccessShapes) -> None:
        """Read the items of the node behind ``ctx``, with its parsed access-key ``shapes``."""
        self._ctx = ctx
        self._access = access
        self._shapes = shapes

    @property
    def shapes(self) -> AccessShapes:
        """The node's parsed access-key shapes these resources are read with."""
        return self._shapes

    def resource_of(self, row: ItemRow, consented: Consented | None = None) -> Resource:
        """The decision point's view of a stored item, read from its columns.

        ``consented``: what :meth:`consented` read for several items including this one.

        Raises:
            IntegrityError: the stored marking or sealed content cannot be read.
        """
        if consented is None:
            session = object_session(row)
            consented = self.consented(session, row.id) if session is not None else {}
        return self.resource(row.id, None, row.originator_party, lambda: row, consented)

    def consented(
        self,
        session: Session,
        item_id: str | None = None,
        *,
        among: Collection[str] | None = None,
        accounting: bool = False,
    ) -> Consented:
        """Items held here with the originator's consent to this node's party, not revoked (Art. 6).

        Each with the terms of its consents (verified when the item arrived with them), whose
        conditions bind the holding here. Only ``item_id``, or the items ``among``, when given.

        ``accounting``: a revoked consent counts too. The holding is then seen as it was
        received, to account for it (the register, the originator's summary) and destroy it
        (Arts. 6, 16): who could read it then still answers for it, though nobody may read
        it any more. Never for showing or passing it on.

        Raises:
            IntegrityError: a stored consent no longer parses.
        """
        # A consent held here is approved or revoked: accounting takes both.
        status = None if accounting else ConsentState.APPROVED
        held_here = ConsentRepository(session).held_tokens(
            self._ctx.config.party, status=status, item_id=item_id, item_ids=among
        )
        out: Consented = {}
        for held, token_json in held_here:
            if token_json is None:
                continue
            try:
                terms = consent_terms(ConsentToken.parse(token_json))
            except InvalidInput as exc:
                raise IntegrityError(f"item {held}: the stored consent no longer parses") from exc
            out[held] = (*out.get(held, ()), terms)
        return out

    def resource(
        self,
        item_id: str,
        shape: Shape | None,
        originator_party: str,
        load: Callable[[], ItemRow],
        consented: Consented,
    ) -> Resource:
        """The decision point's view: from the stored access shape when given, else the full marking.

        Raises:
            IntegrityError: the stored marking or sealed content cannot be read.
        """
        try:
            if shape is not None:
                marking, limited = shape
            else:
                marking = Marking.from_dict(json.loads(load().marking_json))
                limited = purpose_limited(marking)
            purpose = ""
            if limited and (row := load()).status != HoldingState.DESTROYED:
                content = open_content(item_key(self._ctx, row), row.content_sealed, row.id)
                purpose = ItemContent.from_dict(json.loads(content)).purpose
        except (AccordError, ValueError) as exc:
            raise IntegrityError(
                f"item {item_id}: the binding no longer verifies — its stored marking or content was altered"
            ) from exc
        return self._access.resource(
            item_id=item_id,
            marking=marking,
            purpose=purpose,
            originator_party=originator_party,
            consents=consented.get(item_id, ()),
        )

    def reads_stored(self, session: Session, user: User, row: ItemRow, now: datetime) -> bool:
        """Whether the decision point lets ``user`` read ``row`` by its full stored marking."""
        try:
            resource = self.resource_of(row)
        except IntegrityError:
            return False
        return self._access.permits_read(session, user, resource, now)

    def of_heads(self, session: Session, heads: Sequence[Any]) -> tuple[list[Resource], list[DamagedItem]]:
        """Resources for rows given as (id, access_key, originator_party, precedence), and the damaged.

        Raises:
            IntegrityError: a stored consent no longer parses.
        """
        items = ItemRepository(session)
        consented = self.consented(session)
        shapes = self._shapes.views(session, {h.access_key for h in heads if h.access_key is not None})
        resources: list[Resource] = []
        damaged: list[DamagedItem] = []
        for head in heads:
            try:
                # A missing or altered access key falls back to the full stored marking: the
                # decision must not depend on the shortcut being intact.
                shape = shapes.get(head.access_key) if head.access_key is not None else None
                load = partial(items.require, head.id)
                resources.append(self.resource(head.id, shape, head.originator_party, load, consented))
            except IntegrityError as exc:
                damaged.append(DamagedItem(head.id, Precedence(head.precedence), str(exc)))
        return resources, damaged

"""What the delivery worker journals about one envelope of the outbox, in one place.

The worker acts for nobody in particular: its entries name the actor ``delivery``, the
envelope's item, and its message id and peer in the detail, whatever happened to it (held
back, receipted, rejected by the peer).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Final

from accord.store import NewEvent, OutboxRow

__all__ = ["DELIVERY_ACTOR", "delivery_event"]

DELIVERY_ACTOR: Final = "delivery"
"""The actor of the delivery worker's journal entries."""


def delivery_event(
    row: OutboxRow, action: str, outcome: str, now: datetime, detail: Mapping[str, object] | None = None
) -> NewEvent:
    """The journal entry of ``action`` on the envelope ``row``: its item, message id, peer and ``detail``."""
    return NewEvent(
        at=now,
        actor=DELIVERY_ACTOR,
        action=action,
        outcome=outcome,
        item_id=row.item_id,
        detail={"message_id": row.message_id, "peer": row.peer, **(detail or {})},
    )

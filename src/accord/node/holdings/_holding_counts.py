"""What an interface that keeps anything of the items asks before each request (issue 13).

An interface with an index of its own (the TAXII collections) or a memo of what it rendered
of verified items must learn of every item that arrived and of every change of a stored
item's state — also when another process made it (``accord item destroy`` from the CLI
while ``accord serve`` runs, another worker on PostgreSQL). :class:`HoldingCounts` gives,
in one snapshot, two counts that only grow, whatever order concurrent transactions commit
in: the item rows stored (a row is never deleted) and the journal events of the acts that
change a stored item's row (:data:`STATE_CHANGES`; the journal is append-only, and each
such act journals in its own transaction). When the second moved, it also gives how many
such events name each item, so that the interface finds which items changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from accord.store import ItemRepository

__all__ = ["STATE_CHANGES", "HoldingCounts"]

STATE_CHANGES: Final = frozenset(
    {
        "item.destroy",  # crypto-erased here (Art. 16)
        "item.destroy.received",
        "item.downgrade",  # downgraded or declassified by its originator (Art. 6), here
        "item.downgrade.received",  # ... and at a holder
        "item.disposal.request",
        "item.disposal.requested",  # to be returned or destroyed
        "consent.revocation.received",  # held under a consent now revoked
        "compromise.report",  # compromised
        "compromise.notice.received",
    }
)
"""The journal actions of every act that changes a stored item's row (its state, marking or
content key). An act that changes one must journal one of these (or be added here)."""


@dataclass(frozen=True)
class HoldingCounts:
    """Two counts that only grow, read in one snapshot, and what changed when the second moved."""

    stored: int
    """Item rows ever stored here (destroyed ones too)."""
    changes: int
    """Changes of a stored item's state ever made here (:data:`STATE_CHANGES`)."""
    changed: dict[str, int] | None
    """How many changes each changed item had; None when ``changes`` was the count known."""

    @classmethod
    def read(cls, items: ItemRepository, changes_known: int) -> HoldingCounts:
        """The counts in ``items``' session (the changes by item unless ``changes_known`` holds)."""
        changes = items.changes(STATE_CHANGES)
        changed = None if changes == changes_known else items.changes_by_item(STATE_CHANGES)
        return cls(items.stored(), changes, changed)

"""The records the item service hands out: what is asked for, what is shown (GSOMIA Arts. 2, 4).

* :class:`LabelRequest` — what an originator asks for; the node makes the label from it;
* :class:`NewItem` — an item to create: content, label request, precedence, attachments;
* :class:`ImportRef` — where an imported item came from (a MISP event's uuid);
* :class:`ItemView` — a verified item as shown to a person, banners first;
* :class:`Equivalent` — the marking an item would carry at a partner (Art. 4);
* :class:`DamagedItem`, :class:`ItemListing` — a listing, with the items that no longer verify.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from accord.crypto import Binding
from accord.items import AttachmentRef, ItemContent, Precedence
from accord.json_view import JsonView
from accord.markings import Marking

__all__ = [
    "DamagedItem",
    "Equivalent",
    "ImportRef",
    "ItemListing",
    "ItemView",
    "LabelRequest",
    "NewItem",
    "Progress",
]

Progress = Callable[[int], None]
"""Told how many more bytes of an attachment were sealed."""


@dataclass(frozen=True)
class LabelRequest:
    """What the originator asks for; the node makes the label from it."""

    classification: str
    releasable_to: Sequence[str] = ()
    need_to_know: Sequence[str] = ()
    originator_controls: Sequence[str] = ()
    privacy_mark: str | None = None
    review_time: datetime | None = None
    agreement: str | None = None


@dataclass(frozen=True)
class ImportRef:
    """Where an imported item came from: the source system (``misp``) and the item's id there.

    A node holds one item per (source, ref): a second import of it is refused
    (:meth:`accord.node.ItemService.create_many`).
    """

    source: str
    """A short name of the system, at most 16 characters: ``misp``."""
    ref: str
    """The id there (a MISP event's uuid), at most 64 characters."""
    name: str = ""
    """What a refusal calls it, when not the ref (a STIX object's id and version)."""


@dataclass(frozen=True)
class NewItem:
    """What an originator asks to create: the content, its label, its precedence and the files attached."""

    content: ItemContent
    label: LabelRequest
    precedence: Precedence
    attachments: Sequence[Path] = ()
    """Files sealed at rest as the item's attachments, in this order."""
    origin: ImportRef | None = None
    """Where an imported item came from (a MISP event's uuid): recorded with it; a node holds
    one item per origin, and refuses another."""


@dataclass(frozen=True)
class ItemView:
    """An item as shown to a person: marking, banners, verified content."""

    id: str
    precedence: Precedence
    marking: Marking
    content: ItemContent
    attachments: tuple[AttachmentRef, ...]
    originator_party: str
    originator_node: str
    created_by: str
    created_at: str  # the originator's creation time (received_at: when this node received it)
    status: str
    binding: Binding
    banners: tuple[str, ...] = field(default=())
    received_from: str | None = None
    received_at: str | None = None

    def summary(self) -> dict[str, object]:
        """The listing form (inbox, item list, user API): no body, no fields."""
        return {
            "id": self.id,
            "precedence": self.precedence.value,
            "kind": self.content.kind.value,
            "title": self.content.title,
            "banners": list(self.banners),
            "from": self.received_from,
            "received_at": self.received_at,
            "created_at": self.created_at,
        }

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view (content included)."""
        return {
            "id": self.id,
            "precedence": self.precedence.value,
            "banners": list(self.banners),
            "marking": self.marking.to_dict(),
            "content": self.content.to_dict(),
            "attachments": [a.to_dict() for a in self.attachments],
            "originator_party": self.originator_party,
            "originator_node": self.originator_node,
            "created_by": self.created_by,
            "created_at": self.created_at,
            "status": self.status,
            "binding": {"signer": self.binding.signer, "verified": True},
            "received_from": self.received_from,
            "received_at": self.received_at,
        }


@dataclass(frozen=True)
class Equivalent(JsonView):
    """The marking an item would carry at a partner under one agreement (Art. 4)."""

    agreement_id: str
    party: str
    level: str | None
    banner: str | None
    refusal: str | None


@dataclass(frozen=True)
class DamagedItem:
    """An item whose stored record no longer verifies."""

    id: str
    precedence: Precedence
    reason: str


@dataclass(frozen=True)
class ItemListing:
    """Items that verify, and those that do not."""

    views: list[ItemView]
    damaged: list[DamagedItem]
    more: bool = False
    """Whether the person may read more items after this page (a listing with a limit)."""
    total: int | None = None
    """How many listed items the person may read in all, counted from the decision point's
    filter (a withheld item is never counted, and none is opened to count it); ``None`` where
    nothing was counted (views of named items, a TAXII page)."""

    def to_dict(self) -> dict[str, object]:
        """The listing form (``accord item list --json``, ``GET /api/v1/items``): each item's
        summary with its first banner, the damaged items with their reasons, ``more`` and ``total``."""
        return {
            "items": [{**v.summary(), "banner": v.banners[0]} for v in self.views],
            "damaged": [
                {"id": d.id, "precedence": d.precedence.value, "reason": d.reason} for d in self.damaged
            ],
            "more": self.more,
            "total": self.total,
        }

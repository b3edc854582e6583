"""STIX 2.1 export and import through a node's public services (issue 13).

* :meth:`StixExchange.export` reads each item as ``actor`` (the decision point decides, as
  for ``accord item show``: an item the person may not read is answered as a missing one),
  then writes a bundle that ``stix2`` and ``stix2-validator`` accept;
* :meth:`StixExchange.import_bundle` checks the whole bundle (size, depth, ``stix2``,
  ``stix2-validator``, then the strict reading of :func:`read_bundle`), then hands every
  item to :meth:`accord.node.ItemService.create_many`, which runs the node's creation checks
  for *every* item before creating any (once: no separate pre-check), so a refused bundle
  stores nothing, and creates them in one transaction: all are stored, or none. The label is
  the originator's national marking in this node's scheme, never guessed: a partner's item
  (its originator's label in another scheme) is refused, as it must keep its originator's
  controls (:func:`own_label`). A report imported already (same id and ``modified``) is
  refused, naming the item it became (``item_imports``, source ``stix``). Every refusal is
  journalled with its reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from accord.errors import AccordError, InvalidInput, PolicyDenied
from accord.interop._stix_check import MAX_STIX_BYTES, check_bundle, load_json
from accord.interop._stix_codec import ItemDraft, bundle_of, read_bundle
from accord.limits import read_bounded
from accord.markings import ConfidentialityLabel, Marking
from accord.node import ImportRef, ItemView, LabelRequest, NewItem, Node

__all__ = ["StixExchange"]

_SOURCE = "stix"

PARTNER_ITEMS = (
    "it arrives through the exchange (accord send) or an offline bundle "
    "(accord bundle import), which keep its originator's controls (Art. 6)"
)


@dataclass(frozen=True)
class Ours:
    """Who may have issued a label this node imports as its own: its scheme, its party's code,
    its own node id and the ids of the nodes pinned here under its party."""

    scheme: str
    issuers: frozenset[str]

    @classmethod
    def of(cls, node: Node) -> Ours:
        """This node's scheme and issuers."""
        config = node.config
        pinned = {card.node_id for card in node.parties.all() if card.party == config.party}
        return cls(config.scheme, frozenset({config.party, config.node_id, *pinned}))


def own_label(marking: Marking, ours: Ours, *, refused: str) -> ConfidentialityLabel:
    """The originator's label of ``marking`` when this node's party issued it; or refuse.

    An importer creates an item in this node's name, as its originator: only information
    this node's party originated may come in that way. An item whose originator's label is in
    another scheme, or was issued by a node of another party (two parties may share a scheme,
    e.g. NATO's), is a partner's, even when it carries this node's equivalent (Art. 4):
    created here, it would lose the originator's controls (Art. 6) and this node's register
    of what it holds for that partner. ``refused`` begins each message.

    Raises:
        InvalidInput: no label in this node's scheme at all (never guessed).
        PolicyDenied: the originator's label is in another scheme or issued by another
            party's node (a partner's item).
    """
    originator, scheme = marking.originator, ours.scheme
    if originator.policy == scheme and originator.originator_id in ours.issuers:
        return originator
    if originator.policy == scheme:
        raise PolicyDenied(
            f"{refused} is not this node's party's item: its label was issued by "
            f"{originator.originator_id!r}, not by this node or a node of its party pinned here, "
            f"and an import would make it this node's own; {PARTNER_ITEMS}"
        )
    if marking.for_scheme(scheme) is None:
        raise InvalidInput(
            f"{refused} carries no national marking in this node's scheme {scheme}; "
            "Accord never guesses a classification"
        )
    raise PolicyDenied(
        f"{refused} is a partner's item: its originator's label is in scheme {originator.policy}, "
        f"not this node's {scheme}, and an import would make it this node's own; {PARTNER_ITEMS}"
    )


def _origin(draft: ItemDraft) -> ImportRef:
    # A STIX id and its version do not fit item_imports.ref (64 characters): their SHA-256 does.
    # STIX ids are case-insensitive UUIDs: one report is one key however its id is written.
    version = f"{draft.stix_id.lower()} {draft.modified}"
    ref = hashlib.sha256(version.encode("utf-8")).hexdigest()
    return ImportRef(_SOURCE, ref, name=f"{draft.stix_id} (modified {draft.modified})")


def label_request(label: ConfidentialityLabel) -> LabelRequest:
    """What to ask the node for so that it makes ``label`` again in its own name."""
    return LabelRequest(
        classification=label.classification,
        releasable_to=sorted(label.releasable_to),
        need_to_know=sorted(label.need_to_know),
        originator_controls=sorted(label.originator_controls),
        privacy_mark=label.privacy_mark,
        review_time=label.review_time,
        agreement=label.agreement,
    )


class StixExchange:
    """STIX 2.1 bundles in and out of one node."""

    def __init__(self, node: Node) -> None:
        """Serve ``node``."""
        self._node = node

    def export(self, item_ids: Sequence[str], *, actor: str) -> dict[str, object]:
        """A checked STIX bundle of the items, each read as ``actor``.

        Raises:
            NotFound: an item does not exist or ``actor`` may not read it (the same answer).
            InvalidInput: the bundle would not pass ``stix2`` or ``stix2-validator`` (a bug).
        """
        if not item_ids:
            raise InvalidInput("name at least one item to export")
        views = [self._node.items.show(item_id, actor=actor) for item_id in item_ids]
        bundle = bundle_of(views)
        check_bundle(bundle)
        return bundle

    def import_file(self, path: Path, *, actor: str) -> list[ItemView]:
        """Read the bundle at ``path`` (bounded: refused unread above 4 MiB) and import it as ``actor``.

        Raises:
            InvalidInput: the file is too large or a folder, or see :meth:`import_bundle`.
            NotFound: the file cannot be read.
            AccordError: see :meth:`import_bundle`; nothing was stored.
        """
        try:
            data = read_bounded(path, limit=MAX_STIX_BYTES, what="STIX bundle")
        except AccordError as exc:
            # Refused before a byte is parsed, and journalled as any other refusal.
            self.journal_refusal(actor, exc, detail={"file": path.name})
            raise
        return self.import_bundle(data, actor=actor)

    def import_bundle(self, data: bytes, *, actor: str) -> list[ItemView]:
        """Create the items of a STIX bundle as ``actor``; all of them, or none.

        Raises:
            InvalidInput: the bundle is too large, malformed, fails ``stix2`` or
                ``stix2-validator``, or a marking is missing, malformed, unknown or
                inconsistent, or carries no label in this node's scheme.
            AccordError: a creation check refused an item (out of the agreement's scope,
                clearance, role …), or the database failed; nothing was stored.
        """
        try:
            bundle = load_json(data, "STIX bundle")
        except AccordError as exc:
            self.journal_refusal(actor, exc, detail={"bytes": len(data)})
            raise
        return self.import_parsed(bundle, actor=actor, size=len(data))

    def import_parsed(self, bundle: object, *, actor: str, size: int) -> list[ItemView]:
        """As :meth:`import_bundle`, for a bundle already read (bounded) from ``size`` bytes.

        The items are created in one transaction (:meth:`accord.node.ItemService.create_many`):
        every one is stored and journalled, or none is.

        Raises:
            InvalidInput, AccordError: as :meth:`import_bundle`.
        """
        try:
            drafts = self._drafts(bundle)
            ours = Ours.of(self._node)
            # The creation checks run once, in create_many: every item is checked before any is
            # created, and all are stored in one transaction, or none (a refusal is journalled
            # there as item.create, and here as stix.import).
            news = [
                NewItem(draft.content, self._request(draft, ours), draft.precedence, origin=_origin(draft))
                for draft in drafts
            ]
            return self._node.items.create_many(news, actor=actor)
        except AccordError as exc:
            self.journal_refusal(actor, exc, detail={"bytes": size})
            raise

    def journal_refusal(self, actor: str, refusal: AccordError, *, detail: dict[str, object]) -> None:
        """Journal a refused STIX import (``stix.import``) with its reason."""
        self._node.ctx.journal_refusal(actor, "stix.import", refusal, detail=detail)

    def read(self, data: bytes) -> list[ItemDraft]:
        """The item drafts of a bundle, after every check but the node's creation checks.

        Raises:
            InvalidInput: see :meth:`import_bundle`.
        """
        return self._read(data)

    def _read(self, data: bytes) -> list[ItemDraft]:
        return self._drafts(load_json(data, "STIX bundle"))

    @staticmethod
    def _drafts(bundle: object) -> list[ItemDraft]:
        if not isinstance(bundle, dict):
            raise InvalidInput("STIX bundle refused: not a JSON object")
        check_bundle(bundle)
        return read_bundle(bundle)

    def _request(self, draft: ItemDraft, ours: Ours) -> LabelRequest:
        return label_request(own_label(draft.marking, ours, refused=f"STIX bundle refused: {draft.stix_id}"))

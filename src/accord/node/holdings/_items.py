"""Items at a node: create, show, list, verify, attachments (GSOMIA Arts. 2, 4, 6, 7, 11).

:class:`ItemService` is the one door to the items a node holds; each concern lives in a
unit of its own, built from one :class:`~._units.ItemFooting`, which the service composes:

* :mod:`._creating` — validate the label, seal content and attachments at rest, bind, store;
* :mod:`._verifying` — read a stored item back and check it against its binding (an altered
  label, content or digest is an :class:`~accord.errors.IntegrityError`, journalled);
* :mod:`._reading` — show one item, stream an attachment, its equivalents at partners;
* :mod:`._resources` — the decision point's view of stored items (asked before verifying);
* :mod:`._tamper` — damaged items kept as alarms, and the check of every stored item;
* :mod:`._listing` — the inbox and the item list, decided per access-key shape;
* :mod:`._search` — search (its text in :mod:`._search_text`, its index in :mod:`._search_index`);
* :mod:`._access_keys` — the stored shapes of markings and this node's parsed copies of them;
* :mod:`._stored` — the stored marking, its notices and times, final statuses;
* :mod:`._item_types` — the records handed out.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Collection, Iterator, Sequence
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from accord import exchange  # its STANAG 4778 module (lxml) loads when first used: not by a listing
from accord.errors import IntegrityError, NotFound, VerificationFailed
from accord.items import AttachmentRef
from accord.limits import MAX_BINDING_XML_BYTES
from accord.markings import Level
from accord.node.core._context import NodeContext
from accord.node.holdings._access import AccessService
from accord.node.holdings._access_keys import AccessShapes
from accord.node.holdings._holding_counts import HoldingCounts
from accord.node.holdings._item_types import (
    DamagedItem,
    Equivalent,
    ImportRef,
    ItemListing,
    ItemView,
    LabelRequest,
    NewItem,
    Progress,
)
from accord.node.holdings._listing import ItemListings, Readable
from accord.node.holdings._page_reading import PageReading
from accord.node.holdings._reading import ItemReader
from accord.node.holdings._resources import Consented, ItemResources
from accord.node.holdings._tamper import HoldingsCheck, HoldingsReport
from accord.node.holdings._units import ItemFooting
from accord.node.holdings._verifying import Prefetched, item_key, verified_view
from accord.node.registry._agreements import AgreementService
from accord.node.registry._parties import PartyService
from accord.node.registry._users import User, UserService
from accord.policy import Resource
from accord.store import ItemRepository, ItemRow

if TYPE_CHECKING:
    from accord.node.holdings._creating import ItemCreation
    from accord.node.holdings._search import NodeSearch

__all__ = [
    "DamagedItem",
    "Equivalent",
    "ImportRef",
    "ItemListing",
    "ItemService",
    "ItemView",
    "LabelRequest",
    "NewItem",
    "Progress",
]


class _UnitsOnFirstUse:
    """The units of :class:`ItemService` made when first used: item creation (sealing attachments,
    media types, indexing new items) and search (its text analysis and index) are not a listing's,
    and their modules are not imported for one; nor is the auditor's check of every item."""

    _footing: ItemFooting
    _listings: ItemListings

    @cached_property
    def search(self) -> NodeSearch:
        """Search across what a person may read (issue 12), enforced as the listings are."""
        from accord.node.holdings._search import NodeSearch  # noqa: PLC0415 - see the class

        return NodeSearch(self._footing, self._listings)

    @cached_property
    def _creation(self) -> ItemCreation:
        """Item creation (:mod:`._creating`)."""
        from accord.node.holdings._creating import ItemCreation  # noqa: PLC0415 - see the class

        return ItemCreation(self._footing)

    def verify_all(self, *, actor: str, progress: Callable[[int, int], None] | None = None) -> HoldingsReport:
        """Verify every stored item against its binding, whoever may read it (an auditor's check).

        Label, notices, content, attachment digests and the binding's signatures; a destroyed
        item's label against its stored digests. Each damaged item is journalled and kept as an
        alarm (``accord ledger alarms``); the check is journalled as ``item.verify`` by ``actor``.
        ``progress`` is told (done, total) as batches finish. :meth:`HoldingsReport.check`
        raises when anything is damaged.
        """
        return HoldingsCheck(self._footing.ctx, self._footing.parties).run(actor=actor, progress=progress)


class ItemService(_UnitsOnFirstUse):
    """Items originated at or held by this node."""

    def __init__(
        self,
        ctx: NodeContext,
        parties: PartyService,
        agreements: AgreementService,
        users: UserService,
        access: AccessService,
    ) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx
        self._parties = parties
        self.access_shapes = AccessShapes()
        """This node's parsed access-key shapes (bounded; never shared with another node)."""
        self._resources = ItemResources(ctx, access, self.access_shapes)
        footing = ItemFooting(ctx, parties, agreements, users, access, self._resources)
        self._footing = footing
        self._reader = ItemReader(footing)
        self._listings = ItemListings(footing)

    # --- create -------------------------------------------------------------------------

    def create(self, new: NewItem, *, actor: str, progress: Progress | None = None) -> ItemView:
        """Create, bind and store the item ``new`` originated at this node, as ``actor``.

        ``progress`` is told how many more bytes of an attachment were sealed.

        Raises:
            NotFound: the user, the agreement or an attachment file does not exist.
            PolicyDenied: the user may not create items, or holds too low a clearance.
            LabelError: the label is invalid in this node's scheme.
            TranslationRefused: the level is out of the agreement's scope.
            AgreementStateError: the agreement is not in force (draft or terminated).
            ItemError: the content or an attachment is invalid.
        """
        return self._creation.create(new, actor=actor, progress=progress)

    def create_many(self, news: Sequence[NewItem], *, actor: str) -> list[ItemView]:
        """:meth:`create` for an importer's batch: every check of every item first, then all
        sealed, bound and stored in one transaction (a journal entry each) — all, or none.

        Raises:
            AccordError: as :meth:`create`, for the first item refused; nothing was stored.
        """
        return self._creation.create_many(news, actor=actor)

    def creatable_levels(self, actor: str) -> list[Level]:
        """The levels of this node's scheme ``actor`` may create an item at, highest first.

        Decided as a creation is (role and clearance, Art. 7); a form offers only these. Not journalled.

        Raises:
            NotFound: no such user.
        """
        return self._creation.creatable_levels(actor)

    def check_create(self, *, actor: str, label: LabelRequest, purpose: str) -> None:
        """Whether :meth:`create` would accept an item of this label and purpose; nothing is stored.

        Raises:
            NotFound: the user or the agreement does not exist.
            PolicyDenied: the user may not create items, or holds too low a clearance.
            LabelError: the label is invalid in this node's scheme.
            TranslationRefused: the level is out of the agreement's scope.
            AgreementStateError: the agreement is not in force (draft or terminated).
        """
        self._creation.check(actor=actor, label=label, purpose=purpose)

    # --- read ---------------------------------------------------------------------------

    def show(self, item_id: str, *, actor: str) -> ItemView:
        """An item with verified binding and decrypted content, if ``actor`` may read it.

        The decision point is asked before anything is decrypted or verified. An item the
        person may not read is answered exactly as a missing one (the journal keeps why).

        Raises:
            NotFound: no such item, or :class:`~accord.errors.Withheld` — the policy denies it.
            IntegrityError: the stored label, content or digests no longer match the binding.
        """
        return self._reader.show(item_id, actor=actor)

    # --- STANAG 4778 ---------------------------------------------------------------------

    def binding_4778(self, item_id: str, *, actor: str) -> bytes:
        """The item as a STANAG 4778 binding document signed by this node, read as ``actor``.

        The item is read as by :meth:`show` (the decision point first); its attachments are
        not carried (``docs/stanag4778.md``).

        Raises:
            NotFound: no such item, or ``actor`` may not read it (the same answer).
            IntegrityError: the stored item no longer matches its binding.
        """
        view = self.show(item_id, actor=actor)
        bound = exchange.BoundItem(view.marking, view.content, view.precedence)
        return exchange.write_binding(bound, signer=self._ctx.config.node_id, keys=self._ctx.keys)

    def verify_4778(self, data: bytes) -> tuple[str, exchange.BoundItem]:
        """The signer's party and the content of a STANAG 4778 binding, verified against pinned keys.

        The signer must be this node or a node pinned here (``accord party add``); both its
        signatures over SignedInfo must verify, then every digest (label, data, binding). The
        marking is returned as signed: no label is added or guessed. Nothing is stored or
        journalled: the importer decides whose item it is, and journals a refusal.

        Raises:
            InvalidInput: the document is too large, malformed, mis-encoded, declares a DTD or
                an entity, is nested too deep, unsigned, or breaks the binding's structure.
            VerificationFailed: the signer is not pinned, a signature does not verify, or the
                label or the data does not match what was signed.
        """
        document = exchange.read_binding(data, limit=MAX_BINDING_XML_BYTES)
        with self._ctx.db.transaction(read_only=True) as session:
            try:
                party, keys = self._parties.signer(session, document.signer)
            except NotFound as exc:
                raise VerificationFailed(
                    f"STANAG 4778 binding refused: its signer {document.signer!r} is not a pinned partner "
                    "(accord party add)"
                ) from exc
        return party, document.verify(keys)

    def resource_of(self, row: ItemRow, consented: Consented | None = None) -> Resource:
        """The decision point's view of a stored item, read from its columns.

        Only an item marked PURPOSE-LIMITED has its content opened (for the purpose of
        provision, Art. 6); nothing is verified here — the binding is checked when the item
        is shown, after the decision. ``consented``: what :meth:`consented_among` read for
        several items including this one.

        Raises:
            IntegrityError: the stored marking or sealed content cannot be read.
        """
        return self._resources.resource_of(row, consented)

    def consented_among(
        self, session: Session, item_ids: Collection[str] | None, *, accounting: bool = False
    ) -> Consented:
        """The consents held for ``item_ids`` (None: all; ``accounting``: revoked too), in one query.

        Raises:
            IntegrityError: a stored consent no longer parses.
        """
        return self._resources.consented(session, among=item_ids, accounting=accounting)

    def equivalents(self, view: ItemView) -> list[Equivalent]:
        """The alternative marking each partner would apply, under every agreement held here.

        Only items originated here are translated; a refusal (level out of scope, scheme not
        in the agreement) is reported, not raised.
        """
        return self._reader.equivalents(view)

    def listing(
        self,
        *,
        actor: str | None = None,
        received_only: bool = False,
        limit: int | None = None,
        offset: int = 0,
    ) -> ItemListing:
        """Items ``actor`` may read, FLASH first then newest first, each binding verified.

        The decision point filters on the stored columns first; only the items it permits
        are opened and verified, so a person never learns that a withheld item exists (nor
        that it is damaged) and a large register costs one pass over its markings. The
        decisions are journalled as one event (batched).

        ``actor=None`` is the node's own view (the operator holding its keys, tests and
        benchmarks): every item, no decision. No CLI command or API route calls it so.

        An item that fails its integrity check does not hide the others: it is listed
        under ``damaged`` with the reason, and the failure is journalled.

        A page at a time: ``limit`` items after the first ``offset`` the person may read;
        ``more`` says whether any follow, ``total`` how many in all (no withheld one counted).

        Raises:
            NotFound: no such user.
            InvalidInput: ``limit`` is not positive, or ``offset`` is negative.
        """
        return self._listings.listing(actor=actor, received_only=received_only, limit=limit, offset=offset)

    def readable_ids(self, actor: str, item_ids: Sequence[str]) -> set[str]:
        """Which of ``item_ids`` ``actor`` may read (for views that show item metadata).

        The decisions are journalled as one event, as for a listing. Ids of items not held
        here are simply not in the answer.

        Raises:
            NotFound: no such user.
        """
        return self._listings.readable_ids(actor, item_ids)

    def reading(self, actor: str) -> contextlib.AbstractContextManager[PageReading]:
        """A page read as ``actor`` from its own index (TAXII): :meth:`PageReading.decide` batches,
        then :meth:`PageReading.open` the page; one snapshot, one ``item.list`` event naming the
        items opened and every decision that withheld one.

        Raises:
            NotFound: no such user.
        """
        return self._listings.reading(actor)

    def readable_in(self, session: Session, user: User, scope: list[Any], now: datetime) -> Readable:
        """The condition on ``items`` selecting what ``user`` may read in ``scope``, in ``session``.

        The listings' decision (once per stored marking shape, one by one where needed) for a
        service that counts or groups items in SQL, so that no count includes a withheld item.
        The decisions are the caller's to journal (:meth:`Readable.journal`).
        """
        return self._listings.readable(session, user, scope, now)

    def arrivals(self, *, since: str | None = None) -> list[tuple[str, str]]:
        """``(item id, arrival time)`` of the listed items that arrived at or after ``since``, in
        arrival order: two columns, nothing opened or decided (for an interface's index)."""
        with self._ctx.db.transaction(read_only=True) as session:
            return ItemRepository(session).arrivals(since)

    def counts(self, changes_known: int = -1) -> HoldingCounts:
        """What an index of the items asks before a request, in one snapshot (:class:`HoldingCounts`)."""
        with self._ctx.db.transaction(read_only=True) as session:
            return HoldingCounts.read(ItemRepository(session), changes_known)

    def views_of(self, item_ids: Sequence[str], *, actor: str | None) -> ItemListing:
        """:meth:`listing` restricted to ``item_ids``, in their order: what ``actor`` may read (decided
        before anything is opened; one journal event). ``actor=None``: the node's own view.

        Raises:
            NotFound: no such user.
        """
        return self._listings.views_of(item_ids, actor)

    def inbox(self, *, actor: str | None = None, limit: int | None = None, offset: int = 0) -> ItemListing:
        """Items received from partners that ``actor`` may read (see :meth:`listing`)."""
        return self.listing(actor=actor, received_only=True, limit=limit, offset=offset)

    def all(self) -> list[ItemView]:
        """Every item (the node's own view), FLASH first then newest first, each binding verified.

        Raises:
            IntegrityError: an item no longer verifies (see :meth:`listing` to list the rest).
        """
        listing = self.listing()
        if listing.damaged:
            first = listing.damaged[0]
            raise IntegrityError(
                f"{len(listing.damaged)} item(s) failed integrity checks, e.g. {first.reason}"
            )
        return listing.views

    def attachment(self, item_id: str, position: int, *, actor: str) -> tuple[AttachmentRef, Iterator[bytes]]:
        """An attachment's reference and a stream of its verified plaintext.

        The stream raises :class:`~accord.errors.IntegrityError` if the stored blob was
        altered, truncated or swapped, or if the plaintext no longer has the bound digest.

        Raises:
            NotFound: no such item or attachment.
            NotFound: also when the policy withholds the item (:class:`~accord.errors.Withheld`).
            IntegrityError: the item's binding does not verify, or the attachment's key
                no longer unwraps.
        """
        return self._reader.attachment(item_id, position, actor=actor)

    def view_in(self, session: Session, row: ItemRow, prefetched: Prefetched | None = None) -> ItemView:
        """The verified view of a stored item, inside the caller's transaction (no policy check).

        ``prefetched``: what the caller read once for several items including this one.

        Raises:
            IntegrityError: the stored record no longer matches its binding.
        """
        return verified_view(self._ctx, self._parties, session, row, prefetched)

    def item_key(self, row: ItemRow) -> bytes:
        """The item's data key, unwrapped with the node's data key.

        Raises:
            IntegrityError: the wrapped key was altered or destroyed.
        """
        return item_key(self._ctx, row)

"""Listings of the items a person may read: the inbox and the item list (GSOMIA Art. 7).

The decision point filters on the stored columns first; only the items it permits are
opened and verified, so a person never learns that a withheld item exists (nor that it is
damaged). Rows are grouped by their stored access-key shape and originating party
(:mod:`._access_keys`) and each group is decided once; the items that need a decision of
their own (no access key, a PURPOSE-LIMITED or unreadable shape, held with a consent,
Art. 6) are decided one by one. A listing's decisions are journalled as one event.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session
from sqlalchemy.sql.elements import ColumnElement

from accord.errors import IntegrityError, InvalidInput
from accord.items import HoldingState, Precedence
from accord.limits import bounded_number
from accord.node.core._principal import Act
from accord.node.holdings._access import Decided, journal_detail
from accord.node.holdings._item_types import DamagedItem, ItemListing, ItemView
from accord.node.holdings._page_reading import PageReading
from accord.node.holdings._tamper import alarm_damaged
from accord.node.holdings._units import ItemUnit
from accord.node.holdings._verifying import Prefetched, verified_view
from accord.node.registry._users import User
from accord.policy import Resource
from accord.store import ItemRepository

__all__ = ["ItemListings", "Readable"]


@dataclass
class _Page:
    """The ids a listing shows and the decisions behind them (for the journal)."""

    ids: list[str]
    user: User | None = None
    withheld: list[Decided] = field(default_factory=list)
    shapes_withheld: list[dict[str, object]] = field(default_factory=list)
    unseen: list[DamagedItem] = field(default_factory=list)
    """Damaged items the person is not told about (journalled only)."""


@dataclass
class Readable:
    """What a person may read among some items: a condition, and what it withheld."""

    condition: ColumnElement[bool]
    withheld: list[Decided]
    shapes_withheld: list[dict[str, object]]
    unseen: list[DamagedItem]
    """Damaged items among those decided one by one (journalled only)."""
    shown: int = 0
    """How many items of the scope the condition selects: the allowed shapes' items held
    without consent, and the items allowed one by one."""

    def journal(self) -> tuple[list[Decided], list[dict[str, object]], list[DamagedItem]]:
        """(withheld, shapes withheld, unseen) as a :class:`_Page` takes them."""
        return self.withheld, self.shapes_withheld, self.unseen


@dataclass
class _ShapeDecisions:
    """One decision per stored shape and originating party."""

    pairs: dict[str, tuple[str, str]]
    """Group name (``digest/party``) → (digest, party)."""
    allowed: list[tuple[str, str]]
    refused: list[Decided]
    single: set[str]
    """Shapes whose items are decided one by one."""
    unkeyed: bool
    """Whether ``scope`` has items without an access key (decided one by one)."""
    free: dict[tuple[str, str], int]
    """How many items of each (shape, party) ``scope`` holds without consent."""


class ItemListings(ItemUnit):
    """The inbox, the item list and the batched read check of one node (Art. 7)."""

    def listing(
        self, *, actor: str | None, received_only: bool, limit: int | None, offset: int = 0
    ) -> ItemListing:
        """Items ``actor`` may read (all, for ``None``), FLASH first then newest first, each verified:
        ``limit`` of them after the first ``offset``, with how many there are in all (``total``).

        Raises:
            NotFound: no such user.
            InvalidInput: ``limit`` is not positive, or ``offset`` is negative, or either is
                above :data:`~accord.limits.MAX_NUMBER`.
        """
        if limit is not None and limit < 1:
            raise InvalidInput("a listing's limit must be at least 1")
        if offset < 0:
            raise InvalidInput("a listing's offset cannot be negative")
        # Bounded before SQL: a number beyond 64 bits would overflow the database driver.
        bounded_number(offset, "a listing's offset")
        if limit is not None:
            bounded_number(limit, "a listing's limit", least=1)
        # One id more than the page, to know whether another page follows (not opened).
        asked = None if limit is None else limit + 1
        now = self._ctx.now()
        with self._ctx.db.transaction(read_only=True) as session:
            items = ItemRepository(session)
            # Destroyed items stay in the holdings register (accord holdings), not in listings.
            scope = items.listed(received_only=received_only)
            if actor is None:
                decided = _Page(items.page(scope, asked, offset))
                total = items.count(scope)
            else:
                user = self._users.get_in(session, actor)
                readable = self.readable(session, user, scope, now)
                ids = items.page([*scope, readable.condition], asked, offset)
                decided = _Page(ids, user, *readable.journal())
                # Counted by the decision point's filter, not by opening items: a withheld
                # item is in no total, and only the page's items are verified.
                total = readable.shown
            more = limit is not None and len(decided.ids) > limit
            decided.ids = decided.ids[:limit]
            counted_unseen = len(decided.unseen)
            views, damaged = self._verified(session, decided, now)
            # A damaged item of the page that the person may not read was counted through its
            # altered stored shape: it is taken out of the total as it is kept out of the page.
            total -= len(decided.unseen) - counted_unseen
            listing = ItemListing(views, damaged, more=more, total=total)
        self._journal(actor, "item.inbox" if received_only else "item.list", decided, listing, now)
        return listing

    def views_of(self, item_ids: Sequence[str], actor: str | None) -> ItemListing:
        """Verified views of the listed items among ``item_ids`` that ``actor`` may read, in that order.

        ``actor=None`` is the node's own view. The decisions and the listing are journalled
        as one event, as for :meth:`listing`.

        Raises:
            NotFound: no such user.
        """
        now = self._ctx.now()
        with self._ctx.db.transaction(read_only=True) as session:
            items = ItemRepository(session)
            rows = items.found(dict.fromkeys(item_ids))
            # Destroyed items stay in the holdings register, not in listings.
            listed = [r.id for r in rows if r.status != HoldingState.DESTROYED]
            if actor is None:
                decided = _Page(listed)
            else:
                user = self._users.get_in(session, actor)
                resources, _ = self._resources.of_heads(session, items.heads_of(set(listed)))
                permitted, withheld = self._access.readable(session, user, resources, now)
                allowed = {r.item_id for r in permitted}
                decided = _Page([i for i in listed if i in allowed], user, withheld)
            views, damaged = self._verified(session, decided, now)
        listing = ItemListing(views, damaged)
        self._journal(actor, "item.list", decided, listing, now)
        return listing

    @contextmanager
    def reading(self, actor: str) -> Iterator[PageReading]:
        """A :class:`PageReading` as ``actor``: one snapshot, journalled as one ``item.list`` event.

        Raises:
            NotFound: no such user.
        """
        now = self._ctx.now()
        reading: PageReading | None = None
        try:
            with self._ctx.db.transaction(read_only=True) as session:
                user = self._users.get_in(session, actor)
                reading = PageReading(session, user, now, (self._access, self._resources), self._open)
                yield reading
        finally:
            if reading is not None and reading.decided_any:
                decided = _Page([], reading.user, reading.withheld, unseen=reading.unseen)
                self._journal(actor, "item.list", decided, ItemListing(reading.opened, reading.damaged), now)

    def _open(self, reading: PageReading, item_ids: list[str]) -> list[ItemView]:
        decided = _Page(item_ids, reading.user)
        views, damaged = self._verified(reading.session, decided, reading.now)
        reading.opened.extend(views)
        reading.damaged.extend(damaged)
        reading.unseen.extend(decided.unseen)
        return views

    def _verified(
        self, session: Session, decided: _Page, now: datetime
    ) -> tuple[list[ItemView], list[DamagedItem]]:
        """The verified views of the page and the damaged items the person may be told about.

        Damage among the items decided one by one is journalled, never shown: an item whose
        marking cannot be read cannot be decided for this person.
        """
        views: list[ItemView] = []
        damaged: list[DamagedItem] = []
        # The page's rows, attachments and notices in one query each, not four per item.
        rows = {row.id: row for row in ItemRepository(session).among(decided.ids)}
        prefetched = Prefetched.read(session, self._parties, decided.ids)
        for item_id in decided.ids:
            row = rows[item_id]
            try:
                views.append(verified_view(self._ctx, self._parties, session, row, prefetched))
            except IntegrityError as exc:
                bad = DamagedItem(row.id, Precedence(row.precedence), str(exc))
                # Reported only to someone the full stored marking lets read the item (a
                # tampered shortcut must not reveal it to anyone else).
                user = decided.user
                if user is None or self._resources.reads_stored(session, user, row, now):
                    damaged.append(bad)
                else:
                    decided.unseen.append(bad)
        return views, damaged

    def _journal(
        self,
        actor: str | None,
        action: str,
        decided: _Page,
        listing: ItemListing,
        now: datetime,
    ) -> None:
        for bad in (*listing.damaged, *decided.unseen):
            self._ctx.journal_refusal(actor or "system", action, IntegrityError(bad.reason), item_id=bad.id)
        # Damage nobody is told of is an alarm: an item withheld from this person by its
        # altered label may be withheld from everyone (the listing still leaves it out).
        alarm_damaged(self._ctx, actor or "system", action, decided.unseen)
        if actor is None:
            return
        detail = journal_detail([v.id for v in listing.views], decided.withheld, decided.shapes_withheld)
        self._access.journal_decisions(Act(actor, now), action, detail)

    def readable(
        self,
        session: Session,
        user: User,
        scope: list[Any],
        now: datetime,
        counted: Sequence[tuple[str | None, str, int]] | None = None,
    ) -> Readable:
        """The condition on ``items`` that selects what ``user`` may read in ``scope`` (Art. 7).

        Decided once per stored marking shape and originating party (SQL groups the rows);
        the items that need their own decision are decided one by one. Returned with the
        decisions that withheld items (each item named), the withheld shapes (each with its
        decision and item count, for the journal) and the damaged among the items decided
        one by one. Put the condition in the query *before* its limit and count: totals
        then never reveal a withheld item. ``counted``: the items of ``scope`` per (access
        key, party), when already known (:meth:`ItemRepository.shape_counts`).
        """
        items = ItemRepository(session)
        consented = self._resources.consented(session)
        counts = items.shape_counts(scope, consented, counted)
        shapes = self._by_shape(session, user, counts, now)
        # Nothing to decide one by one (the usual case) needs no statement.
        single = (
            items.heads_deciding_alone(scope, shapes.single, consented)
            if shapes.unkeyed or shapes.single or consented
            else []
        )
        own_resources, damaged = self._resources.of_heads(session, single)
        own_allowed, withheld = self._access.readable(session, user, own_resources, now)
        condition = items.readable(shapes.allowed, consented, [r.item_id for r in own_allowed])
        shapes_withheld = _withheld_shapes(shapes)
        shown = sum(shapes.free[pair] for pair in shapes.allowed) + len({r.item_id for r in own_allowed})
        return Readable(condition, withheld, shapes_withheld, damaged, shown)

    def _by_shape(
        self, session: Session, user: User, counts: list[tuple[str | None, str, int]], now: datetime
    ) -> _ShapeDecisions:
        """One decision per (access key, originating party) present in the scope ``counts`` counted."""
        free = {(digest, party): n for digest, party, n in counts if digest is not None}
        shapes = self._resources.shapes.views(session, {digest for digest, _ in free})
        pairs: dict[str, tuple[str, str]] = {}
        resources: list[Resource] = []
        single: set[str] = set()
        for digest, party in free:
            shape = shapes.get(digest)
            if shape is None or shape[1]:
                single.add(digest)
                continue
            name = f"{digest}/{party}"  # a group stands for every item of this shape and party
            pairs[name] = (digest, party)
            resources.append(
                self._access.resource(item_id=name, marking=shape[0], purpose="", originator_party=party)
            )
        allowed, refused = self._access.readable(session, user, resources, now)
        unkeyed = len(free) < len(counts)
        return _ShapeDecisions(pairs, [pairs[r.item_id] for r in allowed], refused, single, unkeyed, free)

    def readable_ids(self, actor: str, item_ids: Sequence[str]) -> set[str]:
        """Which of ``item_ids`` ``actor`` may read; the decisions journalled as one event.

        Raises:
            NotFound: no such user.
        """
        wanted = set(item_ids)
        now = self._ctx.now()
        with self._ctx.db.transaction(read_only=True) as session:
            user = self._users.get_in(session, actor)
            heads = ItemRepository(session).heads_of(wanted)
            resources, _ = self._resources.of_heads(session, heads)
            permitted, withheld = self._access.readable(session, user, resources, now)
        shown = {r.item_id for r in permitted}
        if wanted:
            self._access.journal_decisions(
                Act(actor, now), "item.access", journal_detail(sorted(shown), withheld)
            )
        return shown


def _withheld_shapes(shapes: _ShapeDecisions) -> list[dict[str, object]]:
    """Each withheld shape once, with its decision and how many items it withheld.

    One decision was made for all of them; the journal names the shape, not every item.
    """
    out: list[dict[str, object]] = []
    for group in shapes.refused:
        digest, party = shapes.pairs[group.item_id]
        count = shapes.free[(digest, party)]
        out.append({"shape": digest, "party": party, "rules": list(group.decision.rule_ids), "items": count})
    return out

"""The SQL of the ``items`` and ``attachments`` tables, in one place (issue 9).

Services ask :class:`ItemRepository` within their own unit of work; it reads and writes rows
and decides nothing. The listing queries (:meth:`ItemRepository.page`,
:meth:`ItemRepository.shape_counts`, …) are shaped for the indexes of ``items``
(``ix_items_listing_order``, ``ix_items_access_shape``): a listing of 100,000 items reads the
indexes, not the sealed rows. The marking shapes themselves (``access_keys``) are kept by
:mod:`._access_keys`.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from sqlalchemy import (
    BindParameter,
    ColumnElement,
    Row,
    Select,
    and_,
    bindparam,
    func,
    insert,
    or_,
    select,
    tuple_,
)

from accord.items import HoldingState, Precedence
from accord.store._repository import TableRepository
from accord.store._tables import AttachmentRow, ItemRow, JournalRow

__all__ = ["ItemRepository"]

Condition = ColumnElement[bool]
_ACTIONS: BindParameter[list[str]] = bindparam("actions", expanding=True)
# Built once: building the statement took more CPU than SQLite's answer (~1 ms at load 5).
_CHANGES = select(func.count()).select_from(JournalRow).where(JournalRow.action.in_(_ACTIONS))
_CHANGES_BY_ITEM = (
    select(JournalRow.item_id, func.count())
    .where(JournalRow.action.in_(_ACTIONS), JournalRow.item_id.is_not(None))
    .group_by(JournalRow.item_id)
)
Head = Row[str, str | None, str, str]
"""An item's id, access key, originating party and precedence: what a decision needs first."""


class ItemRepository(TableRepository[ItemRow]):
    """Items (by id) and their attachments, read and written on one ``Session``."""

    _row = ItemRow

    # -- one item -------------------------------------------------------------------------

    def add(self, row: ItemRow, attachments: Iterable[AttachmentRow] = ()) -> None:
        """Store a new item, then its attachments (which refer to it)."""
        self._session.add(row)
        self._session.flush()
        self._session.add_all(attachments)

    # -- several items --------------------------------------------------------------------

    def add_many(self, items: Sequence[dict[str, object]], attachments: Sequence[dict[str, object]]) -> None:
        """Store new items, then their attachments, one statement each (a received batch).

        Each dict holds the columns of an :class:`ItemRow` (an :class:`AttachmentRow`): no
        ORM object is made, which is most of the cost of holding thousands of items.
        """
        if items:
            self._session.execute(insert(ItemRow), list(items))
        if attachments:
            self._session.execute(insert(AttachmentRow), list(attachments))

    def origins(self, item_ids: Collection[str]) -> dict[str, tuple[str, str]]:
        """The originating node and content digest of the items held here among ``item_ids``."""
        query = select(ItemRow.id, ItemRow.originator_node, ItemRow.content_sha384).where(
            ItemRow.id.in_(item_ids)
        )
        return {str(i): (str(node), str(digest)) for i, node, digest in self._session.execute(query)}

    def among(self, item_ids: Collection[str]) -> Sequence[ItemRow]:
        """The items held here among ``item_ids`` (in no particular order)."""
        return self._session.scalars(select(ItemRow).where(ItemRow.id.in_(item_ids))).all()

    def found(self, item_ids: Iterable[str]) -> list[ItemRow]:
        """The items held here among ``item_ids``, in the order given (missing ones left out)."""
        return [row for row in (self.get(i) for i in item_ids) if row is not None]

    def newest_first(self) -> Sequence[ItemRow]:
        """Every item, newest first (ties by id)."""
        return self._session.scalars(select(ItemRow).order_by(ItemRow.created_at.desc(), ItemRow.id)).all()

    def originated_by(self, party: str) -> Sequence[ItemRow]:
        """Every item ``party`` originated that this node holds, by id."""
        query = select(ItemRow).where(ItemRow.originator_party == party).order_by(ItemRow.id)
        return self._session.scalars(query).all()

    def digests(self, item_ids: Collection[str]) -> dict[str, str]:
        """The content digests (SHA-384) of the items held here among ``item_ids``."""
        query = select(ItemRow.id, ItemRow.content_sha384).where(ItemRow.id.in_(item_ids))
        return {str(item_id): str(digest) for item_id, digest in self._session.execute(query)}

    def any_of_precedence(self, item_ids: Collection[str], precedence: Precedence) -> bool:
        """Whether any of ``item_ids`` is held here with ``precedence``."""
        query = (
            select(ItemRow.id)
            .where(ItemRow.id.in_(list(item_ids)), ItemRow.precedence == precedence.value)
            .limit(1)
        )
        return self._session.scalar(query) is not None

    # -- listings -------------------------------------------------------------------------

    @staticmethod
    def listed(*, received_only: bool) -> list[Condition]:
        """The items a listing shows: all but the destroyed, or only those received from a peer."""
        scope = [ItemRow.status != HoldingState.DESTROYED]
        if received_only:
            scope.append(ItemRow.received_from.is_not(None))
        return scope

    @staticmethod
    def readable(
        shapes: Collection[tuple[str, str]], consented: Collection[str], own: Collection[str]
    ) -> Condition:
        """Items of an allowed (access key, party) shape held without consent, or allowed one by one."""
        return or_(
            and_(
                tuple_(ItemRow.access_key, ItemRow.originator_party).in_(shapes),
                ItemRow.id.not_in(consented),
            ),
            ItemRow.id.in_(own),
        )

    def stored(self) -> int:
        """How many item rows are stored (destroyed ones too): it never decreases, since an
        item row is never deleted (a destroyed item stays in the holdings register)."""
        return int(self._session.scalar(select(func.count()).select_from(ItemRow)) or 0)

    def count(self, conditions: Sequence[Condition]) -> int:
        """How many items meet ``conditions``."""
        return int(self._session.scalar(select(func.count()).select_from(ItemRow).where(*conditions)) or 0)

    def changes(self, actions: Collection[str]) -> int:
        """How many journal events of ``actions`` are stored: it only grows (the journal is
        append-only), whatever order concurrent transactions commit in (``ix_journal_action``)."""
        return int(self._session.scalar(_CHANGES, {"actions": sorted(actions)}) or 0)

    def changes_by_item(self, actions: Collection[str]) -> dict[str, int]:
        """How many journal events of ``actions`` name each item (the items named by any)."""
        found = self._session.execute(_CHANGES_BY_ITEM, {"actions": sorted(actions)})
        return {str(i): int(n) for i, n in found}

    def arrivals(self, since: str | None) -> list[tuple[str, str]]:
        """(id, arrival) of the listed items that arrived at or after ``since``, in arrival order.

        An item arrives when it is created here or received (``received_at``, else
        ``created_at``). Only the two time columns and the id are read.
        """
        arrived = func.coalesce(ItemRow.received_at, ItemRow.created_at)
        query = select(ItemRow.id, arrived).where(*self.listed(received_only=False))
        if since is not None:
            query = query.where(arrived >= since)
        return [(str(i), str(at)) for i, at in self._session.execute(query.order_by(arrived, ItemRow.id))]

    def page(self, conditions: Sequence[Condition], limit: int | None, offset: int = 0) -> list[str]:
        """Ids meeting ``conditions``: FLASH first, then newest first, up to ``limit`` after the
        first ``offset``.

        One query per precedence, most urgent first, each in the order of the listing index
        (the ids skipped are read from the index too: a later page costs its offset in ids).
        """
        ids: list[str] = []
        wanted = None if limit is None else offset + limit
        for precedence in sorted(Precedence, key=lambda p: -p.rank):
            left = None if wanted is None else wanted - len(ids)
            if left == 0:
                break
            query = (
                select(ItemRow.id)
                .where(ItemRow.precedence == precedence.value, *conditions)
                .order_by(ItemRow.created_at.desc(), ItemRow.id.desc())
                .limit(left)
            )
            ids.extend(self._session.scalars(query))
        return ids[offset:]

    def shape_counts(
        self,
        scope: Sequence[Condition],
        consented: Collection[str],
        counted: Sequence[tuple[str | None, str, int]] | None = None,
    ) -> list[tuple[str | None, str, int]]:
        """Each (access key, originating party) present in ``scope`` once, with how many of its
        items are held without consent (``None``: items without a key).

        What a listing decides per shape and journals per withheld shape, from the covering
        indexes: the items held with a consent (few) are counted apart and taken off.
        ``counted``: the items of ``scope`` per shape, already known (a one-token search's
        ``search_counts``), instead of counted here.
        """
        shape = (ItemRow.access_key, ItemRow.originator_party)
        rows = (
            counted
            if counted is not None
            else self._session.execute(select(*shape, func.count()).where(*scope).group_by(*shape))
        )
        counts = {(digest, str(party)): int(n) for digest, party, n in rows}
        if consented:
            held = select(*shape, func.count()).where(*scope, ItemRow.id.in_(consented)).group_by(*shape)
            for digest, party, n in self._session.execute(held):
                counts[(digest, str(party))] -= int(n)
        return [(digest, party, n) for (digest, party), n in counts.items()]

    def heads_deciding_alone(
        self, scope: Sequence[Condition], shapes: Collection[str], consented: Collection[str]
    ) -> Sequence[Head]:
        """Heads in ``scope`` with no access key, a key among ``shapes``, or held with a consent."""
        query = self._heads().where(
            *scope,
            or_(
                ItemRow.access_key.is_(None),
                ItemRow.access_key.in_(shapes),
                ItemRow.id.in_(consented),
            ),
        )
        return self._session.execute(query).all()

    def heads_of(self, item_ids: Collection[str]) -> Sequence[Head]:
        """Heads of the items held here among ``item_ids``."""
        return self._session.execute(self._heads().where(ItemRow.id.in_(item_ids))).all()

    def listed_heads_of(self, item_ids: Collection[str]) -> Sequence[Head]:
        """Heads of the items held here and listed (not destroyed) among ``item_ids``: one query."""
        if not item_ids:
            return []
        query = self._heads().where(ItemRow.id.in_(item_ids), *self.listed(received_only=False))
        return self._session.execute(query).all()

    @staticmethod
    def _heads() -> Select[str, str | None, str, str]:
        return select(ItemRow.id, ItemRow.access_key, ItemRow.originator_party, ItemRow.precedence)

    # -- attachments ----------------------------------------------------------------------

    def attachment(self, item_id: str, position: int) -> AttachmentRow | None:
        """Attachment ``position`` of ``item_id``, or ``None``."""
        return self._session.get(AttachmentRow, (item_id, position))

    def attachments(self, item_id: str) -> Sequence[AttachmentRow]:
        """The attachments of ``item_id``, in position order."""
        query = select(AttachmentRow).where(AttachmentRow.item_id == item_id).order_by(AttachmentRow.position)
        return self._session.scalars(query).all()

    def attachments_of(self, item_ids: Collection[str]) -> dict[str, list[AttachmentRow]]:
        """The attachments of each of ``item_ids`` (in position order), in one query; an item
        without any is not in the answer."""
        return self._per_item(AttachmentRow, AttachmentRow.item_id, AttachmentRow.position, item_ids)

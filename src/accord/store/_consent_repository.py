"""The SQL of consents, the third parties' consent receipts and classification notices (Art. 6).

:class:`ConsentRepository` reads and writes three tables on the caller's session, within
its unit of work:

* ``consents`` — a request for the originator's consent: ``direction`` ``out`` at the
  holder that asked, ``in`` at the originator that decides, ``held`` at a third party that
  received an item with its token; ``status`` one of :class:`~accord.items.ConsentState`;
* ``consent_receipts`` — at the originator, a third party's signed receipt of an item
  passed on under its consent (its dissemination record of third parties);
* ``item_notices`` — a downgrade or declassification the originator signed, as applied here.

No rule of the agreement is decided here: the services of ``accord.node`` ask, and decide.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from sqlalchemy import select

from accord.items import ConsentState, Direction
from accord.store._repository import TableRepository
from accord.store._tables import ConsentRow, ItemNoticeRow
from accord.store._tables_custody import ConsentReceiptRow

__all__ = ["ConsentRepository"]


class ConsentRepository(TableRepository[ConsentRow]):
    """Consents (by request id, any direction), consent receipts and item notices, on one session."""

    _row = ConsentRow

    # --- consents -----------------------------------------------------------------------

    def add(self, row: ConsentRow) -> None:
        """Keep a new consent row."""
        self._session.add(row)

    def by_token(self, token_id: str, direction: Direction | None = None) -> ConsentRow | None:
        """The consent whose token is ``token_id`` (only in ``direction`` when given), or ``None``."""
        query = select(ConsentRow).where(ConsentRow.token_id == token_id)
        if direction is not None:
            query = query.where(ConsentRow.direction == direction)
        return self._session.scalar(query)

    def is_revoked(self, token_id: str) -> bool:
        """Whether a consent with the token ``token_id`` is on record as revoked."""
        found = self._session.scalar(
            select(ConsentRow.id).where(
                ConsentRow.token_id == token_id, ConsentRow.status == ConsentState.REVOKED
            )
        )
        return found is not None

    def listing(self, status: str | None = None) -> Sequence[ConsentRow]:
        """Every consent (only those in ``status`` when given), newest request first."""
        query = select(ConsentRow).order_by(ConsentRow.requested_at.desc(), ConsentRow.id)
        if status is not None:
            query = query.where(ConsentRow.status == status)
        return self._session.scalars(query).all()

    def of_item(self, item_id: str) -> Sequence[ConsentRow]:
        """Every consent asked, given or held for ``item_id``, oldest request first."""
        return self._session.scalars(
            select(ConsentRow).where(ConsentRow.item_id == item_id).order_by(ConsentRow.requested_at)
        ).all()

    def asked(self, item_id: str, third_party: str) -> Sequence[ConsentRow]:
        """At the holder: the requests it sent to release ``item_id`` to ``third_party``, newest first."""
        return self._session.scalars(
            select(ConsentRow)
            .where(
                ConsentRow.item_id == item_id,
                ConsentRow.third_party == third_party,
                ConsentRow.direction == Direction.OUT,
            )
            .order_by(ConsentRow.requested_at.desc())
        ).all()

    def given(self, item_id: str, status: ConsentState) -> Sequence[ConsentRow]:
        """At the originator: the consents given for ``item_id`` that are in ``status``."""
        return self._session.scalars(
            select(ConsentRow).where(
                ConsentRow.item_id == item_id,
                ConsentRow.direction == Direction.IN,
                ConsentRow.status == status,
            )
        ).all()

    def given_to(self, item_id: str, third_party: str, statuses: Iterable[ConsentState]) -> bool:
        """At the originator: whether a consent for ``item_id`` to ``third_party`` is in ``statuses``."""
        found = self._session.scalar(
            select(ConsentRow.id).where(
                ConsentRow.item_id == item_id,
                ConsentRow.direction == Direction.IN,
                ConsentRow.third_party == third_party,
                ConsentRow.status.in_(tuple(statuses)),
            )
        )
        return found is not None

    def held_tokens(
        self,
        third_party: str,
        *,
        status: ConsentState | None = None,
        item_id: str | None = None,
        item_ids: Collection[str] | None = None,
    ) -> list[tuple[str, str | None]]:
        """At a third party: (item id, token JSON) of the consents held for ``third_party``.

        Only those in ``status`` and about ``item_id`` (or among ``item_ids``) when given;
        oldest request first.
        """
        query = select(ConsentRow.item_id, ConsentRow.token_json).where(
            ConsentRow.direction == Direction.HELD, ConsentRow.third_party == third_party
        )
        if status is not None:
            query = query.where(ConsentRow.status == status)
        if item_id is not None:
            query = query.where(ConsentRow.item_id == item_id)
        if item_ids is not None:
            query = query.where(ConsentRow.item_id.in_(item_ids))
        return [
            (held, token) for held, token in self._session.execute(query.order_by(ConsentRow.requested_at))
        ]

    # --- consent receipts ---------------------------------------------------------------

    def add_receipt(self, row: ConsentReceiptRow) -> None:
        """Keep a third party's receipt."""
        self._session.add(row)

    def receipt_on_record(
        self, receipt_id: str, third_party_node: str, holder_node: str, message_id: str
    ) -> bool:
        """Whether the receipt ``receipt_id``, or one of the same delivery, is already on record."""
        if self._session.get(ConsentReceiptRow, receipt_id) is not None:
            return True
        found = self._session.scalar(
            select(ConsentReceiptRow.id).where(
                ConsentReceiptRow.third_party_node == third_party_node,
                ConsentReceiptRow.holder_node == holder_node,
                ConsentReceiptRow.message_id == message_id,
            )
        )
        return bool(found)

    def receipts_of_item(self, item_id: str) -> Sequence[ConsentReceiptRow]:
        """The third parties' receipts of ``item_id``, in the order they received it."""
        return self._session.scalars(
            select(ConsentReceiptRow)
            .where(ConsentReceiptRow.item_id == item_id)
            .order_by(ConsentReceiptRow.received_at, ConsentReceiptRow.id)
        ).all()

    def receipts_by(self, third_party_node: str, third_party: str) -> Sequence[ConsentReceiptRow]:
        """The receipts a node of ``third_party`` signed, in the order it received the items."""
        return self._session.scalars(
            select(ConsentReceiptRow)
            .where(
                ConsentReceiptRow.third_party_node == third_party_node,
                ConsentReceiptRow.third_party == third_party,
            )
            .order_by(ConsentReceiptRow.received_at, ConsentReceiptRow.id)
        ).all()

    def receiving_nodes(self, item_id: str, third_party: str) -> list[tuple[str, str]]:
        """(node, agreement id) of each receipt of ``item_id`` by a node of ``third_party``."""
        return [
            (node, agreement_id)
            for node, agreement_id in self._session.execute(
                select(ConsentReceiptRow.third_party_node, ConsentReceiptRow.agreement_id).where(
                    ConsentReceiptRow.item_id == item_id, ConsentReceiptRow.third_party == third_party
                )
            )
        ]

    # --- item notices -------------------------------------------------------------------

    def notice(self, notice_id: str) -> ItemNoticeRow | None:
        """The classification notice ``notice_id`` as applied here, or ``None``."""
        return self._session.get(ItemNoticeRow, notice_id)

    def add_notice(self, row: ItemNoticeRow) -> None:
        """Keep a classification notice applied here."""
        self._session.add(row)

    def notices_of(self, item_id: str) -> Sequence[ItemNoticeRow]:
        """The classification notices of ``item_id``, in the order they were issued."""
        return self._session.scalars(
            select(ItemNoticeRow).where(ItemNoticeRow.item_id == item_id).order_by(ItemNoticeRow.issued_at)
        ).all()

    def notices_of_items(self, item_ids: Collection[str]) -> dict[str, list[ItemNoticeRow]]:
        """The classification notices of each of ``item_ids`` (in the order they were issued),
        in one query; an item without any is not in the answer."""
        return self._per_item(ItemNoticeRow, ItemNoticeRow.item_id, ItemNoticeRow.issued_at, item_ids)

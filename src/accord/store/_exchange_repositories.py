"""The SQL of what an exchange leaves behind besides the outbox, in one place (issue 9).

* :class:`ReceiptRepository`: the signed receipts peers gave for our envelopes
  (``receipts``), each referring to the signed batch it came in (``receipt_batches``);
* :class:`InboxRepository`: the envelopes accepted from peers with the receipt each was
  given (``inbox_messages``);
* :class:`SequenceRepository`: the last per-peer sequence number used or seen
  (``peer_sequences``);
* :class:`QuarantineRepository`: what a peer sent that was refused (``quarantine``).

Each works within the caller's session and holds no rule (those stay in ``transfer``).
"""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import insert, select

from accord.errors import StorageError
from accord.items import Direction
from accord.store._repository import Repository, TableRepository, insert_unless_present
from accord.store._tables import InboxMessageRow, PeerSequenceRow, QuarantineRow, ReceiptBatchRow, ReceiptRow

__all__ = ["InboxRepository", "QuarantineRepository", "ReceiptRepository", "SequenceRepository"]


class ReceiptRepository(TableRepository[ReceiptRow]):
    """The ``receipts`` (by our envelope's message id) and ``receipt_batches`` tables, on one session."""

    _row = ReceiptRow

    def batch(self, batch_id: str) -> ReceiptBatchRow:
        """The signed batch ``batch_id``, which must exist (a kept receipt refers to it).

        Raises:
            sqlalchemy.exc.NoResultFound: there is none (the transaction turns it into a
                ``StorageError``).
        """
        return self._session.get_one(ReceiptBatchRow, batch_id)

    def has_batch(self, batch_id: str) -> bool:
        """Whether the signed batch ``batch_id`` is kept."""
        return self._session.get(ReceiptBatchRow, batch_id) is not None

    def add_batch(self, row: ReceiptBatchRow) -> None:
        """Keep a signed batch, written at once so that its receipts may refer to it."""
        self._session.add(row)
        self._session.flush()

    def add(self, row: ReceiptRow) -> None:
        """Keep one receipt."""
        self._session.add(row)

    def kept_among(self, message_ids: Collection[str]) -> set[str]:
        """Which of ``message_ids`` already have a kept receipt (one query)."""
        query = select(ReceiptRow.message_id).where(ReceiptRow.message_id.in_(message_ids))
        return set(self._session.scalars(query))

    def for_item(self, item_id: str) -> Sequence[ReceiptRow]:
        """The receipts kept for envelopes about ``item_id``, in the order they were kept."""
        query = select(ReceiptRow).where(ReceiptRow.item_id == item_id).order_by(ReceiptRow.stored_at)
        return self._session.scalars(query).all()


class InboxRepository(Repository):
    """The ``inbox_messages`` table, read and written within one session."""

    def get(self, sender: str, message_id: str) -> InboxMessageRow | None:
        """The envelope ``message_id`` accepted from ``sender``, or None."""
        return self._session.get(InboxMessageRow, (sender, message_id))

    def add(self, row: InboxMessageRow) -> None:
        """Keep an accepted envelope."""
        self._session.add(row)

    def among(self, sender: str, message_ids: Collection[str]) -> dict[str, InboxMessageRow]:
        """The envelopes accepted from ``sender`` among ``message_ids``, by message id."""
        query = select(InboxMessageRow).where(
            InboxMessageRow.sender == sender, InboxMessageRow.message_id.in_(message_ids)
        )
        return {row.message_id: row for row in self._session.scalars(query)}

    def add_many(self, rows: Sequence[dict[str, object]]) -> None:
        """Keep accepted envelopes (the columns of :class:`InboxMessageRow`), in one statement."""
        if rows:
            self._session.execute(insert(InboxMessageRow), list(rows))

    def message_ids_about(self, item_id: str) -> Sequence[str]:
        """The message ids of the accepted envelopes about ``item_id``."""
        query = select(InboxMessageRow.message_id).where(InboxMessageRow.item_id == item_id)
        return self._session.scalars(query).all()


class SequenceRepository(Repository):
    """The ``peer_sequences`` table, read and written within one session."""

    def advance(self, peer: str, direction: Direction) -> int:
        """Count one more in ``peer``'s sequence (from 0 when new) and return the new number.

        The row is locked until the transaction ends (``FOR UPDATE``; SQLite's write lock does
        the same): two workers sealing for one peer at once on PostgreSQL would otherwise read
        the same number and both use the next one.
        """
        row = self._locked(peer, direction)
        row.last_seq += 1
        return row.last_seq

    def raise_to(self, peer: str, direction: Direction, seq: int) -> None:
        """Keep ``seq`` as ``peer``'s last number if it is higher than the one kept (or none is).

        Locked as :meth:`advance`: two workers receiving from one peer at once keep the higher.
        """
        row = self._locked(peer, direction, start=seq)
        row.last_seq = max(row.last_seq, seq)

    def _locked(self, peer: str, direction: Direction, start: int = 0) -> PeerSequenceRow:
        """``peer``'s row, made with ``last_seq = start`` if new, locked for this transaction."""
        row = self._session.get(PeerSequenceRow, (peer, direction), with_for_update=True)
        if row is not None:
            return row
        # Made with INSERT … ON CONFLICT DO NOTHING: another worker may make it at the same time.
        table, values = PeerSequenceRow, {"peer": peer, "direction": direction, "last_seq": start}
        if not insert_unless_present(self._session, table, values):
            self._session.add(PeerSequenceRow(**values))
            self._session.flush()
        locked = self._session.get(
            PeerSequenceRow, (peer, direction), with_for_update=True, populate_existing=True
        )
        if locked is None:  # cannot happen: it was just made, and rows are never deleted
            raise StorageError(f"the sequence of {peer} ({direction}) vanished")
        return locked


class QuarantineRepository(Repository):
    """The ``quarantine`` table, read and written within one session."""

    def add(self, row: QuarantineRow) -> None:
        """Keep a refusal."""
        self._session.add(row)

    def newest_first(self) -> list[QuarantineRow]:
        """Everything refused, newest first."""
        return list(self._session.scalars(select(QuarantineRow).order_by(QuarantineRow.id.desc())))

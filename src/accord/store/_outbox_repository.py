"""The outbox's SQL in one place: envelopes waiting for, or done with, delivery (issue 9).

:class:`OutboxRepository` reads and writes ``outbox`` rows within the caller's unit of work
(the caller opens the transaction, and chooses its lock: FLASH work is ``urgent``). It holds
no rule: which envelopes may leave, when to retry, what a receipt proves stay in the
``transfer`` wing. Its queries are the ones the delivery lanes were tuned with
(``bench/exchange_throughput``): bulk where they are bulk, one row by key where the lane
walks a batch it already holds, and the same ordering (most urgent first: precedence rank,
then age, then the peer's sequence).

Rows are never deleted: a receipted envelope stays as the dissemination record.

Several workers on PostgreSQL (ADR 0010): a lane's sender claims its batch in the transaction
that sends it and records the receipts — :meth:`OutboxRepository.claim_lane` (one sender per
peer and lane at a time, across every process) and :meth:`OutboxRepository.claim_due`
(``SELECT … FOR UPDATE SKIP LOCKED``: rows another transaction holds are not
taken). Both are released when that transaction ends, or when its process dies.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence

from sqlalchemy import ColumnElement, Select, func, select, text, update

from accord.items import OutboxState
from accord.store._database import Database
from accord.store._repository import TableRepository
from accord.store._tables import OutboxRow

__all__ = ["OutboxRepository"]

_MOST_URGENT_FIRST = (OutboxRow.rank.desc(), OutboxRow.created_at, OutboxRow.seq)
# Advisory locks are per database, not per schema: the key hashes the node's schema too, so
# nodes sharing a database (in tests, or a hosting provider's) never hold each other's lanes.
_TRY_LOCK = text(
    "SELECT pg_try_advisory_xact_lock("
    "hashtextextended(current_schema() || '/accord.outbox-lane/' || :lane, 0))"
)


class OutboxRepository(TableRepository[OutboxRow]):
    """The ``outbox`` table (by message id), read and written within one session."""

    _row = OutboxRow

    # --- one envelope ---------------------------------------------------------------------

    def add(self, row: OutboxRow) -> None:
        """Put a newly sealed envelope in the outbox; its commit wakes the worker (``Database.queued``),
        and, for the FLASH lane, the serving processes of the node besides this one."""
        self._session.add(row)
        Database.queued(self._session, flash=row.lane == "flash")

    def by_ids(self, message_ids: Collection[str]) -> dict[str, OutboxRow]:
        """The envelopes among ``message_ids`` that exist, by message id (one query)."""
        query = select(OutboxRow).where(OutboxRow.message_id.in_(message_ids))
        return {row.message_id: row for row in self._session.scalars(query)}

    def sent_among(self, peer: str, message_ids: Collection[str]) -> set[str]:
        """Which of ``message_ids`` are envelopes to ``peer`` (one query)."""
        query = select(OutboxRow.message_id).where(
            OutboxRow.peer == peer, OutboxRow.message_id.in_(message_ids)
        )
        return set(self._session.scalars(query))

    # --- the delivery lanes ---------------------------------------------------------------

    def pending_lanes(self) -> list[tuple[str, str]]:
        """The distinct (peer, lane) pairs that have pending envelopes."""
        pending = OutboxRow.status == OutboxState.PENDING
        query = select(OutboxRow.peer, OutboxRow.lane).where(pending).distinct()
        return [(peer, lane) for peer, lane in self._session.execute(query)]

    def pending_count(self) -> int:
        """How many envelopes are pending."""
        query = select(func.count()).select_from(OutboxRow).where(OutboxRow.status == OutboxState.PENDING)
        return self._session.scalar(query) or 0

    def claim_lane(self, peer: str, lane: str) -> bool:
        """Whether this transaction may send ``peer``'s ``lane`` now (PostgreSQL; always on SQLite).

        ``pg_try_advisory_xact_lock`` on the lane's key: at most one transaction of any worker
        holds it, until it commits or rolls back (or its connection dies with its process), so
        a lane has one transmission in flight across every worker, as it has in one process.
        It does not wait: a lane another worker is sending answers False at once.
        """
        if self._session.get_bind().dialect.name != "postgresql":
            return True  # SQLite: one process serves the node, one loop per lane
        return bool(self._session.scalar(_TRY_LOCK, {"lane": f"{peer}/{lane}"}))

    def due(
        self, peer: str, lane: str, *, at: str, first_tries_only: bool, limit: int
    ) -> Sequence[OutboxRow]:
        """The pending envelopes of ``peer`` in ``lane`` due at stamp ``at``, most urgent first.

        Args:
            peer: The node the envelopes are for.
            lane: The delivery lane.
            at: The stamp (``format_stamp``) an envelope's next attempt must not be after.
            first_tries_only: Only envelopes never tried yet.
            limit: At most this many.
        """
        query = self._due(peer, lane, at=at, first_tries_only=first_tries_only)
        return self._session.scalars(query.limit(limit)).all()

    def claim_due(
        self, peer: str, lane: str, *, at: str, first_tries_only: bool, limit: int
    ) -> Sequence[OutboxRow]:
        """As :meth:`due`, the rows locked for this transaction, skipping rows another holds.

        ``SELECT … FOR UPDATE SKIP LOCKED`` on PostgreSQL; SQLite has no row locks (its one
        writer holds the database) and ignores it.
        """
        query = self._due(peer, lane, at=at, first_tries_only=first_tries_only)
        return self._session.scalars(query.limit(limit).with_for_update(skip_locked=True)).all()

    @staticmethod
    def _due(peer: str, lane: str, *, at: str, first_tries_only: bool) -> Select[OutboxRow]:
        query = (
            select(OutboxRow)
            .where(OutboxRow.peer == peer, OutboxRow.lane == lane, OutboxRow.status == OutboxState.PENDING)
            .where(OutboxRow.next_attempt_at <= at)
        )
        if first_tries_only:
            query = query.where(OutboxRow.attempts == 0)
        return query.order_by(*_MOST_URGENT_FIRST)

    def next_attempt(self, peer: str, lane: str) -> str | None:
        """The earliest ``next_attempt_at`` of a pending envelope of ``peer`` in ``lane`` (None: none)."""
        query = select(func.min(OutboxRow.next_attempt_at)).where(
            OutboxRow.peer == peer, OutboxRow.lane == lane, OutboxRow.status == OutboxState.PENDING
        )
        return self._session.scalar(query)

    def pending(self, peer: str, limit: int) -> list[OutboxRow]:
        """At most ``limit`` pending envelopes of ``peer``, most urgent first."""
        query = (
            select(OutboxRow)
            .where(OutboxRow.peer == peer, OutboxRow.status == OutboxState.PENDING)
            .order_by(*_MOST_URGENT_FIRST)
            .limit(limit)
        )
        return list(self._session.scalars(query))

    def retrying_in(self, peer: str, lanes: Collection[str], *, error_like: str) -> bool:
        """Whether a pending envelope of ``peer`` in ``lanes`` was tried and last failed like ``error_like``.

        ``error_like`` is a SQL ``LIKE`` pattern on ``last_error``; one indexed query, one row at most.
        """
        query = (
            select(OutboxRow.message_id)
            .where(
                OutboxRow.peer == peer,
                OutboxRow.lane.in_(lanes),
                OutboxRow.status == OutboxState.PENDING,
                OutboxRow.attempts > 0,
                OutboxRow.last_error.like(error_like),
            )
            .limit(1)
        )
        return self._session.scalar(query) is not None

    def make_due(self, peer: str, *, at: str, error_like: str) -> None:
        """Make due at ``at`` each later pending envelope of ``peer`` whose last error is like ``error_like``.

        One statement, whatever the number of envelopes.
        """
        self._session.execute(
            update(OutboxRow)
            .where(
                OutboxRow.peer == peer,
                OutboxRow.status == OutboxState.PENDING,
                OutboxRow.next_attempt_at > at,
                OutboxRow.last_error.like(error_like),
            )
            .values(next_attempt_at=at)
        )

    def pending_agreements(self, peer: str) -> Sequence[str]:
        """The distinct agreements the pending envelopes of ``peer`` travel under."""
        query = select(OutboxRow.agreement_id).where(*self._pending_to(peer)).distinct()
        return self._session.scalars(query).all()

    def pending_under(self, peer: str, agreement_id: str) -> list[tuple[str, str]]:
        """(message id, kind) of each pending envelope of ``peer`` under ``agreement_id``."""
        query = select(OutboxRow.message_id, OutboxRow.kind).where(
            *self._pending_to(peer), OutboxRow.agreement_id == agreement_id
        )
        return [(message_id, kind) for message_id, kind in self._session.execute(query)]

    @staticmethod
    def _pending_to(peer: str) -> tuple[ColumnElement[bool], ColumnElement[bool]]:
        return OutboxRow.peer == peer, OutboxRow.status == OutboxState.PENDING

    # --- the dissemination record ---------------------------------------------------------

    def listing(self, *, include_done: bool) -> Iterable[OutboxRow]:
        """Envelopes not yet receipted (or all), most urgent first (precedence rank, then age)."""
        query = select(OutboxRow).order_by(OutboxRow.rank.desc(), OutboxRow.created_at)
        if not include_done:
            query = query.where(OutboxRow.status != OutboxState.RECEIPTED)
        return self._session.scalars(query)

    def about_item(self, item_id: str, *, kind: str | None = None) -> Iterable[OutboxRow]:
        """The envelopes about ``item_id`` (only of type ``kind`` if given), oldest first."""
        query = select(OutboxRow).where(OutboxRow.item_id == item_id)
        if kind is not None:
            query = query.where(OutboxRow.kind == kind)
        return self._session.scalars(query.order_by(OutboxRow.created_at))

    def sent_to(self, peer: str, *, kind: str) -> Iterable[OutboxRow]:
        """The envelopes of type ``kind`` to ``peer``, oldest first."""
        query = select(OutboxRow).where(OutboxRow.peer == peer, OutboxRow.kind == kind)
        return self._session.scalars(query.order_by(OutboxRow.created_at))

    def kinds_sent(self, item_id: str, peer: str) -> Iterator[tuple[str, str]]:
        """(message id, kind) of each envelope about ``item_id`` to ``peer``, oldest first."""
        query = (
            select(OutboxRow.message_id, OutboxRow.kind)
            .where(OutboxRow.item_id == item_id, OutboxRow.peer == peer)
            .order_by(OutboxRow.created_at, OutboxRow.message_id)
        )
        # Lazily: the caller stops at the first envelope that answers its question.
        return ((message_id, kind) for message_id, kind in self._session.execute(query))

    def first_sent(self, item_id: str, peer: str, *, kind: str) -> str | None:
        """The message id of an envelope of type ``kind`` about ``item_id`` to ``peer``, or None."""
        query = select(OutboxRow.message_id).where(
            OutboxRow.item_id == item_id, OutboxRow.peer == peer, OutboxRow.kind == kind
        )
        return self._session.scalar(query)

    def destinations(self, item_id: str, *, party: str, kind: str) -> list[tuple[str, str]]:
        """(peer, agreement id) of each envelope of type ``kind`` about ``item_id`` to a node of ``party``."""
        query = select(OutboxRow.peer, OutboxRow.agreement_id).where(
            OutboxRow.item_id == item_id, OutboxRow.peer_party == party, OutboxRow.kind == kind
        )
        return [(peer, agreement_id) for peer, agreement_id in self._session.execute(query)]

    def receipted_destinations(self, item_id: str) -> list[tuple[str, str]]:
        """The distinct (peer, agreement id) of the receipted envelopes about ``item_id``."""
        query = (
            select(OutboxRow.peer, OutboxRow.agreement_id)
            .where(OutboxRow.item_id == item_id, OutboxRow.status == OutboxState.RECEIPTED)
            .distinct()
        )
        return [(peer, agreement_id) for peer, agreement_id in self._session.execute(query)]

    def pending_to_party(self, item_id: str, party: str) -> Sequence[OutboxRow]:
        """The pending envelopes about ``item_id`` to the nodes of ``party``."""
        query = select(OutboxRow).where(
            OutboxRow.item_id == item_id,
            OutboxRow.peer_party == party,
            OutboxRow.status == OutboxState.PENDING,
        )
        return self._session.scalars(query).all()

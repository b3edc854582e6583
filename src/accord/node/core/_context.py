"""What every node service shares: configuration, keys, database, blobs, clock.

:meth:`NodeContext.work` is the one way a service changes state: one transaction for the
work and its journal entry; on refusal the transaction is rolled back (nothing
half-written) and the refusal itself is journalled in a transaction of its own, so every
bad input leaves a trace and loses nothing.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypedDict, TypeVar, Unpack

from sqlalchemy.orm import Session

from accord.crypto import HpkeCnsaKeyPair, HpkeKeyPair, SigningKeys
from accord.errors import AccordError, StorageError, Withheld
from accord.node.core._home import HomeLayout, NodeConfig
from accord.node.core._urgency import UrgentWork
from accord.store import BlobStore, Database, NewEvent, WriteContended, append_event

__all__ = ["Clock", "NodeContext", "WorkSubject", "utc_now"]

Clock = Callable[[], datetime]
T = TypeVar("T")


class WorkSubject(TypedDict, total=False):
    """What a unit of work is about (:meth:`NodeContext.work`), for the journal of its refusal."""

    item_id: str | None
    detail: Mapping[str, object] | None


OPTIMISTIC_TRIES = 2
"""Tries without the write lock before one that holds it (:meth:`NodeContext.optimistically`). In
the full FLASH benchmark at load 5-6, 20 % of a ROUTINE send's tries met another writer; after two,
11 % of the sends held the lock throughout (bench/RESULTS.md, session 16)."""


def utc_now() -> datetime:
    """The real clock, in UTC."""
    return datetime.now(UTC)


@dataclass
class NodeContext:
    """The parts of an open node that services use."""

    home: HomeLayout
    config: NodeConfig
    keys: SigningKeys
    hpke: HpkeKeyPair
    hpke_cnsa: HpkeCnsaKeyPair
    tls_certificate_pem: str
    data_key: bytes
    db: Database
    blobs: BlobStore
    clock: Clock
    flash_hooks: list[Callable[[], None]] = field(default_factory=list)
    """Run after a FLASH send or receipt has committed (the ledger seals a checkpoint at once)."""
    flash_sealer: Callable[[Session], bool] | None = None
    """Seals inside a FLASH send's or receipt's own write transaction, where the backend allows
    it (:meth:`seal_within`); the FLASH hooks then have nothing left to seal."""
    exchange_activity: threading.Event = field(default_factory=threading.Event)
    """Set when a transmission (other than witnessing) went out or came in: the worker then
    offers partners our next checkpoint at once instead of at its periodic interval."""
    urgent_work: UrgentWork = field(default_factory=UrgentWork)
    """FLASH transmissions being received in this process: routine checking steps aside."""

    def seal_within(self, session: Session) -> bool:
        """Seal the ledger inside a FLASH unit of work's write transaction, before it commits.

        Returns whether it did: then the FLASH event is in a signed checkpoint that commits
        with it (one write lock taken and one commit, not two); otherwise the caller runs
        :meth:`flash_committed` after its commit, as before. It never fails the work: a seal
        that cannot be made here is undone (a savepoint) and left to the FLASH hooks.
        """
        return self.flash_sealer is not None and self.flash_sealer(session)

    def flash_committed(self, *, sealed: bool = False) -> None:
        """Run the FLASH hooks; a failing hook does not undo what committed (best effort).

        ``sealed``: the work's own transaction sealed it (:meth:`seal_within`); the hooks,
        which seal, have nothing to do.
        """
        if sealed:
            return
        for hook in self.flash_hooks:
            try:
                hook()
            except AccordError:
                continue  # the worker seals again within a second; `ledger verify` reports damage

    def now(self) -> datetime:
        """The current time from the injected clock (UTC, aware)."""
        moment = self.clock()
        if moment.tzinfo is None:
            raise StorageError("the node clock must return aware datetimes")
        return moment.astimezone(UTC)

    @contextmanager
    def work(
        self, actor: str, action: str, *, urgent: bool = False, **about: Unpack[WorkSubject]
    ) -> Iterator[Session]:
        """Run one unit of work in one transaction; journal a refusal if it fails.

        ``urgent`` work (FLASH) takes the database's write lock ahead of routine work.

        Raises:
            AccordError: whatever the work raised, after the refusal has been journalled.
        """
        with self._journalled(actor, action, about, self.db.transaction(urgent=urgent)) as session:
            yield session

    @contextmanager
    def optimistic_work(self, actor: str, action: str, **about: Unpack[WorkSubject]) -> Iterator[Session]:
        """:meth:`work` that takes the write lock only to write (``Database.transaction(optimistic=True)``).

        Raises:
            WriteContended: another writer got in first; nothing was done, nothing journalled
                (not a refusal): the caller does the work again with :meth:`work`.
            AccordError: whatever the work raised, after the refusal has been journalled.
        """
        with self._journalled(actor, action, about, self.db.transaction(optimistic=True)) as session:
            yield session

    def optimistically(self, work: Callable[[bool], T]) -> T:
        """``work(True)`` (reading without the write lock: :meth:`optimistic_work`) up to
        :data:`OPTIMISTIC_TRIES` times while another writer gets in first each time, then
        ``work(False)`` (holding the lock throughout)."""
        for _ in range(OPTIMISTIC_TRIES):
            try:
                return work(True)
            except WriteContended:
                continue
        return work(False)

    @contextmanager
    def _journalled(
        self, actor: str, action: str, about: WorkSubject, transaction: AbstractContextManager[Session]
    ) -> Iterator[Session]:
        try:
            with transaction as session:
                yield session
        except WriteContended:
            raise  # nothing happened: the caller does the work again
        except AccordError as exc:
            self.journal_refusal(actor, action, exc, **about)
            raise

    def journal_refusal(
        self,
        actor: str,
        action: str,
        error: AccordError,
        *,
        item_id: str | None = None,
        detail: Mapping[str, object] | None = None,
    ) -> None:
        """Record a refused action in its own transaction (best effort: the refusal still stands)."""
        # A withheld item is answered as not found; the journal keeps the real reasons.
        reason = error.reason if isinstance(error, Withheld) else str(error)
        record = {**(detail or {}), "error": type(error).__name__, "reason": reason}
        try:
            with self.db.transaction() as session:
                append_event(
                    session,
                    NewEvent(
                        at=self.now(),
                        actor=actor,
                        action=action,
                        outcome="refused",
                        item_id=item_id,
                        detail=record,
                    ),
                )
        except StorageError:
            # The database itself is failing; the caller still gets the original error.
            return

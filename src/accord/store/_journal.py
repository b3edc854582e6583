"""The event journal: an append-only record of every security-relevant action.

Each row says who did what, when, to which item, with what outcome, and a JSON detail.
:meth:`Event.canonical_bytes` is the exact byte string a row stands for; the Merkle ledger
(a later issue) hashes it as a leaf, so it must never depend on the backend.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.canonical import canonical_json
from accord.store._tables import JournalRow

__all__ = ["Event", "NewEvent", "append_event", "format_stamp", "read_events"]


def format_stamp(moment: datetime) -> str:
    """A stored time: RFC 3339 UTC with microseconds, fixed width."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@dataclass(frozen=True)
class Event:
    """One journal entry as read back."""

    seq: int
    at: str
    actor: str
    action: str
    item_id: str | None
    outcome: str
    detail: Mapping[str, object]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "seq": self.seq,
            "at": self.at,
            "actor": self.actor,
            "action": self.action,
            "item_id": self.item_id,
            "outcome": self.outcome,
            "detail": dict(self.detail),
        }

    def canonical_bytes(self) -> bytes:
        """The bytes this event stands for (future ledger leaf)."""
        return canonical_json(self.to_dict())


@dataclass(frozen=True)
class NewEvent:
    """One event to append: who did what, when, to which item, with what outcome.

    The journal gives it its ``seq`` when the row is written; :class:`Event` is the same
    entry as read back.
    """

    at: datetime
    actor: str
    action: str
    outcome: str
    item_id: str | None = None
    detail: Mapping[str, object] = field(default_factory=dict)


def append_event(session: Session, event: NewEvent, *, flush: bool = True) -> JournalRow:
    """Append one event inside the caller's transaction.

    ``flush=False`` leaves the insert to the transaction's end (bulk paths): the row's
    ``seq`` is then assigned at commit, in insertion order.
    """
    row = JournalRow(
        at=format_stamp(event.at),
        actor=event.actor,
        action=event.action,
        item_id=event.item_id,
        outcome=event.outcome,
        detail_json=canonical_json(dict(event.detail)).decode("utf-8"),
    )
    session.add(row)
    if flush:
        session.flush()
    return row


def read_events(
    session: Session,
    *,
    item_id: str | None = None,
    action: str | None = None,
    limit: int | None = None,
) -> Iterator[Event]:
    """Events in order, optionally only those about one item or of one action."""
    query = select(JournalRow).order_by(JournalRow.seq)
    if item_id is not None:
        query = query.where(JournalRow.item_id == item_id)
    if action is not None:
        query = query.where(JournalRow.action == action)
    if limit is not None:
        query = query.limit(limit)
    for row in session.scalars(query):
        yield event_of(row)


def event_of(row: JournalRow) -> Event:
    """The event a journal row holds, its ``detail`` read back from JSON."""
    return Event(
        seq=row.seq,
        at=row.at,
        actor=row.actor,
        action=row.action,
        item_id=row.item_id,
        outcome=row.outcome,
        detail=json.loads(row.detail_json),
    )

"""Back-off: retries after a failure, and a rest for a peer that refuses background messages (Arts. 9–10, 18).

An envelope whose delivery failed is tried again after :func:`backoff` (exponential with
jitter, at most 5 minutes). Background messages (the ledger witnessing,
:data:`~._control.WITNESS_TYPES`) that a peer refuses — two nodes that disagree on an
agreement's state refuse each other's — are not made again and again: each refusal backs
that peer and kind off exponentially (:func:`note_refused`, :func:`background_backoff`;
the officer is told once, in the log and the journal), and a receipt for one ends it
(:func:`note_accepted`). Whoever makes such messages asks :func:`backed_off` first.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from accord.canonical import parse_time
from accord.node.transfer._control import NO_ITEM
from accord.store import BackgroundBackoffRow, OutboxRow, format_stamp

__all__ = ["backed_off", "background_backoff", "background_kind", "backoff", "note_accepted", "note_refused"]

log = logging.getLogger("accord.delivery")

_MAX_BACKOFF = 300.0
_BACKGROUND_FIRST = 10.0
_BACKGROUND_MAX = 6 * 3600.0


def backoff(attempts: int, rand: Callable[[], float] = random.random) -> timedelta:
    """Exponential backoff with jitter: about 2^attempts seconds (± 50 %), never over 5 minutes."""
    base = min(2.0 ** max(attempts, 0), _MAX_BACKOFF)
    return timedelta(seconds=min(base * (0.5 + rand()), _MAX_BACKOFF))


def background_backoff(refused: int) -> timedelta:
    """How long a peer that refused ``refused`` background messages of a kind in a row is left alone.

    10 s after the first, doubling with each (20 s, 40 s, …), never over 6 hours.
    """
    return timedelta(seconds=min(_BACKGROUND_FIRST * 2.0 ** max(refused - 1, 0), _BACKGROUND_MAX))


def backed_off(session: Session, peer: str, kind: str, now: datetime) -> bool:
    """Whether background messages of ``kind`` to ``peer`` wait, after the peer refused the last ones."""
    row = session.get(BackgroundBackoffRow, (peer, kind))
    return row is not None and parse_time(row.until) > now


def background_kind(row: OutboxRow) -> str | None:
    """The type of a background message (one about no item), else None."""
    return row.kind if row.item_id == NO_ITEM else None


def note_refused(session: Session, row: OutboxRow, now: datetime) -> bool:
    """Note that ``peer`` refused a background message; True if it is the first of a run (tell once)."""
    kind = background_kind(row)
    if kind is None:
        return True
    backoff_row = session.get(BackgroundBackoffRow, (row.peer, kind))
    stamp = format_stamp(now)
    if backoff_row is None:
        session.add(
            BackgroundBackoffRow(
                peer=row.peer,
                kind=kind,
                refused=1,
                first_at=stamp,
                last_at=stamp,
                until=format_stamp(now + background_backoff(1)),
            )
        )
        log.warning(
            "%s refuses our %s messages (the reason is in its quarantine): backing off; "
            "they resume when it accepts one",
            row.peer,
            kind,
        )
        return True
    backoff_row.refused += 1
    backoff_row.last_at = stamp
    backoff_row.until = format_stamp(now + background_backoff(backoff_row.refused))
    return False


def note_accepted(session: Session, row: OutboxRow) -> None:
    """A peer receipted a background message: what it refused before is over."""
    kind = background_kind(row)
    if kind is None:
        return
    backoff_row = session.get(BackgroundBackoffRow, (row.peer, kind))
    if backoff_row is not None:
        session.delete(backoff_row)
        log.warning("%s accepts our %s messages again", row.peer, kind)

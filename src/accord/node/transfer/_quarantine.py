"""Quarantine: what was refused, kept with its precise reason for the officer (Arts. 9–10).

Every refused transmission, envelope, upload or bundle is journalled (``exchange.reject``)
and its bytes (at most the first MiB) kept in ``quarantine`` with the reason; the peer only
learns that it was rejected. ``accord quarantine list`` reads :meth:`Quarantine.groups`.
"""

from __future__ import annotations

import contextlib
import json
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from accord.errors import AccordError
from accord.exchange import EnvelopeHeader, WireEnvelope
from accord.items import QuarantineState
from accord.node.core._context import NodeContext
from accord.node.transfer._control import WITNESS_TYPES
from accord.store import NewEvent, QuarantineRepository, QuarantineRow, append_event, format_stamp

__all__ = ["RAW_KEPT", "Quarantine", "QuarantineViews", "Refusal"]

RAW_KEPT = 1024 * 1024


@dataclass(frozen=True)
class Refusal:
    """One refusal to keep: from which peer, which message, why, and the bytes refused.

    ``message_id`` is ``None`` for what is refused as a whole (a transmission, an upload,
    a bundle); ``raw`` is kept up to :data:`RAW_KEPT` bytes.
    """

    peer: str
    message_id: str | None
    reason: str
    raw: bytes


class Quarantine:
    """The node's quarantine: record a refusal, keep a refused file, list what was refused."""

    def __init__(self, ctx: NodeContext) -> None:
        """Keep the quarantine of the node behind ``ctx``."""
        self._ctx = ctx

    def keep_file(self, peer: str, reason: str, path: Path) -> None:
        """Keep a refused file (its first MiB) and the reason, like every other refusal.

        For an offline bundle refused as a whole: ``accord quarantine list`` shows it. Best
        effort: the refusal stands even if the copy cannot be kept.
        """
        try:
            with path.open("rb") as handle:
                raw = handle.read(RAW_KEPT)
        except OSError:
            raw = b""
        with contextlib.suppress(AccordError):
            self.record(Refusal(peer, None, reason, raw), self._ctx.now())

    def record(self, refusal: Refusal, now: datetime) -> None:
        """Record a refusal in a transaction of its own (see :meth:`record_in`)."""
        with self._ctx.db.transaction() as session:
            self.record_in(session, refusal, now)

    def record_in(self, session: Session, refusal: Refusal, now: datetime) -> None:
        """Keep the bytes refused (their first MiB) with the reason and journal ``exchange.reject``."""
        peer, message_id, reason = refusal.peer, refusal.message_id, refusal.reason
        QuarantineRepository(session).add(
            QuarantineRow(
                at=format_stamp(now),
                peer=peer[:64],
                message_id=message_id,
                reason=reason,
                raw=refusal.raw[:RAW_KEPT],
                status=QuarantineState.HELD,
            )
        )
        append_event(
            session,
            NewEvent(
                at=now,
                actor=f"peer:{peer[:40]}",
                action="exchange.reject",
                outcome="refused",
                detail={"peer": peer[:64], "message_id": message_id, "reason": reason},
            ),
        )

    def rows(self) -> list[QuarantineRow]:
        """What was refused, newest first."""
        with self._ctx.db.transaction(read_only=True) as session:
            return QuarantineRepository(session).newest_first()

    def groups(self) -> list[dict[str, object]]:
        """What was refused, newest first, background messages grouped.

        Refused background messages (:data:`~._control.WITNESS_TYPES`) of one kind from one
        peer for one reason are one entry (the newest), with their ``count`` and the time of
        the first (``first_at``): two nodes that disagree on an agreement's state would
        otherwise fill the list with the same refusal (issue 10). Every other refusal is an
        entry of its own (``count`` 1).
        """
        out: list[dict[str, object]] = []
        grouped: dict[tuple[str, str, str], dict[str, object]] = {}
        for row in self.rows():
            entry: dict[str, object] = {
                "id": row.id,
                "at": row.at,
                "peer": row.peer,
                "message_id": row.message_id,
                "reason": row.reason,
                "bytes_kept": len(row.raw),
                "status": row.status,
                "kind": _kind_of_raw(row.raw),
                "count": 1,
                "first_at": row.at,
            }
            kind = entry["kind"]
            if isinstance(kind, str) and kind in WITNESS_TYPES:
                key = (row.peer, kind, row.reason)
                if key in grouped:
                    first = grouped[key]
                    first["count"] = int(str(first["count"])) + 1
                    first["first_at"] = row.at
                    continue
                grouped[key] = entry
            out.append(entry)
        return out


def _kind_of_raw(raw: bytes) -> str | None:
    """The envelope type of a quarantined envelope, when its header can be read."""
    try:
        return EnvelopeHeader.parse(WireEnvelope.from_dict(json.loads(raw)).header).type
    except (AccordError, ValueError, TypeError, KeyError, RecursionError):
        return None


class QuarantineViews:
    """What was refused, as the receiving service shows it (``accord quarantine list``, the console)."""

    _quarantine_book: Quarantine

    def quarantine_file(self, peer: str, reason: str, path: Path) -> None:
        """Keep a refused file (its first MiB) and the reason, like every other refusal.

        For an offline bundle refused as a whole: ``accord quarantine list`` shows it. Best
        effort: the refusal stands even if the copy cannot be kept.
        """
        self._quarantine_book.keep_file(peer, reason, path)

    def quarantine(self) -> list[QuarantineRow]:
        """What was refused, newest first."""
        return self._quarantine_book.rows()

    def quarantine_groups(self) -> list[dict[str, object]]:
        """What was refused, newest first, background messages grouped (see :mod:`._quarantine`)."""
        return self._quarantine_book.groups()

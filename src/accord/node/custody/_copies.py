"""Numbered copies of an item (GSOMIA Art. 13: a reproduction carries the same control).

An officer makes numbered copies ("copy 4 of 6"), each a row of its own that the holdings
register accounts for; the numbering continues across requests. The decision point's
action is ``copy`` (obligation ``number-copy``); a destruction destroys the copies with
their item.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accord.items import HoldingState
from accord.store import CopyRepository, CopyRow, format_stamp

__all__ = ["MAX_COPIES", "CopyView", "copies_of", "copy_view", "number_copies"]

MAX_COPIES = 100


@dataclass(frozen=True)
class CopyView:
    """One numbered copy of an item."""

    item_id: str
    number: int
    of: int
    made_by: str
    made_at: str
    status: str

    @property
    def label(self) -> str:
        """What is written on the copy: ``copy 4 of 6``."""
        return f"copy {self.number} of {self.of}"

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "item_id": self.item_id,
            "number": self.number,
            "of": self.of,
            "label": self.label,
            "made_by": self.made_by,
            "made_at": self.made_at,
            "status": self.status,
        }


def copy_view(row: CopyRow) -> CopyView:
    """The view of a stored copy."""
    return CopyView(row.item_id, row.number, row.of, row.made_by, row.made_at, row.status)


def number_copies(session: Session, item_id: str, count: int, actor: str, now: datetime) -> list[CopyRow]:
    """Add ``count`` copies, numbered on from the last one made ("copy 5 of 6", "copy 6 of 6")."""
    copies = CopyRepository(session)
    last = copies.last_number(item_id)
    of = last + count
    rows = [
        CopyRow(
            item_id=item_id,
            number=last + n,
            of=of,
            made_by=actor,
            made_at=format_stamp(now),
            status=HoldingState.HELD,
        )
        for n in range(1, count + 1)
    ]
    copies.add_copies(rows)
    return rows


def copies_of(session: Session, item_id: str) -> list[CopyView]:
    """The copies of an item, in number order (no policy check: callers decide)."""
    return [copy_view(r) for r in CopyRepository(session).copies(item_id)]

"""Where imported items came from, and the one repository that touches it (issue 13).

``item_imports`` keeps, for each item an importer created, the system it came from and its
id there (``misp`` and a MISP event's uuid): so that importing the same event twice into one
node is refused with the items made the first time, instead of duplicating them. Its primary
key (source, ref) makes the refusal hold even when two imports of one event race: the second
transaction to write fails and stores nothing. The rows are written in the transaction that
stores the items (:meth:`accord.node.ItemService.create_many`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from accord.store._tables import TIME, Base

__all__ = ["ItemImportRepository", "ItemImportRow"]


class ItemImportRow(Base):
    """An item created by an importer: from which system, under which id there."""

    __tablename__ = "item_imports"
    source: Mapped[str] = mapped_column(String(16), primary_key=True)
    ref: Mapped[str] = mapped_column(String(64), primary_key=True)
    item_id: Mapped[str] = mapped_column(ForeignKey("items.id"), index=True)
    imported_by: Mapped[str] = mapped_column(String(64))
    imported_at: Mapped[str] = mapped_column(TIME)


@dataclass(frozen=True)
class ItemImportRepository:
    """Every statement on ``item_imports``, within the caller's transaction."""

    session: Session

    def add(self, row: ItemImportRow) -> None:
        """Record where a new item came from (it is written when the session flushes)."""
        self.session.add(row)

    def found(self, source: str, refs: Collection[str]) -> dict[str, ItemImportRow]:
        """The rows of ``source`` among ``refs``, by ref."""
        if not refs:
            return {}
        query = select(ItemImportRow).where(ItemImportRow.source == source, ItemImportRow.ref.in_(refs))
        return {row.ref: row for row in self.session.scalars(query)}

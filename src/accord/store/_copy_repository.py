"""The SQL of an item's numbered copies and translations (``item_copies``, ``item_translations``).

Services ask :class:`CopyRepository` within their own unit of work; it reads and writes rows
and decides nothing (Art. 16: which copies count, and who may see a translation, is decided
in the custody wing).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import func, select

from accord.items import HoldingState
from accord.store._repository import Repository
from accord.store._tables_custody import CopyRow, TranslationRow

__all__ = ["CopyRepository"]


class CopyRepository(Repository):
    """The copies and translations made of items held here, on one ``Session``."""

    def copies(self, item_id: str) -> Sequence[CopyRow]:
        """The copies of ``item_id``, in number order."""
        query = select(CopyRow).where(CopyRow.item_id == item_id).order_by(CopyRow.number)
        return self._session.scalars(query).all()

    def held_copies(self, item_id: str) -> Sequence[CopyRow]:
        """The copies of ``item_id`` still held (not destroyed)."""
        query = select(CopyRow).where(CopyRow.item_id == item_id, CopyRow.status == HoldingState.HELD)
        return self._session.scalars(query).all()

    def last_number(self, item_id: str) -> int:
        """The highest copy number of ``item_id`` so far (0 when no copy was made)."""
        return self._session.scalar(select(func.max(CopyRow.number)).where(CopyRow.item_id == item_id)) or 0

    def add_copies(self, rows: Iterable[CopyRow]) -> None:
        """Store new copies."""
        self._session.add_all(rows)

    def translation(self, translation_id: str) -> TranslationRow | None:
        """The translation ``translation_id``, or ``None``."""
        return self._session.get(TranslationRow, translation_id)

    def translations(self, item_id: str) -> list[TranslationRow]:
        """The translations of ``item_id``, oldest first."""
        query = (
            select(TranslationRow).where(TranslationRow.source_id == item_id).order_by(TranslationRow.made_at)
        )
        return list(self._session.scalars(query))

    def translations_by_id(self, item_id: str) -> list[TranslationRow]:
        """The translations of ``item_id``, by id (the order an exposure report lists them in)."""
        query = select(TranslationRow).where(TranslationRow.source_id == item_id).order_by(TranslationRow.id)
        return list(self._session.scalars(query))

    def add_translation(self, row: TranslationRow) -> None:
        """Store a new translation."""
        self._session.add(row)

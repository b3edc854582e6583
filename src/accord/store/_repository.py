"""What every repository of ``store`` is: the SQL of its tables, on the caller's session.

A repository reads and writes rows within the caller's unit of work (the caller opens the
transaction and commits it) and decides nothing: the rules of the agreement stay in
``accord.node``.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from accord.store._tables import Base

__all__ = ["Repository", "TableRepository"]

R = TypeVar("R", bound=Base)
C = TypeVar("C", bound=Base)


class Repository:
    """The SQL of some tables, read and written within one session."""

    def __init__(self, session: Session) -> None:
        """Work within ``session`` (the caller's unit of work)."""
        self._session = session

    def _per_item(
        self,
        table: type[C],
        item: InstrumentedAttribute[str],
        order: InstrumentedAttribute[Any],
        item_ids: Collection[str],
    ) -> dict[str, list[C]]:
        """The rows of ``table`` about each of ``item_ids`` (``item`` its item id column), each
        item's in ``order``, in one query; an item without any is not in the answer."""
        query = select(item, table).where(item.in_(item_ids)).order_by(item, order)
        found: dict[str, list[C]] = {}
        for item_id, row in self._session.execute(query):
            found.setdefault(item_id, []).append(row)
        return found


class TableRepository(Repository, Generic[R]):
    """A repository of one main table (``_row``), whose rows it finds by primary key."""

    _row: type[R]

    def get(self, key: str) -> R | None:
        """The row whose primary key is ``key``, or ``None`` when there is none."""
        return self._session.get(self._row, key)

    def require(self, key: str) -> R:
        """The row whose primary key is ``key``, which the caller knows to exist (it located it before).

        Raises:
            sqlalchemy.exc.NoResultFound: there is none: a broken invariant or a storage fault,
                not a user error (the transaction turns it into a ``StorageError``).
        """
        return self._session.get_one(self._row, key)

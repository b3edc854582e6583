"""What every repository of ``store`` is: the SQL of its tables, on the caller's session.

A repository reads and writes rows within the caller's unit of work (the caller opens the
transaction and commits it) and decides nothing: the rules of the agreement stay in
``accord.node``.
"""

from __future__ import annotations

import importlib
from collections.abc import Collection, Mapping
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from accord.store._tables import Base

__all__ = ["Repository", "TableRepository", "insert_unless_present"]

R = TypeVar("R", bound=Base)
C = TypeVar("C", bound=Base)


def insert_unless_present(session: Session, table: type[Base], values: Mapping[str, object]) -> bool:
    """``INSERT … ON CONFLICT DO NOTHING`` of one row of ``table`` (concurrent writers may race: both
    win), where the session's dialect has it (SQLite, PostgreSQL); ``False`` elsewhere, where the
    caller inserts the row its own way.

    The dialect's module is imported here, for the dialect in use only: PostgreSQL's imports
    its asyncpg and psycopg drivers' modules (a listing on SQLite needs none of them).
    """
    dialect = session.get_bind().dialect.name
    if dialect not in ("postgresql", "sqlite"):
        return False
    insert = importlib.import_module(f"sqlalchemy.dialects.{dialect}").insert
    session.execute(insert(table).values(dict(values)).on_conflict_do_nothing())
    return True


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

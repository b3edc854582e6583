"""The shapes of markings the decision point reads, stored once each (table ``access_keys``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from accord.store._tables import AccessKeyRow

__all__ = ["access_keys", "remember_access_key"]


def remember_access_key(session: Session, digest: str, key: str) -> None:
    """Store ``key`` under ``digest`` unless it is there (concurrent writers may race: both win)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        session.execute(
            postgresql_insert(AccessKeyRow).values(digest=digest, key=key).on_conflict_do_nothing()
        )
    elif dialect == "sqlite":
        session.execute(sqlite_insert(AccessKeyRow).values(digest=digest, key=key).on_conflict_do_nothing())
    elif session.get(AccessKeyRow, digest) is None:
        session.add(AccessKeyRow(digest=digest, key=key))


def access_keys(session: Session, digests: set[str]) -> dict[str, str]:
    """The stored keys of ``digests`` (those found)."""
    if not digests:
        return {}
    query = select(AccessKeyRow.digest, AccessKeyRow.key).where(AccessKeyRow.digest.in_(digests))
    return {str(digest): str(key) for digest, key in session.execute(query)}

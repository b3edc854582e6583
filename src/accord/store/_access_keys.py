"""The shapes of markings the decision point reads, stored once each (table ``access_keys``)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.store._repository import insert_unless_present
from accord.store._tables import AccessKeyRow

__all__ = ["access_keys", "remember_access_key"]


def remember_access_key(session: Session, digest: str, key: str) -> None:
    """Store ``key`` under ``digest`` unless it is there (concurrent writers may race: both win)."""
    if insert_unless_present(session, AccessKeyRow, {"digest": digest, "key": key}):
        return
    if session.get(AccessKeyRow, digest) is None:
        session.add(AccessKeyRow(digest=digest, key=key))


def access_keys(session: Session, digests: set[str]) -> dict[str, str]:
    """The stored keys of ``digests`` (those found)."""
    if not digests:
        return {}
    query = select(AccessKeyRow.digest, AccessKeyRow.key).where(AccessKeyRow.digest.in_(digests))
    return {str(digest): str(key) for digest, key in session.execute(query)}

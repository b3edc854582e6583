"""The console's sessions and preferences, and the one repository that touches them (issue 11).

* ``console_sessions`` — one row per signed-in browser: the SHA-256 of the session id (the
  cookie holds the id itself; a copy of the database yields no live cookie), the user, when it
  was opened and last used, and its CSRF token;
* ``console_preferences`` — a person's console settings (the language), kept across sessions.

:class:`ConsoleSessionRepository` holds every query on both tables (see
``tests/store/test_store_repositories_own_sql.py``): the node's session service asks it, no
other module selects or deletes these rows.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ForeignKey, String, delete, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from accord.store._tables import TIME, Base

__all__ = ["ConsolePreferenceRow", "ConsoleSessionRepository", "ConsoleSessionRow"]


class ConsoleSessionRow(Base):
    """A signed-in browser: never the session id itself, only its SHA-256."""

    __tablename__ = "console_sessions"
    id_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), index=True)
    created_at: Mapped[str] = mapped_column(TIME)
    last_seen_at: Mapped[str] = mapped_column(TIME)
    csrf_token: Mapped[str] = mapped_column(String(64))


class ConsolePreferenceRow(Base):
    """A person's console settings."""

    __tablename__ = "console_preferences"
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"), primary_key=True)
    language: Mapped[str] = mapped_column(String(16))


@dataclass(frozen=True)
class ConsoleSessionRepository:
    """Every statement on the console's tables, within the caller's transaction."""

    session: Session

    def add(self, row: ConsoleSessionRow) -> None:
        """Store a new session."""
        self.session.add(row)

    def get(self, id_sha256: str) -> ConsoleSessionRow | None:
        """The session whose id hashes to ``id_sha256``, if any."""
        return self.session.get(ConsoleSessionRow, id_sha256)

    def remove(self, id_sha256: str) -> bool:
        """Delete a session; whether there was one."""
        result = self.session.execute(
            delete(ConsoleSessionRow).where(ConsoleSessionRow.id_sha256 == id_sha256)
        )
        return bool(getattr(result, "rowcount", 0))

    def remove_idle(self, seen_before: str) -> int:
        """Delete every session last used before ``seen_before`` (an RFC 3339 stamp); how many."""
        result = self.session.execute(
            delete(ConsoleSessionRow).where(ConsoleSessionRow.last_seen_at < seen_before)
        )
        return int(getattr(result, "rowcount", 0))

    def of_user(self, user_name: str) -> list[ConsoleSessionRow]:
        """A person's sessions, oldest first."""
        query = (
            select(ConsoleSessionRow)
            .where(ConsoleSessionRow.user_name == user_name)
            .order_by(ConsoleSessionRow.created_at)
        )
        return list(self.session.scalars(query))

    def language(self, user_name: str) -> str | None:
        """The person's chosen language, if they chose one."""
        row = self.session.get(ConsolePreferenceRow, user_name)
        return row.language if row is not None else None

    def set_language(self, user_name: str, language: str) -> None:
        """Record the person's language."""
        row = self.session.get(ConsolePreferenceRow, user_name)
        if row is None:
            self.session.add(ConsolePreferenceRow(user_name=user_name, language=language))
        else:
            row.language = language

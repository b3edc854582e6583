"""The web console's sessions: who a browser is signed in as, until they sign out or go idle.

A person signs in with the password the CLI and the user API accept
(:meth:`AccountService.authenticate`: argon2id, the same lockout, every attempt journalled);
the node then opens a session and hands back its id once. Only the id's SHA-256 is stored, with
the user, when the session was opened and last used, and a CSRF token for its forms (GSOMIA
Art. 7: the node must know who is asking, at every request). A session unused for longer than
the node's ``console_idle_minutes`` (15 by default) has ended: resuming it is refused and the
row deleted. Opening, closing and expiry are journalled (``console.session``).

A session is marked as used at most every :data:`SEEN_EVERY` (30 s): marking it is a write
(a synced commit, the larger part of a page's time on SQLite), and the idle limit then counts
from the mark, so a session ends at most that much *earlier* than the limit says, never later.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.orm import Session

from accord.errors import InvalidInput, PolicyDenied
from accord.node.core._context import NodeContext
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.registry._accounts import AccountService
from accord.node.registry._users import User, UserService
from accord.store import ConsoleSessionRepository, ConsoleSessionRow, format_stamp

__all__ = ["CONSOLE_LANGUAGES", "SESSION_ENDED", "ConsoleSession", "ConsoleSessionService"]

SESSION_ENDED = "your session has ended; sign in again"
CONSOLE_LANGUAGES = ("en", "ko", "ja")
"""The languages the console speaks (its message catalogs in ``accord.web``)."""
SEEN_EVERY = timedelta(seconds=30)
"""A session used more recently than this is not marked as used again (no write)."""


@dataclass(frozen=True)
class ConsoleSession:
    """A live console session, as the console uses it (never the id's hash)."""

    user: User
    csrf_token: str
    created_at: str
    language: str | None
    """The person's chosen language, if they chose one."""


def _digest(session_id: str) -> str:
    # 256 random bits: a fast hash suffices (nobody can search for a preimage), as for API tokens.
    return hashlib.sha256(session_id.encode("utf-8")).hexdigest()


def _found(store: ConsoleSessionRepository, session_id: str) -> ConsoleSessionRow | None:
    # An id no browser could hold (empty, or longer than any we hand out) is not looked up.
    return store.get(_digest(session_id)) if 0 < len(session_id) <= 128 else None


def _journal(session: Session, act: Act, detail: dict[str, object]) -> None:
    """Journal that a console session opened, expired or closed (``console.session``)."""
    journal_done(session, act, "console.session", detail=detail)


class ConsoleSessionService:
    """Opens, resumes and closes console sessions; keeps each person's console language."""

    def __init__(self, ctx: NodeContext, users: UserService, accounts: AccountService) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx
        self._users = users
        self._accounts = accounts

    @property
    def idle_timeout(self) -> timedelta:
        """How long a session may stay unused (the node's ``console_idle_minutes``)."""
        return timedelta(minutes=self._ctx.config.console_idle_minutes)

    def open(self, name: str, password: str) -> tuple[str, ConsoleSession]:
        """Check the password and open a session; return its id (shown once) and the session.

        Raises:
            PolicyDenied: wrong user name or password, or the account is locked (journalled
                by the account service, in the same words as at the CLI).
        """
        user = self._accounts.authenticate(name, password)
        session_id = secrets.token_urlsafe(32)
        now = self._ctx.now()
        with self._ctx.db.transaction() as session:
            store = ConsoleSessionRepository(session)
            row = ConsoleSessionRow(
                id_sha256=_digest(session_id),
                user_name=user.name,
                created_at=format_stamp(now),
                last_seen_at=format_stamp(now),
                csrf_token=secrets.token_urlsafe(32),
            )
            store.add(row)
            _journal(session, Act(user.name, now), {"event": "open"})
            return session_id, ConsoleSession(user, row.csrf_token, row.created_at, store.language(user.name))

    def resume(self, session_id: str) -> ConsoleSession:
        """The session behind a browser's cookie, marked as used now (unless it was marked less
        than :data:`SEEN_EVERY` ago).

        Raises:
            PolicyDenied: no such session, or it has been idle longer than :attr:`idle_timeout`
                (then it is deleted and its end journalled).
        """
        now = self._ctx.now()
        recent = self._recent(session_id, now)
        if recent is not None:
            return recent
        with self._ctx.db.transaction() as session:
            store = ConsoleSessionRepository(session)
            row = _found(store, session_id)
            if row is None:
                raise PolicyDenied(SESSION_ENDED)
            if row.last_seen_at < format_stamp(now - self.idle_timeout):
                store.remove(row.id_sha256)
                _journal(
                    session, Act(row.user_name, now), {"event": "expired", "last_seen_at": row.last_seen_at}
                )
            else:
                row.last_seen_at = format_stamp(now)
                user = self._users.get_in(session, row.user_name)
                return ConsoleSession(user, row.csrf_token, row.created_at, store.language(user.name))
        raise PolicyDenied(SESSION_ENDED)

    def _recent(self, session_id: str, now: datetime) -> ConsoleSession | None:
        """The session if it was marked as used within :data:`SEEN_EVERY` (read only), else None.

        Raises:
            PolicyDenied: no such session.
        """
        fresh = format_stamp(now - min(SEEN_EVERY, self.idle_timeout))
        with self._ctx.db.transaction(read_only=True) as session:
            store = ConsoleSessionRepository(session)
            row = _found(store, session_id)
            if row is None:
                raise PolicyDenied(SESSION_ENDED)
            if row.last_seen_at < fresh:
                return None
            user = self._users.get_in(session, row.user_name)
            return ConsoleSession(user, row.csrf_token, row.created_at, store.language(user.name))

    def close(self, session_id: str) -> None:
        """Sign out: delete the session (nothing happens for an unknown id)."""
        now = self._ctx.now()
        with self._ctx.db.transaction() as session:
            store = ConsoleSessionRepository(session)
            row = _found(store, session_id)
            if row is not None:
                store.remove(row.id_sha256)
                _journal(session, Act(row.user_name, now), {"event": "close"})

    def set_language(self, name: str, language: str) -> None:
        """Record the console language ``name`` chose (one of :data:`LANGUAGES`).

        Raises:
            InvalidInput: not a language the console speaks.
            NotFound: no such user.
        """
        if language not in CONSOLE_LANGUAGES:
            raise InvalidInput(f"the console speaks {', '.join(CONSOLE_LANGUAGES)}, not {language[:16]!r}")
        with self._ctx.db.transaction() as session:
            self._users.get_in(session, name)
            ConsoleSessionRepository(session).set_language(name, language)

"""Authentication at a node: argon2id passwords with lockout, and API tokens stored hashed.

A person proves who they are before the node acts for them (GSOMIA Art. 7: access only by
people with a clearance and a need to know; the node must know who is asking). Two ways:

* a **password**, hashed with argon2id (RFC 9106). Five consecutive failures lock the
  account for fifteen minutes; every attempt is journalled, never the password;
* an **API token** for scripts: ``acc_<id>_<secret>``, shown once, stored as its SHA-256,
  expiring after 1–365 days, revocable by its owner or an authority.

Refusals never tell an unknown user from a wrong password (no probing of who exists).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cached_property
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.errors import Conflict, InvalidInput, NotFound, PolicyDenied
from accord.json_view import JsonView
from accord.node.core._context import NodeContext
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act, Principal
from accord.node.registry._users import Role, User, UserService
from accord.store import ApiTokenRow, NewEvent, UserRow, append_event, format_stamp

if TYPE_CHECKING:
    from argon2 import PasswordHasher

__all__ = [
    "LOCKOUT",
    "MAX_FAILURES",
    "MIN_PASSWORD_LENGTH",
    "RFC9106_LOW_MEMORY",
    "UNSAFE_FAST_PASSWORD_HASHING",
    "AccountService",
    "PasswordHashing",
    "TokenInfo",
]

_log = logging.getLogger("accord.accounts")

MIN_PASSWORD_LENGTH = 12
# An upper bound keeps one request from making the node hash megabytes (a cheap denial of service).
MAX_PASSWORD_LENGTH = 1024
MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=15)
MAX_TOKEN_DAYS = 365
TOKEN_USE_GRANULARITY = timedelta(seconds=60)
"""A token's ``last_used_at`` is written when the one stored is older than this (or later than
now): a client polling several times a minute costs no write per request (``accord user tokens``
shows the time to the minute)."""

# The local designated security authority acting at the CLI (as ``user add`` does): one
# principal, named in one place (core/_principal.py).
LOCAL_AUTHORITY = Principal.local_authority().journal_name

WRONG_LOGIN = "wrong user name or password"
BAD_TOKEN = "invalid, expired or revoked token"  # noqa: S105 - a message, not a secret

# argon2id with RFC 9106 §4's second recommended option for memory-constrained
# environments: t=3 passes over m=64 MiB with p=4 lanes, 16-byte salt, 32-byte tag.
# Parameters are explicit so that a library upgrade never silently changes them; a stored
# hash with other parameters is rehashed at the next successful login.
ARGON2_TIME_COST = 3
ARGON2_MEMORY_COST_KIB = 64 * 1024
ARGON2_PARALLELISM = 4
ARGON2_HASH_LEN = 32
ARGON2_SALT_LEN = 16


@dataclass(frozen=True)
class PasswordHashing:
    """The argon2id cost parameters a node hashes new passwords with.

    Verification always uses the parameters stored in each hash (PHC string); a hash made
    with other parameters than these is rehashed at the next successful login.
    """

    time_cost: int
    memory_cost_kib: int
    parallelism: int

    @property
    def production(self) -> bool:
        """Whether these are the RFC 9106 parameters every real node uses."""
        return self == RFC9106_LOW_MEMORY


RFC9106_LOW_MEMORY = PasswordHashing(ARGON2_TIME_COST, ARGON2_MEMORY_COST_KIB, ARGON2_PARALLELISM)
"""RFC 9106 §4, second recommended option: the default of every node."""

UNSAFE_FAST_PASSWORD_HASHING = PasswordHashing(time_cost=1, memory_cost_kib=8, parallelism=1)
"""For test suites only: trivially cheap to brute-force. A node using it logs a warning."""

_TOKEN_ID = re.compile(r"[0-9a-f]{16}")
_TOKEN_PREFIX = "acc_"  # noqa: S105 - a public prefix, not a secret


@dataclass(frozen=True)
class TokenInfo(JsonView):
    """An API token as listed: never its secret."""

    id: str
    user: str
    created_at: str
    expires_at: str
    revoked: bool
    last_used_at: str | None


def _hasher(params: PasswordHashing) -> PasswordHasher:
    # argon2 here, when a password is first hashed or checked: a command authenticated by an
    # API token (a script's listing) never loads it.
    from argon2 import PasswordHasher, Type  # noqa: PLC0415 - see above

    return PasswordHasher(
        time_cost=params.time_cost,
        memory_cost=params.memory_cost_kib,
        parallelism=params.parallelism,
        hash_len=ARGON2_HASH_LEN,
        salt_len=ARGON2_SALT_LEN,
        type=Type.ID,
    )


def _secret_digest(secret: str) -> str:
    # A token secret carries 256 random bits, so a fast hash is enough: nobody can guess
    # their way to a preimage, and a slow password hash would only slow every API request.
    # (Passwords are low-entropy and get argon2id instead.)
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


class AccountService:
    """Passwords, lockout and API tokens of the users at this node."""

    def __init__(self, ctx: NodeContext, users: UserService, *, password_hashing: PasswordHashing) -> None:
        """Serve the node behind ``ctx``, whose people ``users`` knows.

        ``password_hashing`` is required: production passes :data:`RFC9106_LOW_MEMORY`;
        anything else is logged as unsafe.
        """
        self._ctx = ctx
        self._users = users
        if not password_hashing.production:
            _log.warning(
                "UNSAFE password hashing %s at node %s: for test suites only",
                password_hashing,
                ctx.config.node_id,
            )
        self.password_hashing = password_hashing
        self._dummy_hash: str | None = None

    @cached_property
    def _hasher(self) -> PasswordHasher:
        """The argon2id hasher of :attr:`password_hashing`, made on first use."""
        return _hasher(self.password_hashing)

    # ----------------------------------------------------------------- passwords

    def set_password(self, name: str, password: str, *, actor: str) -> None:
        """Set (or replace) a user's password; clears failed attempts and any lockout.

        Raises:
            NotFound: no such user.
            PolicyDenied: the actor is neither the user nor an authority.
            InvalidInput: the password is shorter than 12 or longer than 1024 characters.
        """
        with self._ctx.work(actor, "user.passwd", detail={"user": name}) as session:
            # Who may act comes first, so a refusal does not tell whether the user exists.
            _authorise(session, actor, owner=name, what="set the password of")
            row = _user_row(session, name)
            if len(password) < MIN_PASSWORD_LENGTH:
                raise InvalidInput(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
            if len(password) > MAX_PASSWORD_LENGTH:
                raise InvalidInput(f"a password may have at most {MAX_PASSWORD_LENGTH} characters")
            now = self._ctx.now()
            row.password_hash = self._hasher.hash(password)
            row.password_set_at = format_stamp(now)
            row.failed_logins = 0
            row.locked_until = None
            journal_done(session, Act(actor, now), "user.passwd", detail={"user": name})

    def authenticate(self, name: str, password: str) -> User:
        """Check a user name and password; return the user.

        Unknown user, user without a password and wrong password give the same answer and
        take about the same time (a dummy hash is verified), so nobody learns who exists.
        After five consecutive failures the account is locked for fifteen minutes.

        Raises:
            PolicyDenied: wrong user name or password, or the account is locked.
        """
        now = self._ctx.now()
        actor = name if len(name) <= 64 else name[:64]
        with self._ctx.db.transaction() as session:
            row = session.get(UserRow, name)
            if row is None or row.password_hash is None:
                # Spend the same work as a real check, then refuse with the same words.
                self._verify(self._dummy(), password)
                refusal = PolicyDenied(WRONG_LOGIN)
                self._journal_login(session, now, actor, refusal)
            elif row.locked_until is not None and format_stamp(now) < row.locked_until:
                refusal = PolicyDenied(f"account locked until {row.locked_until}")
                self._journal_login(session, now, actor, refusal)
            elif self._verify(row.password_hash, password):
                if self._hasher.check_needs_rehash(row.password_hash):
                    row.password_hash = self._hasher.hash(password)
                row.failed_logins = 0
                row.locked_until = None
                journal_done(session, Act(actor, now), "user.login", detail={"user": name})
                return self._users.get_in(session, name)
            else:
                refusal = PolicyDenied(WRONG_LOGIN)
                row.failed_logins = (row.failed_logins if row.locked_until is None else 0) + 1
                row.locked_until = None
                self._journal_login(session, now, actor, refusal, failures=row.failed_logins)
                if row.failed_logins >= MAX_FAILURES:
                    row.failed_logins = 0
                    row.locked_until = format_stamp(now + LOCKOUT)
                    journal_done(
                        session,
                        Act(actor, now),
                        "user.lockout",
                        detail={"user": name, "failures": MAX_FAILURES, "locked_until": row.locked_until},
                    )
        # Committed: the failure count and the journal entry stand; now refuse.
        raise refusal

    # -------------------------------------------------------------------- tokens

    def issue_token(self, name: str, *, days: int, actor: str) -> tuple[TokenInfo, str]:
        """Issue an API token for ``name`` valid for ``days`` (1–365); return it and its secret.

        The secret is returned once and never stored: only its SHA-256 is kept.

        Raises:
            NotFound: no such user.
            PolicyDenied: the actor is neither the user nor an authority.
            InvalidInput: ``days`` is out of range.
        """
        with self._ctx.work(actor, "user.token.issue", detail={"user": name, "days": days}) as session:
            _authorise(session, actor, owner=name, what="issue a token for")
            _user_row(session, name)
            if not 1 <= days <= MAX_TOKEN_DAYS:
                raise InvalidInput(f"a token lasts 1 to {MAX_TOKEN_DAYS} days, not {days}")
            now = self._ctx.now()
            token_id = secrets.token_hex(8)
            secret = (
                _TOKEN_PREFIX
                + token_id
                + "_"
                + base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode("ascii")
            )
            row = ApiTokenRow(
                id=token_id,
                user_name=name,
                secret_sha256=_secret_digest(secret),
                created_by=actor,
                created_at=format_stamp(now),
                expires_at=format_stamp(now + timedelta(days=days)),
            )
            session.add(row)
            journal_done(
                session,
                Act(actor, now),
                "user.token.issue",
                detail={"user": name, "token_id": token_id, "expires_at": row.expires_at},
            )
            return _token(row), secret

    def revoke_token(self, token_id: str, *, actor: str) -> None:
        """Revoke a token at once; its owner or an authority may.

        Raises:
            NotFound: no such token.
            PolicyDenied: the actor is neither the owner nor an authority.
            Conflict: the token is already revoked.
        """
        with self._ctx.work(actor, "user.token.revoke", detail={"token_id": token_id[:64]}) as session:
            row = session.get(ApiTokenRow, token_id) if _TOKEN_ID.fullmatch(token_id) else None
            if row is None:
                raise NotFound(f"no token {token_id[:64]!r} at this node")
            _authorise(session, actor, owner=row.user_name, what="revoke a token of")
            if row.revoked_at is not None:
                raise Conflict(f"token {token_id} was already revoked at {row.revoked_at}")
            now = self._ctx.now()
            row.revoked_at = format_stamp(now)
            journal_done(
                session,
                Act(actor, now),
                "user.token.revoke",
                detail={"user": row.user_name, "token_id": token_id},
            )

    def authenticate_token(self, secret: str) -> User:
        """Return the user a token secret stands for; record its use (to :data:`TOKEN_USE_GRANULARITY`).

        A valid token is checked in a read-only snapshot; ``last_used_at`` is written (a write
        transaction, a synced commit) only when the one stored is older than
        :data:`TOKEN_USE_GRANULARITY` — not on every request of a client that polls.

        Raises:
            PolicyDenied: the token is malformed, unknown, expired or revoked (one answer for all).
        """
        now = self._ctx.now()
        stamp = format_stamp(now)
        token_id = _token_id_of(secret)
        digest = _secret_digest(secret)
        user: User | None = None
        with self._ctx.db.transaction(read_only=True) as session:
            row = session.get(ApiTokenRow, token_id) if token_id is not None else None
            # Compare in constant time even when the token is unknown, so the answer's timing
            # does not tell a known id from an unknown one.
            stored = row.secret_sha256 if row is not None else "0" * 64
            matches = hmac.compare_digest(stored, digest)
            if row is not None and matches and row.revoked_at is None and stamp < row.expires_at:
                user = self._users.get_in(session, row.user_name)
                last = row.last_used_at
                if last is not None and format_stamp(now - TOKEN_USE_GRANULARITY) < last <= stamp:
                    return user  # its use is recorded to the granularity: nothing to write
        if user is not None:
            with self._ctx.db.transaction() as session:
                used = session.get_one(ApiTokenRow, token_id)
                used.last_used_at = stamp
            return user
        with self._ctx.db.transaction() as session:
            append_event(
                session,
                NewEvent(
                    at=now,
                    actor=row.user_name if row is not None and matches else "unknown",
                    action="user.token.auth",
                    outcome="refused",
                    # The id is not secret and helps the auditor; the secret never goes in.
                    detail={"token_id": token_id, "error": "PolicyDenied", "reason": BAD_TOKEN},
                ),
            )
        raise PolicyDenied(BAD_TOKEN)

    def tokens(self, name: str | None = None) -> list[TokenInfo]:
        """The tokens of one user, or of everyone, oldest first (never their secrets).

        Raises:
            NotFound: ``name`` is given and no such user exists.
        """
        with self._ctx.db.transaction(read_only=True) as session:
            query = select(ApiTokenRow).order_by(ApiTokenRow.created_at, ApiTokenRow.id)
            if name is not None:
                _user_row(session, name)
                query = query.where(ApiTokenRow.user_name == name)
            return [_token(row) for row in session.scalars(query)]

    # ------------------------------------------------------------------- helpers

    def _verify(self, stored: str, password: str) -> bool:
        from argon2.exceptions import InvalidHashError, VerificationError  # noqa: PLC0415 - see _hasher

        if len(password) > MAX_PASSWORD_LENGTH:
            return False
        try:
            return self._hasher.verify(stored, password)
        except (VerificationError, InvalidHashError):
            return False

    def _dummy(self) -> str:
        # Made on first need, not at start-up: every CLI command opens a node.
        if self._dummy_hash is None:
            self._dummy_hash = self._hasher.hash(secrets.token_urlsafe(16))
        return self._dummy_hash

    def _journal_login(
        self,
        session: Session,
        now: datetime,
        actor: str,
        refusal: PolicyDenied,
        *,
        failures: int | None = None,
    ) -> None:
        detail: dict[str, object] = {"user": actor, "error": "PolicyDenied", "reason": str(refusal)}
        if failures is not None:
            detail["failures"] = failures
        append_event(
            session, NewEvent(at=now, actor=actor, action="user.login", outcome="refused", detail=detail)
        )


def _user_row(session: Session, name: str) -> UserRow:
    row = session.get(UserRow, name)
    if row is None:
        raise NotFound(f"no user {name[:64]!r} at this node")
    return row


def _authorise(session: Session, actor: str, *, owner: str, what: str) -> None:
    """The user themself, the local authority at the CLI, or a user with role authority."""
    if actor in (owner, LOCAL_AUTHORITY):
        return
    row = session.get(UserRow, actor)
    if row is not None and row.role == Role.AUTHORITY.value:
        return
    raise PolicyDenied(f"only {owner} or an authority may {what} {owner}")


def _token_id_of(secret: str) -> str | None:
    if not secret.startswith(_TOKEN_PREFIX):
        return None
    token_id, sep, _ = secret[len(_TOKEN_PREFIX) :].partition("_")
    return token_id if sep and _TOKEN_ID.fullmatch(token_id) else None


def _token(row: ApiTokenRow) -> TokenInfo:
    return TokenInfo(
        id=row.id,
        user=row.user_name,
        created_at=row.created_at,
        expires_at=row.expires_at,
        revoked=row.revoked_at is not None,
        last_used_at=row.last_used_at,
    )

"""People at a node: role, clearance in the node's own scheme, need-to-know topics (Art. 7)."""

from __future__ import annotations

import enum
import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.errors import Conflict, InvalidInput, NotFound, PolicyDenied
from accord.markings import Level, scheme
from accord.node.core._context import NodeContext
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import RESERVED_NAMES, Act, Principal
from accord.store import UserRow, format_stamp

__all__ = ["NewUser", "Role", "User", "UserService"]

_NAME = re.compile(r"[a-z][a-z0-9._-]{1,62}")
_TOPIC = re.compile(r"[A-Z0-9][A-Z0-9-]{0,62}")


class Role(enum.Enum):
    """What a person does at the node (DESIGN.md §2)."""

    ANALYST = "analyst"
    OFFICER = "officer"
    AUTHORITY = "authority"
    AUDITOR = "auditor"

    @classmethod
    def parse(cls, text: str) -> Role:
        """Parse a role name.

        Raises:
            InvalidInput: no such role.
        """
        for member in cls:
            if member.value == text.strip().lower():
                return member
        raise InvalidInput(f"unknown role {text!r}; use one of {', '.join(m.value for m in cls)}")


@dataclass(frozen=True)
class User:
    """A person with a personnel security clearance and need-to-know topics."""

    name: str
    role: Role
    nationality: str
    clearance: Level
    need_to_know: frozenset[str]
    created_at: str
    purposes: frozenset[str] = frozenset()

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "name": self.name,
            "role": self.role.value,
            "nationality": self.nationality,
            "clearance": self.clearance.native,
            "clearance_scheme": self.clearance.scheme,
            "clearance_family": self.clearance.family.value,
            "need_to_know": sorted(self.need_to_know),
            "purposes": sorted(self.purposes),
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class NewUser:
    """A person to add, as asked: name, role, clearance in this node's scheme, need to know (Art. 7).

    ``purposes`` are the purposes of provision the person works for; an item marked
    PURPOSE-LIMITED is shown only to people who work for its purpose (Art. 6).
    """

    name: str
    role: str
    clearance: str
    ntk: Iterable[str]
    purposes: Iterable[str] = ()


def parse_topics(topics: Iterable[str]) -> frozenset[str]:
    """Normalise need-to-know topics (upper case, A–Z, digits, hyphens).

    Raises:
        InvalidInput: a topic is malformed.
    """
    out = set()
    for topic in topics:
        token = topic.strip().upper()
        if not token:
            continue
        if not _TOPIC.fullmatch(token):
            raise InvalidInput(f"need-to-know topic {topic!r} must be letters, digits and hyphens")
        out.add(token)
    return frozenset(out)


def parse_purposes(purposes: Iterable[str]) -> frozenset[str]:
    """Normalise purposes of provision (trimmed text, 1–200 characters, no control characters).

    Raises:
        InvalidInput: a purpose is too long or holds control characters.
    """
    out = set()
    for purpose in purposes:
        text = purpose.strip()
        if not text:
            continue
        if len(text) > 200 or any(ord(ch) < 32 or ord(ch) == 127 for ch in text):
            raise InvalidInput(f"purpose {purpose[:40]!r} must be 1–200 printable characters")
        out.add(text)
    return frozenset(out)


class UserService:
    """Accounts at this node. Authentication arrives with the access-control issue."""

    def __init__(self, ctx: NodeContext) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx

    def add(self, new: NewUser, *, actor: str) -> User:
        """Add the person ``new``, with a clearance given in this node's own scheme.

        Raises:
            InvalidInput: bad name, role or topic.
            LabelError: the clearance is not a level of this node's scheme.
            Conflict: the name is taken.
        """
        name = new.name
        with self._ctx.work(actor, "user.add", detail={"user": name}) as session:
            if not _NAME.fullmatch(name):
                raise InvalidInput(
                    f"user name {name!r} must be 2–63 lower-case letters, digits, '.', '_' or '-'"
                )
            if name in RESERVED_NAMES:
                # The journal names principals and roles by these words (core/_principal.py).
                raise InvalidInput(
                    f"user name {name!r} is reserved; reserved: {', '.join(sorted(RESERVED_NAMES))}"
                )
            level = scheme(self._ctx.config.scheme).level(new.clearance)
            user = User(
                name=name,
                role=Role.parse(new.role),
                nationality=self._ctx.config.party,
                clearance=level,
                need_to_know=parse_topics(new.ntk),
                created_at=format_stamp(self._ctx.now()),
                purposes=parse_purposes(new.purposes),
            )
            if session.get(UserRow, name) is not None:
                raise Conflict(f"user {name!r} already exists")
            session.add(
                UserRow(
                    name=user.name,
                    role=user.role.value,
                    scheme=level.scheme,
                    clearance=level.native,
                    ntk_json=json.dumps(sorted(user.need_to_know)),
                    purposes_json=json.dumps(sorted(user.purposes), ensure_ascii=False),
                    nationality=user.nationality,
                    created_at=user.created_at,
                )
            )
            journal_done(session, Act(actor, self._ctx.now()), "user.add", detail=user.to_dict())
            return user

    def set_clearance(self, name: str, level: str, *, actor: str) -> User:
        """Change a user's clearance (a level of this node's scheme); only an authority may.

        Nobody changes their own clearance, not even an authority (Art. 7: access only by
        people the designated security authority has cleared — not self-granted).

        Raises:
            PolicyDenied: the actor is the user themself, or not an authority.
            NotFound: no such user.
            LabelError: the level is not one of this node's scheme.
        """
        with self._ctx.work(actor, "user.clearance", detail={"user": name, "clearance": level}) as session:
            if actor == name:
                raise PolicyDenied("nobody can change their own clearance (Art. 7)")
            if actor != Principal.local_authority().journal_name:
                actor_row = session.get(UserRow, actor)
                if actor_row is None or actor_row.role != Role.AUTHORITY.value:
                    raise PolicyDenied("only an authority may change a clearance (Art. 7)")
            row = session.get(UserRow, name)
            if row is None:
                raise NotFound(f"no user {name!r} at this node")
            new = scheme(self._ctx.config.scheme).level(level)
            old = row.clearance
            row.scheme, row.clearance = new.scheme, new.native
            journal_done(
                session,
                Act(actor, self._ctx.now()),
                "user.clearance",
                detail={"user": name, "from": old, "to": new.native},
            )
            return _user(row)

    def get(self, name: str) -> User:
        """One user.

        Raises:
            NotFound: no such user.
        """
        with self._ctx.db.transaction(read_only=True) as session:
            return self.get_in(session, name)

    def get_in(self, session: Session, name: str) -> User:
        """One user, inside the caller's transaction.

        Raises:
            NotFound: no such user.
        """
        row = session.get(UserRow, name)
        if row is None:
            raise NotFound(f"no user {name!r} at this node")
        return _user(row)

    def officer_in(self, session: Session, name: str, refusal: Callable[[Role], str]) -> User:
        """One user, who must be a (registry / security) officer, inside the caller's transaction.

        Raises:
            NotFound: no such user.
            PolicyDenied: ``refusal`` of the user's role, when it is another.
        """
        user = self.get_in(session, name)
        if user.role is not Role.OFFICER:
            raise PolicyDenied(refusal(user.role))
        return user

    def all(self) -> list[User]:
        """Every user, by name."""
        with self._ctx.db.transaction(read_only=True) as session:
            return [_user(row) for row in session.scalars(select(UserRow).order_by(UserRow.name))]


def _user(row: UserRow) -> User:
    return User(
        name=row.name,
        role=Role(row.role),
        nationality=row.nationality,
        clearance=scheme(row.scheme).level(row.clearance),
        need_to_know=frozenset(json.loads(row.ntk_json)),
        created_at=row.created_at,
        purposes=frozenset(json.loads(row.purposes_json)),
    )

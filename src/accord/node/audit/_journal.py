"""Reading the journal: the node's record of who did what, when, to which item, and why.

The journal is the audit record of GSOMIA Arts. 6 and 8–18 (identification and control of
CMI, receipts, copies, destruction, compromise); a refusal's reasons — which rule, which
article — are kept there and nowhere else (``docs/policy.md``, *No probing*). Reading it is
a duty the decision point grants by role (:data:`~accord.policy.ROLE_DUTIES`: officers, the
authority and auditors; analysts not). Its readers see every event's metadata whichever
items they may read; the journal holds no content.

Pages are in ``seq`` order, which never changes for an event: ``after`` (the last ``seq`` of
the previous page) continues a listing, and events appended meanwhile come at its end. Every
read is itself journalled (``journal.read``), and so is every refused one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Final

from sqlalchemy import select
from sqlalchemy.orm import Session
from sqlalchemy.sql import Select

from accord.canonical import parse_time
from accord.errors import InvalidInput, NotFound
from accord.json_view import JsonView
from accord.limits import bounded_number
from accord.node.core._context import NodeContext
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.holdings._access import AccessService
from accord.node.registry._users import UserService
from accord.policy import Duty
from accord.store import Event, JournalRow, about_item, event_of, format_stamp

__all__ = ["MAX_PAGE", "JournalEntry", "JournalFilter", "JournalPage", "JournalService"]

MAX_PAGE: Final = 1000
"""The most events one page holds."""
_TEXT_MAX: Final = 200


@dataclass(frozen=True)
class JournalEntry(Event):
    """One journal event as its readers see it: the stored :class:`~accord.store.Event` and its leaf.

    Attributes:
        seq: Its number in the journal (``accord ledger prove SEQ`` proves it).
        at: When, RFC 3339 UTC with microseconds.
        actor: Who: a user name, ``peer:NODE``, or the node's own routine (``witness``, …).
        action: What, e.g. ``item.read``, ``consent.approve``.
        item_id: The item it is about, if any.
        outcome: ``ok``, ``refused``, ``alarm``, …
        detail: The rest; a refusal's ``reason`` names the rule and the article.
        leaf: Its leaf in the ledger once sealed, else None.
    """

    leaf: int | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {**super().to_dict(), "leaf": self.leaf}


@dataclass(frozen=True)
class JournalFilter:
    """Which events to list; every field given must match (AND).

    Attributes:
        actor: Exactly this actor.
        action: Exactly this action, or every action under a prefix written ``consent.*``.
        item_id: About exactly this item: its events, and the listings and searches that showed it.
        since: At or after this time: RFC 3339 with a zone, or a date (00:00 UTC).
        until: Before this time (exclusive), same forms.
        refusals: Only refused actions (outcome ``refused``).
    """

    actor: str | None = None
    action: str | None = None
    item_id: str | None = None
    since: str | None = None
    until: str | None = None
    refusals: bool = False

    def to_dict(self) -> dict[str, object]:
        """The filters given, for the journal entry of the read (long text cut short)."""
        return {
            k: v[:_TEXT_MAX] if isinstance(v, str) else v
            for k, v in self.__dict__.items()
            if v not in (None, False)
        }


@dataclass(frozen=True)
class JournalPage(JsonView):
    """One page of events in ``seq`` order, and where the next one starts."""

    events: tuple[JournalEntry, ...]
    next_after: int | None
    """Pass as ``after`` for the next page; None when this page is the last."""


def _moment(text: str, option: str) -> str:
    """A stored-time bound from ``text``: a date is its 00:00 UTC."""
    text = text.strip()
    try:
        day = date.fromisoformat(text) if len(text) == 10 else None
    except ValueError:
        day = None
    if day is not None:
        return format_stamp(datetime(day.year, day.month, day.day, tzinfo=UTC))
    try:
        return format_stamp(parse_time(text))
    except InvalidInput as exc:
        raise InvalidInput(
            f"{option} {text[:_TEXT_MAX]!r}: give a date (2026-11-25) or an RFC 3339 time with a zone"
        ) from exc


def _text(value: str | None, option: str) -> str | None:
    if value is None:
        return None
    if not value.strip() or len(value) > _TEXT_MAX:
        raise InvalidInput(f"{option} must be 1 to {_TEXT_MAX} characters")
    return value


def _entry(row: JournalRow) -> JournalEntry:
    return JournalEntry(**vars(event_of(row)), leaf=row.leaf)


class JournalService:
    """Lists and shows journal events to those whose duty it is (officers, authority, auditors)."""

    def __init__(self, ctx: NodeContext, users: UserService, access: AccessService) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx
        self._users = users
        self._access = access

    def listing(
        self, *, actor: str, where: JournalFilter | None = None, after: int = 0, limit: int = 50
    ) -> JournalPage:
        """One page of the events ``where`` selects, after ``seq`` ``after``, in ``seq`` order.

        Raises:
            InvalidInput: a bad filter, ``after`` below 0, or ``limit`` not 1–:data:`MAX_PAGE`.
            NotFound: no such user.
            PolicyDenied: ``actor``'s role may not read the journal.
        """
        where = where or JournalFilter()
        asked = {**where.to_dict(), "after": after, "limit": limit}
        with self._ctx.work(actor, "journal.read", detail=asked) as session:
            self._require(session, actor)
            if not 1 <= limit <= MAX_PAGE:
                raise InvalidInput(f"a page holds 1 to {MAX_PAGE} events, not {limit}")
            if after < 0:
                raise InvalidInput(f"after must be a journal seq (0 or more), not {after}")
            bounded_number(after, "after (a journal seq)")  # before SQL: 64-bit integers
            query = _filtered(select(JournalRow), where).where(JournalRow.seq > after)
            # One more than asked: tells whether another page follows.
            rows = session.scalars(query.order_by(JournalRow.seq).limit(limit + 1)).all()
            events = tuple(_entry(row) for row in rows[:limit])
            more = len(rows) > limit
            journal_done(
                session, Act(actor, self._ctx.now()), "journal.read", detail={**asked, "shown": len(events)}
            )
            return JournalPage(events, events[-1].seq if more else None)

    def show(self, seq: int, *, actor: str) -> JournalEntry:
        """One event, in full.

        Raises:
            NotFound: no such user, or no event ``seq``.
            InvalidInput: ``seq`` is negative or above :data:`~accord.limits.MAX_NUMBER`.
            PolicyDenied: ``actor``'s role may not read the journal.
        """
        with self._ctx.work(actor, "journal.read", detail={"seq": seq}) as session:
            self._require(session, actor)
            bounded_number(seq, "a journal seq")  # before SQL: 64-bit integers
            row = session.get(JournalRow, seq)
            if row is None:
                raise NotFound(f"no journal event {seq}")
            journal_done(session, Act(actor, self._ctx.now()), "journal.read", detail={"seq": seq})
            return _entry(row)

    def _require(self, session: Session, actor: str) -> None:
        self._access.require_duty(self._users.get_in(session, actor), Duty.READ_JOURNAL)


def _filtered(query: Select[JournalRow], where: JournalFilter) -> Select[JournalRow]:
    """``query`` narrowed by ``where`` (validated here: every bad filter is an InvalidInput)."""
    actor = _text(where.actor, "--actor")
    if actor is not None:
        query = query.where(JournalRow.actor == actor)
    action = _text(where.action, "--action")
    if action is not None:
        if action.endswith(".*"):
            query = query.where(JournalRow.action.startswith(action[:-1], autoescape=True))
        else:
            query = query.where(JournalRow.action == action)
    item_id = _text(where.item_id, "--item")
    if item_id is not None:
        # Its own events, and the listings and searches that showed it (their item_id is empty:
        # detail.permitted names what they showed).
        query = query.where(about_item(item_id))
    # Stored times are fixed-width RFC 3339 UTC text, so text order is time order.
    since = None if where.since is None else _moment(where.since, "--since")
    until = None if where.until is None else _moment(where.until, "--until")
    if since is not None:
        query = query.where(JournalRow.at >= since)
    if until is not None:
        query = query.where(JournalRow.at < until)
    if since is not None and until is not None and since >= until:
        raise InvalidInput(f"--since {where.since} is not before --until {where.until}")
    if where.refusals:
        query = query.where(JournalRow.outcome == "refused")
    return query

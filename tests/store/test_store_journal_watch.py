"""Watched journal actions are told after their transaction commits, never after a rollback (issue 13)."""

from __future__ import annotations

import gc
from datetime import UTC, datetime

import pytest

from accord.errors import Conflict
from accord.store import Database, NewEvent, append_event, append_events

T0 = datetime(2019, 8, 23, 6, 0, 0, tzinfo=UTC)


def _event(action: str, item_id: str | None) -> NewEvent:
    return NewEvent(at=T0, actor="sato", action=action, outcome="ok", item_id=item_id)


class Told:
    def __init__(self) -> None:
        self.calls: list[frozenset[str]] = []

    def __call__(self, items: frozenset[str]) -> None:
        self.calls.append(items)

    def method(self, items: frozenset[str]) -> None:
        self.calls.append(items)


def test_the_items_of_watched_actions_are_told_once_committed(db: Database) -> None:
    told = Told()
    db.after_commit_of({"item.destroy", "item.downgrade"}, told)
    with db.transaction() as session:
        append_event(session, _event("item.destroy", "jpn-1"))
        append_event(session, _event("item.read", "jpn-2"))  # not watched
        append_events(session, [_event("item.downgrade", "jpn-3"), _event("item.destroy", None)])
        assert told.calls == []  # not before the commit
    assert told.calls == [frozenset({"jpn-1", "jpn-3"})]
    with db.transaction() as session:
        append_event(session, _event("item.read", "jpn-1"))
    assert told.calls == [frozenset({"jpn-1", "jpn-3"})]  # nothing watched: not called


def test_a_rolled_back_transaction_tells_nothing(db: Database) -> None:
    told = Told()
    db.after_commit_of({"item.destroy"}, told)

    def refused() -> None:
        with db.transaction() as session:
            append_event(session, _event("item.destroy", "jpn-1"))
            raise Conflict("refused after the event was appended")

    with pytest.raises(Conflict):
        refused()
    assert told.calls == []


def test_a_failing_listener_fails_nothing_and_the_others_are_told(db: Database) -> None:
    def failing(_: frozenset[str]) -> None:
        raise RuntimeError("a listener's bug")

    told = Told()
    db.after_commit_of({"item.destroy"}, failing)
    db.after_commit_of({"item.destroy"}, told)
    with db.transaction() as session:
        append_event(session, _event("item.destroy", "jpn-1"))
    assert told.calls == [frozenset({"jpn-1"})]
    with db.transaction(read_only=True) as session:
        assert session.connection().exec_driver_sql("SELECT count(*) FROM journal").scalar_one() == 1


def test_a_bound_method_is_held_weakly(db: Database) -> None:
    told = Told()
    calls = told.calls
    db.after_commit_of({"item.destroy"}, told.method)
    del told
    gc.collect()
    with db.transaction() as session:
        append_event(session, _event("item.destroy", "jpn-1"))
    assert calls == []  # its object is gone: the subscription with it


def test_a_refused_act_is_not_told(db: Database) -> None:
    told = Told()
    db.after_commit_of({"item.destroy"}, told)
    with db.transaction() as session:
        append_event(
            session, NewEvent(at=T0, actor="ito", action="item.destroy", outcome="refused", item_id="jpn-1")
        )
        append_event(session, _event("item.destroy", "jpn-2"))
    assert told.calls == [frozenset({"jpn-2"})]

"""Helpers for the ledger-at-the-node tests: a node with a sealed journal, raw SQL, journal readers."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import text

from accord.node import Node
from accord.store import Event, NewEvent, append_event, read_events

Maker = Callable[..., Node]

EVENTS_PER_SEAL = 5
SEALS = 4
# node.init, then SEALS batches: checkpoints at 6, 11, 16 and 21 leaves.
CHECKPOINT_SIZES = [1 + EVENTS_PER_SEAL * (n + 1) for n in range(SEALS)]
LEAVES = CHECKPOINT_SIZES[-1]


class Clock(Protocol):
    """The settable test clock (``tests/conftest.py``)."""

    now: datetime

    def __call__(self) -> datetime: ...

    def advance(self, **kwargs: float) -> None: ...


def journal(node: Node, count: int, *, action: str = "item.read", actor: str = "sato") -> None:
    """Append ``count`` events in one transaction (as a busy node's batched reads would)."""
    with node.ctx.db.transaction() as session:
        for n in range(count):
            append_event(
                session,
                NewEvent(
                    at=node.ctx.now(),
                    actor=actor,
                    action=action,
                    outcome="ok",
                    item_id=f"jpn-{n:04d}",
                    detail={"n": n, "reason": "need-to-know DPRK-MISSILE", "秘": True},
                ),
            )


def sealed_node(make_node: Maker, clock: Clock, database_url: str | None = None) -> Node:
    """A JPN node whose 21 journal events are sealed under checkpoints of 6, 11, 16 and 21 leaves."""
    node = make_node("JPN", "jpn-mod", database_url)
    for _ in range(SEALS):
        journal(node, EVENTS_PER_SEAL)
        clock.advance(seconds=1)
        assert node.ledger.seal() is not None
    assert [s.checkpoint.size for s in node.ledger.checkpoints()] == CHECKPOINT_SIZES[::-1]
    return node


def sql(node: Node, statement: str, **params: Any) -> None:
    """Run SQL on the node's database directly, as someone with file or database access would."""
    with node.ctx.db.engine.begin() as conn:
        conn.execute(text(statement), params)


def scalar(node: Node, statement: str, **params: Any) -> Any:
    """One value read directly from the node's database."""
    with node.ctx.db.engine.connect() as conn:
        return conn.execute(text(statement), params).scalar()


def events(node: Node) -> list[Event]:
    """The node's journal, in seq order."""
    with node.ctx.db.transaction(read_only=True) as session:
        return list(read_events(session))


def seq_of_leaf(node: Node, leaf: int) -> int:
    """The seq of the journal row sealed as ``leaf``."""
    found = scalar(node, "SELECT seq FROM journal WHERE leaf = :leaf", leaf=leaf)
    assert isinstance(found, int)
    return found

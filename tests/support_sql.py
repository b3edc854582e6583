"""The SQL a node sends while a test looks: each statement with the thread that sent it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

import sqlalchemy

from accord.node import Node


@contextmanager
def recorded_statements(node: Node, *, skip: frozenset[str] = frozenset()) -> Iterator[list[str]]:
    """Record ``"<thread name>: <statement>"`` for every statement on ``node``'s engine.

    Args:
        node: the node whose engine is watched (every connection of its pool).
        skip: statements left out as they are (``{"BEGIN"}`` where only the work matters).
    """
    seen: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        if statement not in skip:
            seen.append(f"{threading.current_thread().name}: {statement}")

    engine = node.ctx.db.engine
    sqlalchemy.event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        sqlalchemy.event.remove(engine, "before_cursor_execute", record)

"""Helpers for the node tests: row counts, the journal, and refusals that change nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

import pytest
from sqlalchemy import func, select

from accord.errors import AccordError, Withheld
from accord.node import Node
from accord.store import Base, Event, read_events


def row_counts(node: Node) -> dict[str, int]:
    """How many rows each table holds (journal included)."""
    with node.ctx.db.transaction() as session:
        return {
            name: session.scalar(select(func.count()).select_from(table)) or 0
            for name, table in Base.metadata.tables.items()
        }


def events(node: Node) -> list[Event]:
    """The node's journal, in order."""
    with node.ctx.db.transaction() as session:
        return list(read_events(session))


def blob_files(node: Node) -> list[str]:
    """Every file in the node's blob store (temporary uploads included)."""
    return sorted(str(p) for p in node.ctx.home.blobs.rglob("*") if p.is_file())


class _NewItem:
    """The type of :data:`NEW_ITEM`."""


NEW_ITEM = _NewItem()
"""``refused(..., item_id=NEW_ITEM)``: the refusal names the id the refused item would have had."""


@contextmanager
def refused(
    node: Node, error: type[AccordError], match: str, *, action: str, item_id: str | _NewItem | None = None
) -> Iterator[None]:
    """Expect ``error``; then exactly one new journal row, ``refused`` with the reason, and nothing else.

    A refusal must leave a trace and lose nothing: every other table is unchanged. The row
    names ``item_id``, or a new id of this node's party (:data:`NEW_ITEM`).
    """
    before = row_counts(node)
    blobs = blob_files(node)
    with pytest.raises(error, match=match) as caught:
        yield
    after = row_counts(node)
    assert after == {**before, "journal": before["journal"] + 1}, "a refusal changed more than the journal"
    assert blob_files(node) == blobs, "a refusal left blobs behind"
    last = events(node)[-1]
    assert (last.action, last.outcome) == (action, "refused")
    if isinstance(item_id, _NewItem):
        assert last.item_id is not None
        assert last.item_id.startswith(node.config.party.lower() + "-")
    else:
        assert last.item_id == item_id
    assert last.detail["error"] == type(caught.value).__name__
    # A withheld item is answered as not found; the journal keeps the decision's reasons.
    journalled = caught.value.reason if isinstance(caught.value, Withheld) else str(caught.value)
    assert last.detail["reason"] == journalled


Maker = Callable[..., Node]


@dataclass
class Pair:
    """JPN (on ``database_url``) and KOR (SQLite) under the Japan–ROK GSOMIA, in force."""

    jpn: Node
    kor: Node
    agreement_id: str
    agreement_text: str


class Clock(Protocol):
    """The settable test clock (``tests/conftest.py``)."""

    now: datetime

    def __call__(self) -> datetime: ...

    def advance(self, **kwargs: float) -> None: ...


class FederationLike(Protocol):
    """The shared ``federation`` fixture's value."""

    jpn: Node
    kor: Node
    agreement_id: str
    agreement_text: str
    clock: Clock

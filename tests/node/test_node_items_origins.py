"""Items with an origin (NewItem.origin) on both backends: one transaction, one item per origin (issue 13).

The MISP importer's own tests (tests/interop/test_misp_atomic.py) inject failures on SQLite;
these run the batch, a failure mid-batch and the unique origin on PostgreSQL too, where a
rolled-back transaction and a primary-key violation behave differently.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from accord.errors import Conflict, StorageError
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import ImportRef, LabelRequest, NewItem, NewUser, Node
from accord.node.holdings import _creating
from accord.store import ItemImportRow, ItemRow, JournalRow, SearchDocRow

Maker = Callable[..., Node]


@pytest.fixture
def node(make_node: Maker, node_database_url: str) -> Node:
    made = make_node("JPN", "jpn-mod", node_database_url)
    made.users.add(NewUser("sato", role="officer", clearance="極秘", ntk=[]), actor="authority")
    return made


def _new(n: int, origin: str | None = None) -> NewItem:
    content = ItemContent(ItemKind.REPORT, f"Report {n}", "text", "Assessment")
    imported = None if origin is None else ImportRef("misp", origin)
    return NewItem(content, LabelRequest("秘"), Precedence.ROUTINE, origin=imported)


def _rows(node: Node) -> tuple[int, ...]:
    with node.ctx.db.transaction(read_only=True) as session:
        return tuple(
            session.scalar(select(func.count()).select_from(table).where(*where)) or 0
            for table, where in (
                (ItemRow, ()),
                (SearchDocRow, ()),
                (ItemImportRow, ()),
                (JournalRow, (JournalRow.action == "item.create", JournalRow.outcome == "ok")),
            )
        )


def test_a_batch_is_stored_whole_or_not_at_all(node: Node, monkeypatch: pytest.MonkeyPatch) -> None:
    before = _rows(node)
    real = _creating.SearchIndex.index_item
    calls = [0]

    def failing(*args: Any) -> None:
        calls[0] += 1
        if calls[0] == 3:
            raise OperationalError("INSERT", {}, Exception("injected"))
        real(*args)

    monkeypatch.setattr(_creating.SearchIndex, "index_item", failing)
    news = [_new(n, f"event-{n}") for n in range(4)]
    with pytest.raises(StorageError, match="none of the 4 item"):
        node.items.create_many(news, actor="sato")
    assert _rows(node) == before
    monkeypatch.undo()
    views = node.items.create_many(news, actor="sato")
    assert [v.content.title for v in views] == [f"Report {n}" for n in range(4)]
    assert _rows(node) == tuple(b + 4 for b in before)


def test_one_item_per_origin(node: Node, monkeypatch: pytest.MonkeyPatch) -> None:
    (first,) = node.items.create_many([_new(0, "e")], actor="sato")
    before = _rows(node)
    with pytest.raises(Conflict, match=f"MISP e is item {first.id}"):
        node.items.create_many([_new(1), _new(2, "e")], actor="sato")
    assert _rows(node) == before
    # Past the check (as two writers racing), the primary key refuses: nothing is stored.
    monkeypatch.setattr(_creating, "require_new_origins", lambda *_args: None)
    with pytest.raises(Conflict, match="at the same time"):
        node.items.create_many([_new(1, "e")], actor="sato")
    assert _rows(node) == before
    # The node is still usable: the failed write left no transaction open.
    assert len(node.items.create_many([_new(3, "f")], actor="sato")) == 1
    monkeypatch.undo()
    # A single item made by create carries its origin too: refused when held, else recorded.
    with pytest.raises(Conflict, match="MISP f is item"):
        node.items.create(_new(4, "f"), actor="sato")
    assert node.items.create(_new(5, "g"), actor="sato").content.title == "Report 5"
    with pytest.raises(Conflict, match="MISP g is item"):
        node.items.create_many([_new(6, "g")], actor="sato")

"""A MISP import is one transaction, and an event imported twice is refused (issue 13).

A failure injected on the Nth item of an import — the database refusing a row mid-batch —
must leave no item, no attachment (row or sealed blob), no search index row, no journal
"create" entry and no import record behind, and journal the refusal with its reason. The
same event imported again is refused with the item it became named, whether the first import
was committed before or raced it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError
from support_misp import example_event, example_map, last_refusal

from accord.errors import Conflict, PolicyDenied, StorageError
from accord.interop import MispImport
from accord.node import ImportRef, LabelRequest, NewItem, NewUser, Node
from accord.node.holdings import _creating
from accord.store import (
    AttachmentRow,
    ItemImportRepository,
    ItemImportRow,
    ItemRepository,
    ItemRow,
    JournalRow,
    SearchDocRow,
    format_stamp,
)

UUIDS = [f"00000000-0000-4000-8000-00000000000{n}" for n in range(1, 4)]


def _events(*uuids: str) -> bytes:
    events = []
    for uuid in uuids:
        event = example_event()
        event["Event"]["uuid"] = uuid
        events.append(event)
    return json.dumps({"response": events}, ensure_ascii=False).encode()


def _footprint(node: Node) -> dict[str, int]:
    """Every row an item's creation writes, counted, and the sealed blobs on disk."""
    with node.ctx.db.transaction(read_only=True) as session:

        def count(row: Any, *where: Any) -> int:
            return session.scalar(select(func.count()).select_from(row).where(*where)) or 0

        counts = {
            "items": count(ItemRow),
            "attachments": count(AttachmentRow),
            "search": count(SearchDocRow),
            "imports": count(ItemImportRow),
            "journal create": count(
                JournalRow, JournalRow.action == "item.create", JournalRow.outcome == "ok"
            ),
        }
    counts["blobs"] = sum(1 for p in node.ctx.blobs.root.rglob("*") if p.is_file())
    return counts


def _fail_on(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, nth: int) -> list[int]:
    """Make ``owner.name`` raise a database error on its ``nth`` call (as a broken disk would)."""
    real: Callable[..., Any] = getattr(owner, name)
    calls = [0]

    def failing(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        if calls[0] == nth:
            raise OperationalError("INSERT", {}, Exception("disk I/O error (injected)"))
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, failing)
    return calls


@pytest.mark.parametrize(
    ("owner", "name", "nth"),
    [
        pytest.param(ItemRepository, "add", 1, id="item row 1"),
        pytest.param(ItemRepository, "add", 3, id="item row 3"),
        pytest.param(_creating.SearchIndex, "index_item", 2, id="search index 2"),
        pytest.param(_creating, "journal_done", 3, id="journal 3"),
        pytest.param(ItemImportRepository, "add", 2, id="import record 2"),
    ],
)
def test_a_failure_on_the_nth_item_leaves_nothing(
    federation: Any, monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, nth: int
) -> None:
    jpn = federation.jpn
    before = _footprint(jpn)
    calls = _fail_on(monkeypatch, owner, name, nth)
    with pytest.raises(StorageError, match="disk I/O error"):
        MispImport(jpn).import_events(_events(*UUIDS), example_map(), actor="sato")
    assert calls[0] >= nth  # the failure was reached, after the items before it were written
    assert _footprint(jpn) == before
    action, outcome, detail = last_refusal(jpn)
    assert (action, outcome) == ("misp.import", "refused")
    assert str(detail["reason"]).startswith("none of the 3 item(s) was stored: database error")
    assert "disk I/O error" in str(detail["reason"])
    # The batch's own refusal is journalled too: how many items, none stored.
    create = jpn.journal.listing(actor="sato", limit=1000).events
    batch = [e for e in create if e.action == "item.create" and e.outcome == "refused"][-1]
    assert (batch.detail["batch"], batch.detail["stored"]) == (3, 0)
    # Once the fault is gone, the same file imports whole.
    monkeypatch.undo()
    assert len(MispImport(jpn).import_events(_events(*UUIDS), example_map(), actor="sato")) == 3
    assert _footprint(jpn)["items"] == before["items"] + 3


def test_a_batch_with_attachments_leaves_no_sealed_blob(
    federation: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    jpn = federation.jpn
    drafts = MispImport(jpn).read(_events(*UUIDS), example_map())
    news = []
    for index, draft in enumerate(drafts):
        attached = tmp_path / f"scan-{index}.bin"
        attached.write_bytes(bytes([index]) * 5000)
        request = draft.classification.request
        news.append(NewItem(draft.content, request, example_map().precedence, [attached]))
    before = _footprint(jpn)
    _fail_on(monkeypatch, ItemRepository, "add", 3)
    with pytest.raises(StorageError):
        jpn.items.create_many(news, actor="sato")
    assert _footprint(jpn) == before
    monkeypatch.undo()
    views = jpn.items.create_many(news, actor="sato")
    after = _footprint(jpn)
    assert (after["items"], after["attachments"], after["blobs"]) == (
        before["items"] + 3,
        before["attachments"] + 3,
        before["blobs"] + 3,
    )
    assert [len(v.attachments) for v in views] == [1, 1, 1]


def test_a_creation_check_on_one_item_refuses_the_batch(federation: Any) -> None:
    # The decision point decides each item as for accord item create: one above the
    # person's clearance refuses the batch, and nothing of the others is stored.
    jpn = federation.jpn
    drafts = MispImport(jpn).read(_events(*UUIDS), example_map())
    news = [NewItem(d.content, d.classification.request, example_map().precedence) for d in drafts]
    too_high = NewItem(drafts[0].content, LabelRequest("機密"), news[0].precedence)
    before = _footprint(jpn)
    with pytest.raises(PolicyDenied):
        jpn.items.create_many([*news, too_high], actor="sato")
    assert _footprint(jpn) == before
    action, outcome, detail = last_refusal(jpn)
    assert (action, outcome, detail["batch"], detail["stored"]) == ("item.create", "refused", 4, 0)


def test_the_same_event_twice_is_refused_naming_its_item(federation: Any) -> None:
    jpn = federation.jpn
    (first,) = MispImport(jpn).import_events(_events(UUIDS[0]), example_map(), actor="sato")
    before = _footprint(jpn)
    # Again, alone or with a new event, and in upper case: refused, nothing stored.
    for data in (_events(UUIDS[0]), _events(UUIDS[1], UUIDS[0].upper())):
        with pytest.raises(Conflict) as refused:
            MispImport(jpn).import_events(data, example_map(), actor="sato")
        message = str(refused.value)
        assert f"MISP {UUIDS[0]} is item {first.id}" in message
        assert "imported already, nothing imported" in message
        assert _footprint(jpn) == before
        action, outcome, detail = last_refusal(jpn)
        assert (action, outcome) == ("misp.import", "refused")
        assert first.id in str(detail["reason"])
    # Another person importing it is refused as well (one item per event per node).
    tanaka = NewUser("tanaka", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"])
    jpn.users.add(tanaka, actor="authority")
    with pytest.raises(Conflict):
        MispImport(jpn).import_events(_events(UUIDS[0]), example_map(), actor="tanaka")
    # An event without a uuid cannot be recognised (pymisp makes one up): it is imported.
    event = example_event()
    del event["Event"]["uuid"]
    data = json.dumps(event, ensure_ascii=False).encode()
    assert len(MispImport(jpn).import_events(data, example_map(), actor="sato")) == 1
    assert len(MispImport(jpn).import_events(data, example_map(), actor="sato")) == 1


def test_an_import_racing_the_same_event_is_refused(federation: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    # Another import of the event commits while this one seals and binds: the write
    # transaction finds it and refuses, naming its item.
    jpn = federation.jpn
    (other,) = MispImport(jpn).import_events(_events(UUIDS[1]), example_map(), actor="sato")
    real_bind = _creating.ItemCreation._bind

    def bind_after_a_rival(self: Any, draft: Any) -> Any:
        with jpn.ctx.db.transaction() as session:
            ItemImportRepository(session).add(
                ItemImportRow(
                    source="misp",
                    ref=UUIDS[2],
                    item_id=other.id,
                    imported_by="tanaka",
                    imported_at=format_stamp(jpn.ctx.now()),
                )
            )
        monkeypatch.setattr(_creating.ItemCreation, "_bind", real_bind)
        return real_bind(self, draft)

    monkeypatch.setattr(_creating.ItemCreation, "_bind", bind_after_a_rival)
    before = _footprint(jpn)
    with pytest.raises(Conflict, match=f"MISP {UUIDS[2]} is item {other.id}"):
        MispImport(jpn).import_events(_events(UUIDS[0], UUIDS[2]), example_map(), actor="sato")
    assert {k: v for k, v in _footprint(jpn).items() if k != "imports"} == {
        k: v for k, v in before.items() if k != "imports"
    }
    assert _footprint(jpn)["imports"] == before["imports"] + 1  # the rival's record only


def test_the_unique_origin_holds_when_the_check_is_passed(
    federation: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Were both imports to pass the check (two writers between check and write on
    # PostgreSQL), the primary key (source, ref) refuses the second: nothing of it stays.
    jpn = federation.jpn
    MispImport(jpn).import_events(_events(UUIDS[0]), example_map(), actor="sato")
    (draft,) = MispImport(jpn).read(_events(UUIDS[0]), example_map())
    monkeypatch.setattr(_creating, "require_new_origins", lambda *_args: None)
    before = _footprint(jpn)
    origin = ImportRef("misp", UUIDS[0])
    new = NewItem(draft.content, draft.classification.request, example_map().precedence, origin=origin)
    with pytest.raises(Conflict, match="imported already by another import at the same time"):
        jpn.items.create_many([new], actor="sato")
    assert _footprint(jpn) == before

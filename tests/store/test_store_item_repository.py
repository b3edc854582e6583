"""ItemRepository: the SQL of ``items`` and ``attachments``, against a real database."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy.exc import NoResultFound
from sqlalchemy.orm import Session

from accord.items import HoldingState, Precedence
from accord.store import AttachmentRow, Database, ItemRepository, ItemRow, NewEvent, append_event


@dataclass(frozen=True)
class _Item:
    """A stored item, in the columns these tests vary (the others are the same for every item)."""

    id: str
    created_at: str = "2026-11-25T09:00:00Z"
    precedence: Precedence = Precedence.ROUTINE
    party: str = "JPN"
    access_key: str | None = "k1"
    status: HoldingState = HoldingState.HELD
    received_from: str | None = None

    def row(self) -> ItemRow:
        return ItemRow(
            id=self.id,
            kind="report",
            originator_party=self.party,
            originator_node=f"{self.party.lower()}-node",
            precedence=self.precedence.value,
            marking_json="{}",
            content_sealed=b"sealed",
            wrapped_key=b"key",
            content_sha384=f"sha-{self.id}",
            binding_json="{}",
            created_by="sato",
            created_at=self.created_at,
            status=self.status,
            received_from=self.received_from,
            access_key=self.access_key,
        )


def _attachment(item_id: str, position: int) -> AttachmentRow:
    return AttachmentRow(
        item_id=item_id,
        position=position,
        name=f"a{position}.txt",
        media_type="text/plain",
        size=1,
        sha384="s",
        blob_id=f"blob-{position}",
        wrapped_key=b"k",
    )


def _fill(session: Session) -> ItemRepository:
    items = ItemRepository(session)
    items.add(_Item("a", created_at="2026-11-25T09:00:00Z").row(), [_attachment("a", 1), _attachment("a", 0)])
    items.add(_Item("b", created_at="2026-11-25T10:00:00Z", party="KOR", access_key="k2").row())
    items.add(
        _Item("c", created_at="2026-11-25T08:00:00Z", precedence=Precedence.FLASH, access_key=None).row()
    )
    items.add(
        _Item(
            "d", created_at="2026-11-25T11:00:00Z", status=HoldingState.DESTROYED, received_from="kor"
        ).row()
    )
    items.add(_Item("e", created_at="2026-11-25T12:00:00Z", received_from="kor").row())
    return items


def test_one_item_by_id(db: Database) -> None:
    with db.transaction() as session:
        items = _fill(session)
        assert (items.get("a") or _Item("x").row()).id == "a"
        assert items.get("nope") is None
        assert items.require("b").originator_party == "KOR"
        with pytest.raises(NoResultFound):
            items.require("nope")


def test_a_stored_state_reads_back_as_the_stored_word(db: Database) -> None:
    with db.transaction() as session:
        _fill(session)
    with db.transaction(read_only=True) as session:
        row = ItemRepository(session).require("d")
        assert row.status == HoldingState.DESTROYED
        assert row.status == "destroyed"


def test_several_items(db: Database) -> None:
    with db.transaction() as session:
        items = _fill(session)
        assert sorted(r.id for r in items.among({"a", "c", "zz"})) == ["a", "c"]
        assert [r.id for r in items.found(["c", "zz", "a"])] == ["c", "a"]
        assert [r.id for r in items.newest_first()] == ["e", "d", "b", "a", "c"]
        assert [r.id for r in items.originated_by("JPN")] == ["a", "c", "d", "e"]
        assert items.digests({"a", "b", "zz"}) == {"a": "sha-a", "b": "sha-b"}
        assert items.any_of_precedence(["a", "c"], Precedence.FLASH)
        assert not items.any_of_precedence(["a", "b"], Precedence.FLASH)


def test_the_listing_page_is_flash_first_then_newest_first(db: Database) -> None:
    with db.transaction() as session:
        items = _fill(session)
        scope = items.listed(received_only=False)
        assert items.page(scope, None) == ["c", "e", "b", "a"]  # the destroyed one is left out
        assert items.page(scope, 2) == ["c", "e"]
        # A later page, across the precedences (c is FLASH, the others ROUTINE).
        assert items.page(scope, 2, offset=1) == ["e", "b"]
        assert items.page(scope, 2, offset=3) == ["a"]
        assert items.page(scope, None, offset=2) == ["b", "a"]
        assert items.page(scope, 2, offset=4) == []
        assert items.page(items.listed(received_only=True), None) == ["e"]


def test_shape_queries_of_a_listing(db: Database) -> None:
    with db.transaction() as session:
        items = _fill(session)
        scope = items.listed(received_only=False)
        assert sorted(items.shape_counts(scope, set()), key=str) == [
            ("k1", "JPN", 2),
            ("k2", "KOR", 1),
            (None, "JPN", 1),  # c has no access key
        ]
        alone = items.heads_deciding_alone(scope, {"k2"}, {"e"})
        assert sorted(h.id for h in alone) == ["b", "c", "e"]
        assert {tuple(h) for h in items.heads_of({"a", "zz"})} == {("a", "k1", "JPN", "ROUTINE")}
        assert ("k1", "JPN", 1) in items.shape_counts(scope, {"e"})
        readable = items.readable([("k1", "JPN")], {"e"}, ["b"])
        assert items.page([*scope, readable], None) == ["b", "a"]


def test_attachments_in_position_order(db: Database) -> None:
    with db.transaction() as session:
        items = _fill(session)
        assert [a.position for a in items.attachments("a")] == [0, 1]
        assert items.attachments("b") == []
        assert (items.attachment("a", 1) or _attachment("x", 9)).name == "a1.txt"
        assert items.attachment("a", 2) is None


def test_changes_count_the_journal_events_of_the_actions_given_and_by_item(db: Database) -> None:
    at = datetime(2026, 11, 25, 9, tzinfo=UTC)
    events = [("item.destroy", "a"), ("item.read", "a"), ("item.downgrade", "b"), ("item.downgrade", "a")]
    with db.transaction() as session:
        assert ItemRepository(session).changes({"item.destroy"}) == 0
        for action, item in [*events, ("item.destroy", None)]:
            append_event(session, NewEvent(at=at, actor="sato", action=action, outcome="ok", item_id=item))
    with db.transaction(read_only=True) as session:
        items = ItemRepository(session)
        assert items.changes({"item.destroy", "item.downgrade"}) == 4
        assert items.changes_by_item({"item.destroy", "item.downgrade"}) == {"a": 2, "b": 1}

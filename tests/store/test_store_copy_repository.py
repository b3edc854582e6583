"""CopyRepository: the SQL of an item's copies and translations, against a real database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from accord.items import HoldingState
from accord.store import CopyRepository, CopyRow, Database, ItemRepository, ItemRow, TranslationRow


@pytest.fixture
def db(node_database_url: str) -> Iterator[Database]:
    database = Database(node_database_url)
    database.migrate()
    with database.transaction() as session:
        ItemRepository(session).add(
            ItemRow(
                id="it",
                kind="report",
                originator_party="JPN",
                originator_node="jpn-node",
                precedence="ROUTINE",
                marking_json="{}",
                content_sealed=b"",
                wrapped_key=b"",
                content_sha384="s",
                binding_json="{}",
                created_by="sato",
                created_at="2026-11-25T09:00:00Z",
                status=HoldingState.HELD,
            )
        )
    yield database
    database.dispose()


def _copy(number: int, status: HoldingState = HoldingState.HELD) -> CopyRow:
    return CopyRow(item_id="it", number=number, of=3, made_by="sato", made_at="t", status=status)


def _translation(translation_id: str, made_at: str) -> TranslationRow:
    return TranslationRow(
        id=translation_id,
        source_id="it",
        lang="ko",
        marking_json="{}",
        content_sealed=b"",
        wrapped_key=b"",
        content_sha384="s",
        signature_json="{}",
        made_by="kim",
        made_at=made_at,
        status=HoldingState.HELD,
    )


def test_copies(db: Database) -> None:
    with db.transaction() as session:
        copies = CopyRepository(session)
        assert copies.last_number("it") == 0
        copies.add_copies([_copy(2, HoldingState.DESTROYED), _copy(3), _copy(1)])
        session.flush()
        assert [c.number for c in copies.copies("it")] == [1, 2, 3]
        assert sorted(c.number for c in copies.held_copies("it")) == [1, 3]
        assert copies.last_number("it") == 3
        assert copies.copies("other") == []


def test_translations(db: Database) -> None:
    with db.transaction() as session:
        copies = CopyRepository(session)
        copies.add_translation(_translation("tr-b", "2026-11-25T09:00:00Z"))
        copies.add_translation(_translation("tr-a", "2026-11-25T10:00:00Z"))
        session.flush()
        assert [t.id for t in copies.translations("it")] == ["tr-b", "tr-a"]
        assert [t.id for t in copies.translations_by_id("it")] == ["tr-a", "tr-b"]
        assert (copies.translation("tr-a") or _translation("x", "")).made_at == "2026-11-25T10:00:00Z"
        assert copies.translation("tr-none") is None

"""Alembic migrations: every table on SQLite and PostgreSQL, idempotent, data kept."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, inspect, select, text

from accord.errors import StorageError
from accord.store import Base, Database, PartyRow
from accord.store._database import HEAD_REVISION, script_head_revision

TABLES = {
    "access_keys",
    "agreement_signatures",
    "agreements",
    "api_tokens",
    "attachments",
    "background_backoff",
    "compromise_cases",
    "compromise_items",
    "compromise_parties",
    "consent_receipts",
    "consents",
    "console_preferences",
    "console_sessions",
    "destructions",
    "inbox_messages",
    "item_copies",
    "item_imports",
    "item_notices",
    "item_translations",
    "items",
    "journal",
    "ledger_checkpoints",
    "ledger_nodes",
    "notes",
    "outbox",
    "parties",
    "peer_sequences",
    "quarantine",
    "receipt_batches",
    "receipts",
    "search_counts",
    "search_docs",
    "users",
    "witness_alarm_acks",
    "witness_alarms",
    "witness_countersignatures",
    "witness_demands",
    "witness_gossip",
    "witness_published",
    "witness_seen",
}

BACKEND_TABLES = {
    # The search index's FTS5 table and its shadow tables (PostgreSQL: a column of search_docs).
    "sqlite": {"search_fts", "search_fts_config", "search_fts_content", "search_fts_data", "search_fts_idx"},
    "postgresql": set(),
}


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


def test_the_tables_match_the_models() -> None:
    assert set(Base.metadata.tables) == TABLES


def test_migrate_creates_every_table(db: Database) -> None:
    assert db.tables() == set()
    db.migrate()
    assert db.tables() == TABLES | {"alembic_version"} | BACKEND_TABLES[db.dialect]
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalars().all() == [_head()]


def _head() -> str:
    from pathlib import Path

    from alembic.config import Config
    from alembic.script import ScriptDirectory

    import accord.store

    config = Config()
    config.set_main_option("script_location", str(Path(accord.store.__file__).parent / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    assert head is not None
    return head


def test_migrate_is_idempotent_and_keeps_data(db: Database) -> None:
    db.migrate()
    with db.transaction() as session:
        session.add(PartyRow(node_id="kor-mnd", party="KOR", card_json="{}", fingerprint="f", pinned_at="t"))
    db.migrate()
    db.migrate()
    assert db.tables() == TABLES | {"alembic_version"} | BACKEND_TABLES[db.dialect]
    with db.transaction() as session:
        assert session.scalar(select(func.count()).select_from(PartyRow)) == 1
    with db.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM alembic_version")).scalar_one() == 1


def test_a_second_database_object_sees_the_same_schema(database_url: str, db: Database) -> None:
    db.migrate()
    other = Database(database_url)
    try:
        other.migrate()
        assert other.tables() == db.tables()
    finally:
        other.dispose()


def test_dialect_names_the_backend(db: Database, database_url: str) -> None:
    assert db.dialect == database_url.split("+", maxsplit=1)[0]


@pytest.mark.parametrize(
    "url",
    [
        pytest.param("not a url", id="not a URL"),
        pytest.param("nosuchdb://host/x", id="unknown dialect"),
        pytest.param("postgresql+nosuchdriver://host/x", id="unknown driver"),
    ],
)
def test_an_unusable_url_is_a_storage_error(url: str) -> None:
    with pytest.raises(StorageError, match="cannot use database URL"):
        Database(url)


def test_an_unreachable_database_cannot_be_migrated(tmp_path_factory: pytest.TempPathFactory) -> None:
    missing = tmp_path_factory.mktemp("gone") / "no-such-dir" / "x.db"
    db = Database(f"sqlite+pysqlite:///{missing}")
    try:
        with pytest.raises(StorageError, match="cannot migrate the database"):
            db.migrate()
    finally:
        db.dispose()


def test_a_database_from_a_newer_accord_is_a_storage_error(tmp_path: Path) -> None:
    db = Database(f"sqlite+pysqlite:///{tmp_path / 'x.db'}")
    db.migrate()
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StorageError, match="cannot migrate"):
        db.migrate()
    db.dispose()


def _upgrade(db: Database, revision: str) -> None:
    from alembic import command
    from alembic.config import Config

    import accord.store

    config = Config()
    config.set_main_option("script_location", str(Path(accord.store.__file__).parent / "migrations"))
    with db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)


def test_migration_0013_fills_the_outbox_kind_from_the_stored_headers(db: Database) -> None:
    _upgrade(db, "0012")
    rows = {
        "m-item": b'{"type":"item","v":1}',
        "m-notice": b'{"type":"downgrade","v":1}',
        "m-broken": b"not a header",
    }
    with db.engine.begin() as conn:
        for message_id, header in rows.items():
            conn.execute(
                text(
                    "INSERT INTO outbox (message_id, peer, peer_party, item_id, agreement_id, precedence, "
                    "rank, lane, seq, header, ciphertext, digest, blobs_json, status, attempts, "
                    "next_attempt_at, last_error, created_at, sent_by, receipted_at) "
                    "VALUES (:m, 'kor-mnd', 'KOR', 'it-1', 'a', 'ROUTINE', 1, 'routine', 1, :h, :c, 'd', "
                    "'[]', 'pending', 0, 't', '', 't', 'officer', NULL)"
                ),
                {"m": message_id, "h": header, "c": b""},
            )
    db.migrate()
    with db.engine.connect() as conn:
        kinds = dict(conn.execute(text("SELECT message_id, kind FROM outbox")).all())
    assert kinds == {"m-item": "item", "m-notice": "downgrade", "m-broken": "unreadable"}


def test_an_up_to_date_schema_is_not_migrated_again(db: Database) -> None:
    # Every open migrates; an up-to-date schema costs one read of alembic_version, and a schema
    # left behind (here: stamped back to 0012, the later revisions' changes undone) is brought
    # up to date by Alembic again.
    db.migrate()
    with db.engine.begin() as connection:
        head = connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
    db.migrate()
    with db.engine.begin() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
        connection.execute(text("UPDATE alembic_version SET version_num = '0012'"))
        # what 0017 made (where imported items came from)
        connection.execute(text("DROP TABLE item_imports"))
        # what 0016 made first (the dashboard's indexes: one of them names outbox.kind)
        for index in ("ix_items_received", "ix_outbox_exchange", "ix_quarantine_at", "ix_journal_refusals"):
            connection.execute(text(f"DROP INDEX {index}"))
        connection.execute(text("ALTER TABLE outbox DROP COLUMN kind"))
        connection.execute(text("DROP TABLE console_preferences"))
        connection.execute(text("DROP TABLE console_sessions"))
        # and what the revisions after 0013 made (0015: the search index; 0018: its counts)
        connection.execute(text("DROP TABLE search_counts"))
        if db.dialect == "sqlite":
            connection.execute(text("DROP TABLE search_fts"))
        connection.execute(text("DROP TABLE search_docs"))
        connection.execute(text("DROP INDEX ix_items_search"))
    db.migrate()
    with db.engine.begin() as connection:
        assert connection.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head
    assert "kind" in {c["name"] for c in inspect(db.engine).get_columns("outbox")}


def test_the_head_revision_constant_is_the_newest_migration() -> None:
    # Opening a node compares the database with HEAD_REVISION instead of reading the scripts
    # through Alembic: a new migration must move it.
    assert HEAD_REVISION == script_head_revision() == _head()

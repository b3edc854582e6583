"""Fixtures of the store's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from accord.store import Database


@pytest.fixture
def db(node_database_url: str) -> Iterator[Database]:
    """A migrated database of the test's own (SQLite, or an emptied PostgreSQL schema)."""
    database = Database(node_database_url)
    database.migrate()
    yield database
    database.dispose()

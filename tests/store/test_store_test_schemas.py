"""The test process's PostgreSQL schema (tests/support_databases.py) isolates the tests that share it.

Every ``node_database_url`` test on PostgreSQL gets the same migrated schema, emptied with
``DELETE`` and its sequences set back; a group of nodes built on it has its rows saved once
and put back per test. Neither may let one test see what another left: an emptied schema
must read as a freshly migrated one, and a restored one exactly as the group left it, rows
and sequences, whatever the test before did to it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from psycopg.sql import SQL, Identifier

from accord.node import UNSAFE_FAST_PASSWORD_HASHING, NewNode, NewUser, Node
from accord.store import Base
from support_databases import MigratedDatabases, plain_url

pytestmark = pytest.mark.postgres

State = dict[str, list[tuple[object, ...]]]


@pytest.fixture
def base() -> str:
    url = os.environ.get("ACCORD_TEST_POSTGRES_URL")
    if not url:
        pytest.skip("PostgreSQL tests need ACCORD_TEST_POSTGRES_URL (set by .ci/run when PostgreSQL answers)")
    return url


@pytest.fixture
def made(tmp_path: Path, base: str) -> Iterator[MigratedDatabases]:
    databases = MigratedDatabases(tmp_path)
    yield databases
    databases.close(base)


def _state(databases: MigratedDatabases, base: str) -> State:
    """Every row of every table, and where each sequence stands."""
    import psycopg

    schema = str(databases.postgres_schema)
    state: State = {}
    with psycopg.connect(plain_url(base)) as conn:
        for table in Base.metadata.tables:
            rows = conn.execute(SQL("SELECT * FROM {}").format(Identifier(schema, table))).fetchall()
            state[table] = sorted(rows, key=repr)
        for sequence, _ in databases.sequences:
            where = SQL("SELECT last_value, is_called FROM {}").format(Identifier(schema, sequence))
            state[f"sequence {sequence}"] = conn.execute(where).fetchall()
    return state


def _node(home: Path, url: str) -> Node:
    node = Node.init(
        home,
        NewNode(party="JPN", node_id="jpn-mod", database_url=url),
        password_hashing=UNSAFE_FAST_PASSWORD_HASHING,
    )
    node.users.add(NewUser("sato", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority")
    return node


def test_an_emptied_schema_reads_as_a_freshly_migrated_one(
    made: MigratedDatabases, base: str, tmp_path: Path
) -> None:
    url = made.postgres(base)
    fresh = _state(made, base)
    assert made.sequences, "the schema has sequences to set back"
    first = _node(tmp_path / "first", url)
    first_seqs = [e.seq for e in first.journal.listing(actor="sato", limit=1000).events]
    first.close()
    assert _state(made, base) != fresh

    assert made.postgres(base) == url
    assert _state(made, base) == fresh
    second = _node(tmp_path / "second", url)
    assert [e.seq for e in second.journal.listing(actor="sato", limit=1000).events] == first_seqs
    second.close()


def test_a_saved_schema_comes_back_as_it_was_whatever_was_done_since(
    made: MigratedDatabases, base: str, tmp_path: Path
) -> None:
    url = made.postgres(base)
    _node(tmp_path / "jpn", url).close()
    saved = _state(made, base)
    made.save(base, "group")

    node = Node.open(tmp_path / "jpn", password_hashing=UNSAFE_FAST_PASSWORD_HASHING)
    node.users.add(NewUser("tanaka", role="analyst", clearance="秘", ntk=[]), actor="authority")
    node.close()
    import psycopg

    with psycopg.connect(plain_url(base)) as conn:
        conn.execute(SQL("DELETE FROM {}").format(Identifier(str(made.postgres_schema), "users")))
    assert _state(made, base) != saved

    made.restore(base, "group")
    assert _state(made, base) == saved
    made.postgres(base)  # the next test's emptying, then its group again
    made.restore(base, "group")
    assert _state(made, base) == saved


def test_a_schema_a_test_changed_is_made_again_and_its_saved_rows_forgotten(
    made: MigratedDatabases, base: str, tmp_path: Path
) -> None:
    url = made.postgres(base)
    made.save(base, "group")
    import psycopg

    with psycopg.connect(plain_url(base), autocommit=True) as conn:
        conn.execute(SQL("DROP TABLE {}").format(Identifier(str(made.postgres_schema), "console_sessions")))

    again = made.postgres(base)
    assert again != url
    assert made.saved == {}
    assert "console_sessions" in _state(made, base)

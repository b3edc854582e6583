"""Databases migrated once per test process and handed to each test empty or as a group left them.

Behind the ``node_database_url`` and ``open_group`` fixtures (tests/conftest.py); their
isolation is tested in tests/store/test_store_test_schemas.py.
"""

from __future__ import annotations

import shutil
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from accord.store import Base, Database

if TYPE_CHECKING:
    import psycopg

__all__ = ["MigratedDatabases", "plain_url", "schema_url"]


def schema_url(base: str, schema: str) -> str:
    """The URL of ``schema`` in the PostgreSQL database at ``base``."""
    # Tests do not survive a PostgreSQL crash, so commits need not wait for the WAL flush
    # (each would cost an fsync); everything else about the server is as configured.
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"


def plain_url(base: str) -> str:
    """``base`` as psycopg takes it (no SQLAlchemy driver name)."""
    return base.replace("postgresql+psycopg://", "postgresql://")


@dataclass
class MigratedDatabases:
    """Databases migrated to head once per test process, handed out empty (``node_database_url``).

    The PostgreSQL schema is emptied with ``DELETE`` (children before parents) and its sequences
    set back to their start, in one transaction: the state ``TRUNCATE … RESTART IDENTITY`` leaves,
    at a twentieth of its cost (a truncation makes new files for 40 tables and 83 indexes: 0.08 s
    of server CPU and 0.3–0.9 s of waiting per test on this loaded machine, against 0.003 s and
    0.01–0.02 s). Rows the tests put there are few, so the dead ones cost nothing to skip. One
    difference: after autovacuum, new rows may fill an earlier page, so a query without
    ``ORDER BY`` may see them in another order than they were written — as it may in production.

    A group of nodes prepared on that schema (``open_group(…, postgres=…)``) has its rows saved
    once in a schema of their own and put back per test (:meth:`save`, :meth:`restore`).
    """

    root: Path
    sqlite_template: Path | None = None
    postgres_url: str | None = None
    postgres_schema: str | None = None
    postgres_shape: list[tuple[str, str]] = field(default_factory=list)
    sequences: list[tuple[str, int]] = field(default_factory=list)
    saved: dict[str, str] = field(default_factory=dict)
    """Saved contents of the schema by name: the schema holding a copy of each table."""
    admin: psycopg.Connection[tuple[object, ...]] | None = None

    def sqlite(self, target: Path) -> str:
        """A copy of the migrated SQLite template at ``target``, as a URL."""
        if self.sqlite_template is None:
            template = self.root / "migrated.db"
            db = Database(f"sqlite+pysqlite:///{template}")
            db.migrate()
            db.dispose()
            self.sqlite_template = template
        shutil.copyfile(self.sqlite_template, target)
        wal = self.sqlite_template.with_name(self.sqlite_template.name + "-wal")
        if wal.exists():  # not checkpointed on close: the copy needs it too
            shutil.copyfile(wal, target.with_name(target.name + "-wal"))
        return f"sqlite+pysqlite:///{target}"

    def postgres(self, base: str) -> str:
        """This process's migrated schema with every table emptied (sequences restarted).

        A test that changed the schema itself (dropped a table or an index, to see a refusal)
        leaves a different shape behind: the schema is then made again from scratch.
        """
        if self.postgres_url is not None and self._shape(base) != self.postgres_shape:
            self.drop(base)
        if self.postgres_url is None:
            schema = f"m_{uuid.uuid4().hex[:12]}"
            self._admin(base).execute(f'CREATE SCHEMA "{schema}"')
            url = schema_url(base, schema)
            db = Database(url)
            db.migrate()
            db.dispose()
            self.postgres_url, self.postgres_schema = url, schema
            self.postgres_shape = self._shape(base)
            query = "SELECT sequencename, start_value FROM pg_sequences WHERE schemaname = %s"
            rows = self._admin(base).execute(query, (schema,)).fetchall()
            self.sequences = [(str(name), int(start)) for name, start in rows]
        conn = self._admin(base)
        with conn.transaction():
            self._empty(conn)
        return self.postgres_url

    def save(self, base: str, name: str) -> None:
        """Keep a copy of what the schema holds now under ``name`` (see :meth:`restore`)."""
        from psycopg.sql import SQL, Identifier

        schema, copy = str(self.postgres_schema), f"{self.postgres_schema}_{len(self.saved)}"
        conn = self._admin(base)
        with conn.transaction():
            conn.execute(SQL("CREATE SCHEMA {}").format(Identifier(copy)))
            for table in self._tables():
                keep = SQL("CREATE TABLE {} AS SELECT * FROM {}")
                conn.execute(keep.format(Identifier(copy, table), Identifier(schema, table)))
            sequences = Identifier(copy, "_sequences")
            columns = SQL("CREATE TABLE {} (name text, last_value bigint, is_called bool)")
            conn.execute(columns.format(sequences))
            for sequence, _ in self.sequences:
                keep = SQL("INSERT INTO {} SELECT %s, last_value, is_called FROM {}")
                conn.execute(keep.format(sequences, Identifier(schema, sequence)), (sequence,))
        self.saved[name] = copy

    def restore(self, base: str, name: str) -> None:
        """Empty the schema and put back what :meth:`save` kept under ``name``, sequences included."""
        from psycopg.sql import SQL, Identifier

        schema, copy = str(self.postgres_schema), self.saved[name]
        conn = self._admin(base)
        with conn.transaction():
            self._empty(conn)
            for table in reversed(self._tables()):  # parents first
                put = SQL("INSERT INTO {} SELECT * FROM {}")
                conn.execute(put.format(Identifier(schema, table), Identifier(copy, table)))
            setval = "SELECT setval(quote_ident(%s) || '.' || quote_ident(name), last_value, is_called)"
            put = SQL(setval + " FROM {}")
            conn.execute(put.format(Identifier(copy, "_sequences")), (schema,))

    def _admin(self, base: str) -> psycopg.Connection[tuple[object, ...]]:
        """This process's connection for making, emptying and filling the schema (autocommit)."""
        import psycopg

        if self.admin is None or self.admin.closed:
            self.admin = psycopg.connect(plain_url(base), autocommit=True)
        return self.admin

    def _tables(self) -> list[str]:
        """The schema's tables but Alembic's, children before parents (the order to empty them in)."""
        tables = {name for kind, name in self.postgres_shape if kind == "table" and name != "alembic_version"}
        ordered = [t.name for t in reversed(Base.metadata.sorted_tables) if t.name in tables]
        return sorted(tables - set(ordered)) + ordered

    def _empty(self, conn: psycopg.Connection[tuple[object, ...]]) -> None:
        # Tests do not survive a PostgreSQL crash: the commit need not wait for the WAL flush.
        from psycopg.sql import SQL, Identifier

        schema = str(self.postgres_schema)
        conn.execute("SET LOCAL synchronous_commit = off")
        for table in self._tables():
            conn.execute(SQL("DELETE FROM {}").format(Identifier(schema, table)))
        for sequence, start in self.sequences:
            name = Identifier(schema, sequence).as_string(conn)
            conn.execute("SELECT setval(%s::regclass, %s, false)", (name, start))

    def _shape(self, base: str) -> list[tuple[str, str]]:
        rows = (
            self._admin(base)
            .execute(
                "SELECT 'table', tablename FROM pg_tables WHERE schemaname = %(s)s"
                " UNION ALL SELECT 'index', indexname FROM pg_indexes WHERE schemaname = %(s)s"
                " UNION ALL SELECT 'trigger', trigger_name FROM information_schema.triggers"
                " WHERE trigger_schema = %(s)s ORDER BY 1, 2",
                {"s": self.postgres_schema},
            )
            .fetchall()
        )
        return [(str(kind), str(name)) for kind, name in rows]

    def drop(self, base: str | None) -> None:
        """Drop this process's PostgreSQL schema and the saved copies of its contents, if any were made."""
        if base and self.postgres_schema:
            for schema in [self.postgres_schema, *self.saved.values()]:
                self._admin(base).execute(f'DROP SCHEMA "{schema}" CASCADE')
        self.postgres_url = self.postgres_schema = None
        self.saved.clear()

    def close(self, base: str | None) -> None:
        """Drop the schemas (:meth:`drop`) and close the connection."""
        self.drop(base)
        if self.admin is not None:
            self.admin.close()

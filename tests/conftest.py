"""Fixtures shared by the node, store and CLI tests.

* ``clock`` — a settable fixed clock (2026-11-25 09:00 UTC) injected into nodes;
* ``database_url`` — parametrised: SQLite always, PostgreSQL when
  ``ACCORD_TEST_POSTGRES_URL`` is set (each test gets a schema of its own), else skipped
  with the reason;
* ``make_node`` — a new node home under ``tmp_path``;
* ``federation`` — JPN and KOR nodes that pinned each other, imported the Japan–ROK
  GSOMIA signed by both, exchanged entry-into-force notes, with analysts ``sato`` (JPN,
  極秘) and ``kim`` (KOR, 군사Ⅱ급비밀), and a low-cleared ``lee`` (KOR, 대외비).
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from accord.node import UNSAFE_FAST_PASSWORD_HASHING, Node
from accord.node.demo import AGREEMENT_FILE, example_agreement, federate

POSTGRES_ENV = "ACCORD_TEST_POSTGRES_URL"
START = datetime(2026, 11, 25, 9, 0, 0, tzinfo=UTC)


class FixedClock:
    """A clock tests can move."""

    def __init__(self, now: datetime = START) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **kwargs: float) -> None:
        self.now += timedelta(**kwargs)


@pytest.fixture
def clock() -> FixedClock:
    """A fixed, settable clock."""
    return FixedClock()


def _postgres_schema_url(base: str) -> Iterator[str]:
    import psycopg

    schema = f"t_{uuid.uuid4().hex[:12]}"
    plain = base.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in base else "?"
    try:
        yield f"{base}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(plain, autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database: SQLite in tmp_path, or a new schema in the test PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite+pysqlite:///{tmp_path / 'test.db'}"
        return
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (set by .ci/run when PostgreSQL answers)")
    yield from _postgres_schema_url(base)


@dataclass
class HomeTemplates:
    """Node homes made once per test process and copied per test (``make_node``)."""

    root: Path
    made: dict[tuple[str, str, datetime], Path]

    def home(self, party: str, node_id: str, now: datetime) -> Path:
        """A closed, freshly initialised home for ``party``/``node_id`` created at ``now``."""
        key = (party, node_id, now)
        if key not in self.made:
            home = self.root / f"{len(self.made)}-{node_id}"
            Node.init(
                home,
                party=party,
                node_id=node_id,
                clock=lambda: now,
                password_hashing=UNSAFE_FAST_PASSWORD_HASHING,
            ).close()
            self.made[key] = home
        return self.made[key]


@pytest.fixture(scope="session")
def home_templates(tmp_path_factory: pytest.TempPathFactory) -> HomeTemplates:
    """The per-process cache of initialised node homes."""
    return HomeTemplates(tmp_path_factory.mktemp("home-templates"), {})


@pytest.fixture
def make_node(
    tmp_path: Path, clock: FixedClock, home_templates: HomeTemplates
) -> Iterator[Callable[..., Node]]:
    """Make nodes under tmp_path; all are closed at the end.

    A node on its default SQLite database is a copy of a home initialised once per test
    process for the same party, node id and clock time (keys, certificate, migrated schema,
    the ``node.init`` journal row): opening it is what ``Node.init`` leaves behind, at a
    fraction of the cost. A node on another database is initialised for the test.
    """
    made: list[Node] = []

    def make(party: str, node_id: str | None = None, database_url: str | None = None) -> Node:
        root = tmp_path / (node_id or party.lower())
        node_id = node_id or f"{party.lower()}-test"
        # Cheap argon2id: tests log in thousands of times (production parameters are
        # asserted in tests/node/test_node_accounts.py).
        if database_url is None:
            shutil.copytree(home_templates.home(party, node_id, clock.now), root)
            node = Node.open(root, clock=clock, password_hashing=UNSAFE_FAST_PASSWORD_HASHING)
        else:
            node = Node.init(
                root,
                party=party,
                node_id=node_id,
                database_url=database_url,
                clock=clock,
                password_hashing=UNSAFE_FAST_PASSWORD_HASHING,
            )
        made.append(node)
        return node

    yield make
    for node in made:
        node.close()


@dataclass
class Federation:
    """Two nodes under the Japan–ROK GSOMIA, in force."""

    jpn: Node
    kor: Node
    agreement_id: str
    agreement_text: str
    clock: FixedClock


@pytest.fixture
def federation(make_node: Callable[..., Node], clock: FixedClock) -> Federation:
    """JPN and KOR nodes with the Japan–ROK GSOMIA in force and analysts at each."""
    jpn, kor = make_node("JPN", "jpn-mod"), make_node("KOR", "kor-mnd")
    text = example_agreement(AGREEMENT_FILE)
    agreement_id = federate([jpn, kor], text, in_force_on=date(2016, 11, 23))
    jpn.users.add("sato", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"], actor="authority")
    kor.users.add("kim", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"], actor="authority")
    kor.users.add("lee", role="analyst", clearance="대외비", ntk=[], actor="authority")
    return Federation(jpn, kor, agreement_id, text, clock)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests marked ``slow`` first (a stable sort: the rest keep their order).

    On two pytest-xdist workers the longest test (the crash test, ~100 s) must not start last:
    started first, it runs beside everything else, and work stealing balances the short ones.
    """
    # Among them the integration tests (real processes, the longest) go first.
    items.sort(
        key=lambda item: (item.get_closest_marker("slow") is None, "tests/integration/" not in item.nodeid)
    )

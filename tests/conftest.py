"""Fixtures shared by the node, store and CLI tests.

* ``clock`` — a settable fixed clock (2026-11-25 09:00 UTC) injected into nodes;
* ``database_url`` — parametrised: SQLite always, PostgreSQL when
  ``ACCORD_TEST_POSTGRES_URL`` is set (each test gets a schema of its own), else skipped
  with the reason;
* ``node_database_url`` — the same two backends, already migrated to head and empty: the
  SQLite file is copied from one migrated once per test process, the PostgreSQL schema is
  one per test process, emptied before each test (``Node.init`` accepts a migrated, empty
  schema; ``database_url`` stays for the tests of migrations and of ``init`` itself; see
  tests/support_databases.py);
* ``make_node`` — a new node home under ``tmp_path``;
* ``federation`` — JPN and KOR nodes that pinned each other, imported the Japan–ROK
  GSOMIA signed by both, exchanged entry-into-force notes, with analysts ``sato`` (JPN,
  極秘) and ``kim`` (KOR, 군사Ⅱ급비밀), and a low-cleared ``lee`` (KOR, 대외비);
* ``federation_then`` — that federation after a further preparation (a function of both
  nodes), made once per test process under a name and copied per test;
* ``open_group`` — copies of any group of nodes prepared once per test process, a node on
  the PostgreSQL ``node_database_url`` included (its rows saved once, put back per test).
"""

from __future__ import annotations

import os
import shutil
import sys
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from accord.node import UNSAFE_FAST_PASSWORD_HASHING, NewNode, NewUser, Node, example_agreement, federate
from support_databases import MigratedDatabases, plain_url, schema_url
from support_federation import JPN_KOR_GSOMIA, JPN_KOR_IN_FORCE, Builder, OpenGroup

# The ``untraced`` fixture, --trace-all, --record-test-cpu: coverage paused for the tests
# tests/untraced.txt lists (issue 9).
pytest_plugins = ("_untrace_plan",)

# Hypothesis checks how fast examples are generated and run; on a loaded two-core machine that
# measures the load, not the code (the property tests failed that way in parallel runs). The
# number of examples and every assertion stay as each test sets them.
settings.register_profile("accord", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("accord")


def _cache_byte_code() -> None:
    """Let the Python processes of the test run cache their byte code in ``.pytest_cache/pycache``.

    Where the environment asks that no byte code be written (``PYTHONDONTWRITEBYTECODE``,
    for instance to keep it out of the sources and the virtualenv), every process compiles
    every module it imports: ~800 for ``accord serve``, 1.3 s of its 2.7 s of CPU to start,
    and the tests start about a hundred such processes (the crash test alone 27). The test
    run then writes its byte code to a tree of its own (``PYTHONPYCACHEPREFIX``), leaving
    the sources and the virtualenv untouched. This process, the pytest-xdist workers and
    every process a test starts inherit the setting (set before the workers start).
    """
    if not os.environ.get("PYTHONDONTWRITEBYTECODE") or os.environ.get("PYTHONPYCACHEPREFIX"):
        return
    prefix = Path(__file__).resolve().parent.parent / ".pytest_cache" / "pycache"
    os.environ.pop("PYTHONDONTWRITEBYTECODE")
    os.environ["PYTHONPYCACHEPREFIX"] = str(prefix)
    sys.dont_write_bytecode = False
    sys.pycache_prefix = str(prefix)


_cache_byte_code()

POSTGRES_ENV = "ACCORD_TEST_POSTGRES_URL"
CHEAP = UNSAFE_FAST_PASSWORD_HASHING

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
    with psycopg.connect(plain_url(base), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    try:
        yield schema_url(base, schema)
    finally:
        with psycopg.connect(plain_url(base), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


@pytest.fixture(scope="session")
def migrated_databases(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MigratedDatabases]:
    """The per-process migrated databases behind ``node_database_url``."""
    made = MigratedDatabases(tmp_path_factory.mktemp("migrated"))
    yield made
    made.close(os.environ.get(POSTGRES_ENV))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def node_database_url(
    request: pytest.FixtureRequest, tmp_path: Path, migrated_databases: MigratedDatabases
) -> str:
    """An empty database at the schema's head: SQLite in tmp_path, or this process's PostgreSQL schema."""
    if request.param == "sqlite":
        return migrated_databases.sqlite(tmp_path / "test.db")
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"PostgreSQL tests need {POSTGRES_ENV} (set by .ci/run when PostgreSQL answers)")
    return migrated_databases.postgres(base)


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
    groups: dict[tuple[str, datetime], list[Path]] = field(default_factory=dict)

    def home(self, party: str, node_id: str, now: datetime) -> Path:
        """A closed, freshly initialised home for ``party``/``node_id`` created at ``now``."""
        key = (party, node_id, now)
        if key not in self.made:
            home = self.root / f"{len(self.made)}-{node_id}"
            Node.init(
                home,
                NewNode(party=party, node_id=node_id),
                clock=lambda: now,
                password_hashing=UNSAFE_FAST_PASSWORD_HASHING,
            ).close()
            self.made[key] = home
        return self.made[key]

    def group(self, name: str, now: datetime, build: Builder) -> list[Path]:
        """Closed homes of nodes that ``build`` prepared together at ``now``, once per test process.

        ``build`` gets a maker of fresh nodes (party, node id) and brings them into the state
        the tests start from (pinned, federated, users added); the homes are then copied per test.
        A node made on a ``database_url`` is initialised there (the caller keeps the database's
        rows: ``open_group(…, postgres=…)``).
        """
        key = (name, now)
        if key not in self.groups:
            root = self.root / f"group-{len(self.groups)}-{name}"
            opened: list[Node] = []

            def make(party: str, node_id: str, database_url: str | None = None) -> Node:
                if database_url is None:
                    shutil.copytree(self.home(party, node_id, now), root / node_id)
                    node = Node.open(
                        root / node_id, clock=lambda: now, password_hashing=UNSAFE_FAST_PASSWORD_HASHING
                    )
                else:
                    new = NewNode(party=party, node_id=node_id, database_url=database_url)
                    node = Node.init(
                        root / node_id, new, clock=lambda: now, password_hashing=UNSAFE_FAST_PASSWORD_HASHING
                    )
                opened.append(node)
                return node

            try:
                build(make)
            finally:
                for node in opened:
                    node.close()
            self.groups[key] = [root / n.config.node_id for n in opened]
        return self.groups[key]


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
                NewNode(party=party, node_id=node_id, database_url=database_url),
                clock=clock,
                password_hashing=UNSAFE_FAST_PASSWORD_HASHING,
            )
        made.append(node)
        return node

    yield make
    for node in made:
        node.close()


@pytest.fixture
def open_group(
    tmp_path: Path, clock: FixedClock, home_templates: HomeTemplates, migrated_databases: MigratedDatabases
) -> Iterator[OpenGroup]:
    """Open copies of a group of nodes prepared together once per test process (see ``HomeTemplates.group``).

    The copies are what the builder left behind — the same as running it in the test, without
    the cost of signing and importing agreements again for every test. All are closed at the end.

    With ``postgres`` (a ``node_database_url`` on PostgreSQL, which the builder puts nodes on),
    the schema's rows are saved once after the build and put back before each test's copies
    open: the nodes' homes and their database are then both as the builder left them.
    """
    made: list[Node] = []

    def open_(name: str, build: Builder, *, postgres: str | None = None) -> list[Node]:
        base = os.environ.get(POSTGRES_ENV)
        if postgres is not None:
            assert base, POSTGRES_ENV
            assert postgres == migrated_databases.postgres_url, "postgres: the test's node_database_url"
            name = f"{name}@{migrated_databases.postgres_schema}"  # made again with the schema
        built = (name, clock.now) in home_templates.groups
        homes = home_templates.group(name, clock.now, build)
        if postgres is not None and base:
            if built:
                migrated_databases.restore(base, name)
            else:
                migrated_databases.save(base, name)
        for home in homes:
            shutil.copytree(home, tmp_path / home.name)
            made.append(
                Node.open(tmp_path / home.name, clock=clock, password_hashing=UNSAFE_FAST_PASSWORD_HASHING)
            )
        return made[-len(homes) :]

    yield open_
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


def _jpn_kor(make: Callable[[str, str], Node]) -> str:
    """JPN and KOR under the Japan–ROK GSOMIA in force, an officer at each and a low-cleared KOR analyst."""
    jpn, kor = make("JPN", "jpn-mod"), make("KOR", "kor-mnd")
    agreement_id = federate([jpn, kor], example_agreement(JPN_KOR_GSOMIA), in_force_on=JPN_KOR_IN_FORCE)
    jpn.users.add(NewUser("sato", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority")
    kor.users.add(
        NewUser("kim", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    kor.users.add(NewUser("lee", role="analyst", clearance="대외비", ntk=[]), actor="authority")
    return agreement_id


@pytest.fixture
def federation(open_group: OpenGroup, clock: FixedClock) -> Federation:
    """JPN and KOR nodes with the Japan–ROK GSOMIA in force and analysts at each."""
    jpn, kor = open_group("jpn-kor", _jpn_kor)
    text = example_agreement(JPN_KOR_GSOMIA)
    (agreement_id,) = {a.id for a in jpn.agreements.all()}
    return Federation(jpn, kor, agreement_id, text, clock)


Then = Callable[[Node, Node, str], object]
"""What a test directory does to the federation (JPN, KOR, the agreement's id) before its tests start."""


@pytest.fixture
def federation_then(open_group: OpenGroup, clock: FixedClock) -> Callable[[str, Then], Federation]:
    """The ``federation`` after ``then`` ran on it, once per test process (``name``), copied per test.

    For fixtures that bring the federation into a further state every test of theirs starts
    from (the console's passwords and delivered report): the copies are what ``then`` left
    behind, as if it had run in the test.
    """

    def open_(name: str, then: Then) -> Federation:
        def build(make: Callable[[str, str], Node]) -> None:
            made: list[Node] = []

            def keep(party: str, node_id: str) -> Node:
                made.append(make(party, node_id))
                return made[-1]

            agreement_id = _jpn_kor(keep)
            then(made[0], made[1], agreement_id)

        jpn, kor = open_group(f"jpn-kor-{name}", build)
        (agreement_id,) = {a.id for a in jpn.agreements.all()}
        return Federation(jpn, kor, agreement_id, example_agreement(JPN_KOR_GSOMIA), clock)

    return open_


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Run the tests marked ``slow`` first (a stable sort: the rest keep their order).

    On two pytest-xdist workers the longest test (the crash test, ~100 s) must not start last:
    started first, it runs beside everything else, and work stealing balances the short ones.
    """
    # Among them the integration tests (real processes, the longest) go first.
    items.sort(
        key=lambda item: (item.get_closest_marker("slow") is None, "tests/integration/" not in item.nodeid)
    )

"""Search over N holdings of mixed Korean/Japanese/English reports (issue 12).

Run: .venv/bin/python -m bench.search [--holdings N] [--quick] [--postgres URL] [--fixture DIR]
[--reuse-index] [--no-vacuum] [--no-baselines]

``--fixture DIR`` keeps the filled node in DIR (made on the first run, with the texts in
``DIR/texts.json`` for the baselines) and reuses it on later runs: filling 200,000 holdings takes
minutes. Each run rebuilds the index from scratch, so the build figure is the same either way;
with ``--reuse-index`` it does not (no build figure): the fixture's index is searched as it
stands, built by an earlier run's code (``accord search reindex`` on the fixture's node).

One JPN node; 60 real reports are created through ``items.create`` (signed, sealed, indexed),
then the database is filled to N holdings with rows of their shape under new ids, each with
its own generated text sealed under its own item key and its own binding signed by the node
over it (as ``items.create`` signs one: ≈ 1 ms of CPU a copy), so that every copy a page shows
verifies (older than the real ones; a third on a topic the reader lacks, withheld). A fixture
made before the copies were signed (no ``signed`` file in it) is refused: its pages showed
damaged items, each journalled as a refusal, not verified snippets. The index is then
rebuilt from the holdings with ``accord search reindex``'s code (decrypt, tokenize, key,
insert): its rate is the build figure. For ``suzuki`` (who may read two thirds), one- and
two-character Korean and Japanese queries and an English word are timed (p95 of repeated runs):

* ids of the newest 50 readable matches and their total (index and enforcement; targets
  SQLite <= 20 ms, PostgreSQL <= 60 ms);
* the whole result page: 20 decrypted, verified items with snippets, and the journal event
  (target <= 100 ms).

In the same run, on the same texts kept in a plain table of the benchmark's own (the node
never stores plain text): a ``LIKE '%term%'`` scan (count and newest 50), and on PostgreSQL
the same ``LIKE`` through ``pg_trgm`` (GIN ``gin_trgm_ops``) as well; the ratios are printed.
Index size is reported as a fraction of the holdings' size. Exit status 1 when a target is missed.

On a PostgreSQL server with ``autovacuum = off`` (this machine's), the tables the build and the
fill wrote are ``VACUUM ANALYZE``d before the queries, as autovacuum does on a deployment's
server (on by default; a rebuild deletes and inserts every index row, far past its thresholds):
without it nothing sets the visibility map, so a window's edge reads each of its items from
the heap instead of the index alone, and the old index's dead rows stay in the GIN index.
``--no-vacuum`` measures the state before, which is also a deployment's for the minute or so
after a rebuild, until autovacuum has run.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import shutil
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from sqlalchemy import insert, select, text

from accord.crypto import bind, new_data_key
from accord.items import ItemContent, ItemKind, Precedence, binding_statement
from accord.markings import Marking
from accord.node import (
    UNSAFE_FAST_PASSWORD_HASHING,
    LabelRequest,
    NewItem,
    NewNode,
    NewUser,
    Node,
    SearchFilters,
)
from accord.node.holdings._vault import seal_content, wrap_item_key
from accord.store import ItemRow, clear_search_index, search_index_size

KOREAN = (
    "대한민국정보보호협정군사국방부합동참모본부미사일발사탐지레이더해군공군육군작전훈련경계태세북한동해서해"
)
JAPANESE = "日本国防衛省統合幕僚監部情報保護協定弾道発射探知警戒海上航空陸上自衛隊作戦訓練北朝鮮日本海東シナ"
KANA = "あいうえおかきくけこさしすせそたちつてとなにぬねのアイウエオカキクケコサシスセソミサイルレーダー"
ENGLISH = [
    "missile",
    "launch",
    "radar",
    "track",
    "ballistic",
    "trajectory",
    "assessment",
    "report",
    "navy",
    "air",
    "army",
    "exercise",
    "alert",
    "coast",
    "sea",
    "altitude",
    "range",
    "warning",
    "intercept",
    "satellite",
    "signal",
    "summary",
    "imagery",
    "survey",
    "base",
    "unit",
]
QUERIES = ["군", "사일", "弾", "発射", "ミサ", "北", "radar", "launch*"]
ROUNDS = 20


def _text(rng: random.Random, words: int) -> str:
    parts = []
    for _ in range(words):
        pick = rng.random()
        if pick < 0.35:
            parts.append("".join(rng.choice(KOREAN) for _ in range(rng.randint(1, 4))) + " ")
        elif pick < 0.7:
            alphabet = JAPANESE if rng.random() < 0.6 else KANA
            parts.append("".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5))))
            parts.append(rng.choice(["", "、", "。"]))
        else:
            parts.append(rng.choice(ENGLISH) + " ")
    return "".join(parts)


def _node(root: Path, postgres: str | None) -> Node:
    url = None
    if postgres:
        import psycopg  # noqa: PLC0415 (only for a PostgreSQL run)

        schema = f"bench_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(
            postgres.replace("postgresql+psycopg://", "postgresql://"), autocommit=True
        ) as c:
            c.execute(f'CREATE SCHEMA "{schema}"')
            c.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        url = f"{postgres}{'&' if '?' in postgres else '?'}options=-csearch_path%3D{schema},public"
    node = Node.init(
        root / "jpn",
        NewNode(party="JPN", node_id="jpn-mod", database_url=url),
        password_hashing=UNSAFE_FAST_PASSWORD_HASHING,
    )
    node.users.add(NewUser("sato", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority")
    node.users.add(NewUser("suzuki", role="analyst", clearance="秘", ntk=[]), actor="authority")
    return node


def _fill(node: Node, holdings: int, rng: random.Random) -> dict[str, str]:
    """Real reports, then rows of their shape with texts of their own; returns id -> text."""
    texts: dict[str, str] = {}
    for n in range(60):
        secret = n % 3 == 0
        label = LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"]) if secret else LabelRequest("秘", ["KOR"])
        body = _text(rng, 120)
        content = ItemContent(ItemKind.REPORT, f"report {n}", body, "DPRK-MISSILE" if secret else "x")
        view = node.items.create(NewItem(content, label, Precedence.ROUTINE), actor="sato")
        texts[view.id] = f"report {n}\n{body}"
    with node.ctx.db.transaction() as session:
        templates = [
            {c.name: getattr(r, c.name) for c in ItemRow.__table__.columns}
            for r in session.scalars(select(ItemRow).order_by(ItemRow.created_at).limit(2))
        ]  # the first is withheld from suzuki (n = 0), the second not
    # Each copy's binding covers its own id, label and content, signed as items.create signs
    # (the templates have no notices: the label as created is the stored one).
    labels = [Marking.from_dict(json.loads(t["marking_json"])).originator for t in templates]
    signer = node.ctx.config.node_id
    rows = []
    for n in range(holdings - len(texts)):
        shape = 0 if n % 3 == 0 else 1
        row = dict(templates[shape])
        item_id = f"jpn-{n:032x}"
        body = _text(rng, 120)
        content = ItemContent(ItemKind.REPORT, f"copy {n}", body, "x")
        key = new_data_key()
        stamp = f"2026-10-{1 + n % 28:02d}T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}.000000Z"
        digest = content.sha384()
        statement = binding_statement(
            item_id=item_id,
            originator_node=signer,
            label=labels[shape],
            content_sha384=digest,
            attachments=(),
        )
        row.update(
            id=item_id,
            created_at=stamp,
            content_sealed=seal_content(key, content.canonical_bytes(), item_id),
            wrapped_key=wrap_item_key(node.ctx.data_key, key, item_id),
            content_sha384=digest,
            binding_json=json.dumps(bind(node.ctx.keys, signer, statement).to_dict(), sort_keys=True),
        )
        rows.append(row)
        texts[item_id] = f"copy {n}\n{body}"
        if len(rows) == 5_000:  # written as made: 200,000 signed rows are ≈ 1.5 GB in memory
            _insert(node, rows)
            rows = []
    _insert(node, rows)
    return texts


def _insert(node: Node, rows: list[dict[str, object]]) -> None:
    if rows:
        with node.ctx.db.transaction() as session:
            session.execute(insert(ItemRow), rows)


def _filled(
    fixture: Path | None, tmp: Path, postgres: str | None, holdings: int, *, keep_index: bool = False
) -> tuple[Node, dict[str, str]]:
    """A filled node and its texts: filled in ``tmp``, or made once in ``fixture`` and reused.

    A reused SQLite fixture is copied into ``tmp`` (its index as it stands in the fixture);
    a PostgreSQL one is used in place, its index emptied before the build is timed (unless
    ``keep_index``).
    """
    if fixture is None:
        node = _node(tmp, postgres)
        return node, _filled_now(node, holdings)
    saved, signed = fixture / "texts.json", fixture / "signed"
    if not saved.exists():
        node = _node(fixture, postgres)
        saved.write_text(json.dumps(_filled_now(node, holdings), ensure_ascii=False), "utf-8")
        signed.write_text("each copy's binding signed (bench/search.py)\n", "utf-8")
        node.close()
    if not signed.exists():
        raise SystemExit(
            f"{fixture} was made before the copies were signed (their pages show damaged items, "
            "not verified ones): make it again in an empty folder"
        )
    texts: dict[str, str] = json.loads(saved.read_text("utf-8"))
    print(f"{len(texts):,} holdings from the fixture {fixture}")
    if postgres:
        node = Node.open(fixture / "jpn", password_hashing=UNSAFE_FAST_PASSWORD_HASHING)
        if not keep_index:
            with node.ctx.db.transaction() as session:
                clear_search_index(session)
        return node, texts
    shutil.copytree(fixture / "jpn", tmp / "jpn")
    return Node.open(tmp / "jpn", password_hashing=UNSAFE_FAST_PASSWORD_HASHING), texts


def _filled_now(node: Node, holdings: int) -> dict[str, str]:
    start = time.perf_counter()
    texts = _fill(node, holdings, random.Random(2026))  # noqa: S311 (a reproducible corpus)
    print(f"{holdings:,} holdings filled in {time.perf_counter() - start:.0f} s")
    return texts


def _cpu() -> float:
    """CPU seconds (user and system) of this process and its finished children."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _p95(values: list[float]) -> float:
    # bench._common.percentile's nearest rank, without importing bench._common (psutil).
    ordered = sorted(values)
    return ordered[max(1, -(-len(ordered) * 95 // 100)) - 1]


def _timed(
    call: Callable[[], object], rounds: int = ROUNDS, server: Callable[[], float] | None = None
) -> tuple[float, float, float, float]:
    """(median, p95, mean CPU of this process, mean CPU of the server's backends) in milliseconds.

    The CPU figures are the load-proof ones; the server's is NaN without ``server``.
    """
    call()  # warm
    seen = []
    cpu, backends = time.process_time(), server() if server else math.nan
    for _ in range(rounds):
        start = time.perf_counter()
        call()
        seen.append((time.perf_counter() - start) * 1000)
    took = (time.process_time() - cpu) * 1000 / rounds
    served = (server() - backends) * 1000 / rounds if server else math.nan
    return statistics.median(seen), _p95(seen), took, served


def _backend_cpu(node: Node) -> Callable[[], float] | None:
    """On PostgreSQL on this machine: the CPU seconds of the server backends serving this process.

    Read from ``/proc``: user and system time of each backend whose client is one of this
    process's TCP sockets (other work on the server, another benchmark's in the same database
    included, is not in it). ``None`` when they cannot be read (another machine or container).
    """
    if node.ctx.db.engine.dialect.name != "postgresql":
        return None
    tick = os.sysconf("SC_CLK_TCK")

    def read() -> float:
        with node.ctx.db.transaction(read_only=True) as session:
            pids = session.scalars(
                text("SELECT pid FROM pg_stat_activity WHERE client_port = ANY(:ports)"),
                {"ports": sorted(_own_ports())},
            ).all()
        total = 0
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue  # a backend that has just gone
            total += int(fields[11]) + int(fields[12])  # utime, stime (fields 14 and 15)
        return total / tick

    try:
        read()
    except OSError:
        return None
    return read


def _own_ports() -> set[int]:
    """The local ports of this process's TCP sockets (``/proc/self/fd`` and ``/proc/self/net/tcp*``)."""
    inodes = set()
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = str(fd.readlink())
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    ports = set()
    for table in ("tcp", "tcp6"):
        path = Path(f"/proc/self/net/{table}")
        if path.exists():
            for line in path.read_text().splitlines()[1:]:
                fields = line.split()
                if fields[9] in inodes:
                    ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _plain_table(node: Node, texts: dict[str, str], postgres: bool) -> None:
    """The benchmark's own plain copy of the texts, for the LIKE and pg_trgm baselines."""
    with node.ctx.db.transaction() as session:
        session.execute(
            text("DROP TABLE IF EXISTS bench_plain")  # a reused fixture's, from its last run
        )
        session.execute(
            text("CREATE TABLE bench_plain (id VARCHAR(64) PRIMARY KEY, created_at TEXT, body TEXT)")
        )
        stamps = dict(session.execute(select(ItemRow.id, ItemRow.created_at)).all())
        rows = [{"i": i, "c": stamps[i], "b": t.casefold()} for i, t in texts.items()]
        for start in range(0, len(rows), 5_000):
            session.execute(text("INSERT INTO bench_plain VALUES (:i, :c, :b)"), rows[start : start + 5_000])
        if postgres:
            session.execute(
                text("CREATE INDEX bench_plain_trgm ON bench_plain USING gin (body gin_trgm_ops)")
            )


def _vacuumed(node: Node, postgres: bool, *, wanted: bool) -> None:
    """``VACUUM ANALYZE`` what the fill and the build wrote, if the server does not (module docstring)."""
    if not postgres:
        return
    engine = node.ctx.db.engine.execution_options(isolation_level="AUTOCOMMIT")  # VACUUM needs it
    with engine.connect() as connection:
        autovacuum = connection.scalar(text("SHOW autovacuum"))
        if autovacuum == "on" or not wanted:
            print(f"server autovacuum: {autovacuum}; no VACUUM by the benchmark")
            return
        start = time.perf_counter()
        for table in ("items", "search_docs", "search_counts", "bench_plain"):
            if connection.scalar(text("SELECT to_regclass(:t)"), {"t": table}) is not None:
                connection.execute(text(f"VACUUM ANALYZE {table}"))
        print(
            f"server autovacuum: off; VACUUM ANALYZE of items, search_docs, search_counts and the plain "
            f"table, as autovacuum would: {time.perf_counter() - start:.1f} s (--no-vacuum: without)"
        )


def _like(node: Node, term: str, *, trigrams: bool = False) -> None:
    """A ``LIKE '%term%'`` scan (count and newest 50); on PostgreSQL with or without pg_trgm's index."""
    with node.ctx.db.transaction(read_only=True) as session:
        if session.get_bind().dialect.name == "postgresql" and not trigrams:
            session.execute(text("SET LOCAL enable_bitmapscan = off"))  # a plain scan: no GIN index
            session.execute(text("SET LOCAL enable_indexscan = off"))
        pattern = f"%{term.rstrip('*').casefold()}%"
        session.execute(
            text("SELECT id FROM bench_plain WHERE body LIKE :p ORDER BY created_at DESC LIMIT 50"),
            {"p": pattern},
        ).all()
        session.scalar(text("SELECT count(*) FROM bench_plain WHERE body LIKE :p"), {"p": pattern})


def _queries(node: Node, postgres: bool, target: float, *, baselines: bool = True) -> bool:
    """Time each query and its peers (unless not ``baselines``); True when a target is missed."""
    missed = False
    search = node.items.search
    # On PostgreSQL the same LIKE also with pg_trgm's GIN index (which patterns of fewer
    # than three characters cannot use: the planner then scans).
    peers = f"{'LIKE p95':>9} ratio" + (f" {'trgm p95':>9} ratio" if postgres else "")
    peers = peers if baselines else ""
    server = _backend_cpu(node)
    # CPU per query: this process's, and (PostgreSQL on this machine) the server backends' as
    # "+ n": wall p95s on a loaded machine are the load's as much as the code's.
    print(
        f"{'query':>9} {'total':>7} {'ids p50':>8} {'ids p95':>8} {'ids CPU':>13} {'page p95':>9} "
        f"{'page CPU':>13} {peers}"
    )
    for query in QUERIES:
        _, total = search.matching_ids(query, actor="suzuki", filters=SearchFilters(), limit=50)
        page = search.search(query, actor="suzuki", filters=SearchFilters(), limit=20)
        if page.damaged or len(page.hits) != min(20, total):
            # A damaged item is journalled as a refusal, not shown: such a page is not the one timed.
            raise SystemExit(f"{query}: the page shows {len(page.damaged)} damaged items, not 20 verified")
        _, ids_p95, ids_cpu, ids_server = _timed(
            lambda q=query: search.matching_ids(q, actor="suzuki", filters=SearchFilters(), limit=50),
            server=server,
        )
        ids_p50, _, _, _ = _timed(
            lambda q=query: search.matching_ids(q, actor="suzuki", filters=SearchFilters(), limit=50)
        )
        _, page_p95, page_cpu, page_server = _timed(
            lambda q=query: search.search(q, actor="suzuki", filters=SearchFilters(), limit=20),
            rounds=10,
            server=server,
        )
        line = (
            f"{query:>9} {total:>7,} {ids_p50:>7.1f}ms {ids_p95:>7.1f}ms {_cpu_pair(ids_cpu, ids_server)} "
            f"{page_p95:>8.1f}ms {_cpu_pair(page_cpu, page_server)}"
        )
        if baselines:
            _, like_p95, _, _ = _timed(lambda q=query: _like(node, q), rounds=5)
            line += f" {like_p95:>8.1f}ms {like_p95 / ids_p95:.1f}x"
        if baselines and postgres:
            _, trgm_p95, _, _ = _timed(lambda q=query: _like(node, q, trigrams=True), rounds=5)
            line += f" {trgm_p95:>8.1f}ms {trgm_p95 / ids_p95:.1f}x"
        print(line, flush=True)
        if len(query.rstrip("*")) <= 2 and not query.isascii():
            missed |= ids_p95 > target
        missed |= page_p95 > 100.0
    return missed


def _cpu_pair(own: float, server: float) -> str:
    """``own`` ms of this process's CPU, and ``+ server`` ms of the server's when known."""
    return f"{own:>5.1f}{'' if math.isnan(server) else f'+{server:<5.1f}'}ms".rjust(13)


def _build(node: Node) -> bool:
    """Rebuild the index from the holdings, timed (wall and CPU); True when the target is missed."""
    start, cpu = time.perf_counter(), _cpu()
    indexed = node.items.search.reindex()
    took, cpu = time.perf_counter() - start, _cpu() - cpu
    rate = indexed / took
    print(f"index build: {indexed:,} items in {took:.1f} s = {rate:,.0f} items/s (target >= 5,000)")
    load = os.getloadavg()[0]
    print(f"index build CPU: {cpu:.1f} s = {cpu / indexed * 1e6:,.0f} us per item (load {load:.1f})")
    return rate < 5000


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; exit status 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdings", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="20,000 holdings")
    parser.add_argument(
        "--postgres", default=os.environ.get("ACCORD_BENCH_POSTGRES_URL"), help="PostgreSQL URL"
    )
    parser.add_argument("--fixture", help="keep the filled node in this folder, and reuse it")
    parser.add_argument("--reuse-index", action="store_true", help="search the fixture's index, no rebuild")
    parser.add_argument(
        "--no-baselines", action="store_true", help="no LIKE and pg_trgm (minutes at 200,000): the index only"
    )
    parser.add_argument(
        "--no-vacuum", action="store_true", help="PostgreSQL: no VACUUM ANALYZE where autovacuum is off"
    )
    args = parser.parse_args(argv)
    holdings = 20_000 if args.quick else args.holdings
    backend = "postgresql" if args.postgres else "sqlite"
    target = 60.0 if args.postgres else 20.0
    missed = False
    with tempfile.TemporaryDirectory(prefix="bench-search-") as tmp:
        fixture = Path(args.fixture) if args.fixture else None
        node, texts = _filled(fixture, Path(tmp), args.postgres, holdings, keep_index=args.reuse_index)
        try:
            if args.reuse_index:
                print("index build: not timed (--reuse-index: the fixture's index as it stands)")
            else:
                missed |= _build(node)
            with node.ctx.db.transaction(read_only=True) as session:
                size = search_index_size(session)
                if backend == "postgresql":
                    held = int(session.scalar(text("SELECT pg_total_relation_size('items')")) or 0)
                else:
                    held = int(
                        session.scalar(text("SELECT sum(pgsize) FROM dbstat WHERE name LIKE '%items%'")) or 0
                    )
            print(
                f"index size: {size / 2**20:,.1f} MiB = {size / held:.2f} x "
                f"the holdings' {held / 2**20:,.1f} MiB"
            )
            if not args.no_baselines:
                _plain_table(node, texts, backend == "postgresql")
            _vacuumed(node, backend == "postgresql", wanted=not args.no_vacuum)
            missed |= _queries(node, backend == "postgresql", target, baselines=not args.no_baselines)
        finally:
            node.close()
    print("targets missed" if missed else "targets met")
    return 1 if missed else 0


if __name__ == "__main__":
    raise SystemExit(main())

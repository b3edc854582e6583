"""Ledger: the RFC 9162 Merkle tree at 1,000,000 leaves, against pymerkle in the same run.

Run: .venv/bin/python -m bench.ledger [--quick] [--leaves N] [--samples S] [--no-pymerkle]

Accord (``accord.ledger`` over ``MemoryHashStore``, in memory, one process):

* appends/s, one ``append`` call per leaf and ``append_many`` in batches of 1,000;
* inclusion and consistency proofs against the whole tree: generation and verification,
  µs per call, median and p99 of ``--samples`` random leaves / old sizes;
* a full verification: recompute every leaf hash from the data, rebuild every node
  (``rebuild``), compare the root with the checkpoint's and every node with the store;
  and a rebuild from the stored leaf hashes alone.

pymerkle 7 (``algorithm="sha256"``: RFC 9162 prefixes), skipped if not installed:
``InmemoryTree`` (in memory, the comparable one: one ``append_entry`` per leaf) and
``SqliteTree`` on a temporary file (``append_entry`` is one committed transaction per
leaf, measured on 500 leaves; ``append_entries`` is its bulk path); proof generation
(first call, cold, then median and p99) and verification.

Durable, on SQLite (``--durable-seconds``, 0 skips it): a real node (``Node.init``, SQLite
WAL, ``synchronous=FULL``) whose journal a writer thread fills in transactions of 100
events while the node's own worker (``DeliveryWorker``, as ``accord serve`` runs it) seals
the ledger and signs a checkpoint every second; sustained appends/s over the window after a
2 s warm-up, the checkpoints signed in it, the backlog left unsealed at its end, and the CPU
per appended event (the process's, and each thread's from ``/proc``: the load distorts it less). Two
writers: ``append_event`` once per event (the path every service uses) and ``append_events``
once per transaction of the same events (the bulk path, one executemany, for loops that
journal many events in one transaction); each also without the sealer, to show what sealing
costs. Their floor, first: the same rows inserted by raw ``sqlite3`` (same table and indexes,
same settings, 100 per commit, no Python per event, no sealing) — no path can append faster
here at 100 events per fsync'd commit. Then ``LedgerService.seal`` of
10,000 pending events (median of 5), inclusion proofs generated from the SQLite store, and
``verify`` of the whole durable ledger.

Targets (ledger issue): >= 20,000 appends/s durable on SQLite with checkpoints signed every
second (judged on the ``append_event`` path, the one a node uses); proof generation and
verification <= 1 ms (median); full verification of 1,000,000 leaves <= 30 s. The exit
status is 1 if a measured target is missed.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from accord.canonical import canonical_json
from accord.ledger import (
    MemoryHashStore,
    MerkleTree,
    leaf_hash,
    rebuild,
    verify_consistency,
    verify_inclusion,
)
from accord.node import NewNode, Node
from accord.store import JournalRow, LedgerCheckpointRow, NewEvent, SqlHashStore, append_event, append_events

TARGET_APPENDS = 20_000
TARGET_PROOF_US = 1_000.0
TARGET_FULL_S = 30.0
BATCH = 1_000
ENTRY = '{"seq":%d,"action":"item.create","actor":"sato","node":"jpn-mod"}'


def entries(count: int) -> list[bytes]:
    """Journal-entry-like leaf data (≈ 65 bytes each)."""
    return [(ENTRY % i).encode() for i in range(count)]


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100), nearest-rank (as in ``bench._common``, which needs psutil)."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


def timed(func: Callable[[], object]) -> float:
    """Seconds one call takes."""
    start = time.perf_counter()
    func()
    return time.perf_counter() - start


def per_call_us(calls: Sequence[Callable[[], object]]) -> tuple[float, float]:
    """(median, p99) microseconds of each call, timed one by one."""
    times = []
    for call in calls:
        start = time.perf_counter_ns()
        call()
        times.append((time.perf_counter_ns() - start) / 1000)
    return statistics.median(times), percentile(times, 99)


def show_rate(what: str, count: int, seconds: float, note: str = "") -> float:
    """Print ``count / seconds`` and return it."""
    per_second = count / seconds
    print(f"{what:46} {per_second:>11,.0f} appends/s  ({count:,} in {seconds:.2f} s){note}")
    return per_second


def show_us(what: str, figures: tuple[float, float], note: str = "") -> float:
    """Print a (median, p99) figure in µs and return the median."""
    median, p99 = figures
    print(f"{what:46} {median:9.1f} µs median {p99:9.1f} µs p99{note}")
    return median


# --- Accord ----------------------------------------------------------------------------------


def accord_single_appends(data: list[bytes]) -> float:
    """Appends/s with one ``append`` call per leaf (the tree is dropped afterwards)."""
    tree = MerkleTree(MemoryHashStore())
    seconds = timed(lambda: [tree.append(d) for d in data])
    return show_rate("append(), one call per leaf (in memory)", len(data), seconds)


def accord_appends(data: list[bytes]) -> tuple[MemoryHashStore, dict[str, float]]:
    """Append rates; returns the store built with ``append_many``."""
    figures = {"append": accord_single_appends(data)}
    gc.collect()
    store = MemoryHashStore()
    tree = MerkleTree(store)

    def batches() -> None:
        for start in range(0, len(data), BATCH):
            tree.append_many(data[start : start + BATCH])

    seconds = timed(batches)
    figures["append_many"] = show_rate(f"append_many(), batches of {BATCH:,} (in memory)", len(data), seconds)
    return store, figures


def accord_proofs(
    store: MemoryHashStore, data: list[bytes], samples: int, rng: random.Random
) -> dict[str, float]:
    """Proof generation and verification against the whole tree."""
    tree, n = MerkleTree(store), len(data)
    root = tree.root()
    indices = [rng.randrange(n) for _ in range(samples)]
    olds = [rng.randrange(1, n) for _ in range(samples)]
    leaves = [leaf_hash(data[i]) for i in indices]
    paths = [tree.inclusion_proof(i, n) for i in indices]
    proofs = [tree.consistency_proof(m, n) for m in olds]
    old_roots = [tree.root(m) for m in olds]
    ks = range(samples)
    figures = {
        "inclusion_gen": show_us(
            "inclusion proof, generate",
            per_call_us([lambda i=i: tree.inclusion_proof(i, n) for i in indices]),
            f"  ({max(map(len, paths))} hashes at most)",
        ),
        "inclusion_verify": show_us(
            "inclusion proof, verify",
            per_call_us([lambda k=k: verify_inclusion(leaves[k], indices[k], n, paths[k], root) for k in ks]),
        ),
        "consistency_gen": show_us(
            "consistency proof, generate",
            per_call_us([lambda m=m: tree.consistency_proof(m, n) for m in olds]),
            f"  ({max(map(len, proofs))} hashes at most)",
        ),
        "consistency_verify": show_us(
            "consistency proof, verify",
            per_call_us(
                [lambda k=k: verify_consistency(olds[k], n, old_roots[k], root, proofs[k]) for k in ks]
            ),
        ),
    }
    show_us("root of a random historical size", per_call_us([lambda m=m: tree.root(m) for m in olds]))
    return figures


def accord_full_verify(store: MemoryHashStore, data: list[bytes]) -> float:
    """Seconds to rehash every leaf, rebuild every node and compare root and nodes with the store."""
    n = len(data)
    root = MerkleTree(store).root()

    def full_verify() -> None:
        rebuilt = rebuild(leaf_hash(d) for d in data)
        if MerkleTree(rebuilt).root() != root:
            raise SystemExit("full verify: the root differs")
        level = 0
        while (count := n >> level) > 0:
            for index in range(count):
                if rebuilt.get(level, index) != store.get(level, index):
                    raise SystemExit(f"full verify: node ({level}, {index}) differs")
            level += 1

    seconds = timed(full_verify)
    print(f"{'full verify: rehash, rebuild, compare all nodes':46} {seconds:9.2f} s")
    hashes = [store.get(0, i) for i in range(n)]
    print(f"{'rebuild from the stored leaf hashes':46} {timed(lambda: rebuild(hashes)):9.2f} s")
    return seconds


# --- durable, on SQLite -------------------------------------------------------------------------

DURABLE_BATCH = 100
DETAIL = {
    "decision": "permit",
    "reasons": ["clearance 極秘 >= 秘 (Art. 7)", "need-to-know DPRK-MISSILE"],
    "scheme": "JPN",
}


def _append_orm(node: Node, count: int) -> None:
    """One transaction of ``count`` events, one ``append_event`` call each (what every service does)."""
    with node.ctx.db.transaction() as session:
        now = datetime.now(UTC)
        for n in range(count):
            append_event(
                session,
                NewEvent(
                    at=now,
                    actor="sato",
                    action="item.read",
                    outcome="ok",
                    item_id=f"jpn-{n:04d}",
                    detail=DETAIL,
                ),
                flush=False,
            )


def _append_core(node: Node, count: int) -> None:
    """The same events as ``_append_orm``, in one ``append_events`` call (one executemany)."""
    with node.ctx.db.transaction() as session:
        now = datetime.now(UTC)
        append_events(
            session,
            (
                NewEvent(
                    at=now,
                    actor="sato",
                    action="item.read",
                    outcome="ok",
                    item_id=f"jpn-{n:04d}",
                    detail=DETAIL,
                )
                for n in range(count)
            ),
        )


def _checkpoints_since(node: Node, size: int) -> int:
    with node.ctx.db.transaction(read_only=True) as session:
        return session.scalar(select(func.count()).where(LedgerCheckpointRow.size > size)) or 0


def _unsealed(node: Node) -> int:
    with node.ctx.db.transaction(read_only=True) as session:
        return session.scalar(select(func.count()).where(JournalRow.leaf.is_(None))) or 0


def _thread_cpu() -> dict[str, float]:
    """CPU seconds (user + system) of each live thread, by name, from ``/proc`` (empty elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    spent: dict[str, float] = {}
    for thread in threading.enumerate():
        try:
            stat = Path(f"/proc/self/task/{thread.native_id}/stat").read_text()
            fields = stat.rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        spent[thread.name] = (int(fields[11]) + int(fields[12])) / tick
    return spent


def sustained(
    root: Path, name: str, append: Callable[[Node, int], None], seconds: float, *, seal: bool
) -> float:
    """Appends/s over ``seconds`` after a 2 s warm-up, with the worker sealing every second or not."""
    node = Node.init(root / name, NewNode(party="JPN", node_id="jpn-mod"))
    worker = node.worker() if seal else None
    stop = threading.Event()
    appended = [0]

    def writer() -> None:
        while not stop.is_set():
            append(node, DURABLE_BATCH)
            appended[0] += DURABLE_BATCH

    thread = threading.Thread(target=writer, name="bench-writer")
    try:
        if worker is not None:
            worker.start()
        thread.start()
        time.sleep(2.0)
        first, size0, start = appended[0], node.ledger.size(), time.perf_counter()
        cpu, threads = time.process_time(), _thread_cpu()
        time.sleep(seconds)
        last, elapsed = appended[0], time.perf_counter() - start
        cpu, threads = (
            time.process_time() - cpu,
            {k: v - threads.get(k, 0.0) for k, v in _thread_cpu().items()},
        )
        signed = _checkpoints_since(node, size0)
        backlog = _unsealed(node)
    finally:
        stop.set()
        thread.join()
        if worker is not None:
            worker.stop()
    rate = (last - first) / elapsed
    what = f"{name}, {DURABLE_BATCH}/transaction" + (", sealed every second" if seal else ", not sealed")
    note = f"  {signed} checkpoints in {elapsed:.1f} s, {backlog:,} unsealed at the end" if seal else ""
    print(f"{what:62} {rate:>9,.0f} appends/s{note}")
    events = max(1, last - first)
    spent = ", ".join(f"{k} {v / events * 1e6:.1f}" for k, v in sorted(threads.items()) if v >= 0.005)
    print(f"{'':4}CPU per appended event {cpu / events * 1e6:.1f} µs (by thread: {spent or 'n/a'})")
    if seal:
        report = node.ledger.verify(actor="auditor")
        if not report.ok:
            raise SystemExit(f"durable ledger: verify failed: {report.first}")
    node.close()
    return rate


def sqlite_floor(root: Path, seconds: float) -> float:
    """The floor under the durable figures: the same rows by raw ``sqlite3``, no Python per event.

    A node's journal table with its indexes (its DDL read from a fresh node's database), the
    node's settings (WAL, ``synchronous=FULL``), one thread inserting precomputed rows one
    ``execute`` each, 100 per transaction, over the same window; no sealing, no SQLAlchemy.
    Prints rows/s, the CPU per row, and the median commit (its fsync): no path through
    Accord can append faster on this machine at 100 events per commit.
    """
    node = Node.init(root / "floor-schema", NewNode(party="JPN", node_id="jpn-mod"))
    with node.ctx.db.transaction(read_only=True) as session:
        ddl = [
            sql
            for (sql,) in session.connection().exec_driver_sql(
                "SELECT sql FROM sqlite_master WHERE tbl_name = 'journal' AND sql IS NOT NULL"
            )
        ]
    node.close()
    path = root / "floor.db"
    raw = sqlite3.connect(path, isolation_level=None)
    try:
        raw.execute("PRAGMA journal_mode=WAL")
        raw.execute("PRAGMA synchronous=FULL")
        for statement in ddl:
            raw.execute(statement)
        stamp = "2026-12-04T19:00:00.000000Z"
        detail = canonical_json(DETAIL).decode("utf-8")
        rows = [(stamp, "sato", "item.read", f"jpn-{n:04d}", "ok", detail) for n in range(DURABLE_BATCH)]
        insert = (
            "INSERT INTO journal (at, actor, action, item_id, outcome, detail_json) VALUES (?, ?, ?, ?, ?, ?)"
        )
        commits: list[float] = []

        def transaction() -> None:
            raw.execute("BEGIN IMMEDIATE")
            for row in rows:
                raw.execute(insert, row).close()
            started = time.perf_counter()
            raw.execute("COMMIT")
            commits.append(time.perf_counter() - started)

        warm_until = time.perf_counter() + 2.0
        while time.perf_counter() < warm_until:
            transaction()
        commits.clear()
        start, cpu = time.perf_counter(), time.process_time()
        while time.perf_counter() - start < seconds:
            transaction()
        elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    finally:
        raw.close()
    count = len(commits) * DURABLE_BATCH
    rate = count / elapsed
    fsync_ms = statistics.median(commits) * 1e3
    print(
        f"{'floor: raw sqlite3, same rows and indexes, 100/commit':62} {rate:>9,.0f} appends/s"
        f"  {cpu / count * 1e6:.1f} µs CPU per row, commit (fsync) median {fsync_ms:.2f} ms"
    )
    return rate


def seal_time(root: Path, leaves: int = 10_000, rounds: int = 5) -> float:
    """Median seconds of ``LedgerService.seal`` over ``leaves`` pending events."""
    node = Node.init(root / "seal-time", NewNode(party="JPN", node_id="jpn-mod"))
    times = []
    for _ in range(rounds):
        for _ in range(leaves // DURABLE_BATCH):
            _append_core(node, DURABLE_BATCH)
        times.append(timed(node.ledger.seal))
    median = statistics.median(times)
    print(
        f"{'seal() of 10,000 pending events (median of 5)':62} {median * 1000:9.1f} ms"
        f"  (max {max(times) * 1000:.1f})"
    )
    size = node.ledger.size()
    rng = random.Random(9162)  # noqa: S311 - a reproducible sample, not a secret
    indices = [rng.randrange(size) for _ in range(500)]
    with node.ctx.db.transaction(read_only=True) as session:
        tree = MerkleTree(SqlHashStore(session))
        show_us(
            f"inclusion proof from SQLite ({size:,} leaves), generate",
            per_call_us([lambda i=i: tree.inclusion_proof(i, size) for i in indices]),
        )
    seconds = timed(lambda: node.ledger.verify(actor="auditor"))
    print(f"{f'verify() of the durable ledger ({size:,} leaves)':62} {seconds:9.2f} s")
    node.close()
    return median


def durable_verify(leaves: int) -> float:
    """``ledger verify`` of a node whose journal holds ``leaves`` sealed events; seconds."""
    with tempfile.TemporaryDirectory(prefix="accord-bench-ledger-") as tmp:
        node = Node.init(Path(tmp) / "jpn", NewNode(party="JPN", node_id="jpn-mod"))
        try:
            chunk = 50_000
            for start in range(0, leaves, chunk):
                _append_core(node, min(chunk, leaves - start))
            started = time.perf_counter()
            while node.ledger.seal() is not None:
                pass
            print(f"sealed {node.ledger.size():,} leaves in {time.perf_counter() - started:.1f} s")
            index = node.ledger.size() // 3
            with node.ctx.db.transaction(read_only=True) as session:
                seq = session.scalar(select(JournalRow.seq).where(JournalRow.leaf == index))
            assert seq is not None
            proof_us = per_call_us([lambda: node.ledger.prove(seq, actor="auditor")] * 50)
            show_us(f"inclusion proof from SQLite at {node.ledger.size():,} leaves (prove, sealed)", proof_us)
            started = time.perf_counter()
            report = node.ledger.verify(actor="auditor")
            seconds = time.perf_counter() - started
            report.check()
            print(f"RESULT ledger verify of {leaves:,} durable leaves: {seconds:.1f} s (target <= 30 s)")
            return seconds
        finally:
            node.close()


def bench_durable(seconds: float) -> dict[str, float]:
    """The durable figures (see the module docstring)."""
    print(f"-- durable on SQLite: sustained over {seconds:.0f} s after a 2 s warm-up --")
    figures: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="accord-bench-ledger-") as tmp:
        root = Path(tmp)
        figures["floor"] = sqlite_floor(root, seconds)
        for name, append in (("append_event", _append_orm), ("append_events", _append_core)):
            key = "orm" if append is _append_orm else "core"
            figures[f"{key}_sealed"] = sustained(root, name, append, seconds, seal=True)
            figures[f"{key}_unsealed"] = sustained(root, name + " ", append, seconds, seal=False)
        figures["seal_10k_s"] = seal_time(root)
    return figures


# --- pymerkle ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Measured:
    """A pymerkle tree under measure: its module (for the verify functions), the tree, its name."""

    module: Any
    tree: Any
    name: str


def pymerkle_proofs(measured: Measured, n: int, samples: int, rng: random.Random) -> None:
    """pymerkle's proof generation (first call cold, then median) and verification."""
    module, tree, name = measured.module, measured.tree, measured.name
    first = timed(lambda: tree.prove_inclusion(n // 3 + 1, n)) * 1e6
    indices = [rng.randrange(1, n + 1) for _ in range(samples)]
    show_us(
        f"{name} inclusion, generate",
        per_call_us([lambda i=i: tree.prove_inclusion(i, n) for i in indices]),
        f"  (first call {first:,.0f} µs)",
    )
    root = tree.get_root(n)
    paths = [tree.prove_inclusion(i, n) for i in indices]
    bases = [tree.get_leaf(i) for i in indices]
    ks = range(samples)
    show_us(
        f"{name} inclusion, verify",
        per_call_us([lambda k=k: module.verify_inclusion(bases[k], root, paths[k]) for k in ks]),
    )
    olds = [rng.randrange(1, n) for _ in range(samples)]
    show_us(
        f"{name} consistency, generate",
        per_call_us([lambda m=m: tree.prove_consistency(m, n) for m in olds]),
    )
    proofs = [tree.prove_consistency(m, n) for m in olds]
    old_roots = [tree.get_root(m) for m in olds]
    show_us(
        f"{name} consistency, verify",
        per_call_us([lambda k=k: module.verify_consistency(old_roots[k], root, proofs[k]) for k in ks]),
    )


def pymerkle_inmemory(module: Any, data: list[bytes], samples: int, rng: random.Random) -> None:
    """pymerkle's InmemoryTree: one append_entry per leaf, then proofs."""
    tree = module.InmemoryTree(algorithm="sha256")
    if not tree.security:
        raise SystemExit("pymerkle is not hashing with the RFC 9162 prefixes")
    seconds = timed(lambda: [tree.append_entry(d) for d in data])
    show_rate("InmemoryTree append_entry()", len(data), seconds)
    pymerkle_proofs(Measured(module, tree, "InmemoryTree"), len(data), samples, rng)


def pymerkle_sqlite(module: Any, data: list[bytes], samples: int, rng: random.Random) -> None:
    """pymerkle's SqliteTree on a temporary file: per-leaf commits, bulk appends, proofs."""
    with tempfile.TemporaryDirectory(prefix="accord-bench-ledger-") as tmp:
        tree = module.SqliteTree(str(Path(tmp) / "pymerkle.db"), algorithm="sha256")
        try:
            few = min(500, len(data))
            seconds = timed(lambda: [tree.append_entry(d) for d in data[:few]])
            show_rate("SqliteTree append_entry(), 1 commit per leaf", few, seconds)
            seconds = timed(lambda: tree.append_entries(data[few:]))
            show_rate("SqliteTree append_entries(), bulk", len(data) - few, seconds)
            pymerkle_proofs(Measured(module, tree, "SqliteTree"), len(data), samples, rng)
        finally:
            tree.close()


def bench_pymerkle(data: list[bytes], samples: int, rng: random.Random) -> None:
    """pymerkle's figures for the same leaves, if it is installed."""
    try:
        import pymerkle  # noqa: PLC0415 - optional: a bench extra
    except ImportError:
        print("pymerkle: not installed (pip install -e '.[bench]'), skipped")
        return
    print(f"-- pymerkle {pymerkle.__version__}, sha256 with the RFC 9162 prefixes, same leaves --")
    pymerkle_inmemory(pymerkle, data, samples, rng)
    gc.collect()
    pymerkle_sqlite(pymerkle, data, samples, rng)


def main(argv: list[str] | None = None) -> int:
    """Print the figures and the targets; exit 1 if a measured target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="100,000 leaves instead of 1,000,000")
    parser.add_argument("--leaves", type=int, help="tree size (default 1,000,000; 100,000 with --quick)")
    parser.add_argument("--samples", type=int, default=2_000, help="proofs timed per figure")
    parser.add_argument("--no-pymerkle", action="store_true", help="skip the pymerkle comparison")
    parser.add_argument(
        "--durable-seconds", type=float, default=10.0, help="window of the durable SQLite figures (0: skip)"
    )
    parser.add_argument("--durable-only", action="store_true", help="only the durable SQLite figures")
    parser.add_argument(
        "--durable-verify",
        type=int,
        metavar="N",
        help="only: seal N journal events on SQLite and time ledger verify",
    )
    args = parser.parse_args(argv)
    n = args.leaves or (100_000 if args.quick else 1_000_000)
    samples = min(args.samples, 500) if args.quick else args.samples
    rng = random.Random(9162)  # noqa: S311 - a reproducible sample, not a secret
    if args.durable_verify:
        return 0 if durable_verify(args.durable_verify) <= 30 else 1
    if args.durable_only:
        return durable_verdict(bench_durable(args.durable_seconds or 10.0))
    data = entries(n)
    print(f"== ledger: RFC 9162 Merkle tree, {n:,} leaves, {samples:,} proofs per figure ==")
    store, figures = accord_appends(data)
    figures.update(accord_proofs(store, data, samples, rng))
    figures["full_verify"] = accord_full_verify(store, data)
    del store
    gc.collect()
    if not args.no_pymerkle:
        bench_pymerkle(data, min(samples, 500), rng)

    full_target = TARGET_FULL_S * n / 1_000_000
    checks = [
        ("inclusion proof, generate", figures["inclusion_gen"], TARGET_PROOF_US, "µs"),
        ("inclusion proof, verify", figures["inclusion_verify"], TARGET_PROOF_US, "µs"),
        ("consistency proof, generate", figures["consistency_gen"], TARGET_PROOF_US, "µs"),
        ("consistency proof, verify", figures["consistency_verify"], TARGET_PROOF_US, "µs"),
        (f"full verify of {n:,} leaves", figures["full_verify"], full_target, "s"),
    ]
    ok = True
    for what, value, target, unit in checks:
        met = value <= target
        ok = ok and met
        verdict = "met" if met else "MISSED"
        print(f"RESULT {what} {value:,.2f} {unit} (target <= {target:,.1f} {unit}): {verdict}")
    print(
        f"RESULT appends in memory: {figures['append']:,.0f}/s one by one, {figures['append_many']:,.0f}/s "
        "in batches (the tree's own cost)"
    )
    if args.durable_seconds > 0:
        ok = durable_verdict(bench_durable(args.durable_seconds)) == 0 and ok
    return 0 if ok else 1


def durable_verdict(figures: dict[str, float]) -> int:
    """Print the durable RESULT lines; 1 if the target is missed."""
    rate = figures["orm_sealed"]
    met = rate >= TARGET_APPENDS
    print(
        f"RESULT durable appends on SQLite, append_event x {DURABLE_BATCH}, checkpoints every second: "
        f"{rate:,.0f}/s (target >= {TARGET_APPENDS:,}/s): {'met' if met else 'MISSED'}"
    )
    print(
        f"RESULT the same events by append_events, sealed every second: {figures['core_sealed']:,.0f}/s "
        f"(not sealed: {figures['core_unsealed']:,.0f}/s; "
        f"append_event not sealed: {figures['orm_unsealed']:,.0f}/s); "
        f"seal() of 10,000 events {figures['seal_10k_s'] * 1000:,.0f} ms"
    )
    print(
        f"RESULT floor in the same run, raw sqlite3 at 100 rows per fsync'd commit, nothing else: "
        f"{figures['floor']:,.0f}/s (append_event sealed reaches {rate / figures['floor']:.0%} of it)"
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())

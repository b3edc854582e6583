"""Idle: two nodes served with witnessing on and no traffic — what does resting cost?

Run: .venv/bin/python -m bench.idle [--minutes M] [--quick] [--settle S]

JPN and KOR are built as the other benchmarks build them (:func:`bench._common.make_federation`:
pinned cards, the Japan–ROK GSOMIA in force), so witnessing is on: each node offers its
checkpoints to the other, which countersigns them (``docs/ledger.md``). Each node is an
``accord serve`` subprocess (peer API, user API and console, delivery worker, sealer).

Warm-up: one report JPN → KOR, sent from this process as ``accord send`` would; then the
benchmark waits until both databases have settled — nothing pending in either outbox and
no row added anywhere for ``--settle`` seconds (longer than the publish interval, so that
the witnessing of the report and the checkpoints' exchange are over).

Then the idle window (``--minutes``, 10 by default). Per node it measures:

* the CPU time (user + system, psutil ``cpu_times``) of the ``accord serve`` process and of
  its children, as a percentage of one core over the window's wall time — a per-process
  figure, so far less sensitive to the machine's load than a wall-clock one;
* the rows of every table before and after (read-only SQLite connections, opened only at
  the two ends): journal rows, ledger leaves (journal rows with a leaf), tree nodes,
  checkpoints, witnessing rows;
* the files under the node home whose size or modification time changed (the WAL growing
  counts as written; ``-shm`` is SQLite's shared-memory index, reported apart), and the
  bytes the process wrote (``write_bytes``, Linux).

Targets (issue 14): <= 1 % of one core per node; no journal rows, checkpoints or files
written while nothing changes. A missed target is printed as such (exit 1).

Afterwards, one FLASH report sent from this process (as ``accord send`` would, beside
``accord serve``) is timed from the send to its storage at KOR: the latency of the first
envelope after a quiet spell (no target).
"""

from __future__ import annotations

import argparse
import contextlib
import sqlite3
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil

from accord.items import Precedence
from accord.node import LabelRequest, NewItem, Node
from bench._common import (
    Federation,
    inbox_times,
    make_federation,
    parse_stamp,
    report_content,
    serve_subprocesses,
)

TARGET_CPU_PERCENT = 1.0
LEAVES = "journal (sealed leaves)"
WITNESS_TABLES = (
    "witness_seen",
    "witness_published",
    "witness_countersignatures",
    "witness_alarms",
    "witness_demands",
    "witness_gossip",
    "background_backoff",
)


@dataclass(frozen=True)
class Snapshot:
    """What one node has done so far: CPU seconds, bytes written, rows, files."""

    cpu: float
    write_bytes: int | None
    rows: dict[str, int]
    files: dict[str, tuple[int, int]]  # path under the home -> (size, mtime_ns)


def _cpu(proc: psutil.Process) -> float:
    """User + system seconds of ``proc`` and of its (reaped and living) children."""
    times = proc.cpu_times()
    total = times.user + times.system + times.children_user + times.children_system
    for child in proc.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            child_times = child.cpu_times()
            total += child_times.user + child_times.system
    return float(total)


def _write_bytes(proc: psutil.Process) -> int | None:
    try:
        return int(proc.io_counters().write_bytes)
    except (psutil.Error, AttributeError):  # not on every platform
        return None


@contextlib.contextmanager
def _reader(database: Path) -> Iterator[sqlite3.Connection]:
    """A read-only connection (takes no lock, writes nothing to the database)."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=30)) as connection:
        yield connection


def _rows(database: Path) -> dict[str, int]:
    """Row counts of every table, and of the journal's sealed leaves."""
    with _reader(database) as connection:
        tables = [
            str(name)
            for (name,) in connection.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        counts = {
            table: int(connection.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0])  # noqa: S608
            for table in tables
        }
        counts[LEAVES] = int(
            connection.execute("SELECT count(*) FROM journal WHERE leaf IS NOT NULL").fetchone()[0]
        )
    return counts


def _files(home: Path) -> dict[str, tuple[int, int]]:
    found = {}
    for path in sorted(home.rglob("*")):
        with contextlib.suppress(OSError):
            if path.is_file():
                stat = path.stat()
                found[str(path.relative_to(home))] = (stat.st_size, stat.st_mtime_ns)
    return found


def snapshot(proc: psutil.Process, home: Path, database: Path) -> Snapshot:
    """The node's figures now (files first: reading the rows must not count as the node's doing)."""
    files = _files(home)
    return Snapshot(_cpu(proc), _write_bytes(proc), _rows(database), files)


def _settle(fed: Federation, settle: float, limit: float) -> float:
    """Wait until no envelope is pending and no table of either node grew for ``settle`` s."""
    start = time.monotonic()
    databases = [fed.jpn.ctx.home.database, fed.kor.ctx.home.database]
    last = [_rows(db) for db in databases]
    quiet_since = time.monotonic()
    while time.monotonic() - start < limit:
        time.sleep(1.0)
        now = [_rows(db) for db in databases]
        busy = now != last or any(_pending(db) for db in databases)
        if busy:
            last, quiet_since = now, time.monotonic()
        elif time.monotonic() - quiet_since >= settle:
            return time.monotonic() - start
    raise RuntimeError(f"the nodes did not settle within {limit:.0f} s")


def _pending(database: Path) -> int:
    with _reader(database) as connection:
        return int(connection.execute("SELECT count(*) FROM outbox WHERE status = 'pending'").fetchone()[0])


def _report(party: str, seconds: float, before: Snapshot, after: Snapshot) -> bool:
    """Print one node's figures beside the targets; True if both are met."""
    cpu = after.cpu - before.cpu
    percent = 100.0 * cpu / seconds
    grown = {
        table: after.rows.get(table, 0) - before.rows.get(table, 0)
        for table in sorted(after.rows.keys() | before.rows.keys())
        if after.rows.get(table, 0) != before.rows.get(table, 0)
    }
    changed = {
        name: (before.files.get(name), stat)
        for name, stat in after.files.items()
        if before.files.get(name) != stat
    }
    gone = sorted(before.files.keys() - after.files.keys())
    persistent = {name: v for name, v in changed.items() if not name.endswith("-shm")}
    written = (
        None
        if after.write_bytes is None or before.write_bytes is None
        else after.write_bytes - before.write_bytes
    )
    cpu_ok = percent <= TARGET_CPU_PERCENT
    print(
        f"{party}: CPU {cpu:.2f} s in {seconds:.0f} s = {percent:.2f} % of one core "
        f"(target <= {TARGET_CPU_PERCENT:.0f} %): {'met' if cpu_ok else 'MISSED'}"
    )
    print(
        f"{party}: journal rows +{grown.get('journal', 0)}, sealed leaves +{grown.get(LEAVES, 0)}, "
        f"tree nodes +{grown.get('ledger_nodes', 0)}, checkpoints +{grown.get('ledger_checkpoints', 0)}, "
        f"witnessing rows +{sum(grown.get(t, 0) for t in WITNESS_TABLES)}"
    )
    others = {
        t: n
        for t, n in grown.items()
        if t not in ("journal", LEAVES, "ledger_nodes", "ledger_checkpoints", *WITNESS_TABLES)
    }
    if others:
        print(f"{party}: other rows: {', '.join(f'{t} {n:+d}' for t, n in others.items())}")
    for name, (old, new) in sorted(changed.items()):
        old_size = 0 if old is None else old[0]
        print(f"{party}: file {name}: {old_size:,} -> {new[0]:,} bytes ({new[0] - old_size:+,}), modified")
    for name in gone:
        print(f"{party}: file {name}: removed")
    print(
        f"{party}: files under the home: {len(after.files)} ({sum(v[0] for v in after.files.values()):,}"
        f" bytes), {len(changed)} changed ({len(changed) - len(persistent)} of them -shm)"
    )
    if written is not None:
        print(f"{party}: write_bytes of the process: +{written:,}")
    quiet = not grown and not persistent and not gone
    print(
        f"{party}: rows or files written while idle: "
        f"{'none' if quiet else 'SOME'} (target: none): {'met' if quiet else 'MISSED'}"
    )
    return cpu_ok and quiet


def run(minutes: float, settle: float, root: Path) -> bool:
    """Build the federation, serve it, warm up, rest ``minutes`` and report; True if every target is met."""
    fed = make_federation(root)
    try:
        with serve_subprocesses(fed) as served:
            print(f"serving JPN and KOR ({served.mode}, pids {served.pids}); witnessing on")
            label = LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement=fed.agreement_id)
            made = fed.jpn.items.create(NewItem(report_content(0), label, Precedence.ROUTINE), actor="sato")
            fed.jpn.sending.send(made.id, to="KOR", actor="sato")
            fed.close()  # the benchmark holds no connection of its own while the nodes rest
            took = _settle(fed, settle, limit=600.0)
            print(f"warm-up: one report JPN -> KOR delivered and witnessed; settled after {took:.0f} s")
            nodes = {
                party: (psutil.Process(pid), node.ctx.home.root, node.ctx.home.database)
                for (party, pid), node in zip(served.pids.items(), (fed.jpn, fed.kor), strict=True)
            }
            for party, (_, _, database) in nodes.items():
                assert database.exists(), f"{party}: no database at {database}"
            before = {party: snapshot(*node) for party, node in nodes.items()}
            start = time.monotonic()
            print(f"idle window: {minutes:g} min", flush=True)
            time.sleep(minutes * 60)
            seconds = time.monotonic() - start
            after = {party: snapshot(*node) for party, node in nodes.items()}
            results = [_report(party, seconds, before[party], after[party]) for party in before]
            _first_after_idle(fed)
    finally:
        fed.close()
    return all(results)


def _first_after_idle(fed: Federation) -> None:
    """Send one FLASH report from this process (as ``accord send``) and time it to KOR's inbox."""
    jpn = Node.open(fed.jpn.ctx.home.root)
    try:
        label = LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement=fed.agreement_id)
        made = jpn.items.create(NewItem(report_content(1), label, Precedence.FLASH), actor="sato")
        sent_at = time.time()
        [sent] = jpn.sending.send(made.id, to="KOR", actor="sato")
    finally:
        jpn.close()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        received = inbox_times(fed.kor, "jpn-mod").get(sent.message_id)
        if received is not None:
            print(
                f"after the idle window: a FLASH report sent by another process (as `accord send`) "
                f"was stored at KOR {1000 * (parse_stamp(received) - sent_at):.0f} ms after the send "
                "(no target; the idle supervisor looks for other processes' commits every 0.25 s, "
                "then the lane starts and connects)"
            )
            return
        time.sleep(0.005)
    print("after the idle window: the FLASH report did not reach KOR within 60 s")


def main(argv: list[str] | None = None) -> int:
    """Run the idle benchmark; exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0, help="the idle window (default 10)")
    parser.add_argument("--quick", action="store_true", help="a 2-minute idle window")
    parser.add_argument(
        "--settle",
        type=float,
        default=30.0,
        help="seconds without a new row that end the warm-up (default 30)",
    )
    args = parser.parse_args(argv)
    minutes = 2.0 if args.quick else args.minutes
    print(f"== idle: JPN and KOR served, witnessing on, no traffic, {minutes:g} min ==")
    print(f"load average {', '.join(f'{x:.2f}' for x in psutil.getloadavg())} on {psutil.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="accord-bench-idle-") as tmp:
        ok = run(minutes, args.settle, Path(tmp))
    print(f"load average {', '.join(f'{x:.2f}' for x in psutil.getloadavg())} at the end")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

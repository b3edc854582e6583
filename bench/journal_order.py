"""Journal order on PostgreSQL: what the journal-order lock costs writers, and how long a sealer waits.

Run: .venv/bin/python -m bench.journal_order --url postgresql+psycopg://postgres@127.0.0.1:5432/test
     [--seconds 5] [--threads 1,4] [--events 1,100]

In a schema of its own (dropped at the end), writer threads journal with ``append_event``
(the path every service uses) in transactions of ``--events`` events, for ``--seconds``
each, once with the journal-order lock (ADR 0009: a shared advisory lock taken before a
transaction's first journal insert) and once without it (``hold_journal_order`` replaced by
a no-op: the peer in the same run). Meanwhile a sealer thread does, every 100 ms, what a
seal does before it reads the rows (``journal_horizon`` then ``journal_writers`` until the
writers it saw have ended) and the figures give how long that wait lasted (median, p99,
max). No seal itself is timed: ``bench/ledger.py`` does that.

Commits use the server's ``synchronous_commit`` as configured (``on`` by default): the
figures include the WAL flush of every transaction, as a node's do.
"""

from __future__ import annotations

import argparse
import statistics
import threading
import time
import uuid
from datetime import UTC, datetime

import psycopg
from sqlalchemy.orm import Session

from accord.store import Database, NewEvent, _journal, append_event, journal_horizon, journal_writers

_HOLD = _journal.hold_journal_order


def _no_lock(_session: Session) -> None:
    """The peer: journal without the journal-order lock."""


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def _run(
    db: Database, threads: int, events: int, seconds: float, *, watch: bool = True
) -> tuple[float, float, list[float]]:
    """(events/s, transactions/s, horizon waits in ms) over ``seconds``."""
    stop = threading.Event()
    counts = [0] * threads
    waits: list[float] = []

    def writer(index: int) -> None:
        while not stop.is_set():
            with db.transaction() as session:
                for n in range(events):
                    append_event(
                        session,
                        NewEvent(
                            at=datetime.now(UTC),
                            actor=f"bench{index}",
                            action="item.read",
                            outcome="ok",
                            item_id=f"jpn-{n:04d}",
                            detail={"n": n, "reason": "need-to-know"},
                        ),
                    )
            counts[index] += 1

    def sealer() -> None:
        while not stop.wait(0.1):
            started = time.perf_counter()
            with db.transaction(read_only=True) as session:
                waiting = journal_horizon(session).writers
                pause = 0.001
                while waiting:  # as Sealer._final_seq does
                    time.sleep(pause)
                    pause = min(pause * 2, 0.02)
                    waiting = journal_writers(session, waiting)
            waits.append((time.perf_counter() - started) * 1000)

    workers = [threading.Thread(target=writer, args=(i,)) for i in range(threads)]
    if watch:
        workers.append(threading.Thread(target=sealer))
    started = time.perf_counter()
    for thread in workers:
        thread.start()
    time.sleep(seconds)
    stop.set()
    for thread in workers:
        thread.join()
    elapsed = time.perf_counter() - started
    transactions = sum(counts)
    return transactions * events / elapsed, transactions / elapsed, waits


_HEADER = "writers events/tx lock   events/s     tx/s    wait ms p50/p99/max"


def _waits(waits: list[float]) -> str:
    """Median, p99 and max of the sealer's waits, in ms."""
    if not waits:
        return "0.0/0.0/0.0"
    ordered = sorted(waits)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]
    return f"{statistics.median(ordered):.1f}/{p99:.1f}/{ordered[-1]:.1f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True, help="a PostgreSQL SQLAlchemy URL (a schema is made in it)")
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--threads", default="1,4")
    parser.add_argument("--events", default="1,100")
    parser.add_argument("--no-sealer", action="store_true", help="writers only: no horizon reads")
    args = parser.parse_args()
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(_plain(args.url), autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA "{schema}"')
    sep = "&" if "?" in args.url else "?"
    db = Database(f"{args.url}{sep}options=-csearch_path%3D{schema}")
    try:
        db.migrate()
        print(_HEADER)
        for threads in [int(t) for t in args.threads.split(",")]:
            for events in [int(e) for e in args.events.split(",")]:
                for lock in (False, True):
                    _journal.hold_journal_order = _HOLD if lock else _no_lock
                    rate, tps, waits = _run(db, threads, events, args.seconds, watch=not args.no_sealer)
                    label = "on" if lock else "off"
                    figures = f"{rate:>10.0f} {tps:>8.0f} {_waits(waits):>22}"
                    print(f"{threads:>7} {events:>9} {label:>4} {figures}")
    finally:
        _journal.hold_journal_order = _HOLD
        db.dispose()
        with psycopg.connect(_plain(args.url), autocommit=True) as conn:
            conn.execute(f'DROP SCHEMA "{schema}" CASCADE')


if __name__ == "__main__":
    main()

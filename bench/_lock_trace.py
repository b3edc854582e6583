"""Who holds a node's SQLite write lock, and for how long, while FLASH waits for it (bench only).

Installed by :func:`bench._flash_trace.install` in every process of ``bench/flash_under_load.py
--trace`` (both serving processes, the ROUTINE sender and the benchmark itself, which sends the
FLASH reports). It wraps the store's ``BEGIN`` hook and :meth:`Database.transaction`; for each
write transaction it records one ``db.hold`` event: the database file, who opened it (the
first two callers outside the store), whether it was urgent, when ``BEGIN`` was asked for,
when it had the write lock (an optimistic one: when its first write started), when the
transaction ended (commit and fsync done) and the thread's own CPU at ``BEGIN``, at the lock and
at the end. :func:`report` prints, for JPN's database, each writer's wait, hold, CPU while
holding and CPU in all (summed: a refused optimistic try's is CPU spent for nothing) and, for
the FLASH ``send`` calls, which holders their wait overlapped.
"""

from __future__ import annotations

import contextlib
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

__all__ = ["install", "report"]

_local = threading.local()
_WRITES = ("INSERT", "UPDATE", "DELETE")
_SKIP = ("contextlib", "_database.py", "_context.py", "_lock_trace.py")


def install(emit: Callable[..., None]) -> None:
    """Wrap the store's write-lock points; ``emit(event, **fields)`` records one event."""
    from accord.store import _database  # noqa: PLC0415 - only when tracing

    begin = _database._sqlite_begin_immediate

    def traced_begin(connection: Any) -> None:
        asked, _local.begun = time.monotonic(), time.thread_time()
        begin(connection)
        options = connection.get_execution_options()
        if options.get("accord_read_only"):
            return
        if not options.get("accord_optimistic"):
            _local.held = (asked, time.monotonic(), time.thread_time(), None)
            return
        # An optimistic transaction takes the write lock at its first write: note when that starts.
        raw, first = connection.connection.dbapi_connection, []

        def statement(sql: str) -> None:
            if not first and sql.lstrip()[:6].upper() in _WRITES:
                first.append((time.monotonic(), time.thread_time()))

        raw.set_trace_callback(statement)
        _local.held = (asked, None, None, (raw, first))

    _database._sqlite_begin_immediate = traced_begin  # before any Database registers it
    transaction = _database.Database.transaction.__wrapped__  # type: ignore[attr-defined]

    @contextlib.contextmanager
    def traced(self: Any, *, read_only: bool = False, urgent: bool = False, **more: Any) -> Iterator[Any]:
        _local.held = None
        failed = True
        try:
            with contextlib.contextmanager(transaction)(
                self, read_only=read_only, urgent=urgent, **more
            ) as session:
                yield session
            failed = False
        finally:
            held, _local.held = getattr(_local, "held", None), None
            if held is not None and held[3] is not None:
                raw, first = held[3]
                raw.set_trace_callback(None)
                held = (first[0][0], *first[0], None) if first else None  # no write: no lock
            if held is not None and not read_only:
                asked, locked, cpu, _ = held
                emit(
                    "db.hold",
                    db=str(self.engine.url.database),
                    by=_caller(),
                    urgent=urgent,
                    optimistic=more.get("optimistic", False),
                    asked=asked,
                    locked=locked,
                    cpu_locked=cpu,
                    cpu_begun=getattr(_local, "begun", cpu),
                    failed=failed,
                )

    _database.Database.transaction = traced  # type: ignore[method-assign]


def _caller() -> str:
    frame = sys._getframe(2)  # naming the holder is the point
    names: list[str] = []
    while frame is not None and len(names) < 2:
        path = frame.f_code.co_filename
        if not any(part in path for part in _SKIP):
            names.append(f"{Path(path).stem}.{frame.f_code.co_name}")
        frame = frame.f_back
    return " < ".join(names)


def _pct(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * q // 100) - 1)] if ordered else 0.0


def report(events: Sequence[dict[str, Any]], db: str, roles: dict[int, str], flash_pid: int) -> None:
    """Print the write-lock holders of database ``db`` (``roles``: pid to a name) and what the
    FLASH ``send`` calls of process ``flash_pid`` waited behind."""
    holds = [e for e in events if e["ev"] == "db.hold" and e["db"] == db]
    groups: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for hold in holds:
        how = " (optimistic, refused)" if hold["optimistic"] and hold["failed"] else ""
        how = how or (" (optimistic)" if hold["optimistic"] else " (urgent)" if hold["urgent"] else "")
        hold["how"] = how
        groups.setdefault((roles.get(hold["pid"], str(hold["pid"])), hold["by"] + how), []).append(hold)
    print(f"write transactions on {Path(db).parent.name}'s database (ms):")
    print(
        f"  {'process':9} {'opened by':62} {'n':>5} {'wait p50/p90/max':>20} "
        f"{'held p50/p90/max':>20}  CPU held  CPU, all"
    )
    for (role, by), rows in sorted(groups.items(), key=lambda kv: -sum(_held(e) for e in kv[1])):
        waits, helds = [_wait(e) for e in rows], [_held(e) for e in rows]
        cpus = [(e["cpu"] - e["cpu_locked"]) * 1000 for e in rows]
        spent = sum(e["cpu"] - e.get("cpu_begun", e["cpu_locked"]) for e in rows) * 1000
        print(
            f"  {role:9} {by[:62]:62} {len(rows):5} "
            f"{_pct(waits, 50):6.1f}/{_pct(waits, 90):6.1f}/{max(waits):6.1f} "
            f"{_pct(helds, 50):6.1f}/{_pct(helds, 90):6.1f}/{max(helds):6.1f}  "
            f"{_pct(cpus, 50):6.1f}  {spent:8.0f}"
        )
    flash = [e for e in holds if e["pid"] == flash_pid and e["urgent"]]
    if not flash:
        return
    behind: dict[str, float] = {}
    for own in flash:
        for other in holds:
            if other is own:
                continue
            overlap = min(own["locked"], other["t"]) - max(own["asked"], other["locked"])
            if overlap > 0:
                name = f"{roles.get(other['pid'], other['pid'])}: {other['by']}{other['how']}"
                behind[name] = behind.get(name, 0.0) + overlap * 1000
    waits = [_wait(e) for e in flash]
    print(
        f"FLASH send's wait for the write lock: p50 {_pct(waits, 50):.1f}, p90 {_pct(waits, 90):.1f}, "
        f"max {max(waits):.1f}, total {sum(waits):.0f} ms over {len(flash)} sends; "
        f"held p50 {_pct([_held(e) for e in flash], 50):.1f} ms"
    )
    for name, ms in sorted(behind.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  behind {name[:90]:90} {ms:7.1f} ms")


def _wait(event: dict[str, Any]) -> float:
    return float(event["locked"] - event["asked"]) * 1000


def _held(event: dict[str, Any]) -> float:
    return float(event["t"] - event["locked"]) * 1000

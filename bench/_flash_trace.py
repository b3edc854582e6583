"""Where a FLASH report's time goes: stage timestamps in both serving processes (bench only).

``bench/flash_under_load.py --trace DIR`` starts the two ``accord serve`` processes with
``bench/_trace_site`` on their ``PYTHONPATH``; its ``sitecustomize`` calls :func:`install`,
which wraps a few methods of the delivery (sender) and receiving (receiver) paths — nothing
in ``src/`` knows about it and nothing runs when the variable is unset. Each wrapper appends
one JSON line per stage of a FLASH transmission to ``$ACCORD_BENCH_TRACE_DIR/<pid>.jsonl``
(kept in memory, written when the process exits):

* ``t``: ``time.monotonic()`` (CLOCK_MONOTONIC, one clock for every process of the machine);
* ``cpu``: the thread's own CPU time (``time.thread_time()``),

so that between two stages of one thread the wall time splits into own CPU and the rest:
off a core, waiting for one (the machine's other work), for the GIL (the process's other
threads), for SQLite's write lock or fsync, or for a socket. (The kernel's per-thread
run-queue delay, ``/proc/thread-self/schedstat``, was tried and is unusable here: on this
VM it grows by more than the wall time between two reads.) :func:`stages` joins
the lines with the benchmark's own send times, per FLASH message id.
"""

from __future__ import annotations

import atexit
import contextvars
import functools
import json
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from bench import _lock_trace

__all__ = ["ENV", "STAGES", "flush", "install", "read_events", "stages"]

ENV = "ACCORD_BENCH_TRACE_DIR"

_local = threading.local()
_arrival: contextvars.ContextVar[tuple[float, float] | None] = contextvars.ContextVar("arrival", default=None)
_out: int | None = None


_events: list[dict[str, Any]] = []


def _emit(event: str, **fields: Any) -> None:
    # Kept in memory and written when the process exits: a write per event showed in py-spy.
    _events.append(
        {
            "ev": event,
            "t": time.monotonic(),
            "cpu": time.thread_time(),
            "tid": threading.get_native_id(),
            "pid": os.getpid(),
            **fields,
        }
    )


def flush() -> None:
    """Write the events kept so far (the process's exit does it too)."""
    if _out is not None:
        os.write(_out, "".join(json.dumps(event) + "\n" for event in _events).encode())
        _events.clear()


def _wrap(owner: Any, name: str, make: Callable[[Callable[..., Any]], Callable[..., Any]]) -> None:
    original = getattr(owner, name)  # AttributeError: the path was renamed; fix the tracer
    setattr(owner, name, functools.wraps(original)(make(original)))


def install() -> None:
    """Wrap the FLASH path's stages if ``$ACCORD_BENCH_TRACE_DIR`` is set (else do nothing)."""
    global _out  # noqa: PLW0603 - one output per process
    where = os.environ.get(ENV)
    if not where or _out is not None:
        return
    _out = os.open(Path(where) / f"{os.getpid()}.jsonl", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    atexit.register(flush)  # `accord serve` ends on SIGINT (the benchmark's stop) through its normal exit
    _lock_trace.install(_emit)
    _sender()
    _receiver()


def _sender() -> None:
    from accord.node.transfer import _delivery  # noqa: PLC0415 - only when tracing
    from accord.store import _database  # noqa: PLC0415

    service = _delivery.DeliveryService

    def take(original: Callable[..., Any]) -> Callable[..., Any]:
        def traced(self: Any, peer: str, lane: str, *args: Any, **kwargs: Any) -> Any:
            if lane != "flash":
                return original(self, peer, lane, *args, **kwargs)
            _local.taking = True
            _emit("jpn.take")
            try:
                batch = original(self, peer, lane, *args, **kwargs)
            finally:
                _local.taking = False
            if batch is not None:
                _emit("jpn.signed", tx=batch.tx.id, ids=batch.ordered)
            return batch

        return traced

    def signed(original: Callable[..., Any]) -> Callable[..., Any]:
        def traced(self: Any, peer: str, lane: str, now: Any, due: Any) -> Any:
            if getattr(_local, "taking", False) and due is not None:
                _emit("jpn.read")
            return original(self, peer, lane, now, due)

        return traced

    def post(original: Callable[..., Any]) -> Callable[..., Any]:
        def traced(self: Any, batch: Any, transport: Any) -> Any:
            if batch.lane != "flash":
                return original(self, batch, transport)
            _emit("jpn.post", tx=batch.tx.id)
            try:
                return original(self, batch, transport)
            finally:
                _emit("jpn.answered", tx=batch.tx.id)

        return traced

    def finish(original: Callable[..., Any]) -> Callable[..., Any]:
        def traced(self: Any, batch: Any, body: bytes, *args: Any) -> Any:
            if batch.lane != "flash":
                return original(self, batch, body, *args)
            _emit("jpn.record", tx=batch.tx.id)
            _local.tx, _local.side = batch.tx.id, "jpn"
            try:
                return original(self, batch, body, *args)
            finally:
                _local.tx = None
                _emit("jpn.recorded", tx=batch.tx.id)

        return traced

    _wrap(service, "_take", take)
    _wrap(service, "_signed", signed)
    _wrap(service, "_post", post)
    _wrap(service, "_finish", finish)
    _wrap(_database, "_begin_urgent", _urgent_lock)  # KOR's too: same module, one wrapper


def _urgent_lock(original: Callable[..., Any]) -> Callable[..., Any]:
    def traced(connection: Any) -> Any:
        tx = getattr(_local, "tx", None)
        if tx is None:
            return original(connection)
        side = getattr(_local, "side", "")
        _emit(f"{side}.lock", tx=tx)
        try:
            return original(connection)
        finally:
            _emit(f"{side}.locked", tx=tx)

    return traced


def _receiver() -> None:  # noqa: PLR0915 - one wrapper per stage
    from accord.api import _peer  # noqa: PLC0415 - only when tracing
    from accord.node.transfer import _receiving  # noqa: PLC0415

    async def read_capped(request: Any, cap: int) -> Any:
        started = time.monotonic()
        body = await original_read(request, cap)
        _arrival.set((started, time.monotonic()))
        return body

    original_read = _peer._read_capped
    _peer._read_capped = read_capped

    async def in_thread(function: Callable[..., Any], *args: Any) -> Any:
        arrival = _arrival.get()
        if arrival is None:
            return await original_in_thread(function, *args)
        dispatched = time.monotonic()

        def run(*inner: Any) -> Any:
            _local.arrival = (*arrival, dispatched, time.monotonic(), time.thread_time())
            return function(*inner)

        return await original_in_thread(run, *args)

    original_in_thread = _peer._in_thread
    _peer._in_thread = in_thread

    service = _receiving.ReceivingService

    def ingest(original: Callable[..., Any]) -> Callable[..., Any]:
        def traced(self: Any, body: bytes) -> Any:
            _local.ingest = (time.monotonic(), time.thread_time())
            try:
                return original(self, body)
            finally:
                tx = getattr(_local, "tx", None)
                if tx is not None:
                    _emit("kor.signed", tx=tx)
                _local.tx = None

        return traced

    def verify(original: Callable[..., Any]) -> Callable[..., Any]:
        def traced(self: Any, body: bytes, now: Any) -> Any:
            tx, party = original(self, body, now)
            if _receiving.carries_flash(tx):
                _local.tx, _local.side = tx.id, "kor"
                arrival = getattr(_local, "arrival", None)
                if arrival is not None:
                    body_at, read_at, dispatched, thread_at, cpu = arrival
                    _emit("kor.body", tx=tx.id, t_body=body_at, t_read=read_at, t_dispatch=dispatched)
                    _emit("kor.thread", tx=tx.id, t_at=thread_at, cpu_at=cpu)
                started, cpu = _local.ingest
                _emit("kor.ingest", tx=tx.id, t_at=started, cpu_at=cpu)
                _emit("kor.verified", tx=tx.id)
            return tx, party

        return traced

    def check_all(original: Callable[..., Any]) -> Callable[..., Any]:
        def traced(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(self, *args, **kwargs)
            tx = getattr(_local, "tx", None)
            if tx is not None:
                _emit("kor.checked", tx=tx)
            return result

        return traced

    def write_all(original: Callable[..., Any]) -> Callable[..., Any]:
        def traced(self: Any, *args: Any, **kwargs: Any) -> Any:
            result = original(self, *args, **kwargs)
            tx = getattr(_local, "tx", None)
            if tx is not None:
                _emit("kor.committed", tx=tx)
            return result

        return traced

    _wrap(service, "ingest_transmission", ingest)
    _wrap(service, "_verify_transmission", verify)
    _wrap(service, "_check_all", check_all)
    _wrap(service, "_write_all", write_all)


# --- reading the traces back ---------------------------------------------------------------


def read_events(where: Path) -> list[dict[str, Any]]:
    """Every event written under ``where`` (one file per serving process)."""
    events = []
    for path in sorted(where.glob("*.jsonl")):
        for line in path.read_text().splitlines():
            if line.strip():
                events.append(json.loads(line))
    return events


STAGES = (
    ("send call (bench process)", "send", "sent"),
    ("send returned -> lane takes", "sent", "jpn.take"),
    ("take: hold check, read due rows", "jpn.take", "jpn.read"),
    ("sign the transmission", "jpn.read", "jpn.signed"),
    ("signed -> posted (post thread)", "jpn.signed", "jpn.post"),
    ("posted -> KOR route reads body", "jpn.post", "kor.body"),
    ("body read", "kor.body", "kor.read"),
    ("body read -> handed to a thread", "kor.read", "kor.dispatch"),
    ("handed -> thread runs", "kor.dispatch", "kor.thread"),
    ("thread -> ingest (received_at)", "kor.thread", "kor.ingest"),
    ("verify transmission signature", "kor.ingest", "kor.verified"),
    ("checks (HPKE, bindings, label)", "kor.verified", "kor.checked"),
    ("write: draft items", "kor.checked", "kor.lock"),
    ("write: wait for SQLite's write lock", "kor.lock", "kor.locked"),
    ("write: store, seal, commit (fsync)", "kor.locked", "kor.committed"),
    ("receipt batch signed", "kor.committed", "kor.signed"),
    ("KOR answered -> JPN has answer", "kor.signed", "jpn.answered"),
    ("JPN: answer -> recording starts", "jpn.answered", "jpn.record"),
    ("JPN: wait for SQLite's write lock", "jpn.lock", "jpn.locked"),
    ("JPN: verify and store receipts", "jpn.locked", "jpn.recorded"),
)
"""(label, from, to) between the joined events of one FLASH message (:func:`stages`)."""


def _by_tx(events: Iterable[dict[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Per transmission id, its events by name (the first of each name)."""
    found: dict[str, dict[str, dict[str, Any]]] = {}
    for event in events:
        tx = event.get("tx")
        if tx is None:
            continue
        stages_of = found.setdefault(tx, {})
        name = event["ev"]
        if name == "kor.body":
            for key, field in (
                ("kor.body", "t_body"),
                ("kor.read", "t_read"),
                ("kor.dispatch", "t_dispatch"),
            ):
                stages_of.setdefault(key, {"t": event[field]})
            continue
        if name in ("kor.thread", "kor.ingest"):
            stages_of.setdefault(name, {"t": event["t_at"], "cpu": event["cpu_at"], "tid": event["tid"]})
            continue
        stages_of.setdefault(name, event)
    return found


def stages(
    events: Sequence[dict[str, Any]], sends: dict[str, tuple[float, float]]
) -> dict[str, dict[str, dict[str, Any]]]:
    """Per FLASH message id, its stage events: ``sends`` gives the bench's (called, returned)
    monotonic times; the rest comes from the transmission (and its JPN take) that carried it."""
    by_tx = _by_tx(events)
    take_of: dict[str, dict[str, Any]] = {}
    carried_by: dict[str, str] = {}
    pending_take: dict[int, dict[str, Any]] = {}
    posted = {event["tx"] for event in events if event["ev"] == "jpn.post"}
    for event in sorted(events, key=lambda e: e["t"]):
        if event["ev"] == "jpn.take":
            pending_take[event["tid"]] = event
        elif event["ev"] == "jpn.read" and event["tid"] in pending_take:
            pending_take[event["tid"]]["read"] = event
        elif event["ev"] == "jpn.signed":
            started = pending_take.pop(event["tid"], None)
            if event["tx"] in posted:  # a transmission taken again before it was posted is not
                for message_id in event["ids"]:
                    carried_by.setdefault(message_id, event["tx"])
            if started is not None:
                take_of[event["tx"]] = started
    joined: dict[str, dict[str, dict[str, Any]]] = {}
    for message_id, (called, returned) in sends.items():
        row: dict[str, dict[str, Any]] = {"send": {"t": called}, "sent": {"t": returned}}
        tx = carried_by.get(message_id)
        if tx is not None:
            row.update(by_tx.get(tx, {}))
            if tx in take_of:
                row["jpn.take"] = take_of[tx]
                if "read" in take_of[tx]:
                    row["jpn.read"] = take_of[tx]["read"]
        joined[message_id] = row
    return joined

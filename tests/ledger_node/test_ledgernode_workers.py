"""Several workers of one node: one sealer elected among processes, journal rows sealed in ``seq`` order.

Issue 14: worker processes sharing one PostgreSQL database; exactly one seals (a
session-level advisory lock, :class:`~accord.store.SealerLock`), another takes over when it
is killed; and rows that commit out of ``seq`` order are still sealed in ``seq`` order
(:mod:`accord.store._journal_order`, ADR 0009).
"""

from __future__ import annotations

import os
import queue
import random
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session
from support_ledgernode import Maker, journal, scalar

import accord
from accord.errors import StorageError
from accord.node import Node
from accord.store import Database, NewEvent, SealerLock, append_event
from accord.store._sealer_lock import _key

WORKER = Path(__file__).with_name("worker_process.py")
SRC = Path(accord.__file__).resolve().parents[1]
PG_ONLY = pytest.mark.parametrize("node_database_url", ["postgresql"], indirect=True)


def assert_sealed_once_in_seq_order(node: Node) -> int:
    """Every journal row is one leaf, leaves 0..n-1 follow ``seq`` order, and the ledger verifies."""
    node.ledger.seal()
    rows = scalar(node, "SELECT count(*) FROM journal")
    assert scalar(node, "SELECT count(*) FROM journal WHERE leaf IS NULL") == 0
    assert scalar(node, "SELECT count(DISTINCT leaf) FROM journal") == rows
    assert scalar(node, "SELECT max(leaf) FROM journal") == rows - 1
    assert node.ledger.size() == rows
    with node.ctx.db.engine.connect() as conn:
        by_leaf = [seq for (seq,) in conn.execute(text("SELECT seq FROM journal ORDER BY leaf"))]
    assert by_leaf == sorted(by_leaf), "a row was sealed after a row of a higher seq"
    report = node.ledger.verify(actor="auditor")
    assert report.ok, report.findings
    return int(rows)


# --- journal order -------------------------------------------------------------------------------


def test_rows_that_commit_out_of_seq_order_are_sealed_in_seq_order(
    make_node: Maker, node_database_url: str
) -> None:
    """Writers hold their transaction open after the insert, so a later seq often commits first."""
    node = make_node("JPN", "jpn-mod", node_database_url)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer(seed: int) -> None:
        rng = random.Random(seed)  # noqa: S311 - timings, not secrets
        try:
            for n in range(40):
                with node.ctx.db.transaction() as session:
                    for k in range(rng.randint(1, 3)):
                        append_event(
                            session,
                            NewEvent(
                                at=node.ctx.now(),
                                actor=f"w{seed}",
                                action="test.write",
                                outcome="ok",
                                detail={"n": n, "k": k},
                            ),
                        )
                    time.sleep(rng.uniform(0.0, 0.01))
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def sealer() -> None:
        try:
            while not stop.is_set():
                node.ledger.seal()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    writers = [threading.Thread(target=writer, args=(seed,)) for seed in range(4)]
    sealers = [threading.Thread(target=sealer) for _ in range(2)]
    for thread in [*writers, *sealers]:
        thread.start()
    for thread in writers:
        thread.join(120)
    stop.set()
    for thread in sealers:
        thread.join(60)
    assert errors == []
    assert node.ledger.checkpoints(limit=2), "the sealers sealed while the writers wrote"
    assert assert_sealed_once_in_seq_order(node) > 160


@pytest.mark.postgres
@PG_ONLY
def test_a_seal_leaves_a_row_whose_lower_seq_is_still_uncommitted(
    make_node: Maker, node_database_url: str
) -> None:
    """Row 11 committed, row 10 still open: the seal waits for row 10's writer, then leaves both."""
    node = make_node("JPN", "jpn-mod", node_database_url)
    node.ledger.seal()
    before = node.ledger.size()
    with node.ctx.db.transaction() as early:
        append_event(early, NewEvent(at=node.ctx.now(), actor="early", action="test.write", outcome="ok"))
        with node.ctx.db.transaction() as late:
            append_event(late, NewEvent(at=node.ctx.now(), actor="late", action="test.write", outcome="ok"))
        # "late" has committed with the higher seq; "early" is still open.
        assert node.ledger.seal() is None
        assert node.ledger.size() == before
    node.ledger.seal()
    assert node.ledger.size() == before + 2
    assert_sealed_once_in_seq_order(node)


@pytest.mark.postgres
@PG_ONLY
def test_a_writer_rolled_back_after_taking_a_seq_does_not_stop_sealing(
    make_node: Maker, node_database_url: str
) -> None:
    node = make_node("JPN", "jpn-mod", node_database_url)

    class Undo(Exception):
        pass

    def undone() -> None:
        with node.ctx.db.transaction() as session:
            event = NewEvent(at=node.ctx.now(), actor="gone", action="test.write", outcome="ok")
            append_event(session, event)
            raise Undo

    with pytest.raises(Undo):
        undone()
    with node.ctx.db.transaction() as session:
        append_event(session, NewEvent(at=node.ctx.now(), actor="kept", action="test.write", outcome="ok"))
    node.ledger.seal()
    assert scalar(node, "SELECT count(*) FROM journal WHERE leaf IS NULL") == 0
    assert_sealed_once_in_seq_order(node)


# --- the sealer lock -----------------------------------------------------------------------------


def test_on_sqlite_every_process_holds_the_sealer_lock(make_node: Maker) -> None:
    node = make_node("JPN", "jpn-mod")
    first, second = SealerLock(node.ctx.db), SealerLock(node.ctx.db)
    assert first.hold()
    assert second.hold()
    assert first.held
    assert second.held


def _holder_pid(db: Database) -> int | None:
    with db.engine.connect() as conn:
        schema = str(conn.exec_driver_sql("SELECT current_schema()").scalar())
        key = _key(schema) & 0xFFFFFFFFFFFFFFFF
        found = conn.execute(
            text(
                "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 1"
                " AND classid = :hi AND objid = :lo"
                " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            ),
            {"hi": key >> 32, "lo": key & 0xFFFFFFFF},
        ).scalar()
    return None if found is None else int(found)


@pytest.mark.postgres
@PG_ONLY
def test_one_sealer_lock_holder_and_a_takeover_when_its_connection_drops(
    make_node: Maker, node_database_url: str
) -> None:
    node = make_node("JPN", "jpn-mod", node_database_url)
    one, two = Database(node_database_url), Database(node_database_url)
    a, b = SealerLock(one), SealerLock(two)
    try:
        assert a.hold()
        assert not b.hold()
        assert a.hold(), "the holder keeps it"
        assert not b.hold()
        holder = _holder_pid(node.ctx.db)
        assert holder is not None
        # The holder's connection drops (its process died): the server releases the lock.
        with node.ctx.db.engine.connect() as conn:
            assert conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": holder}).scalar()
        deadline = time.monotonic() + 30
        while not b.hold() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert b.held
        with pytest.raises(StorageError):
            a.hold()  # the old holder notices that its connection dropped
        assert not a.held
        assert not a.hold(), "on a new connection, it finds the lock taken"
        b.release()
        assert a.hold()
    finally:
        a.release()
        b.release()
        one.dispose()
        two.dispose()


# --- worker processes ----------------------------------------------------------------------------


class Worker:
    """A ``worker_process.py`` process and the lines it printed."""

    def __init__(self, home: Path, name: str) -> None:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), os.environ.get("PYTHONPATH", "")])}
        self.process = subprocess.Popen(
            [sys.executable, str(WORKER), str(home), name],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            env=env,
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.strip())

    def wait_for(self, line: str, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while line not in self.seen:
            try:
                self.seen.append(self.lines.get(timeout=max(0.0, deadline - time.monotonic())))
            except queue.Empty:
                return False
        return True

    def drain(self) -> list[str]:
        while True:
            try:
                self.seen.append(self.lines.get_nowait())
            except queue.Empty:
                return self.seen

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(30)
        self._reader.join(30)
        if self.process.stdout is not None:
            self.process.stdout.close()


@pytest.fixture
def workers() -> Iterator[list[Worker]]:
    started: list[Worker] = []
    yield started
    for worker in started:
        worker.kill()


@pytest.mark.postgres
@pytest.mark.slow
@PG_ONLY
def test_one_worker_process_seals_and_another_takes_over_when_it_is_killed(
    make_node: Maker, node_database_url: str, workers: list[Worker]
) -> None:
    node = make_node("JPN", "jpn-mod", node_database_url)
    home = node.ctx.home.root
    first = Worker(home, "first")
    workers.append(first)
    assert first.wait_for("sealing True", 60), first.drain()
    second = Worker(home, "second")
    workers.append(second)
    assert second.wait_for("sealing False", 60), second.drain()
    # Both journal and run their sealers for a few rounds; only the first seals.
    grown = node.ledger.size()
    time.sleep(3)
    assert node.ledger.size() > grown, "the holder seals"
    assert "sealing True" not in second.drain()
    lines = first.drain()
    assert "sealing False" not in lines[lines.index("sealing True") :], "the holder kept the lock"

    first.process.send_signal(signal.SIGKILL)
    killed = time.monotonic()
    first.process.wait(30)
    assert second.wait_for("sealing True", 30), second.drain()
    print(f"the second worker took over {time.monotonic() - killed:.2f} s after the kill")
    grown = node.ledger.size()
    time.sleep(2)
    assert node.ledger.size() > grown, "the new holder seals"

    second.process.send_signal(signal.SIGTERM)
    second.process.wait(60)
    assert any(line.startswith("stopped ") for line in second.drain()), second.drain()
    assert assert_sealed_once_in_seq_order(node) > 100


@pytest.mark.slow
def test_two_processes_sealing_one_sqlite_file_stay_correct(make_node: Maker, workers: list[Worker]) -> None:
    """SQLite has no sealer election: both seal (as ``accord ledger seal`` beside ``accord serve`` does)."""
    node = make_node("JPN", "jpn-mod")
    home = node.ctx.home.root
    workers.extend([Worker(home, "first"), Worker(home, "second")])
    for worker in workers:
        assert worker.wait_for("sealing True", 60), worker.drain()
    time.sleep(3)
    for worker in workers:
        worker.process.send_signal(signal.SIGTERM)
    for worker in workers:
        worker.process.wait(60)
        assert any(line.startswith("stopped ") for line in worker.drain()), worker.drain()
    assert assert_sealed_once_in_seq_order(node) > 100


def _holds_journal_order(session: Session) -> bool:
    """Whether this session's transaction holds the journal-order lock (in ``pg_locks``)."""
    found = session.execute(
        text(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND objsubid = 2"
            " AND pid = pg_backend_pid() AND objid = hashtext(current_schema())::oid"
        )
    ).scalar()
    return bool(found)


@pytest.mark.postgres
@PG_ONLY
def test_a_journal_insert_after_a_rolled_back_savepoint_takes_the_lock_again(
    make_node: Maker, node_database_url: str
) -> None:
    """A savepoint rolled back releases the lock taken in it; the next journal insert must take it again."""
    node = make_node("JPN", "jpn-mod", node_database_url)

    def event(actor: str) -> NewEvent:
        return NewEvent(at=node.ctx.now(), actor=actor, action="test.write", outcome="ok")

    with node.ctx.db.transaction() as session:
        assert not _holds_journal_order(session)
        savepoint = session.begin_nested()
        append_event(session, event("undone"))
        assert _holds_journal_order(session)
        savepoint.rollback()
        assert not _holds_journal_order(session)
        append_event(session, event("kept"))
        assert _holds_journal_order(session)
        with session.begin_nested():
            append_event(session, event("nested"))  # held by the outer transaction already
        assert _holds_journal_order(session)
    with node.ctx.db.transaction() as session:
        assert not _holds_journal_order(session), "the lock ends with its transaction"


@pytest.mark.postgres
@PG_ONLY
def test_only_the_holder_seals_but_a_flash_seal_does_not_wait_for_it(
    make_node: Maker, node_database_url: str
) -> None:
    node = make_node("JPN", "jpn-mod", node_database_url)
    elsewhere = Database(node_database_url)
    holder = SealerLock(elsewhere)  # another worker process, as far as this one can tell
    worker = node.worker()
    try:
        assert holder.hold()
        node.ledger.seal()
        size = node.ledger.size()
        journal(node, 2)
        worker._seal()
        assert not worker.sealing
        assert node.ledger.size() == size, "a worker that does not hold the sealer lock does not seal"
        node.ctx.flash_committed()  # FLASH work committed in this worker: it seals at once itself
        assert node.ledger.size() == size + 2
        journal(node, 1)
        holder.release()  # the holder died
        worker._seal()
        assert worker.sealing
        assert node.ledger.size() == size + 3
    finally:
        worker.stop()
        holder.release()
        elsewhere.dispose()

"""Scale-out on PostgreSQL (issue 14): ``accord serve --workers 2`` on both nodes, workers killed.

JPN and KOR each run as ``accord serve --workers 2`` (a parent and two worker processes that
share the node's ports and its PostgreSQL schema). JPN makes ``ACCORD_SCALE_ITEMS`` ROUTINE
reports beforehand (the issue asks 10,000; the default keeps the test near a minute on a quiet
machine) and sends them in waves while the test kills a worker of the sender or of the receiver
with SIGKILL, ``ACCORD_SCALE_KILLS`` times spread over the delivery; the parent starts each
again. Midway through the backlog one FLASH report is sent: it must be held at KOR before the
ROUTINE backlog queued before it is. At the end every report is held at KOR exactly once (one
holding, one inbox row, one ``item.receive``), and every envelope is receipted at JPN with a
stored receipt. The first kill is of the worker that holds KOR's sealer lock: another worker
must take the lock over, and both ledgers verify at the end.

And SQLite refuses ``--workers 2`` with the CLI's invalid-input exit code.
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import subprocess
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from crash_support import accord_script, free_port

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewNode, NewUser, Node, example_agreement, federate
from accord.node.transfer._control import NO_ITEM
from accord.store._sealer_lock import _key
from support_federation import JPN_KOR_GSOMIA

POSTGRES_ENV = "ACCORD_TEST_POSTGRES_URL"
ITEMS = int(os.environ.get("ACCORD_SCALE_ITEMS", "200"))
KILLS = int(os.environ.get("ACCORD_SCALE_KILLS", "4"))
WAVES = 10
DEADLINE_SECONDS = float(os.environ.get("ACCORD_SCALE_DEADLINE", "600"))


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


@pytest.fixture
def postgres_base() -> str:
    base = os.environ.get(POSTGRES_ENV)
    if not base:
        pytest.skip(f"the workers test needs PostgreSQL: set {POSTGRES_ENV}")
    return base


@contextlib.contextmanager
def _schemas(base: str, count: int) -> Iterator[list[str]]:
    import psycopg

    names = [f"w_{uuid.uuid4().hex[:12]}" for _ in range(count)]
    with psycopg.connect(_plain(base), autocommit=True) as conn:
        for name in names:
            conn.execute(f'CREATE SCHEMA "{name}"')
    try:
        yield names
    finally:
        with psycopg.connect(_plain(base), autocommit=True) as conn:
            for name in names:
                conn.execute(f'DROP SCHEMA "{name}" CASCADE')


def _url(base: str, schema: str) -> str:
    # As the other PostgreSQL tests: the schema on the search path, commits not waiting for
    # the WAL flush (the test does not survive a server crash; the workers' deaths it does).
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options=-csearch_path%3D{schema}%20-csynchronous_commit%3Doff"


@dataclass
class Pool:
    """One node's ``accord serve --workers 2``: the parent, and its workers to kill."""

    name: str
    home: Path
    port: int
    log: Path
    process: subprocess.Popen[bytes] | None = None
    kills: list[int] = field(default_factory=list)

    def start(self, workers: int = 2) -> None:
        env = {k: v for k, v in os.environ.items() if k != "ACCORD_HOME"}
        env["PYTHONIOENCODING"] = "utf-8"
        with self.log.open("ab") as out:
            self.process = subprocess.Popen(
                [
                    accord_script(),
                    "--home",
                    str(self.home),
                    "serve",
                    "--workers",
                    str(workers),
                    "--api-port",
                    "0",
                ],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,
            )
        deadline = time.monotonic() + 60
        while len(self.workers()) < workers:
            assert self.process.poll() is None, f"{self.name} exited:\n{self.text()}"
            assert time.monotonic() < deadline, f"{self.name}: workers did not start:\n{self.text()}"
            time.sleep(0.1)

    def workers(self) -> list[int]:
        """The parent's child processes now."""
        assert self.process is not None
        path = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [int(pid) for pid in path.read_text().split()] if path.exists() else []

    def kill_a_worker(self, rng: random.Random) -> None:
        """SIGKILL one worker, and wait until the parent has started another in its place."""
        running = self.workers()
        assert running, f"{self.name} has no worker to kill:\n{self.text()}"
        victim = rng.choice(running)
        with contextlib.suppress(ProcessLookupError):
            os.kill(victim, signal.SIGKILL)
        self.kills.append(victim)
        deadline = time.monotonic() + 60
        while victim in (now := self.workers()) or len(now) < len(running):
            assert time.monotonic() < deadline, f"{self.name}: no worker replaced {victim}:\n{self.text()}"
            time.sleep(0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(40)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(10)

    def text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


def _local_ports(pid: int) -> set[int]:
    """The local TCP ports of process ``pid``'s sockets (from ``/proc``; none once it is gone)."""
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = str(fd.readlink())
                if target.startswith("socket:["):
                    inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    return ports


def _sealer(url: str, schema: str, pool: Pool) -> int | None:
    """The worker of ``pool`` that holds the node's sealer lock now (ADR 0009), if any.

    The lock's holder is a PostgreSQL backend (``pg_locks``); its client port
    (``pg_stat_activity``) is a local port of exactly one worker.
    """
    key = _key(schema) & 0xFFFFFFFFFFFFFFFF
    rows = _query(
        url,
        "SELECT a.client_port FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
        " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 1 AND l.classid = %s AND l.objid = %s",
        (key >> 32, key & 0xFFFFFFFF),
    )
    if not rows:
        return None
    port = int(str(rows[0][0]))
    return next((pid for pid in pool.workers() if port in _local_ports(pid)), None)


def _kill_the_sealer(url: str, schema: str, pool: Pool) -> float:
    """SIGKILL the worker that seals; the seconds until another worker holds the lock."""
    deadline = time.monotonic() + 60
    while (sealer := _sealer(url, schema, pool)) is None:
        assert time.monotonic() < deadline, f"{pool.name}: no worker holds the sealer lock:\n{pool.text()}"
        time.sleep(0.1)
    os.kill(sealer, signal.SIGKILL)
    killed = time.monotonic()
    pool.kills.append(sealer)
    while (other := _sealer(url, schema, pool)) is None or other == sealer:
        assert time.monotonic() - killed < 60, (
            f"{pool.name}: the sealer lock was not taken over:\n{pool.text()}"
        )
        time.sleep(0.1)
    return time.monotonic() - killed


def _ledger_verifies(home: Path) -> None:
    """``accord ledger verify`` passes on the node at ``home`` (every leaf, tree node, checkpoint)."""
    done = subprocess.run(
        [accord_script(), "--home", str(home), "ledger", "verify"],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def _make_nodes(root: Path, urls: list[str]) -> tuple[Path, Path, int, int]:
    jpn_port, kor_port = free_port(), free_port()
    while kor_port == jpn_port:
        kor_port = free_port()
    jpn = Node.init(
        root / "jpn",
        NewNode(
            party="JPN", node_id="jpn-mod", endpoint=f"https://127.0.0.1:{jpn_port}", database_url=urls[0]
        ),
    )
    kor = Node.init(
        root / "kor",
        NewNode(
            party="KOR", node_id="kor-mnd", endpoint=f"https://127.0.0.1:{kor_port}", database_url=urls[1]
        ),
    )
    try:
        federate([jpn, kor], example_agreement(JPN_KOR_GSOMIA), in_force_on=date(2016, 11, 23))
        jpn.users.add(
            NewUser("sato", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority"
        )
    finally:
        jpn.close()
        kor.close()
    return root / "jpn", root / "kor", jpn_port, kor_port


def _make(node: Node, index: int, precedence: Precedence) -> str:
    label = LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"])
    content = ItemContent(
        ItemKind.REPORT, f"Report {index}", f"DPRK missile activity {index}. " + "x" * 400, "Assessment"
    )
    return node.items.create(NewItem(content, label, precedence), actor="sato").id


def _query(url: str, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    import psycopg
    from sqlalchemy.engine import make_url

    schema = make_url(url).query["options"].split("search_path=")[1].split(" ")[0]
    with psycopg.connect(_plain(url.split("?", maxsplit=1)[0]), autocommit=True) as conn:
        conn.execute(f'SET search_path TO "{schema}"')
        return list(conn.execute(sql, params).fetchall())  # type: ignore[arg-type]


@dataclass
class Run:
    """The two nodes of the test: their databases and their worker pools."""

    urls: list[str]
    schemas: list[str]
    jpn: Pool
    kor: Pool

    def logs(self) -> str:
        return f"{self.jpn.text()[-4000:]}\n{self.kor.text()[-4000:]}"


def _send_with_kills(run: Run, node: Node, ids: list[str], rng: random.Random) -> tuple[str, float]:
    """Send ``ids`` (and one FLASH midway) while killing workers; the FLASH id, the sealer's takeover."""
    total = len(ids) + 1
    # Kills spread over the delivery: one each time another 1/(KILLS+1) is receipted.
    kill_at = [total * (k + 1) // (KILLS + 1) for k in range(KILLS)]
    per_wave = max(1, len(ids) // WAVES)
    began = time.monotonic()
    # The first half at once, then the FLASH report: a backlog that is certainly still waiting
    # or being checked when the FLASH is queued (smaller waves could be delivered as fast as
    # they were queued, leaving nothing to overtake).
    queued = len(ids) // 2
    node.sending.send_many(ids[:queued], to="KOR", actor="sato")
    flash_id = _make(node, len(ids), Precedence.FLASH)
    node.sending.send(flash_id, to="KOR", actor="sato")
    takeover: float | None = None
    while queued < len(ids) or kill_at:
        if queued < len(ids):  # `accord send ITEM…`: a wave in one transaction
            wave = ids[queued : queued + per_wave]
            node.sending.send_many(wave, to="KOR", actor="sato")
            queued += len(wave)
        done = _receipted(run.urls[0])
        while kill_at and done >= kill_at[0]:
            kill_at.pop(0)
            if takeover is None:  # the first kill is of the worker that seals KOR's ledger
                takeover = _kill_the_sealer(run.urls[1], run.schemas[1], run.kor)
            else:
                (run.jpn if rng.random() < 0.5 else run.kor).kill_a_worker(rng)
        assert time.monotonic() - began < DEADLINE_SECONDS, f"{done} of {total} receipted:\n{run.logs()}"
        time.sleep(0.3)
    assert takeover is not None, "the sealer was never killed"
    return flash_id, takeover


@pytest.mark.postgres
@pytest.mark.slow
def test_two_workers_per_node_deliver_exactly_once_while_workers_are_killed(
    tmp_path: Path, postgres_base: str
) -> None:
    rng = random.Random(14)  # noqa: S311 - which worker to kill, and when
    started = time.monotonic()
    with _schemas(postgres_base, 2) as schemas:
        urls = [_url(postgres_base, s) for s in schemas]
        jpn_home, kor_home, jpn_port, kor_port = _make_nodes(tmp_path, urls)
        jpn_pool = Pool("JPN", jpn_home, jpn_port, tmp_path / "jpn.log")
        kor_pool = Pool("KOR", kor_home, kor_port, tmp_path / "kor.log")
        run = Run(urls, schemas, jpn_pool, kor_pool)
        node = Node.open(jpn_home)
        try:
            # Made beforehand (as bench/exchange_throughput does): the run measures delivery.
            ids = [_make(node, i, Precedence.ROUTINE) for i in range(ITEMS)]
            kor_pool.start()
            jpn_pool.start()
            began = time.monotonic()
            flash_id, takeover = _send_with_kills(run, node, ids, rng)
            sent = time.monotonic()
            _wait_until_receipted(urls[0], len(ids) + 1, began, jpn_pool, kor_pool)
            drained = time.monotonic()
            print(  # the figures of a run (pytest -s): the issue asks them for 10,000 reports
                f"\nworkers test: {len(ids)} ROUTINE + 1 FLASH; setup, making them {began - started:.1f} s, "
                f"sending with {KILLS} kills {sent - began:.1f} s, until the last receipt "
                f"{drained - sent:.1f} s more; {len(ids) + 1} in {drained - began:.1f} s "
                f"({(len(ids) + 1) / (drained - began):.0f} items/s); KOR's sealer lock taken over "
                f"{takeover:.2f} s after its holder was killed"
            )
        finally:
            node.close()
            jpn_pool.stop()
            kor_pool.stop()

        _assert_exactly_once(urls, [*ids, flash_id])
        _assert_flash_first(urls[1], flash_id, ids)
        for home in (jpn_home, kor_home):
            _ledger_verifies(home)
        restarts = jpn_pool.text().count("starting it again") + kor_pool.text().count("starting it again")
        assert restarts == len(jpn_pool.kills) + len(kor_pool.kills) == KILLS, (
            jpn_pool.text(),
            kor_pool.text(),
        )


def _receipted(jpn_url: str) -> int:
    rows = _query(
        jpn_url, "SELECT count(*) FROM outbox WHERE item_id != %s AND status = 'receipted'", (NO_ITEM,)
    )
    return int(str(rows[0][0]))


def _wait_until_receipted(jpn_url: str, expected: int, began: float, *pools: Pool) -> None:
    while (done := _receipted(jpn_url)) < expected:
        if time.monotonic() - began > DEADLINE_SECONDS:
            pytest.fail(f"{done} of {expected} receipted:\n" + "\n".join(p.text()[-4000:] for p in pools))
        time.sleep(0.3)


def _assert_exactly_once(urls: list[str], ids: list[str]) -> None:
    jpn_url, kor_url = urls
    outbox = _query(jpn_url, "SELECT item_id, message_id, status FROM outbox WHERE item_id != %s", (NO_ITEM,))
    assert sorted(str(r[0]) for r in outbox) == sorted(ids)  # one envelope per item
    assert {str(r[2]) for r in outbox} == {"receipted"}
    receipts = _query(jpn_url, "SELECT message_id FROM receipts WHERE item_id != %s", (NO_ITEM,))
    assert sorted(str(r[0]) for r in receipts) == sorted(str(r[1]) for r in outbox)
    held = _query(kor_url, "SELECT id FROM items")
    assert sorted(str(r[0]) for r in held) == sorted(ids)
    inbox = _query(kor_url, "SELECT message_id FROM inbox_messages WHERE item_id != %s", (NO_ITEM,))
    assert sorted(str(r[0]) for r in inbox) == sorted(str(r[1]) for r in outbox)
    received = _query(kor_url, "SELECT item_id FROM journal WHERE action = 'item.receive'")
    assert sorted(str(r[0]) for r in received) == sorted(ids)
    assert _query(kor_url, "SELECT count(*) FROM quarantine")[0][0] == 0


def _assert_flash_first(kor_url: str, flash_id: str, routine: list[str]) -> None:
    """The FLASH report was held before the ROUTINE backlog queued in front of it was.

    Held means its ``item.receive`` was written: journal order (``seq``, taken in write order on
    PostgreSQL, ADR 0009), not ``received_at``, which is when a transmission arrived and so the
    same for every envelope of a ROUTINE transmission that left before the FLASH was queued.
    """
    rows = {
        str(item): int(str(seq))
        for item, seq in _query(kor_url, "SELECT item_id, seq FROM journal WHERE action = 'item.receive'")
    }
    flash_at = rows[flash_id]
    half = len(routine) // 2
    before = [rows[i] for i in routine[:half]]
    assert flash_at < max(before), (
        f"FLASH held at journal seq {flash_at}, after all {half} ROUTINE reports queued before it "
        f"(last {max(before)})"
    )


def test_sqlite_refuses_more_than_one_worker(tmp_path: Path) -> None:
    home = tmp_path / "jpn"
    Node.init(
        home, NewNode(party="JPN", node_id="jpn-mod", endpoint=f"https://127.0.0.1:{free_port()}")
    ).close()
    done = subprocess.run(
        [accord_script(), "--home", str(home), "serve", "--workers", "2"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        env={k: v for k, v in os.environ.items() if k != "ACCORD_HOME"},
    )
    assert done.returncode == 3, done
    assert "--workers 2 needs the node's database on PostgreSQL" in done.stderr, done.stderr

"""What the benchmarks share: a served JPN–KOR federation, a large inbox, RSS sampling, percentiles.

The federation is set up as the tests' ``federation`` fixture does (pinned identity cards,
the Japan–ROK GSOMIA signed by both and imported, entry-into-force notes exchanged, one
analyst per side), but with the real clock and with endpoints on free ports of 127.0.0.1,
so that both nodes can be served for real: as ``accord serve`` subprocesses (each node has
its own interpreter, GIL and core) or in this process with ``accord.cli._serve.running``.

:func:`receive_reports` and :func:`fill_inbox` build the large inbox the inbox and console
benchmarks read: real reports delivered JPN → KOR, then copies of their rows. psutil (a
``bench`` extra) is imported by :class:`RssSampler` only, so the rest needs no extra.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from sqlalchemy import insert, select

from accord.agreements import NoteKind
from accord.cli._demo_cmd import free_ports
from accord.cli._serve import running
from accord.items import ItemContent, ItemKind, Precedence
from accord.markings import Marking
from accord.node import LabelRequest, NewItem, NewNode, NewUser, Node, NoteDraft, example_agreement
from accord.node.holdings._access_keys import keep_access_key
from accord.store import ItemRow

__all__ = [
    "Federation",
    "Loopback",
    "RssSampler",
    "Served",
    "built_once",
    "cpu_seconds",
    "fill_inbox",
    "held_items",
    "make_federation",
    "medallion_command",
    "parse_stamp",
    "percentile",
    "receive_reports",
    "report_content",
    "serve_in_process",
    "serve_subprocesses",
    "start_serve",
    "stop_all",
]

BIN = Path(sys.executable).parent
AGREEMENT_FILE = "jpn-kor-gsomia-2016.toml"
ENTRY_INTO_FORCE = date(2016, 11, 23)
MB = 1_000_000
MIB = 1024 * 1024


@dataclass
class Federation:
    """Two open nodes under the Japan–ROK GSOMIA, in force, with their homes and ports."""

    root: Path
    jpn: Node
    kor: Node
    ports: tuple[int, int]
    agreement_id: str

    @property
    def homes(self) -> dict[str, Path]:
        """The node homes by party."""
        return {"JPN": self.root / "jpn", "KOR": self.root / "kor"}

    def close(self) -> None:
        """Close both nodes' database connections."""
        self.jpn.close()
        self.kor.close()


def make_federation(root: Path, database_urls: tuple[str | None, str | None] = (None, None)) -> Federation:
    """Create JPN and KOR nodes under ``root`` with the agreement in force and analysts.

    ``database_urls``: each node's database (None: SQLite in its home), e.g. PostgreSQL schemas.
    """
    ports = free_ports(2)
    jpn, kor = (
        Node.init(
            root / party.lower(),
            NewNode(party=party, node_id=node_id, endpoint=f"https://127.0.0.1:{port}", database_url=url),
        )
        for party, node_id, port, url in zip(
            ("JPN", "KOR"), ("jpn-mod", "kor-mnd"), ports, database_urls, strict=True
        )
    )
    jpn.parties.add(kor.parties.own_card().to_json(), actor="authority")
    kor.parties.add(jpn.parties.own_card().to_json(), actor="authority")
    text = example_agreement(AGREEMENT_FILE)
    signatures = [n.agreements.sign(text, actor="authority").to_json() for n in (jpn, kor)]
    agreement_id = ""
    for n in (jpn, kor):
        agreement, _ = n.agreements.import_(text, signatures, actor="authority")
        agreement_id = agreement.id
    for n, other in ((jpn, kor), (kor, jpn)):
        note = n.agreements.issue_note(
            agreement_id, NoteDraft(NoteKind.ENTRY_INTO_FORCE, on=ENTRY_INTO_FORCE), actor="authority"
        )
        other.agreements.import_note(note.to_json(), actor="authority")
    topics = ["DPRK-MISSILE", "DPRK-IMAGERY"]
    jpn.users.add(NewUser("sato", role="officer", clearance="極秘", ntk=topics), actor="authority")
    kor.users.add(NewUser("kim", role="officer", clearance="군사Ⅱ급비밀", ntk=topics), actor="authority")
    return Federation(root, jpn, kor, (ports[0], ports[1]), agreement_id)


def report_content(index: int, size: int = 4096, kind: ItemKind = ItemKind.REPORT) -> ItemContent:
    """A report whose body is ``size`` characters of ASCII (so ``size`` bytes of UTF-8)."""
    head = f"Report {index}: DPRK missile activity assessment. "
    body = (head + "x" * size)[:size]
    return ItemContent(kind, f"Benchmark report {index}", body, "Assessment of DPRK missile activity")


def create_reports(
    node: Node, count: int, *, precedence: Precedence = Precedence.ROUTINE, size: int = 4096
) -> tuple[list[str], float]:
    """Create ``count`` 4-KiB reports at JPN releasable to KOR; return their ids and the seconds taken."""
    label = LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"])
    ids = []
    start = time.perf_counter()
    for i in range(count):
        view = node.items.create(NewItem(report_content(i, size), label, precedence), actor="sato")
        ids.append(view.id)
    return ids, time.perf_counter() - start


# --- a large inbox at KOR ---------------------------------------------------------------


class Loopback:
    """Hands a transmission straight to the receiving node (no network)."""

    def __init__(self, node: Node) -> None:
        self.node = node

    def post_transmission(self, body: bytes) -> bytes:
        return self.node.receiving.receive_transmission(body)

    def blob_status(self, blob_id: str) -> int:
        return self.node.receiving.blob_status(blob_id)

    def put_blob(self, blob_id: str, offset: int, total: int, pieces: Iterable[bytes]) -> int:
        return self.node.receiving.receive_blob(blob_id, offset, total, iter(pieces))


def receive_reports(fed: Federation, count: int = 60, size: int = 512) -> None:
    """``count`` real reports made at JPN (sato), sent and delivered to KOR in process."""
    label = LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement=fed.agreement_id)
    for i in range(count):
        made = fed.jpn.items.create(NewItem(report_content(i, size), label, Precedence.ROUTINE), actor="sato")
        fed.jpn.sending.send(made.id, to="KOR", actor="sato")
    for peer, lane in fed.jpn.delivery.peers_with_pending():
        while fed.jpn.delivery.deliver_once(peer, lane, Loopback(fed.kor)).sent:
            pass


def fill_inbox(kor: Node, holdings: int) -> None:
    """Fill ``kor``'s database to ``holdings`` received items with copies of the real ones' rows.

    Each copy has a new id and is older than the real ones; its marking is its original's
    (which its binding signs), except that a third are on a topic (DPRK-SIGINT) that the
    benchmarks' readers lack: withheld. Call :func:`receive_reports` first.
    """
    with kor.ctx.db.transaction() as session:
        real = [
            {c.name: getattr(row, c.name) for c in ItemRow.__table__.columns}
            for row in session.scalars(select(ItemRow))
        ]
    with kor.ctx.db.transaction() as session:
        withheld = Marking.from_dict(
            json.loads(real[0]["marking_json"].replace("DPRK-MISSILE", "DPRK-SIGINT"))
        )
        withheld_key = keep_access_key(session, withheld)
    rows = []
    for n in range(holdings - len(real)):
        template = real[n % len(real)]
        row = dict(template)
        row["id"] = f"jpn-{n:032x}"
        # Older than the real ones.
        stamp = f"2026-10-{1 + n % 28:02d}T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z"
        row["created_at"] = row["received_at"] = stamp.replace("Z", ".000000Z")
        marking = template["marking_json"]
        if n % 3 == 0:  # withheld from the readers
            marking = marking.replace("DPRK-MISSILE", "DPRK-SIGINT")
            row["access_key"] = withheld_key
        row["marking_json"] = marking
        rows.append(row)
    with kor.ctx.db.transaction() as session:
        for start in range(0, len(rows), 10_000):
            session.execute(insert(ItemRow), rows[start : start + 10_000])


def built_once(bench: str, key: str, build: Callable[[Path], None], rebuild: bool) -> Path:
    """A directory ``build`` filled once and kept under ``$TMPDIR/accord-bench-{bench}/{key}``.

    A rerun with the same ``key`` (the build's parameters and version) reuses it and starts in
    seconds; ``rebuild`` builds it again. Callers serve copies of it, never it.
    """
    cached = Path(tempfile.gettempdir()) / f"accord-bench-{bench}" / key
    ready = cached / "ready"
    if rebuild or not ready.exists():
        shutil.rmtree(cached, ignore_errors=True)
        cached.mkdir(parents=True)
        build(cached)
        ready.touch()
    else:
        print(f"reusing what was built in {cached} (--rebuild builds it again)", flush=True)
    return cached


# --- serving -----------------------------------------------------------------------------


def start_serve(home: Path, args: list[str], log: Path) -> subprocess.Popen[bytes]:
    """``accord --home HOME serve ARGS`` in a process of its own, its output into ``log``."""
    with log.open("wb") as out:
        return subprocess.Popen(  # noqa: S603 - our own console script
            [str(BIN / "accord"), "--home", str(home), "serve", *args],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )


def medallion_command() -> list[str]:
    """The medallion server's console script: ``$ACCORD_MEDALLION``, else this venv's.

    medallion (a ``bench`` extra) can live in a virtualenv of its own (its Flask must not
    disturb the project's): point ``ACCORD_MEDALLION`` at its ``bin/medallion``.
    """
    candidate = Path(os.environ.get("ACCORD_MEDALLION", BIN / "medallion"))
    if not candidate.exists():
        raise RuntimeError(
            "medallion is not installed: pip install -e '.[bench]', or set ACCORD_MEDALLION"
            " to the medallion script of a virtualenv that has it"
        )
    return [str(candidate)]


@dataclass
class Served:
    """Both nodes being served; ``pids`` are the serving processes (this one when in-process)."""

    pids: dict[str, int]
    mode: str
    logs: list[Path] = field(default_factory=list)


def _wait_listening(port: int, proc: subprocess.Popen[bytes] | None, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"the node serving port {port} exited with {proc.returncode}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return
        time.sleep(0.05)
    raise RuntimeError(f"nothing listens on 127.0.0.1:{port} after {timeout} s")


def profilers(pids: dict[str, int], out: Path | None) -> list[subprocess.Popen[bytes]]:
    """py-spy recording each serving process into ``out`` (collapsed stacks), if asked.

    py-spy is the venv's, or the executable ``$ACCORD_PY_SPY`` names.
    """
    if out is None:
        return []
    out.mkdir(parents=True, exist_ok=True)
    spy = Path(os.environ.get("ACCORD_PY_SPY", Path(sys.executable).parent / "py-spy"))
    return [
        subprocess.Popen(  # noqa: S603 - the venv's py-spy, on our own child processes
            [
                str(spy),
                "record",
                "--pid",
                str(pid),
                "--rate",
                "200",
                "--format",
                "raw",
                "--threads",
                "--nonblocking",
                "--output",
                str(out / f"{party.lower()}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for party, pid in pids.items()
    ]


def stop_all(procs: Iterable[subprocess.Popen[bytes]], timeout: float = 20.0) -> None:
    """Ask every process still running to stop (SIGINT, as Ctrl-C), wait, and kill what does not."""
    procs = list(procs)
    for proc in procs:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
    for proc in procs:
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


@contextlib.contextmanager
def serve_subprocesses(fed: Federation, env: dict[str, str] | None = None) -> Iterator[Served]:
    """Run ``accord serve`` for both nodes (own process each, ``env`` added) until the block ends."""
    procs: dict[str, subprocess.Popen[bytes]] = {}
    logs = []
    try:
        for (party, home), port in zip(fed.homes.items(), fed.ports, strict=True):
            log = fed.root / f"serve-{party.lower()}.log"
            logs.append(log)
            with log.open("wb") as out:
                procs[party] = subprocess.Popen(  # noqa: S603 - our own console script
                    [str(BIN / "accord"), "--home", str(home), "serve"],
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    env={**os.environ, "PYTHONUNBUFFERED": "1", **(env or {})},
                )
            _wait_listening(port, procs[party])
        yield Served({p: proc.pid for p, proc in procs.items()}, "subprocess", logs)
    finally:
        stop_all(procs.values())


@contextlib.contextmanager
def serve_in_process(fed: Federation) -> Iterator[Served]:
    """Serve both nodes from this process (peer API threads and delivery workers)."""
    with (
        running(fed.jpn, "127.0.0.1", fed.ports[0]) as _jpn,
        running(fed.kor, "127.0.0.1", fed.ports[1]) as _kor,
    ):
        yield Served({"JPN": os.getpid(), "KOR": os.getpid()}, "in-process")


def serve(fed: Federation, mode: str) -> contextlib.AbstractContextManager[Served]:
    """Serve both nodes as ``subprocess`` or ``in-process``."""
    return serve_subprocesses(fed) if mode == "subprocess" else serve_in_process(fed)


# --- observing -----------------------------------------------------------------------------


def _read(node: Node, sql: str, params: Sequence[object] = ()) -> list[tuple[object, ...]]:
    """Run a query on a read-only connection of its own.

    The node's own transactions all begin with ``BEGIN IMMEDIATE`` (the write lock), so
    polling through them would queue the benchmark behind the node's writers and slow them
    down; a read-only WAL reader takes no lock and observes committed state only.
    """
    uri = f"file:{node.ctx.home.database}?mode=ro"
    with contextlib.closing(sqlite3.connect(uri, uri=True, timeout=30)) as connection:
        return connection.execute(sql, tuple(params)).fetchall()


def pending(node: Node, lane: str | None = None, *, kind: str | None = None) -> int:
    """Envelopes of ``node`` still waiting for a receipt (in ``lane``, or in all; of ``kind``, or any).

    ``kind="item"`` counts items only: the ledger witnessing (checkpoints offered after each
    transmission) travels in the same outbox and is not what a benchmark sends.
    """
    sql = "SELECT count(*) FROM outbox WHERE status = 'pending'"
    params: list[object] = []
    if lane is not None:
        sql += " AND lane = ?"
        params.append(lane)
    if kind is not None:
        sql += " AND kind = ?"
        params.append(kind)
    rows = _read(node, sql, params)
    return int(str(rows[0][0]))


def held_items(node: Node, sender: str, item_ids: Sequence[str]) -> int:
    """How many of ``item_ids`` ``node`` holds as received from ``sender`` (items, not other messages).

    The inbox also keeps every control message a node accepted (the ledger witnessing among
    them), so counting inbox rows over-counts the items held.
    """
    held = 0
    for start in range(0, len(item_ids), 500):
        chunk = item_ids[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = _read(
            node,
            f"SELECT count(*) FROM items WHERE received_from = ? AND id IN ({marks})",  # noqa: S608
            [sender, *chunk],
        )
        held += int(str(rows[0][0]))
    return held


def receipt_times(node: Node, message_ids: Sequence[str]) -> dict[str, str]:
    """``receipted_at`` at the sender of those of ``message_ids`` that have a receipt."""
    marks = ",".join("?" * len(message_ids))
    rows = _read(
        node,
        f"SELECT message_id, receipted_at FROM outbox WHERE message_id IN ({marks})"  # noqa: S608
        " AND receipted_at IS NOT NULL",
        message_ids,
    )
    return {str(m): str(r) for m, r in rows}


def inbox_times(node: Node, sender: str) -> dict[str, str]:
    """``received_at`` of every message ``node`` accepted from ``sender``, by message id."""
    rows = _read(node, "SELECT message_id, received_at FROM inbox_messages WHERE sender = ?", (sender,))
    return {str(m): str(r) for m, r in rows}


def parse_stamp(text: str) -> float:
    """A stored RFC 3339 stamp (with microseconds) as a POSIX time."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()


def percentile(values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0–100), nearest-rank."""
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * q // 100))
    return ordered[int(rank) - 1]


class RssSampler:
    """Samples the resident set size of some processes in a thread and keeps the peaks."""

    def __init__(self, pids: dict[str, int], interval: float = 0.01) -> None:
        """Watch ``pids`` (name to pid) every ``interval`` seconds once started."""
        import psutil  # noqa: PLC0415 - a bench extra, for the benchmarks that sample memory

        self._psutil_error = psutil.Error
        self._procs = {name: psutil.Process(pid) for name, pid in pids.items()}
        self.peak = dict.fromkeys(pids, 0)
        self.samples = 0
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="rss-sampler", daemon=True)

    def current(self) -> dict[str, int]:
        """RSS now, by name."""
        return {name: p.memory_info().rss for name, p in self._procs.items()}

    def _run(self) -> None:
        while not self._stop.is_set():
            with contextlib.suppress(self._psutil_error):
                for name, rss in self.current().items():
                    self.peak[name] = max(self.peak[name], rss)
                self.samples += 1
            self._stop.wait(self._interval)

    def __enter__(self) -> RssSampler:
        """Start sampling."""
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        """Stop sampling."""
        self._stop.set()
        self._thread.join()


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of process ``pid`` so far (Linux ``/proc``; 0 elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rate(count: float, seconds: float) -> str:
    """``count / seconds`` formatted with thousands separators."""
    return f"{count / seconds:,.0f}" if seconds > 0 else "inf"

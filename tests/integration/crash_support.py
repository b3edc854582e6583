"""Helpers for the crash-safety test: two node homes, `accord serve` processes to kill, counts.

The homes are prepared through the Python API (the same calls as the ``federation``
fixture, with the real clock, since the served processes use it); the nodes then run as
the installed ``accord serve`` console script, each in a process group of its own so that
SIGKILL reaches every process it started.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from accord.node import NewNode, NewUser, Node, example_agreement, federate
from accord.node.transfer._control import NO_ITEM
from support_federation import JPN_KOR_GSOMIA

__all__ = [
    "OutboxCounts",
    "Pair",
    "Served",
    "accord_script",
    "free_port",
    "make_pair",
    "outbox_counts",
    "received_count",
    "wait_for_port",
]

SATO_PASSWORD = "crash-test passphrase for sato"


def accord_script() -> str:
    """The installed console script: next to this interpreter (the venv), else on PATH."""
    beside = Path(sys.executable).parent / "accord"
    if beside.is_file():
        return str(beside)
    import shutil

    found = shutil.which("accord")
    if found is None:
        pytest.fail("the accord console script is not installed (pip install -e .)")
    return found


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nobody listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass(frozen=True)
class Pair:
    """Two node homes under the Japan–ROK GSOMIA, in force, pinned to each other."""

    jpn: Path
    kor: Path
    jpn_port: int
    kor_port: int
    agreement_id: str


def make_pair(root: Path) -> Pair:
    """Create JPN (analyst ``sato``) and KOR (analyst ``kim``) homes under ``root``; close them."""
    jpn_port, kor_port = free_port(), free_port()
    while kor_port == jpn_port:
        kor_port = free_port()
    jpn = Node.init(
        root / "jpn", NewNode(party="JPN", node_id="jpn-mod", endpoint=f"https://127.0.0.1:{jpn_port}")
    )
    kor = Node.init(
        root / "kor", NewNode(party="KOR", node_id="kor-mnd", endpoint=f"https://127.0.0.1:{kor_port}")
    )
    try:
        text = example_agreement(JPN_KOR_GSOMIA)
        agreement_id = federate([jpn, kor], text, in_force_on=date(2016, 11, 23))
        jpn.users.add(
            NewUser("sato", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority"
        )
        jpn.accounts.set_password("sato", SATO_PASSWORD, actor="authority")
        kor.users.add(
            NewUser("kim", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
        )
    finally:
        jpn.close()
        kor.close()
    return Pair(root / "jpn", root / "kor", jpn_port, kor_port, agreement_id)


def wait_for_port(port: int, deadline: float, alive: subprocess.Popen[bytes] | None = None) -> bool:
    """Whether something accepts TCP connections on 127.0.0.1:``port`` before ``deadline``."""
    while time.monotonic() < deadline:
        if alive is not None and alive.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return True
        except OSError:
            time.sleep(0.02)
    return False


@dataclass
class Served:
    """One node's ``accord serve``: started, killed with SIGKILL, restarted; logs kept per run."""

    name: str
    home: Path
    port: int
    logs: Path
    process: subprocess.Popen[bytes] | None = None
    runs: int = 0
    kills: int = 0
    startup_seconds: list[float] = field(default_factory=list)

    def start(self, *, ready_within: float = 60.0) -> None:
        """Start ``accord serve --home HOME`` and wait until it listens."""
        assert self.process is None, f"{self.name} is already running"
        self.runs += 1
        self.logs.mkdir(parents=True, exist_ok=True)
        env = {k: v for k, v in os.environ.items() if k != "ACCORD_HOME"}
        env["PYTHONIOENCODING"] = "utf-8"
        began = time.monotonic()
        with (self.logs / f"{self.name}-{self.runs:03d}.log").open("wb") as log:
            self.process = subprocess.Popen(
                [accord_script(), "serve", "--home", str(self.home)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=env,
                start_new_session=True,  # a process group of its own: killpg reaches all of it
            )
        if not wait_for_port(self.port, began + ready_within, self.process):
            code = self.process.poll()
            self.kill()
            pytest.fail(
                f"{self.name} (run {self.runs}) did not listen on {self.port} (exit {code}):\n{self.log()}"
            )
        self.startup_seconds.append(time.monotonic() - began)

    def kill(self) -> None:
        """SIGKILL the whole process group and reap it (no-op when not running)."""
        process, self.process = self.process, None
        if process is None:
            return
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)

    def crash(self) -> None:
        """Kill -9 a running node, as a power cut or the OOM killer would (counted)."""
        assert self.process is not None, f"{self.name} is not running"
        assert self.process.poll() is None, f"{self.name} died by itself:\n{self.log()}"
        self.kill()
        self.kills += 1

    def log(self, run: int | None = None) -> str:
        """The output of one run (the latest by default)."""
        path = self.logs / f"{self.name}-{(run or self.runs):03d}.log"
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""

    def tracebacks(self) -> list[str]:
        """Logs of every run that printed a traceback or an error line."""
        found = []
        for run in range(1, self.runs + 1):
            text = self.log(run)
            if "Traceback" in text or "ERROR" in text or "error:" in text:
                found.append(f"--- {self.name} run {run} ---\n{text}")
        return found


@dataclass(frozen=True)
class OutboxCounts:
    """Outbox rows by status, and the most attempts any pending row has had."""

    by_status: dict[str, int]
    max_attempts: int

    @property
    def pending(self) -> int:
        """Envelopes still waiting for a receipt."""
        return self.by_status.get("pending", 0)


def outbox_counts(home: Path) -> OutboxCounts:
    """Read the outbox of the node at ``home`` directly (read-only; the node may be running).

    Only envelopes about items count: the ledger witnessing the workers exchange meanwhile
    (checkpoints, countersignatures) names no item.
    """
    with _readonly(home) as conn:
        by_status = dict(
            conn.execute(
                "SELECT status, count(*) FROM outbox WHERE item_id != ? GROUP BY status", (NO_ITEM,)
            ).fetchall()
        )
        (attempts,) = conn.execute(
            "SELECT coalesce(max(attempts), 0) FROM outbox WHERE status = 'pending' AND item_id != ?",
            (NO_ITEM,),
        ).fetchone()
    return OutboxCounts(by_status, int(attempts))


def received_count(home: Path) -> int:
    """Envelopes about items the node at ``home`` has accepted (read-only; the node may be running)."""
    with _readonly(home) as conn:
        (count,) = conn.execute(
            "SELECT count(*) FROM inbox_messages WHERE item_id != ?", (NO_ITEM,)
        ).fetchone()
    return int(count)


@contextlib.contextmanager
def _readonly(home: Path) -> Iterator[sqlite3.Connection]:
    conn = sqlite3.connect(f"file:{home / 'accord.db'}?mode=ro", uri=True, timeout=30)
    try:
        yield conn
    finally:
        conn.close()

"""A TAXII page's cost on a served copy of a ``bench.taxii`` home: server CPU, wall, syncs (issue 13).

Run: PYTHONPATH=$PWD/src:$PWD .venv/bin/python -m bench.taxii_page_cost BUILT [--rounds N] [--strace]

``BUILT`` is a home ``bench.taxii`` built and exported (``$TMPDIR/accord-bench-taxii/o100000-b2``,
after one run of ``bench.taxii``). A copy is served by ``accord serve`` (which inherits
``PYTHONPATH``: run it from each tree to compare two), warmed with a few pages, and then asked
``--rounds`` times for the benchmark's page (100 objects, ``added_after`` 400 before the end, as
``ito`` with a bearer token), one at a time. Printed: the server's CPU a page (all its threads:
the request, and the delivery worker and the ledger sealer its commits wake), also less the
server's idle rate measured just before; wall p50 / p95. ``--strace`` attaches ``strace -c`` to
every thread of the server during the timed pages: the count of ``fdatasync`` (each a synced
commit of SQLite's WAL under ``synchronous=FULL``) and ``pwrite64`` calls.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from accord.interop import TAXII_MEDIA_TYPE
from bench._common import cpu_seconds, percentile
from bench.taxii import _accord, _added_after


def main() -> None:
    """Serve a copy of BUILT and time its page."""
    parser = argparse.ArgumentParser()
    parser.add_argument("built", type=Path)
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--warm", type=int, default=5)
    parser.add_argument("--strace", action="store_true")
    parser.add_argument("--label", default="accord")
    args = parser.parse_args()
    built = args.built
    manifest = json.loads((built / "export.json").read_text())[1]
    added_after = _added_after(manifest)
    with tempfile.TemporaryDirectory(prefix="pagecost-", dir=os.environ.get("TMPDIR")) as tmp:
        root = Path(tmp)
        shutil.copytree(built / "jpn", root / "jpn")
        shutil.copy(built / "setup.json", root / "setup.json")
        with _accord(root) as server:
            params = {"added_after": added_after, "limit": 100}
            headers = {"accept": TAXII_MEDIA_TYPE}
            with httpx.Client(auth=server.reader, headers=headers, timeout=600) as client:
                for _ in range(args.warm):
                    client.get(server.collection + "objects/", params=params).raise_for_status()
                time.sleep(1.0)
                idle0 = cpu_seconds(server.pid)
                time.sleep(2.0)
                idle = (cpu_seconds(server.pid) - idle0) / 2.0  # CPU a second, idle
                tracer = None
                if args.strace:
                    tids = [f"-p{t.name}" for t in Path(f"/proc/{server.pid}/task").iterdir()]
                    out = root / "strace.txt"
                    tracer = subprocess.Popen(  # noqa: S603 - strace on our own server's threads
                        ["strace", "-f", "-c", "-e", "trace=fsync,fdatasync,pwrite64", "-o", str(out), *tids],  # noqa: S607
                        stderr=subprocess.DEVNULL,
                    )
                    time.sleep(1.0)
                ms, seen = [], 0
                load = os.getloadavg()[0]
                cpu0, wall0 = cpu_seconds(server.pid), time.perf_counter()
                for _ in range(args.rounds):
                    start = time.perf_counter()
                    page = client.get(server.collection + "objects/", params=params)
                    ms.append((time.perf_counter() - start) * 1000)
                    page.raise_for_status()
                    seen = len(page.json()["objects"])
                cpu, wall = cpu_seconds(server.pid) - cpu0, time.perf_counter() - wall0
                if tracer is not None:
                    time.sleep(0.5)
                    tracer.send_signal(signal.SIGINT)
                    tracer.wait(20)
            per = cpu * 1000 / args.rounds
            per_less_idle = (cpu - idle * wall) * 1000 / args.rounds
            print(
                f"{args.label}: {args.rounds} pages of {seen}, load {load:.1f}->"
                f"{os.getloadavg()[0]:.1f}: server CPU {per:.1f} ms a page ({per_less_idle:.1f} less idle"
                f" {idle * 1000:.1f} ms/s); wall p50 {percentile(ms, 50):.1f} p95 {percentile(ms, 95):.1f}",
                flush=True,
            )
            if tracer is not None:
                print((root / "strace.txt").read_text(), flush=True)


if __name__ == "__main__":
    main()

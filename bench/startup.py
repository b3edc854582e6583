"""Start-up of the ``accord`` command: ``--help`` (target <= 250 ms) and ``item list`` (<= 400 ms).

Run: .venv/bin/python -m bench.startup [--items N] [--runs R] [--rebuild] [--src DIR]

Wall time of whole processes, as a person at a terminal waits for them: ``time.perf_counter``
around ``subprocess.run`` of the ``accord`` console script, ``--runs`` times each (interleaved),
after one warm-up run of each; and their CPU time (user + system, ``getrusage`` of the
children), which a loaded machine inflates far less. Printed: median and p95, beside the targets and two peers
measured in the same run: the interpreter alone (``python -c pass``, the floor),
``python -c "import typer"`` (the command-line framework alone) and the import of every
third-party library a listing needs (:data:`LIBRARIES`: Rich, SQLAlchemy's ORM and its SQLite
dialect, cryptography's Ed25519, ML-DSA and AES-GCM) — the floor of the listing itself.

The listing is ``accord --home JPN item list --as sato`` on a node holding ``--items`` 4-KiB
reports sato made (``bench._common.create_reports``; copies of rows, as ``fill_inbox`` makes,
would fail the listing's binding check): it opens the node, checks the schema, authenticates
sato's API token (``ACCORD_TOKEN``, the way for scripts), decides, verifies and decrypts every
item sato may read (all of them) and prints the Rich table into a pipe. The same listing by
``ito``, cleared but without the need to know, shows the fixed part: start-up, opening,
authentication, the decisions over every stored marking and the journal event, with nothing
verified or printed. The node is built once
and kept under ``$TMPDIR/accord-bench-startup/``, keyed by the item count, the schema's head
revision and :data:`BUILD`; the runs use a copy (a listing writes its journal event).

Bytecode: an installed package has its ``.pyc`` files (pip compiles them), but this
repository's venv runs with ``PYTHONDONTWRITEBYTECODE=1`` and ships none, so every run would
compile every module again. The runs therefore use a bytecode cache of their own
(``PYTHONPYCACHEPREFIX`` under the build folder, filled by the warm-up run); ``--no-bytecode``
measures without one instead.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from accord.node import NewUser
from accord.store._database import HEAD_REVISION
from bench._common import BIN, built_once, create_reports, make_federation, percentile

TARGETS_MS = {"--help": 250.0, "item list": 400.0}
BUILD = 3  # bump when what is built changes: older cached homes are then not reused
READER = "sato"
OUTSIDER = "ito"
NONE_READABLE = f"item list --as {OUTSIDER} (none readable)"
LIBRARIES = "; ".join(
    (
        # The table (a listing the console script reads itself imports no Typer since session 16:
        # accord.cli._list_argv; `import typer` is a peer of its own).
        "import rich.console, rich.table",
        "import sqlalchemy.orm, sqlalchemy.dialects.sqlite",  # the store: ORM-mapped tables (DESIGN §3)
        "from cryptography.hazmat.primitives.asymmetric import ed25519, mldsa",  # the binding's check
        "from cryptography.hazmat.primitives.ciphers.aead import AESGCM",  # the content's decryption
    )
)
"""The third-party libraries that ``item list`` cannot do without, imported and nothing else: the
floor under the listing's figure that no change to Accord's own modules can go below."""


def _build(root: Path, items: int) -> None:
    fed = make_federation(root / "fed")
    try:
        _, seconds = create_reports(fed.jpn, items)
        print(f"created {items:,} items in {seconds:.0f} s", flush=True)
        # A second reader, cleared but with no need to know: every item is withheld from them.
        fed.jpn.users.add(
            NewUser(OUTSIDER, role="officer", clearance="極秘", ntk=["NAVAL"]), actor="authority"
        )
        for name in (READER, OUTSIDER):
            _, secret = fed.jpn.accounts.issue_token(name, days=365, actor="authority")
            (root / f"token-{name}").write_text(secret, encoding="utf-8")
    finally:
        fed.close()


def _time(command: Sequence[str], env: dict[str, str]) -> tuple[float, float]:
    """Wall and CPU (user + system) milliseconds of one run of ``command``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(command, env=env, capture_output=True, check=False)  # noqa: S603 - our own script
    elapsed = (time.perf_counter() - start) * 1000
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime) * 1000
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited {done.returncode}: {done.stderr.decode()[-2000:]}")
    return elapsed, cpu


def _token(env: dict[str, str], built: Path, name: str) -> dict[str, str]:
    return {**env, "ACCORD_TOKEN": (built / f"token-{name}").read_text(encoding="utf-8")}


def _report(
    timings: dict[str, list[float]],
    cpu: dict[str, list[float]],
    runs: int,
    start_load: tuple[float, float, float],
    args: argparse.Namespace,
) -> int:
    load = os.getloadavg()
    print(
        f"{runs} runs each, wall time per process (bytecode {'none' if args.no_bytecode else 'cached'};"
        f" load average {start_load[0]:.2f} {start_load[1]:.2f} {start_load[2]:.2f} at the start,"
        f" {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} at the end):"
    )
    if args.src is not None:
        print(f"  (the accord package under {args.src})")
    met = True
    for name, values in timings.items():
        median, p95 = statistics.median(values), percentile(values, 95)
        target = TARGETS_MS.get(name)
        verdict = ""
        if target is not None:
            ok = median <= target
            met = met and ok
            verdict = f"   target <= {target:.0f} ms (median): {'met' if ok else 'MISSED'}"
        label = f"peer: {name}" if name.startswith("python") else f"accord {name}"
        print(
            f"  {label:<44} median {median:7.0f} ms   p95 {p95:7.0f} ms"
            f"   CPU median {statistics.median(cpu[name]):6.0f} ms{verdict}"
        )
    return 0 if met else 1


def main() -> int:
    """Build the node once, time the commands, print the figures; 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=10_000, help="items held by the listing's node")
    parser.add_argument("--runs", type=int, default=15, help="timed runs of each command")
    parser.add_argument("--rebuild", action="store_true", help="build the node again")
    parser.add_argument("--no-bytecode", action="store_true", help="no bytecode cache (compile each run)")
    parser.add_argument("--quick", action="store_true", help="1,000 items, 7 runs")
    parser.add_argument(
        "--src",
        type=Path,
        help="time the accord package under this folder (e.g. another checkout's src/, for a before/after)",
    )
    args = parser.parse_args()
    items = 1_000 if args.quick else args.items
    runs = 7 if args.quick else args.runs
    start = time.perf_counter()
    built = built_once(
        "startup", f"i{items}-s{HEAD_REVISION}-b{BUILD}", lambda root: _build(root, items), args.rebuild
    )
    print(f"node of {items:,} items ready in {time.perf_counter() - start:.0f} s", flush=True)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONDONTWRITEBYTECODE", "PYTHONPYCACHEPREFIX")}
    if args.no_bytecode:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    else:
        env["PYTHONPYCACHEPREFIX"] = str(built / "pycache")
    env.pop("ACCORD_PASSWORD", None)
    env.pop("ACCORD_HOME", None)
    if args.src is not None:
        env["PYTHONPATH"] = str(args.src.resolve())
    accord = str(BIN / "accord")
    with tempfile.TemporaryDirectory(prefix="bench-startup-") as tmp:
        home = Path(tmp) / "jpn"
        shutil.copytree(built / "fed" / "jpn", home)
        listing = [accord, "--home", str(home), "item", "list", "--as"]
        commands = {
            "python -c pass": ([sys.executable, "-c", "pass"], env),
            "python -c 'import typer'": ([sys.executable, "-c", "import typer"], env),
            "python -c 'import <the listing's libraries>'": ([sys.executable, "-c", LIBRARIES], env),
            "--help": ([accord, "--help"], env),
            "item list": ([*listing, READER], _token(env, built, READER)),
            NONE_READABLE: ([*listing, OUTSIDER], _token(env, built, OUTSIDER)),
        }
        for key, reader in (("item list", READER), (NONE_READABLE, OUTSIDER)):
            command, with_token = commands[key]
            listed = subprocess.run(command, env=with_token, capture_output=True, check=False)  # noqa: S603
            if listed.returncode != 0:
                print(listed.stderr.decode(), file=sys.stderr)
                return 1
            ids = listed.stdout.decode().count("jpn-")  # item ids begin with the node's
            print(f"item list --as {reader}: {len(listed.stdout):,} bytes of output, {ids:,} items listed")
        timings: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        start_load = os.getloadavg()
        for command, command_env in commands.values():
            _time(command, command_env)  # warm-up: fills the bytecode cache and the page cache
        for _ in range(runs):
            for name, (command, command_env) in commands.items():
                wall, used = _time(command, command_env)
                timings[name].append(wall)
                cpu[name].append(used)
    return _report(timings, cpu, runs, start_load, args)


if __name__ == "__main__":
    raise SystemExit(main())

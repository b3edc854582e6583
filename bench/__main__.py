"""Run the benchmarks: ``python -m bench [NAME ...] [--quick] [--list]``.

Each benchmark runs in a fresh interpreter (``python -m bench.NAME``), one after the other,
so that none inherits another's memory, threads or warm caches. The exit status is 1 if any
benchmark missed a target or failed, 0 otherwise; every one runs regardless.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time

BENCHMARKS = {
    "crypto_overhead": "one 4 KiB envelope vs the HPKE and SHA-384 primitives (target <= 1.5x)",
    "exchange_throughput": "10,000 4 KiB reports JPN -> KOR with receipts, vs medallion and RabbitMQ",
    "exchange_floor": "CPU per item of the exchange's required crypto and validation; the rate it allows",
    "imagery": "a 1 GiB attachment end to end: MB/s and peak RSS of each node",
    "flash_under_load": "50 FLASH reports during 1 GiB imagery + 5,000 ROUTINE: p50/p99 latency",
    "bench_foundation": "labels, bindings, streaming AEAD, item creation (no peer)",
    "ledger": "RFC 9162 Merkle tree at 1,000,000 leaves: appends, proofs, full verify, vs pymerkle",
    "policy": "PDP decisions/s on 100,000 requests vs cedarpy and regopy; inbox of 100,000 filtered",
    "inbox_listing": "an inbox of 100,000 holdings in the database, filtered for one user (<= 200 ms)",
    "search": "search 200,000 ko/ja/en holdings: ids+count <= 20 ms (SQLite), page <= 100 ms; vs LIKE",
    "console": "the web console at 100,000 holdings: inbox <= 150 ms, item <= 50 ms, dashboard <= 300 ms",
    "taxii": "TAXII 2.1 at 100,000 objects vs medallion: page p95 <= 30 ms and >= 20x, POST >= 5x",
    "idle": "two nodes served, witnessing on, no traffic, 10 min: <= 1 % of a core each, nothing written",
    "startup": "accord --help <= 250 ms; accord item list on a node of 10,000 items <= 400 ms (wall, median)",
}
QUICK_ARGS = {"bench_foundation": ["--items", "100", "--megabytes", "64"]}


def main(argv: list[str] | None = None) -> int:
    """Run the chosen benchmarks (all by default)."""
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", metavar="NAME", help=f"any of: {', '.join(BENCHMARKS)}")
    parser.add_argument(
        "--quick", action="store_true", help="smaller sizes (minutes instead of a quarter hour)"
    )
    parser.add_argument("--list", action="store_true", help="list the benchmarks and exit")
    args = parser.parse_args(argv)
    if args.list:
        for name, what in BENCHMARKS.items():
            print(f"{name:20} {what}")
        return 0
    unknown = [n for n in args.names if n not in BENCHMARKS]
    if unknown:
        parser.error(f"unknown benchmark(s): {', '.join(unknown)}; use --list")
    failed = []
    for name in args.names or list(BENCHMARKS):
        extra = QUICK_ARGS.get(name, ["--quick"]) if args.quick else []
        start = time.monotonic()
        result = subprocess.run([sys.executable, "-m", f"bench.{name}", *extra], check=False)  # noqa: S603
        print(f"-- {name}: exit {result.returncode} after {time.monotonic() - start:.0f} s\n", flush=True)
        if result.returncode:
            failed.append(name)
    if failed:
        print(f"targets missed or failures in: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())

"""CPU per operation on the FLASH and ledger hot paths: what a loaded machine distorts least.

Run: .venv/bin/python -m bench.cpu_per_op [--sends N] [--rounds R]

Wall-clock figures (``bench.flash_under_load``, ``bench.ledger --durable-only``) move with the
machine's load; the CPU time of the calling thread (``time.thread_time``) moves far less. In
one process, no serving, for ``--rounds`` rounds each (the median is the figure):

* a FLASH ``send`` at JPN (checks, envelope, outbox, journal and the FLASH seal), and of it
  the CPU the FLASH hooks take after the commit (0 when the send's own transaction sealed);
* ``append_event`` × 100 in one transaction (``bench.ledger``'s writer), per event;
* a small seal (one new event, ``seal(urgent=True)``, as after a FLASH event) and a seal of
  10,000 pending events.

No target here: the figures compare code against code (``PYTHONPATH`` at one tree or another),
as in ``bench/RESULTS.md`` (session 14).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from accord.items import Precedence
from accord.node import NewNode, Node
from bench._common import create_reports, make_federation
from bench.ledger import _append_core, _append_orm


def _cpu(work: Callable[[], object]) -> float:
    started = time.thread_time()
    work()
    return time.thread_time() - started


def flash_sends(root: Path, sends: int, rounds: int) -> tuple[float, float]:
    """Median ms of CPU per FLASH send, and of it in the FLASH hooks after the commit."""
    fed = make_federation(root)
    try:
        flash, _ = create_reports(fed.jpn, sends * rounds + 5, precedence=Precedence.FLASH)
        ctx = fed.jpn.ctx
        hooks, in_hooks = list(ctx.flash_hooks), [0.0]

        def timed_hooks() -> None:
            in_hooks[0] += _cpu(lambda: [hook() for hook in hooks])

        ctx.flash_hooks[:] = [timed_hooks]
        for item in flash[:5]:  # warm-up
            fed.jpn.sending.send(item, to="KOR", actor="sato")
        totals, sealing = [], []
        for n in range(rounds):
            in_hooks[0] = 0.0
            batch = flash[5 + n * sends : 5 + (n + 1) * sends]
            spent = _cpu(lambda b=batch: [fed.jpn.sending.send(i, to="KOR", actor="sato") for i in b])
            totals.append(spent / sends * 1000)
            sealing.append(in_hooks[0] / sends * 1000)
        return statistics.median(totals), statistics.median(sealing)
    finally:
        fed.close()


def ledger_ops(root: Path, rounds: int) -> tuple[float, float, float]:
    """Median µs of CPU per ``append_event``, ms per small seal, ms per seal of 10,000 events."""
    node = Node.init(root / "ledger", NewNode(party="JPN", node_id="jpn-mod"))
    try:
        for _ in range(50):
            _append_core(node, 100)
        node.ledger.seal()
        writer, small, large = [], [], []
        for _ in range(rounds):
            writer.append(_cpu(lambda: [_append_orm(node, 100) for _ in range(100)]) / 10_000 * 1e6)
            node.ledger.seal()
            seals = 0.0
            for _ in range(50):
                _append_orm(node, 1)
                seals += _cpu(lambda: node.ledger.seal(urgent=True))
            small.append(seals / 50 * 1000)
            for _ in range(100):
                _append_core(node, 100)
            large.append(_cpu(node.ledger.seal) * 1000)
        return statistics.median(writer), statistics.median(small), statistics.median(large)
    finally:
        node.close()


def main(argv: list[str] | None = None) -> int:
    """Print the CPU per operation."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sends", type=int, default=40, help="FLASH sends per round (default 40)")
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="accord-bench-cpu-") as tmp:
        send, hooks = flash_sends(Path(tmp), args.sends, args.rounds)
        writer, small, large = ledger_ops(Path(tmp), args.rounds)
    print(f"{'FLASH send at JPN, CPU per send':52} {send:8.2f} ms  (hooks after commit: {hooks:.2f} ms)")
    print(f"{'append_event x 100 per transaction, CPU per event':52} {writer:8.1f} µs")
    print(f"{'seal(urgent=True) of one new event, CPU':52} {small:8.2f} ms")
    print(f"{'seal() of 10,000 pending events, CPU':52} {large:8.1f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

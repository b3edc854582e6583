"""One worker process of a node, for the sealer-election tests (``test_ledgernode_workers.py``).

Usage: ``python worker_process.py HOME NAME``. Opens the node at HOME (its database is the
test's PostgreSQL schema), starts its worker (delivery supervisor and sealer), and journals
an event every few milliseconds, each in a transaction that stays open a little after the
insert so that the processes' transactions commit out of ``seq`` order. Prints
``sealing True`` / ``sealing False`` whenever this worker's sealer role changes, and
``stopped N`` (events journalled) after SIGTERM.
"""

from __future__ import annotations

import random
import signal
import sys
import threading
import time
from pathlib import Path

from accord.node import Node
from accord.store import NewEvent, append_event


def main() -> None:
    home, name = Path(sys.argv[1]), sys.argv[2]
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    node = Node.open(home)
    worker = node.worker()
    worker.start()
    sealing: bool | None = None
    written = 0
    rng = random.Random()  # noqa: S311 - timings, not secrets
    try:
        while not stop.is_set():
            with node.ctx.db.transaction() as session:
                append_event(
                    session,
                    NewEvent(
                        at=node.ctx.now(),
                        actor=name,
                        action="test.write",
                        outcome="ok",
                        detail={"n": written},
                    ),
                )
                time.sleep(rng.uniform(0.0, 0.004))
            written += 1
            if worker.sealing != sealing:
                sealing = worker.sealing
                print(f"sealing {sealing}", flush=True)
            stop.wait(0.005)
    finally:
        worker.stop()
        print(f"stopped {written}", flush=True)
        node.close()


if __name__ == "__main__":
    main()

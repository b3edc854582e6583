"""A node wires the exchange's wings on first use (``accord.node._wings``; issue 14's start-up
target): opening a node and listing items imports none of them, and the first service asked
for brings every one, wired as the composition root always did — once, shared by threads.
"""

from __future__ import annotations

import subprocess
import sys
import threading

import pytest
from support_node import Pair

from accord.errors import Conflict
from accord.node import UNSAFE_FAST_PASSWORD_HASHING, Node

_WINGS = (
    "accord.node.transfer",
    "accord.node.custody",
    "accord.node.originator",
    "accord.node.audit._witness",
)

_PROBE = """
import sys
from pathlib import Path
from accord.node import Node, UNSAFE_FAST_PASSWORD_HASHING
node = Node.open(Path(sys.argv[1]), password_hashing=UNSAFE_FAST_PASSWORD_HASHING)
listed = node.items.listing(actor="sato", limit=5)
print(len(listed.views), listed.total)
print(" ".join(sorted(sys.modules)))
"""


def test_opening_a_node_and_listing_imports_no_exchange_wing(pair: Pair) -> None:
    if pair.jpn.config.database_url:
        pytest.skip("the probe opens the node's home: SQLite")
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(pair.jpn.ctx.home.root)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    counts, modules = done.stdout.splitlines()
    assert counts.split()[1].isdigit()  # it listed
    loaded = modules.split()
    assert [m for m in loaded if m.startswith(_WINGS)] == []
    assert "accord.node.holdings._listing" in loaded


def test_the_first_service_asked_for_wires_them_all_with_the_control_handlers(pair: Pair) -> None:
    node = Node.open(pair.jpn.ctx.home.root, password_hashing=UNSAFE_FAST_PASSWORD_HASHING)
    try:
        seen: list[object] = []
        start = threading.Barrier(4)

        def ask() -> None:
            start.wait()
            seen.append(node.receiving)

        threads = [threading.Thread(target=ask) for _ in range(4)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert len(seen) == 4
        assert all(s is seen[0] for s in seen)  # one wiring, whichever thread came first
        assert node.receiving is seen[0]
        # Every control message already has its handler (the witness's, the compromise's, …).
        for kind in ("downgrade", "consent-request", "compromise-notice", "destruction-certificate"):
            with pytest.raises(Conflict):
                node.receiving.register(kind, node.consents.incoming)
        assert node.delivery is node.desk._delivery  # type: ignore[attr-defined]
    finally:
        node.close()

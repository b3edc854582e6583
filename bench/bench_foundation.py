"""Foundation benchmarks: label encoding, bindings, streaming encryption, item creation.

Run: .venv/bin/python bench/bench_foundation.py [--items N] [--megabytes M]

Prints one line per figure. No peer is named for these (the exchange and policy issues
compare against TAXII servers and Cedar); the figures are the baseline later work keeps.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from accord.crypto import SigningKeys, bind, encrypt_stream, new_data_key, verify_binding
from accord.items import ItemContent, ItemKind, Precedence
from accord.markings import (
    NEED_TO_KNOW,
    RELEASABLE_TO,
    Category,
    CategoryType,
    ConfidentialityLabel,
    from_xml,
    to_xml,
)
from accord.node import LabelRequest, NewItem, NewNode, NewUser, Node

NOW = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


def per_op(func: Callable[[], object], repeat: int) -> float:
    """Median microseconds per call over five runs of ``repeat`` calls."""
    runs = []
    for _ in range(5):
        start = time.perf_counter()
        for _ in range(repeat):
            func()
        runs.append((time.perf_counter() - start) / repeat * 1e6)
    return statistics.median(runs)


def main() -> None:
    """Run every benchmark and print its figures."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--items", type=int, default=300)
    parser.add_argument("--megabytes", type=int, default=256)
    args = parser.parse_args()

    label = ConfidentialityLabel(
        policy="JPN",
        classification="秘",
        originator_id="jpn-mod",
        creation_time=NOW,
        categories=(
            Category(RELEASABLE_TO, CategoryType.PERMISSIVE, ("JPN", "KOR")),
            Category(NEED_TO_KNOW, CategoryType.RESTRICTIVE, ("DPRK-MISSILE",)),
        ),
        agreement="JPN-KOR-GSOMIA-2016",
    )
    xml = to_xml(label)
    encoded = label.canonical_bytes()
    encode_us = per_op(label.canonical_bytes, 5000)
    decode_us = per_op(lambda: ConfidentialityLabel.from_json(encoded), 2000)
    xml_us = per_op(lambda: from_xml(xml), 1000)
    print(f"label canonical JSON encode: {encode_us:8.1f} µs")
    print(f"label from canonical JSON:   {decode_us:8.1f} µs")
    print(f"label STANAG 4774 XML parse: {xml_us:8.1f} µs")

    keys = SigningKeys.generate()
    statement = label.canonical_bytes() + b"x" * 200
    binding = bind(keys, "jpn-mod", statement)
    public = keys.public()
    sign_us = per_op(lambda: bind(keys, "jpn-mod", statement), 300)
    verify_us = per_op(lambda: verify_binding(binding, public, statement), 300)
    print(f"binding sign (Ed25519+ML-DSA-65):   {sign_us:8.1f} µs")
    print(f"binding verify (Ed25519+ML-DSA-65): {verify_us:8.1f} µs")

    chunk = b"\x5a" * (1024 * 1024)
    key = new_data_key()
    start = time.perf_counter()
    total = sum(len(c) for c in encrypt_stream(key, b"bench", (chunk for _ in range(args.megabytes))))
    elapsed = time.perf_counter() - start
    print(f"streaming AEAD seal: {args.megabytes / elapsed:8.1f} MB/s ({total} bytes out)")

    with tempfile.TemporaryDirectory() as tmp:
        node = Node.init(Path(tmp) / "jpn", NewNode(party="JPN", node_id="jpn-bench"))
        node.users.add(NewUser("sato", role="analyst", clearance="極秘", ntk=[]), actor="authority")
        content = ItemContent(ItemKind.REPORT, "Benchmark report", "body " * 100, "benchmark")
        start = time.perf_counter()
        for _ in range(args.items):
            node.items.create(
                NewItem(content, LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"]), Precedence.ROUTINE),
                actor="sato",
            )
        elapsed = time.perf_counter() - start
        print(f"item create (SQLite, bind + seal + journal): {args.items / elapsed:8.1f} items/s")
        node.close()


if __name__ == "__main__":
    main()

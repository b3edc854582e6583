"""Imagery: one 1 GiB attachment from JPN to KOR, end to end, and each node's peak memory.

Run: .venv/bin/python -m bench.imagery [--quick] [--megabytes M]

The imagery file is written, then created as an item at JPN (that seals the attachment:
streaming AES-256-GCM at rest; the seal rate is printed too). Both nodes then run as
``accord serve`` subprocesses; the time measured runs from ``send`` to the receipt stored at
JPN (blob upload over mutual TLS, the receiver's verification, decryption and digest check of
the whole blob, holding, signed receipt). The resident set size of each node process is
sampled every 10 ms with psutil throughout.

Targets (issue 3): >= 150 MB/s (MB = 10^6 bytes); peak RSS <= 150 MB per node.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, Node
from accord.node.demo import write_sample_image
from bench._common import MB, MIB, RssSampler, make_federation, pending, serve_subprocesses

TARGET_MB_S = 150.0
TARGET_RSS_MB = 150.0


def imagery_content(index: int = 0) -> ItemContent:
    """The content of an imagery item."""
    return ItemContent(
        ItemKind.IMAGERY,
        f"Sunan airfield, post-launch imagery {index}",
        "Launch site and support vehicles after the launch.",
        "Assessment of DPRK missile activity",
        {
            "acquisition_time": "2026-11-25T09:00:00Z",
            "sensor": "IGS optical",
            "footprint": "39.1,125.6;39.1,125.8;39.3,125.8;39.3,125.6",
        },
    )


def create_imagery(jpn: Node, root: Path, megabytes: int) -> tuple[str, int, float]:
    """Write a ``megabytes`` MiB image and create it as an item at JPN; (id, size, seconds)."""
    image = root / "imagery.pgm"
    size = write_sample_image(image, megabytes)
    start = time.perf_counter()
    view = jpn.items.create(
        NewItem(
            imagery_content(),
            LabelRequest("秘", ["KOR"], ["DPRK-IMAGERY"]),
            Precedence.ROUTINE,
            attachments=[image],
        ),
        actor="sato",
    )
    seconds = time.perf_counter() - start
    image.unlink()
    return view.id, size, seconds


def main(argv: list[str] | None = None) -> int:
    """Transfer the imagery; print MB/s and peak RSS; exit 1 if a target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="128 MiB instead of 1 GiB")
    parser.add_argument("--megabytes", type=int, help="image size in MiB (default 1024)")
    args = parser.parse_args(argv)
    megabytes = args.megabytes or (128 if args.quick else 1024)
    print(f"== imagery: one {megabytes} MiB attachment JPN -> KOR (accord serve subprocesses) ==")
    with tempfile.TemporaryDirectory(prefix="accord-bench-") as tmp:
        root = Path(tmp)
        fed = make_federation(root)
        try:
            item_id, size, seal_s = create_imagery(fed.jpn, root, megabytes)
            print(
                f"create at JPN (hash, seal at rest, bind): {size / MB / seal_s:,.1f} MB/s "
                f"({size:,} B in {seal_s:.2f} s)"
            )
            with serve_subprocesses(fed) as served, RssSampler(served.pids) as rss:
                time.sleep(0.5)
                idle = rss.current()
                start = time.perf_counter()
                fed.jpn.sending.send(item_id, to="KOR", actor="sato")
                deadline = time.monotonic() + 3600
                while pending(fed.jpn) and time.monotonic() < deadline:
                    time.sleep(0.01)
                elapsed = time.perf_counter() - start
                left = pending(fed.jpn)
            held = len(fed.kor.items.inbox().views)
        finally:
            fed.close()
    speed = size / MB / elapsed
    print(
        f"send to receipt: {size:,} B in {elapsed:.2f} s -> {speed:,.1f} MB/s "
        f"({size / MIB / elapsed:,.1f} MiB/s)"
        f"{'' if not left else ' INCOMPLETE'}; KOR holds {held} item(s)"
    )
    ok = speed >= TARGET_MB_S and not left
    print(f"RESULT transfer {speed:,.1f} MB/s (target >= {TARGET_MB_S:.0f}): {'met' if ok else 'MISSED'}")
    for party in ("JPN", "KOR"):
        peak = rss.peak[party] / MB
        met = peak <= TARGET_RSS_MB
        ok = ok and met
        print(
            f"RESULT {party} peak RSS {peak:,.1f} MB (idle {idle[party] / MB:,.1f} MB; target <= "
            f"{TARGET_RSS_MB:.0f}): {'met' if met else 'MISSED'}"
        )
    print(f"({rss.samples} RSS samples)")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())

"""An inbox of 100,000 holdings filtered by the policy decision point for one user (target <= 200 ms).

Run: .venv/bin/python -m bench.inbox_listing [--holdings N] [--quick]

KOR receives 60 real reports from JPN (signed, sealed, delivered in process); the database is
then filled to N holdings with copies of their rows under new ids, each with its own label
time (so every stored marking is distinct, as in a real register) and a third of them on a
topic the reader lacks (withheld). ``inbox(actor="kim", limit=50)`` is timed: the query of
every holding's columns, the decision for each, the verification and decryption of the 50
shown, and the one journal event for the listing. Cold is the first call in the process;
warm is the median of the next five.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from sqlalchemy import insert, select

from accord.items import Precedence
from accord.markings import Marking
from accord.node import LabelRequest, NewItem, Node
from accord.node.holdings._access_keys import keep_access_key
from accord.store import ItemRow
from bench._common import make_federation, report_content

TARGET_MS = 200.0


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


def _fill(kor: Node, holdings: int) -> None:
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
        # Older than the real ones, each with its own label time.
        stamp = f"2026-10-{1 + n % 28:02d}T{n // 3600 % 24:02d}:{n // 60 % 60:02d}:{n % 60:02d}Z"
        row["created_at"] = row["received_at"] = stamp.replace("Z", ".000000Z")
        marking = template["marking_json"].replace("2026-11-25T09:00:00Z", stamp)
        if n % 3 == 0:  # withheld from kim
            marking = marking.replace("DPRK-MISSILE", "DPRK-SIGINT")
            row["access_key"] = withheld_key
        row["marking_json"] = marking
        rows.append(row)
    with kor.ctx.db.transaction() as session:
        for start in range(0, len(rows), 10_000):
            session.execute(insert(ItemRow), rows[start : start + 10_000])


def main() -> int:
    """Build the inbox, time the filtered listing, print the figures; 1 if the target is missed."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--holdings", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="10,000 holdings")
    args = parser.parse_args()
    holdings = 10_000 if args.quick else args.holdings
    with tempfile.TemporaryDirectory(prefix="accord-inbox-") as tmp:
        fed = make_federation(Path(tmp))
        try:
            label = LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement=fed.agreement_id)
            for i in range(60):
                made = fed.jpn.items.create(
                    NewItem(report_content(i, 512), label, Precedence.ROUTINE), actor="sato"
                )
                fed.jpn.sending.send(made.id, to="KOR", actor="sato")
            for peer, lane in fed.jpn.delivery.peers_with_pending():
                while fed.jpn.delivery.deliver_once(peer, lane, Loopback(fed.kor)).sent:
                    pass
            start = time.perf_counter()
            _fill(fed.kor, holdings)
            print(f"filled {holdings:,} holdings in {time.perf_counter() - start:.1f} s")
            timings = []
            shown = 0
            for _ in range(6):
                start = time.perf_counter()
                listing = fed.kor.items.inbox(actor="kim", limit=50)
                timings.append((time.perf_counter() - start) * 1000)
                shown = len(listing.views)
                assert not listing.damaged, listing.damaged[:1]
        finally:
            fed.close()
    cold, warm = timings[0], statistics.median(timings[1:])
    print(
        f"inbox of {holdings:,} holdings filtered for kim, {shown} shown: "
        f"cold {cold:.0f} ms, warm {warm:.0f} ms"
    )
    met = warm <= TARGET_MS
    print(f"target <= {TARGET_MS:.0f} ms (warm): {'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())

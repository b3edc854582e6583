"""Receiving on PostgreSQL with several workers (issue 14, ADR 0010): the unique message id decides.

Two workers of KOR (two ``Node`` objects on one database, each with its own connection pool, as two
processes would be) store the same envelope at once: the second waits on the first's uncommitted
row, meets the unique key when the first commits, and answers with the first's receipt — one
holding, one inbox row, one receipt. The second stores either one envelope in a savepoint
(``_commit_one``) or the whole transmission the way a worker does (``_write_all``: the run of
drafted items held in bulk, which fails on the unique key and falls back to one by one).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import date

import pytest
from sqlalchemy import func, select, text

from accord.errors import TransportError
from accord.exchange import Transmission
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import DeliveryResult, LabelRequest, NewItem, NewUser, Node, example_agreement, federate
from accord.store import InboxMessageRow, ItemRow, OutboxRepository
from support_federation import JPN_KOR_GSOMIA, Loopback

KOR = "kor-mnd"


class Capture:
    """A peer that never answers: the transmission is kept, the delivery retried later."""

    def __init__(self) -> None:
        self.posted: list[bytes] = []

    def post_transmission(self, body: bytes) -> bytes:
        self.posted.append(body)
        raise TransportError("captured")

    def blob_status(self, blob_id: str) -> int:
        return 0

    def put_blob(self, blob_id: str, offset: int, total: int, pieces: Iterable[bytes]) -> int:
        return total


def _waited_for(node: Node, xid: int, timeout: float = 10.0) -> bool:
    """Whether a transaction waits for ``xid`` to end (the second worker's insert) within ``timeout``."""
    deadline = time.monotonic() + timeout
    query = text(
        "SELECT count(*) FROM pg_locks WHERE NOT granted AND locktype = 'transactionid'"
        " AND transactionid::text = :xid"
    )
    while time.monotonic() < deadline:
        with node.ctx.db.engine.connect() as conn:
            if conn.scalar(query, {"xid": str(xid)}):
                return True
        time.sleep(0.02)
    return False


@pytest.mark.parametrize("second_path", ["one", "bulk"])
def test_two_workers_storing_one_envelope_at_once_hold_it_once_with_one_receipt(
    make_node: Callable[..., Node], node_database_url: str, clock: object, second_path: str
) -> None:
    if node_database_url.startswith("sqlite"):
        pytest.skip("SQLite has one writer: two workers cannot store at once (and --workers > 1 is refused)")
    jpn, kor = make_node("JPN", "jpn-mod"), make_node("KOR", "kor-mnd", node_database_url)
    federate([jpn, kor], example_agreement(JPN_KOR_GSOMIA), in_force_on=date(2016, 11, 23))
    jpn.users.add(NewUser("sato", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority")
    content = ItemContent(ItemKind.REPORT, "Launch", "A launch was observed.", "Assessment")
    made = jpn.items.create(
        NewItem(content, LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"]), Precedence.ROUTINE), actor="sato"
    )
    jpn.sending.send(made.id, to="KOR", actor="sato")
    capture = Capture()
    ((peer, lane),) = jpn.delivery.peers_with_pending()
    jpn.delivery.deliver_once(peer, lane, capture)
    (body,) = capture.posted

    other = Node.open(kor.ctx.home.root, clock=clock)  # a second worker of KOR: its own pool
    try:
        now = kor.ctx.now()
        first, second = kor.receiving, other.receiving
        tx, party = first._verify_transmission(body, now)
        ((_, _, mine),) = first._check_all(tx, party, now)
        checked = second._check_all(tx, party, now)
        ((_, _, theirs),) = checked
        answers: list[object] = []

        def store_in_the_second_worker() -> None:
            try:
                if second_path == "bulk":
                    answers.append(second._write_all(tx, checked, now))
                    return
                with other.ctx.db.transaction() as session:
                    answers.append(second._commit_one(session, tx, theirs, now))  # type: ignore[arg-type]
            except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
                answers.append(exc)

        with kor.ctx.db.transaction() as session:
            receipt = first._commit_one(session, tx, mine, now)  # type: ignore[arg-type]
            xid = session.scalar(text("SELECT txid_current()"))
            worker = threading.Thread(target=store_in_the_second_worker)
            worker.start()
            assert _waited_for(kor, int(xid)), "the second worker did not wait for the first's row"
        worker.join(30)
        (answer,) = answers
        if second_path == "bulk":  # receipts, refused, given before: the first's receipt, given again
            assert answer == ([receipt], [], 1)
        else:
            assert answer == receipt  # the first's receipt, given again: a duplicate
        with kor.ctx.db.transaction(read_only=True) as session:
            assert session.scalar(select(func.count()).select_from(InboxMessageRow)) == 1
            assert session.scalar(select(func.count()).select_from(ItemRow)) == 1
    finally:
        other.close()


class _LaneWatch:
    """A loopback to KOR that, at each post, asks whether another worker could claim JPN's lane."""

    def __init__(self, jpn: Node, kor: Node, lane: str) -> None:
        self._jpn, self._lane = jpn, lane
        self._kor = Loopback(kor)
        self.sizes: list[int] = []
        self.claimable: list[bool] = []

    def post_transmission(self, body: bytes) -> bytes:
        self.sizes.append(len(Transmission.parse(body).envelopes))
        with self._jpn.ctx.db.transaction() as other:  # another worker's transaction
            self.claimable.append(OutboxRepository(other).claim_lane(KOR, self._lane))
            self._jpn.ctx.db.unchanged(other)
        return self._kor.post_transmission(body)

    def blob_status(self, blob_id: str) -> int:
        return self._kor.blob_status(blob_id)

    def put_blob(self, blob_id: str, offset: int, total: int, pieces: Iterable[bytes]) -> int:
        return self._kor.put_blob(blob_id, offset, total, pieces)


def test_a_lane_on_postgresql_sends_under_its_claim_and_is_not_pipelined(
    make_node: Callable[..., Node], node_database_url: str
) -> None:
    """The worker's lane (``deliver_pipelined``) on PostgreSQL: busy while another worker holds the
    lane; otherwise every transmission is posted while this one holds the claim, one after the other."""
    if node_database_url.startswith("sqlite"):
        pytest.skip(
            "SQLite: one process, the lane is pipelined (tests/exchange/test_exchange_pipelined_delivery.py)"
        )
    jpn, kor = make_node("JPN", "jpn-mod", node_database_url), make_node("KOR", "kor-mnd")
    federate([jpn, kor], example_agreement(JPN_KOR_GSOMIA), in_force_on=date(2016, 11, 23))
    jpn.users.add(NewUser("sato", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority")
    label = LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"])
    made = [
        jpn.items.create(
            NewItem(
                ItemContent(ItemKind.REPORT, f"Launch {n}", "text", "Assessment"), label, Precedence.PRIORITY
            ),
            actor="sato",
        ).id
        for n in range(60)
    ]
    jpn.sending.send_many(made, to="KOR", actor="sato")
    transport = _LaneWatch(jpn, kor, "priority")
    with ThreadPoolExecutor(max_workers=1) as post_in:
        with jpn.ctx.db.transaction() as holder:  # another worker sends the lane now
            assert OutboxRepository(holder).claim_lane(KOR, "priority")
            assert jpn.delivery.deliver_pipelined(KOR, "priority", transport, post_in) == DeliveryResult(
                busy=True
            )
            jpn.ctx.db.unchanged(holder)
        assert transport.sizes == []
        result = jpn.delivery.deliver_pipelined(KOR, "priority", transport, post_in)
    assert result == DeliveryResult(sent=60, receipted=60)
    assert transport.sizes == [50, 10]
    assert transport.claimable == [False, False]  # each posted under this worker's claim
    assert len(kor.items.inbox().views) == 60

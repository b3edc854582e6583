"""Receipt, inbox, sequence and quarantine repositories, against a real database."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import NoResultFound

from accord.items import Direction, QuarantineState
from accord.store import (
    Database,
    InboxMessageRow,
    InboxRepository,
    QuarantineRepository,
    QuarantineRow,
    ReceiptBatchRow,
    ReceiptRepository,
    ReceiptRow,
    SequenceRepository,
)

STAMP = "2026-11-25T09:00:00Z"


def _receipt(message_id: str, item_id: str, stored_at: str) -> ReceiptRow:
    return ReceiptRow(
        message_id=message_id,
        item_id=item_id,
        peer="kor-mnd",
        receipt_json="{}",
        batch_id="b1",
        stored_at=stored_at,
    )


def test_receipts_refer_to_their_batch(db: Database) -> None:
    with db.transaction() as session:
        receipts = ReceiptRepository(session)
        assert not receipts.has_batch("b1")
        receipts.add_batch(
            ReceiptBatchRow(id="b1", peer="kor-mnd", transmission_id="tx", batch_json="{}", stored_at=STAMP)
        )
        receipts.add(_receipt("m2", "item-1", "2026-11-25T10:00:00Z"))
        receipts.add(_receipt("m1", "item-1", "2026-11-25T09:00:00Z"))
        receipts.add(_receipt("m3", "item-2", STAMP))
    with db.transaction(read_only=True) as session:
        receipts = ReceiptRepository(session)
        assert receipts.has_batch("b1")
        assert receipts.batch("b1").transmission_id == "tx"
        with pytest.raises(NoResultFound):
            receipts.batch("b2")
        row = receipts.get("m1")
        assert row is not None
        assert row.batch_id == "b1"
        assert receipts.get("nope") is None
        assert receipts.kept_among(["m1", "m3", "nope"]) == {"m1", "m3"}
        assert [r.message_id for r in receipts.for_item("item-1")] == ["m1", "m2"]


def test_the_inbox_keeps_each_accepted_envelope(db: Database) -> None:
    with db.transaction() as session:
        inbox = InboxRepository(session)
        for sender, message_id, item_id in [
            ("jpn-mod", "m1", "item-1"),
            ("usa-dod", "m1", "item-1"),
            ("jpn-mod", "m2", "item-2"),
        ]:
            inbox.add(
                InboxMessageRow(
                    sender=sender,
                    message_id=message_id,
                    digest="d",
                    seq=1,
                    item_id=item_id,
                    precedence="ROUTINE",
                    received_at=STAMP,
                    receipt_json="{}",
                )
            )
    with db.transaction(read_only=True) as session:
        inbox = InboxRepository(session)
        row = inbox.get("usa-dod", "m1")
        assert row is not None
        assert row.sender == "usa-dod"
        assert inbox.get("usa-dod", "m2") is None
        assert sorted(inbox.message_ids_about("item-1")) == ["m1", "m1"]
        assert inbox.message_ids_about("item-3") == []


def test_sequences_count_out_and_keep_the_highest_seen_in(db: Database) -> None:
    with db.transaction() as session:
        sequences = SequenceRepository(session)
        assert [sequences.advance("kor-mnd", Direction.OUT) for _ in range(3)] == [1, 2, 3]
        assert sequences.advance("usa-dod", Direction.OUT) == 1
        sequences.raise_to("kor-mnd", Direction.IN, 7)
    with db.transaction() as session:
        sequences = SequenceRepository(session)
        sequences.raise_to("kor-mnd", Direction.IN, 5)  # lower: kept as it was
        assert sequences.advance("kor-mnd", Direction.OUT) == 4
    with db.transaction() as session:
        sequences = SequenceRepository(session)
        sequences.raise_to("kor-mnd", Direction.IN, 9)
        # The incoming and outgoing counts of one peer are apart.
        assert sequences.advance("kor-mnd", Direction.IN) == 10


def test_the_quarantine_lists_newest_first(db: Database) -> None:
    with db.transaction() as session:
        quarantine = QuarantineRepository(session)
        for reason in ["first", "second"]:
            quarantine.add(
                QuarantineRow(
                    at=STAMP,
                    peer="kor-mnd",
                    message_id=None,
                    reason=reason,
                    raw=b"x",
                    status=QuarantineState.HELD,
                )
            )
    with db.transaction(read_only=True) as session:
        assert [r.reason for r in QuarantineRepository(session).newest_first()] == ["second", "first"]

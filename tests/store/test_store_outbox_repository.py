"""OutboxRepository: each question the wings ask of the outbox, against a real database."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import NoResultFound

from accord.items import OutboxState
from accord.store import Database, OutboxRepository, OutboxRow

WAITING = "PeerUnavailable: %"


def _row(message_id: str, **fields: object) -> OutboxRow:
    values: dict[str, object] = {
        "message_id": message_id,
        "peer": "kor-mnd",
        "peer_party": "KOR",
        "item_id": "item-1",
        "kind": "item",
        "agreement_id": "jpn-kor",
        "precedence": "ROUTINE",
        "rank": 1,
        "lane": "routine",
        "seq": 1,
        "header": b"h",
        "ciphertext": b"c",
        "digest": "d",
        "blobs_json": "[]",
        "status": OutboxState.PENDING,
        "attempts": 0,
        "next_attempt_at": "2026-11-25T09:00:00Z",
        "last_error": "",
        "created_at": "2026-11-25T09:00:00Z",
        "sent_by": "sato",
        "receipted_at": None,
    }
    values.update(fields)
    return OutboxRow(**values)


def _fill(db: Database, *rows: OutboxRow) -> None:
    with db.transaction() as session:
        outbox = OutboxRepository(session)
        for row in rows:
            outbox.add(row)


def test_one_envelope_by_its_id(db: Database) -> None:
    _fill(db, _row("m1"), _row("m2", peer="usa-dod"))
    with db.transaction(read_only=True) as session:
        outbox = OutboxRepository(session)
        assert outbox.get("m1") is not None
        assert outbox.get("nope") is None
        assert outbox.require("m2").peer == "usa-dod"
        with pytest.raises(NoResultFound):
            outbox.require("nope")
        assert sorted(outbox.by_ids(["m1", "m2", "nope"])) == ["m1", "m2"]
        assert outbox.sent_among("kor-mnd", ["m1", "m2", "nope"]) == {"m1"}


def test_the_lanes_see_pending_envelopes_most_urgent_first(db: Database) -> None:
    _fill(
        db,
        _row("old", created_at="2026-11-25T08:00:00Z", seq=1),
        _row("new", created_at="2026-11-25T09:00:00Z", seq=2),
        _row("urgent", rank=3, lane="priority", created_at="2026-11-25T09:30:00Z", seq=3),
        _row("later", next_attempt_at="2026-11-25T11:00:00Z", attempts=1, seq=4),
        _row("done", status=OutboxState.RECEIPTED, seq=5),
        _row("other", peer="usa-dod", seq=1),
    )
    with db.transaction(read_only=True) as session:
        outbox = OutboxRepository(session)
        assert sorted(outbox.pending_lanes()) == [
            ("kor-mnd", "priority"),
            ("kor-mnd", "routine"),
            ("usa-dod", "routine"),
        ]
        assert outbox.pending_count() == 5
        due = outbox.due("kor-mnd", "routine", at="2026-11-25T10:00:00Z", first_tries_only=False, limit=10)
        assert [r.message_id for r in due] == ["old", "new"]
        assert [
            r.message_id
            for r in outbox.due(
                "kor-mnd", "routine", at="2026-11-25T12:00:00Z", first_tries_only=True, limit=10
            )
        ] == ["old", "new"]
        assert (
            len(outbox.due("kor-mnd", "routine", at="2026-11-25T12:00:00Z", first_tries_only=False, limit=1))
            == 1
        )
        assert [r.message_id for r in outbox.pending("kor-mnd", 10)] == ["urgent", "old", "new", "later"]


def test_envelopes_waiting_for_an_unreachable_peer(db: Database) -> None:
    _fill(
        db,
        _row(
            "waits",
            lane="priority",
            attempts=2,
            last_error="PeerUnavailable: down",
            next_attempt_at="2026-11-25T11:00:00Z",
        ),
        _row("refused", lane="flash", attempts=1, last_error="TransportError: no"),
    )
    with db.transaction() as session:
        outbox = OutboxRepository(session)
        assert outbox.retrying_in("kor-mnd", ["flash", "priority"], error_like=WAITING)
        assert not outbox.retrying_in("kor-mnd", ["flash"], error_like=WAITING)
        assert not outbox.retrying_in("usa-dod", ["priority"], error_like=WAITING)
        outbox.make_due("kor-mnd", at="2026-11-25T10:00:00Z", error_like=WAITING)
    with db.transaction(read_only=True) as session:
        outbox = OutboxRepository(session)
        assert outbox.require("waits").next_attempt_at == "2026-11-25T10:00:00Z"
        assert outbox.require("refused").next_attempt_at == "2026-11-25T09:00:00Z"


def test_pending_envelopes_by_agreement_and_by_party(db: Database) -> None:
    _fill(
        db,
        _row("a", kind="item"),
        _row("b", kind="disposal-request", agreement_id="jpn-kor-2"),
        _row("c", status=OutboxState.HELD),
        _row("d", item_id="item-2"),
    )
    with db.transaction(read_only=True) as session:
        outbox = OutboxRepository(session)
        assert sorted(outbox.pending_agreements("kor-mnd")) == ["jpn-kor", "jpn-kor-2"]
        assert sorted(outbox.pending_under("kor-mnd", "jpn-kor")) == [("a", "item"), ("d", "item")]
        assert outbox.pending_under("usa-dod", "jpn-kor") == []
        assert sorted(r.message_id for r in outbox.pending_to_party("item-1", "KOR")) == ["a", "b"]


def test_the_dissemination_record(db: Database) -> None:
    _fill(
        db,
        _row("sent", created_at="2026-11-25T08:00:00Z", status=OutboxState.RECEIPTED),
        _row("notice", kind="downgrade-notice", created_at="2026-11-25T09:00:00Z"),
        _row("again", created_at="2026-11-25T10:00:00Z", status=OutboxState.RECEIPTED),
        _row(
            "usa",
            peer="usa-dod",
            peer_party="USA",
            agreement_id="jpn-usa",
            rank=2,
            created_at="2026-11-25T07:00:00Z",
        ),
    )
    with db.transaction(read_only=True) as session:
        outbox = OutboxRepository(session)
        assert [r.message_id for r in outbox.listing(include_done=False)] == ["usa", "notice"]
        assert [r.message_id for r in outbox.listing(include_done=True)] == ["usa", "sent", "notice", "again"]
        assert [r.message_id for r in outbox.about_item("item-1", kind="item")] == ["usa", "sent", "again"]
        assert [r.message_id for r in outbox.about_item("item-1")] == ["usa", "sent", "notice", "again"]
        assert list(outbox.about_item("item-2")) == []
        assert [r.message_id for r in outbox.sent_to("kor-mnd", kind="item")] == ["sent", "again"]
        assert list(outbox.kinds_sent("item-1", "kor-mnd")) == [
            ("sent", "item"),
            ("notice", "downgrade-notice"),
            ("again", "item"),
        ]
        assert outbox.first_sent("item-1", "kor-mnd", kind="downgrade-notice") == "notice"
        assert outbox.first_sent("item-2", "kor-mnd", kind="item") is None
        assert sorted(outbox.destinations("item-1", party="USA", kind="item")) == [("usa-dod", "jpn-usa")]
        assert outbox.receipted_destinations("item-1") == [("kor-mnd", "jpn-kor")]


def test_one_worker_at_a_time_claims_a_lane_and_its_rows(db: Database) -> None:
    """Issue 14, ADR 0010: on PostgreSQL a lane is claimed by one transaction of any worker at a
    time (an advisory lock released at its end), and rows another holds are skipped."""
    _fill(db, _row("m1", seq=1), _row("m2", seq=2), _row("f1", lane="flash", rank=4, seq=3))
    due = {"at": "2026-11-25T10:00:00Z", "first_tries_only": False}
    if db.dialect == "sqlite":  # one process, one writer, one loop per lane: always free, no row locks
        with db.transaction() as session:
            outbox = OutboxRepository(session)
            assert outbox.claim_lane("kor-mnd", "routine")
            assert [r.message_id for r in outbox.claim_due("kor-mnd", "routine", **due, limit=5)] == [
                "m1",
                "m2",
            ]
        return
    with db.transaction() as first:
        outbox = OutboxRepository(first)
        assert outbox.claim_lane("kor-mnd", "routine")
        assert [r.message_id for r in outbox.claim_due("kor-mnd", "routine", **due, limit=1)] == ["m1"]
        with db.transaction() as second:  # another worker's
            other = OutboxRepository(second)
            assert not other.claim_lane("kor-mnd", "routine")  # the first holds it: no wait
            # the rows the first holds are skipped, the others taken
            assert [r.message_id for r in other.claim_due("kor-mnd", "routine", **due, limit=5)] == ["m2"]
            assert other.claim_lane("kor-mnd", "flash")  # another lane is another lock
            assert other.claim_lane("usa-dod", "routine")  # and another peer
            db.unchanged(second)
    with db.transaction() as third:  # the first committed: the lane and its rows are free again
        outbox = OutboxRepository(third)
        assert outbox.claim_lane("kor-mnd", "routine")
        assert [r.message_id for r in outbox.claim_due("kor-mnd", "routine", **due, limit=5)] == ["m1", "m2"]

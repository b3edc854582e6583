"""FiguresRepository: the dashboard's aggregate statements on SQLite and PostgreSQL alike."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import literal

from accord.items import OutboxState
from accord.store import (
    Database,
    FiguresRepository,
    ItemRow,
    NewEvent,
    OutboxRow,
    PartyRow,
    QuarantineRepository,
    QuarantineRow,
    append_event,
)
from accord.store._figures import EDGES, _rank

# Two days, cut at Seoul's midnights (15:00 UTC).
BOUNDS = ["2026-11-24T15:00:00.000000Z", "2026-11-25T15:00:00.000000Z", "2026-11-26T15:00:00.000000Z"]


def _item(item_id: str, received_at: str | None, key: str = "k1") -> ItemRow:
    return ItemRow(
        id=item_id,
        kind="report",
        originator_party="JPN",
        originator_node="jpn-mod",
        precedence="FLASH",
        marking_json="{}",
        content_sealed=b"x" * 5000,
        wrapped_key=b"k",
        content_sha384="d",
        binding_json="{}",
        created_by="sato",
        created_at="2026-11-25T00:00:00.000000Z",
        status="held",
        received_from="jpn-mod" if received_at else None,
        received_at=received_at,
        access_key=key,
    )


def _envelope(
    message_id: str, item_id: str, sealed: str, receipted: str | None, **fields: object
) -> OutboxRow:
    values: dict[str, object] = {
        "message_id": message_id,
        "peer": "jpn-mod",
        "peer_party": "JPN",
        "item_id": item_id,
        "kind": "item",
        "agreement_id": "jpn-kor",
        "precedence": "FLASH",
        "rank": 4,
        "lane": "flash",
        "seq": 1,
        "header": b"h",
        "ciphertext": b"c",
        "digest": "d",
        "blobs_json": "[]",
        "status": OutboxState.RECEIPTED if receipted else OutboxState.PENDING,
        "attempts": 0,
        "next_attempt_at": sealed,
        "last_error": "",
        "created_at": sealed,
        "sent_by": "kim",
        "receipted_at": receipted,
    }
    values.update(fields)
    return OutboxRow(**values)


@pytest.fixture
def filled(db: Database) -> Database:
    with db.transaction() as session:
        session.add(PartyRow(node_id="jpn-mod", party="JPN", card_json="{}", fingerprint="f", pinned_at="t"))
        session.add_all(
            [
                _item("a", "2026-11-24T16:00:00.000000Z"),  # day 0 in Seoul
                _item("b", "2026-11-25T14:59:59.000000Z"),  # day 0, a second before midnight
                _item("c", "2026-11-25T15:00:00.000000Z", key="k2"),  # day 1
                _item("d", "2026-11-20T00:00:00.000000Z"),  # before the window
                _item("e", None),  # ours
            ]
        )
        session.flush()
        session.add_all(
            [
                _envelope("m1", "e", "2026-11-25T01:00:00.000000Z", "2026-11-25T01:02:00.000000Z"),
                _envelope("m2", "a", "2026-11-25T02:00:00.000000Z", "2026-11-25T02:10:00.500000Z"),
                _envelope(
                    "m3", "c", "2026-11-25T16:00:00.000000Z", None, lane="routine", precedence="ROUTINE"
                ),
                _envelope("m4", "(none)", "2026-11-25T16:00:00.000000Z", None, kind="witness-demand"),
            ]
        )
        for stamp in ("2026-11-25T05:00:00+00:00", "2026-11-20T05:00:00+00:00"):
            event = NewEvent(
                at=datetime.fromisoformat(stamp), actor="lee", action="item.read", outcome="refused"
            )
            append_event(session, event)
        QuarantineRepository(session).add(
            QuarantineRow(
                at="2026-11-25T03:00:00.000000Z", peer="jpn-mod", reason="bad", raw=b"", status="held"
            )
        )
        QuarantineRepository(session).add(
            QuarantineRow(
                at="2026-11-25T04:00:00.000000Z", peer="jpn-mod", reason="bad", raw=b"", status="held"
            )
        )
    return db


def test_every_figure_by_local_day(filled: Database) -> None:
    with filled.transaction(read_only=True) as session:
        figures = FiguresRepository(session)
        assert sorted((c.party, c.day, c.items) for c in figures.received(BOUNDS, None)) == [
            ("JPN", 0, 2),
            ("JPN", 1, 1),
        ]
        assert sorted((c.party, c.day, c.items) for c in figures.sent(BOUNDS, None)) == [
            ("JPN", 0, 2),
            ("JPN", 1, 1),
        ]
        (latency,) = figures.latency(BOUNDS, None)
        assert (latency.precedence, latency.day, latency.receipted) == ("FLASH", 0, 2)
        assert latency.p50 == pytest.approx(120, abs=0.01)  # nearest rank: the first of two
        assert latency.p99 == pytest.approx(600.5, abs=0.01)
        assert [(p.party, p.lane, p.pending) for p in figures.pending(None, "(none)")] == [
            ("JPN", "routine", 1)
        ]
        (refusal,) = figures.refusals(BOUNDS, 10)
        assert (refusal.reason, refusal.refused, refusal.latest) == ("bad", 2, "2026-11-25T04:00:00.000000Z")
        assert figures.refusals_total(BOUNDS) == 2
        (journalled,) = figures.journal_refusals(BOUNDS, 10)  # the one of the 20th is before the window
        assert (journalled.reason, journalled.refused) == ("item.read", 1)


def test_a_readable_condition_is_applied_before_counting(filled: Database) -> None:
    only_k1 = ItemRow.access_key == "k1"
    with filled.transaction(read_only=True) as session:
        figures = FiguresRepository(session)
        assert [(c.day, c.items) for c in figures.received(BOUNDS, only_k1)] == [(0, 2)]
        assert [(c.day, c.items) for c in figures.sent(BOUNDS, only_k1)] == [(0, 2)]
        assert figures.pending(only_k1, "(none)") == []
        assert figures.received(BOUNDS, literal(False)) == []


def test_percentiles_from_the_histogram() -> None:
    # (bucket, count, least, greatest): exact at a bucket's ends, interpolated inside it.
    assert _rank([(10, 1, 5.0, 5.0)], 99) == 5.0
    assert _rank([(10, 3, 5.0, 5.2), (20, 1, 60.0, 60.0)], 50) == pytest.approx(5.1)
    assert _rank([(20, 1, 60.0, 60.0), (10, 3, 5.0, 5.2)], 99) == 60.0
    assert EDGES[0] == 1.0
    assert EDGES[8] == 2.0

"""The journal: append and read in order, filters, and canonical bytes that never depend on the backend."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest

from accord.errors import StorageError
from accord.store import Database, Event, NewEvent, append_event, append_events, format_stamp, read_events

T0 = datetime(2019, 8, 23, 6, 0, 0, tzinfo=UTC)


def _fill(db: Database) -> None:
    rows = [
        ("authority", "party.pin", "ok", None, {"node_id": "kor-mnd"}),
        ("sato", "item.create", "ok", "jpn-1", {"classification": "秘"}),
        ("kim", "item.read", "refused", "jpn-1", {"reason": "군사Ⅱ급비밀 needed"}),
        ("sato", "item.read", "ok", "jpn-1", {}),
        ("sato", "item.create", "ok", "jpn-2", {"classification": "極秘"}),
    ]
    for n, (actor, action, outcome, item_id, detail) in enumerate(rows):
        with db.transaction() as session:
            append_event(
                session,
                NewEvent(
                    at=T0 + timedelta(seconds=n),
                    actor=actor,
                    action=action,
                    outcome=outcome,
                    item_id=item_id,
                    detail=detail,
                ),
            )


def _read(db: Database, **filters: Any) -> list[Event]:
    with db.transaction() as session:
        return list(read_events(session, **filters))


def test_events_come_back_in_the_order_appended(db: Database) -> None:
    _fill(db)
    events = _read(db)
    assert [e.seq for e in events] == [1, 2, 3, 4, 5]
    assert [e.action for e in events] == ["party.pin", "item.create", "item.read", "item.read", "item.create"]
    assert events[2] == Event(
        seq=3,
        at="2019-08-23T06:00:02.000000Z",
        actor="kim",
        action="item.read",
        item_id="jpn-1",
        outcome="refused",
        detail={"reason": "군사Ⅱ급비밀 needed"},
    )
    assert events[0].item_id is None
    assert events[3].detail == {}


def test_append_returns_the_row_with_its_seq(db: Database) -> None:
    with db.transaction() as session:
        row = append_event(session, NewEvent(at=T0, actor="a", action="x", outcome="ok"))
        assert row.seq == 1
        assert row.detail_json == "{}"


@pytest.mark.parametrize(
    ("filters", "seqs"),
    [
        pytest.param({"item_id": "jpn-1"}, [2, 3, 4], id="by item"),
        pytest.param({"action": "item.create"}, [2, 5], id="by action"),
        pytest.param({"item_id": "jpn-1", "action": "item.read"}, [3, 4], id="by item and action"),
        pytest.param({"limit": 2}, [1, 2], id="limit"),
        pytest.param({"action": "item.read", "limit": 1}, [3], id="action and limit"),
        pytest.param({"item_id": "kor-9"}, [], id="no match"),
    ],
)
def test_filters(db: Database, filters: dict[str, str | int], seqs: list[int]) -> None:
    _fill(db)
    assert [e.seq for e in _read(db, **filters)] == seqs


def test_a_rolled_back_append_leaves_no_row(db: Database) -> None:
    def fail() -> None:
        with db.transaction() as session:
            append_event(session, NewEvent(at=T0, actor="a", action="x", outcome="ok"))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        fail()
    assert _read(db) == []


def test_canonical_bytes_are_exact_and_stable(db: Database) -> None:
    with db.transaction() as session:
        append_event(
            session,
            NewEvent(
                at=datetime(2019, 11, 22, 18, 0, tzinfo=timezone(timedelta(hours=9))),
                actor="authority",
                action="agreement.note",
                outcome="ok",
                detail={"party": "KOR", "kind": "suspend-notice", "n": 1},
            ),
        )
    (event,) = _read(db)
    expected = (
        b'{"action":"agreement.note","actor":"authority","at":"2019-11-22T09:00:00.000000Z",'
        b'"detail":{"kind":"suspend-notice","n":1,"party":"KOR"},"item_id":null,"outcome":"ok","seq":1}'
    )
    assert event.canonical_bytes() == expected
    # Read again (a fresh session, a fresh object): the same bytes.
    assert _read(db)[0].canonical_bytes() == expected


def test_canonical_bytes_keep_non_ascii_text() -> None:
    event = Event(1, "2019-08-23T00:00:00.000000Z", "김", "item.read", "kor-1", "ok", {"lvl": "군사Ⅱ급비밀"})
    assert "군사Ⅱ급비밀".encode() in event.canonical_bytes()
    assert event.canonical_bytes() == Event(**vars(event)).canonical_bytes()


@pytest.mark.parametrize(
    ("moment", "stamp"),
    [
        pytest.param(datetime(2016, 11, 23, tzinfo=UTC), "2016-11-23T00:00:00.000000Z", id="midnight"),
        pytest.param(
            datetime(2019, 8, 23, 15, 30, 1, 5, tzinfo=timezone(timedelta(hours=9))),
            "2019-08-23T06:30:01.000005Z",
            id="KST to UTC",
        ),
        pytest.param(
            datetime(2023, 3, 21, 23, 59, 59, 999999, tzinfo=timezone(timedelta(hours=-5))),
            "2023-03-22T04:59:59.999999Z",
            id="crosses midnight",
        ),
    ],
)
def test_format_stamp_is_fixed_width_utc(moment: datetime, stamp: str) -> None:
    assert format_stamp(moment) == stamp
    assert len(stamp) == 27


def test_append_events_appends_in_order_as_one_by_one_would(db: Database) -> None:
    events = [
        NewEvent(at=T0, actor="sato", action="item.read", outcome="ok", item_id="jpn-1", detail={"n": 1}),
        NewEvent(at=T0, actor="kim", action="item.read", outcome="refused", detail={"lvl": "군사Ⅱ급비밀"}),
        NewEvent(at=T0, actor="sato", action="item.create", outcome="ok"),
    ]
    with db.transaction() as session:
        append_event(session, NewEvent(at=T0, actor="a", action="before", outcome="ok"))
        assert append_events(session, events) == 3
        assert append_events(session, []) == 0
        after = append_event(session, NewEvent(at=T0, actor="a", action="after", outcome="ok"))
    assert after.seq == 5
    read = _read(db)
    assert [e.action for e in read] == ["before", "item.read", "item.read", "item.create", "after"]
    assert read[1] == Event(2, format_stamp(T0), "sato", "item.read", "jpn-1", "ok", {"n": 1})
    assert read[2].detail == {"lvl": "군사Ⅱ급비밀"}
    # The same bytes as the same events appended one by one.
    with db.transaction() as session:
        for event in events:
            append_event(session, event, flush=False)
    again = _read(db)[5:]
    assert [e.canonical_bytes().replace(b'"seq":%d' % e.seq, b"") for e in again] == [
        e.canonical_bytes().replace(b'"seq":%d' % e.seq, b"") for e in read[1:4]
    ]


def test_append_returns_the_row_as_stored(db: Database) -> None:
    moment = datetime(2019, 11, 22, 18, 0, tzinfo=timezone(timedelta(hours=9)))
    with db.transaction() as session:
        first = append_event(session, NewEvent(at=T0, actor="a", action="x", outcome="ok"))
        row = append_event(
            session,
            NewEvent(
                at=moment, actor="김", action="y", outcome="ok", item_id="k-1", detail={"b": 1, "a": [2]}
            ),
        )
    assert (first.seq, row.seq) == (1, 2)
    assert row.at == "2019-11-22T09:00:00.000000Z"
    assert (row.actor, row.action, row.item_id, row.outcome) == ("김", "y", "k-1", "ok")
    assert row.detail_json == '{"a":[2],"b":1}'


def test_a_row_the_database_refuses_is_a_storage_error_and_nothing_is_written(db: Database) -> None:
    refused = NewEvent(at=T0, actor=None, action="x", outcome="ok")  # type: ignore[arg-type]

    def one_by_one() -> None:
        with db.transaction() as session:
            append_event(session, NewEvent(at=T0, actor="a", action="x", outcome="ok"))
            append_event(session, refused)

    def together() -> None:
        with db.transaction() as session:
            append_events(session, [NewEvent(at=T0, actor="a", action="x", outcome="ok"), refused])

    with pytest.raises(StorageError, match="IntegrityError"):
        one_by_one()
    with pytest.raises(StorageError, match="IntegrityError"):
        together()
    assert _read(db) == []

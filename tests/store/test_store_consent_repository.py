"""ConsentRepository: each question answered from real consents, receipts and notices (SQLite, PostgreSQL)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy.exc import NoResultFound

from accord.items import ConsentState, Direction
from accord.store import ConsentReceiptRow, ConsentRepository, ConsentRow, Database, ItemNoticeRow


@dataclass(frozen=True)
class _Consent:
    """A consent row, in the columns these tests vary (the others are the same for every row)."""

    id: str
    direction: Direction
    status: ConsentState
    item_id: str = "item-1"
    third_party: str = "USA"
    requested_at: str = "2026-11-25T09:00:00Z"
    token_id: str | None = None

    def row(self) -> ConsentRow:
        return ConsentRow(
            id=self.id,
            direction=self.direction,
            item_id=self.item_id,
            content_sha384="0" * 96,
            originator_node="jpn-mod",
            holder_party="KOR",
            holder_node="kor-mnd",
            third_party=self.third_party,
            purpose="training",
            request_json="{}",
            requested_by="kim",
            requested_at=self.requested_at,
            status=self.status,
            token_id=self.token_id,
            token_json=f'{{"token": "{self.token_id}"}}' if self.token_id else None,
        )


def _receipt(
    receipt_id: str, *, node: str = "usa-dod", message_id: str = "m-1", at: str = "t1"
) -> ConsentReceiptRow:
    return ConsentReceiptRow(
        id=receipt_id,
        token_id="tok-1",
        item_id="item-1",
        content_sha384="0" * 96,
        holder_party="KOR",
        holder_node="kor-mnd",
        third_party="USA",
        third_party_node=node,
        message_id=message_id,
        agreement_id="agr-us",
        received_at=at,
        recorded_at=at,
        receipt_json="{}",
    )


def test_consents_by_key_and_by_token(db: Database) -> None:
    with db.transaction() as session:
        consents = ConsentRepository(session)
        consents.add(_Consent("req-1", Direction.IN, ConsentState.APPROVED, token_id="tok-1").row())
        consents.add(_Consent("req-2", Direction.HELD, ConsentState.REVOKED, token_id="tok-2").row())
    with db.transaction() as session:
        consents = ConsentRepository(session)
        assert consents.get("req-1") is not None
        assert consents.get("nope") is None
        assert consents.require("req-2").status == ConsentState.REVOKED
        with pytest.raises(NoResultFound):
            consents.require("nope")
        found = consents.by_token("tok-1")
        assert found is not None
        assert found.id == "req-1"
        assert consents.by_token("tok-1", Direction.OUT) is None
        assert consents.by_token("tok-2", Direction.HELD) is not None
        assert (consents.is_revoked("tok-1"), consents.is_revoked("tok-2")) == (False, True)


def test_listing_is_newest_first_and_filters_by_status(db: Database) -> None:
    with db.transaction() as session:
        consents = ConsentRepository(session)
        consents.add(_Consent("b", Direction.IN, ConsentState.PENDING, requested_at="t1").row())
        consents.add(_Consent("a", Direction.IN, ConsentState.PENDING, requested_at="t1").row())
        consents.add(_Consent("c", Direction.OUT, ConsentState.DENIED, requested_at="t2").row())
    with db.transaction() as session:
        consents = ConsentRepository(session)
        assert [r.id for r in consents.listing()] == ["c", "a", "b"]
        assert [r.id for r in consents.listing(ConsentState.PENDING)] == ["a", "b"]
        assert next(r.id for r in consents.of_item("item-1")) in ("a", "b")
        assert [r.id for r in consents.of_item("item-1")][-1] == "c"


def test_the_questions_of_holder_originator_and_third_party(db: Database) -> None:
    with db.transaction() as session:
        consents = ConsentRepository(session)
        consents.add(_Consent("out-old", Direction.OUT, ConsentState.DENIED, requested_at="t1").row())
        consents.add(_Consent("out-new", Direction.OUT, ConsentState.PENDING, requested_at="t2").row())
        consents.add(_Consent("out-gbr", Direction.OUT, ConsentState.PENDING, third_party="GBR").row())
        consents.add(_Consent("in-1", Direction.IN, ConsentState.APPROVED, token_id="t-in1").row())
        consents.add(
            _Consent("in-2", Direction.IN, ConsentState.REVOKED, third_party="GBR", token_id="t-in2").row()
        )
        consents.add(
            _Consent("held-2", Direction.HELD, ConsentState.APPROVED, requested_at="t2", token_id="h2").row()
        )
        consents.add(
            _Consent("held-1", Direction.HELD, ConsentState.APPROVED, requested_at="t1", token_id="h1").row()
        )
        consents.add(
            _Consent(
                "held-x",
                Direction.HELD,
                ConsentState.REVOKED,
                item_id="item-2",
                requested_at="t3",
                token_id="hx",
            ).row()
        )
    with db.transaction() as session:
        consents = ConsentRepository(session)
        assert [r.id for r in consents.asked("item-1", "USA")] == ["out-new", "out-old"]
        assert [r.id for r in consents.given("item-1", ConsentState.APPROVED)] == ["in-1"]
        assert consents.given_to("item-1", "GBR", (ConsentState.APPROVED, ConsentState.REVOKED))
        assert not consents.given_to("item-1", "GBR", (ConsentState.APPROVED,))
        assert not consents.given_to("item-1", "FRA", tuple(ConsentState))
        assert consents.held_tokens("USA") == [
            ("item-1", '{"token": "h1"}'),
            ("item-1", '{"token": "h2"}'),
            ("item-2", '{"token": "hx"}'),
        ]
        approved = consents.held_tokens("USA", status=ConsentState.APPROVED)
        assert approved == [("item-1", '{"token": "h1"}'), ("item-1", '{"token": "h2"}')]
        assert consents.held_tokens("USA", item_id="item-2") == [("item-2", '{"token": "hx"}')]
        assert consents.held_tokens("GBR") == []


def test_consent_receipts(db: Database) -> None:
    with db.transaction() as session:
        consents = ConsentRepository(session)
        consents.add_receipt(_receipt("r-2", at="t2", message_id="m-2"))
        consents.add_receipt(_receipt("r-1", at="t1"))
        consents.add_receipt(_receipt("r-3", node="usa-army", at="t0", message_id="m-3"))
    with db.transaction() as session:
        consents = ConsentRepository(session)
        assert consents.receipt_on_record("r-1", "nobody", "nobody", "nothing")
        assert consents.receipt_on_record("r-new", "usa-dod", "kor-mnd", "m-1")
        assert not consents.receipt_on_record("r-new", "usa-dod", "kor-mnd", "m-9")
        assert [r.id for r in consents.receipts_of_item("item-1")] == ["r-3", "r-1", "r-2"]
        assert [r.id for r in consents.receipts_by("usa-dod", "USA")] == ["r-1", "r-2"]
        assert consents.receipts_by("usa-dod", "GBR") == []
        assert sorted(consents.receiving_nodes("item-1", "USA")) == [
            ("usa-army", "agr-us"),
            ("usa-dod", "agr-us"),
            ("usa-dod", "agr-us"),
        ]
        assert consents.receiving_nodes("item-2", "USA") == []


def test_item_notices(db: Database) -> None:
    with db.transaction() as session:
        consents = ConsentRepository(session)
        for notice_id, issued in (("n-2", "t2"), ("n-1", "t1")):
            consents.add_notice(
                ItemNoticeRow(
                    id=notice_id, item_id="item-1", notice_json="{}", issued_at=issued, applied_at=issued
                )
            )
    with db.transaction() as session:
        consents = ConsentRepository(session)
        assert consents.notice("n-1") is not None
        assert consents.notice("n-9") is None
        assert [n.id for n in consents.notices_of("item-1")] == ["n-1", "n-2"]
        assert consents.notices_of("item-2") == []

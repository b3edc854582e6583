"""CompromiseRepository and DestructionRepository against a real database (SQLite, PostgreSQL)."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import NoResultFound

from accord.items import CaseState, DestructionDirection, Direction
from accord.store import (
    CompromiseCaseRow,
    CompromiseItemRow,
    CompromisePartyRow,
    CompromiseRepository,
    Database,
    DestructionRepository,
    DestructionRow,
)


def _case(case_id: str, status: CaseState, opened_at: str) -> CompromiseCaseRow:
    return CompromiseCaseRow(
        id=case_id,
        direction=Direction.OUT,
        reporting_node="kor-mnd",
        reporting_party="KOR",
        actual=True,
        circumstances="a laptop was lost",
        opened_by="park",
        opened_at=opened_at,
        status=status,
    )


def _item(case_id: str, item_id: str, position: int) -> CompromiseItemRow:
    return CompromiseItemRow(
        case_id=case_id,
        item_id=item_id,
        position=position,
        content_sha384="0" * 96,
        originator_node="jpn-mod",
        originator_party="JPN",
    )


def _party(case_id: str, node: str) -> CompromisePartyRow:
    return CompromisePartyRow(case_id=case_id, originator_node=node, originator_party="JPN", notice_json="{}")


def test_a_case_with_its_items_and_parties(db: Database) -> None:
    with db.transaction() as session:
        cases = CompromiseRepository(session)
        cases.open(_case("c-1", CaseState.OPEN, "t1"), [_item("c-1", "i-b", 0), _item("c-1", "i-a", 1)])
        cases.add_party(_party("c-1", "jpn-b"))
        cases.add_party(_party("c-1", "jpn-a"))
    with db.transaction() as session:
        cases = CompromiseRepository(session)
        found = cases.get("c-1")
        assert found is not None
        assert found.status == CaseState.OPEN
        assert cases.get("c-9") is None
        assert cases.require("c-1").direction == Direction.OUT
        with pytest.raises(NoResultFound):
            cases.require("c-9")
        assert [i.item_id for i in cases.items("c-1")] == ["i-b", "i-a"]
        assert [p.originator_node for p in cases.parties("c-1")] == ["jpn-a", "jpn-b"]
        assert cases.originators("c-1") == ("jpn-a", "jpn-b")
        assert cases.party_one("c-1", "jpn-b").notice_json == "{}"
        with pytest.raises(NoResultFound):
            cases.party_one("c-1", "jpn-z")
        assert (cases.items("c-9"), cases.originators("c-9")) == ([], ())


def test_listing_is_newest_first_and_filters_by_status(db: Database) -> None:
    with db.transaction() as session:
        cases = CompromiseRepository(session)
        cases.open(_case("b", CaseState.OPEN, "t1"), [])
        cases.open(_case("a", CaseState.CLOSED, "t1"), [])
        cases.open(_case("c", CaseState.OPEN, "t2"), [])
    with db.transaction() as session:
        cases = CompromiseRepository(session)
        assert [c.id for c in cases.listing()] == ["c", "a", "b"]
        assert [c.id for c in cases.listing(CaseState.OPEN)] == ["c", "b"]
        assert [c.id for c in cases.listing(CaseState.CLOSED)] == ["a"]


def _certificate(
    cert_id: str, direction: DestructionDirection, item_id: str, holder: str, at: str
) -> DestructionRow:
    return DestructionRow(
        id=cert_id,
        direction=direction,
        item_id=item_id,
        holder_node=holder,
        certificate_json="{}",
        destroyed_at=at,
        recorded_at=at,
    )


def test_destruction_certificates(db: Database) -> None:
    with db.transaction() as session:
        certificates = DestructionRepository(session)
        certificates.add(_certificate("d-2", DestructionDirection.RECEIVED, "i-1", "kor-mnd", "t2"))
        certificates.add(_certificate("d-1", DestructionDirection.ISSUED, "i-1", "jpn-mod", "t1"))
        certificates.add(_certificate("d-3", DestructionDirection.RECEIVED, "i-2", "kor-mnd", "t3"))
    with db.transaction() as session:
        certificates = DestructionRepository(session)
        assert certificates.get("d-1") is not None
        assert certificates.get("d-9") is None
        issued = certificates.issued_for("i-1")
        assert issued is not None
        assert issued.id == "d-1"
        assert certificates.issued_for("i-2") is None
        assert (certificates.issued_id("i-1"), certificates.issued_id("i-2")) == ("d-1", None)
        assert [c.id for c in certificates.of_item("i-1")] == ["d-1", "d-2"]
        assert sorted(c.id for c in certificates.received_from("kor-mnd")) == ["d-2", "d-3"]
        assert certificates.received_from("jpn-mod") == []

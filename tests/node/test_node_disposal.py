"""The originator asks a holder to return or destroy what it provided, after termination too (Art. 21)."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from accord.agreements import NoteKind
from accord.errors import NotFound, PolicyDenied
from accord.exchange import DisposalRequest
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser, NoteDraft
from accord.node.core import Act
from accord.node.transfer import Outgoing
from accord.store import ItemRow, QuarantineRow
from support_trio import Trio

AGREEMENT = "JPN-KOR-GSOMIA-2016"


def _provided(trio: Trio) -> str:
    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "KN-24 launch", "Details.", "DPRK-MISSILE"),
            LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement=AGREEMENT),
            Precedence.ROUTINE,
        ),
        actor="sato",
    )
    trio.jpn.sending.send(made.id, to="KOR", actor="sato")
    trio.deliver(trio.jpn)
    return made.id


def _status(trio: Trio, item: str) -> str:
    with trio.kor.ctx.db.transaction(read_only=True) as session:
        return session.get_one(ItemRow, item).status


def test_after_termination_the_originator_asks_and_the_holder_destroys(trio: Trio) -> None:
    item = _provided(trio)
    # JPN gives notice of termination; the agreement ends at the end of its term.
    note = trio.jpn.agreements.issue_note(
        AGREEMENT,
        NoteDraft(NoteKind.TERMINATION_NOTICE, on=date(2026, 11, 25), text="Notice."),
        actor="authority",
    )
    trio.kor.agreements.import_note(note.to_json(), actor="authority")
    trio.clock.advance(days=400)  # type: ignore[attr-defined]
    assert not trio.jpn.agreements.status(AGREEMENT, date(2027, 12, 30)).new_exchange_allowed
    asked = trio.jpn.disposal.request(
        item, holder="KOR", kind="destroy", reason="GSOMIA terminated", actor="sato"
    )
    assert asked == ["kor-mnd"]
    trio.deliver(trio.jpn)
    assert _status(trio, item) == "to-destroy"
    # Protection survives: the holder still reads it under the same rules until it is destroyed.
    assert trio.kor.items.show(item, actor="kim").id == item
    trio.kor.users.add(
        NewUser("park", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    trio.kor.custody.destroy(item, method="returned to the originator", witness="park", actor="kim")
    trio.deliver(trio.kor)
    assert _status(trio, item) == "destroyed"
    assert trio.jpn.register.dissemination(item, actor="sato").certificates


def test_a_return_request_marks_the_holding(trio: Trio) -> None:
    item = _provided(trio)
    trio.jpn.disposal.request(item, holder="KOR", kind="return", reason="No longer needed", actor="sato")
    trio.deliver(trio.jpn)
    assert _status(trio, item) == "to-return"


def test_only_the_originator_asks(trio: Trio) -> None:
    item = _provided(trio)
    with pytest.raises(PolicyDenied, match="only the originator JPN"):
        trio.kor.disposal.request(item, holder="JPN", kind="destroy", reason="x", actor="kim")


def test_an_item_never_provided_to_the_holder_is_refused(trio: Trio) -> None:
    item = _provided(trio)
    with pytest.raises(NotFound, match="never provided to USA"):
        trio.jpn.disposal.request(item, holder="USA", kind="destroy", reason="x", actor="sato")


def test_a_request_from_a_non_originator_is_quarantined(trio: Trio) -> None:
    """USA (which did not originate the item) asks KOR to destroy it: refused at KOR."""
    item = _provided(trio)
    with trio.usa.ctx.db.transaction() as session:
        card = trio.usa.parties.card(session, "kor-mnd")
        agreement = trio.usa.agreements.get_in(session, "USA-KOR-1987")
        trio.usa.sending.enqueue(
            session,
            Outgoing(
                kind="disposal-request",
                card=card,
                agreement=agreement,
                precedence=Precedence.IMMEDIATE,
                item_id=item,
                payload=DisposalRequest(
                    item, "destroy", "forged", "smith", "2026-11-25T09:00:00Z"
                ).to_bytes(),
            ),
            Act("smith", trio.usa.ctx.now()),
        )
    trio.deliver(trio.usa)
    assert _status(trio, item) == "held"
    with trio.kor.ctx.db.transaction(read_only=True) as session:
        reasons = [q.reason for q in session.scalars(select(QuarantineRow))]
    assert any("which the sender did not provide here" in r for r in reasons)


def test_malformed_requests_are_refused() -> None:
    with pytest.raises(Exception, match="disposal request"):
        DisposalRequest.parse(b'{"item_id": "x"}')
    with pytest.raises(Exception, match="return or destroy"):
        DisposalRequest("x", "burn", "r", "sato", "2026-11-25T09:00:00Z")

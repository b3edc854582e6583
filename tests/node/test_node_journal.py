"""NodeContext.work: one transaction per unit of work; refusals journalled in their own."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import text
from support_node import Maker, events, row_counts

from accord.errors import Conflict, NotFound, StorageError
from accord.node import NewNode, NewUser, Node
from accord.store import NewEvent, PartyRow, append_event


@pytest.fixture
def node(make_node: Maker, node_database_url: str) -> Node:
    return make_node("JPN", "jpn-mod", node_database_url)


def _party(node_id: str) -> PartyRow:
    return PartyRow(node_id=node_id, party="KOR", card_json="{}", fingerprint="f", pinned_at="t")


def test_work_commits_the_work_and_its_event_together(node: Node) -> None:
    with node.ctx.work("authority", "test.work") as session:
        session.add(_party("kor-mnd"))
        append_event(
            session, NewEvent(at=node.ctx.now(), actor="authority", action="test.work", outcome="ok")
        )
    assert row_counts(node)["parties"] == 1
    assert events(node)[-1].action == "test.work"


def test_a_refusal_rolls_back_and_is_journalled_with_its_detail(node: Node) -> None:
    before = row_counts(node)

    def refuse() -> None:
        with node.ctx.work("sato", "test.work", item_id="jpn-1", detail={"why": "testing"}) as session:
            session.add(_party("kor-mnd"))
            append_event(session, NewEvent(at=node.ctx.now(), actor="sato", action="test.work", outcome="ok"))
            raise Conflict("no, thank you")

    with pytest.raises(Conflict, match="no, thank you"):
        refuse()
    assert row_counts(node) == {**before, "journal": before["journal"] + 1}
    last = events(node)[-1]
    assert (last.actor, last.action, last.item_id, last.outcome) == ("sato", "test.work", "jpn-1", "refused")
    assert last.detail == {"why": "testing", "error": "Conflict", "reason": "no, thank you"}
    assert last.at == "2026-11-25T09:00:00.000000Z"


def test_a_foreign_error_rolls_back_without_a_journal_entry(node: Node) -> None:
    before = row_counts(node)

    def crash() -> None:
        with node.ctx.work("sato", "test.work") as session:
            session.add(_party("kor-mnd"))
            session.flush()
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        crash()
    assert row_counts(node) == before


def test_the_refusal_stands_even_if_it_cannot_be_journalled(node: Node) -> None:
    with node.ctx.db.engine.begin() as conn:
        conn.execute(text("DROP TABLE journal"))
    with pytest.raises(NotFound, match="the original error"), node.ctx.work("sato", "test.work"):
        raise NotFound("the original error")


def test_the_journal_has_no_gaps_after_refusals(node: Node, make_node: Maker) -> None:
    kor = make_node("KOR", "kor-mnd")
    own = node.parties.own_card().to_json()
    node.users.add(NewUser("sato", role="analyst", clearance="秘", ntk=[]), actor="authority")
    for _ in range(3):
        with pytest.raises(Conflict):
            node.parties.add(own, actor="authority")
        node.parties.add(kor.parties.own_card().to_json(), actor="authority")
        with pytest.raises(Conflict):
            node.users.add(NewUser("sato", role="analyst", clearance="秘", ntk=[]), actor="authority")
    seqs = [e.seq for e in events(node)]
    assert seqs == list(range(1, len(seqs) + 1))
    assert [e.outcome for e in events(node)].count("refused") == 6


def test_a_naive_clock_is_refused(tmp_path_factory: pytest.TempPathFactory) -> None:
    node = Node.init(tmp_path_factory.mktemp("naive") / "n", NewNode(party="JPN", node_id="jpn-mod"))
    try:
        node.ctx.clock = lambda: datetime(2026, 11, 25, 9, 0)
        with pytest.raises(StorageError, match="aware"):
            node.ctx.now()
    finally:
        node.close()

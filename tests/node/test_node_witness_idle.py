"""Witnessing at rest: offering the same checkpoint again sends and records nothing (issue 14).

``bench/idle.py`` measures two served nodes at rest; this is its reason at the level of the
witnessing service: once a partner was offered our latest checkpoint, publishing again (the
worker does every ``PUBLISH_SECONDS``) sends it nothing, so the partner writes nothing —
no inbox message, receipt, journal row, checkpoint held or countersignature.
"""

from __future__ import annotations

from sqlalchemy import func, select

from accord.node import Node
from accord.store import (
    InboxMessageRow,
    JournalRow,
    LedgerCheckpointRow,
    OutboxRow,
    WitnessCountersignatureRow,
    WitnessPublishedRow,
    WitnessSeenRow,
)
from support_trio import Trio

TABLES = (
    InboxMessageRow,
    JournalRow,
    LedgerCheckpointRow,
    OutboxRow,
    WitnessCountersignatureRow,
    WitnessPublishedRow,
    WitnessSeenRow,
)


def _rows(node: Node) -> dict[str, int]:
    with node.ctx.db.transaction(read_only=True) as session:
        return {t.__tablename__: session.scalar(select(func.count()).select_from(t)) or 0 for t in TABLES}


def _settle(trio: Trio) -> None:
    """Seal, publish and deliver everywhere until the witnessing of what happened is over."""
    for _ in range(3):
        for node in (trio.jpn, trio.kor, trio.usa):
            node.ledger.seal()
            node.witness.publish()
        trio.deliver()
    for node in (trio.jpn, trio.kor, trio.usa):
        node.ledger.seal()


def test_publishing_the_same_checkpoint_twice_records_nothing_new_at_the_partner(trio: Trio) -> None:
    _settle(trio)
    with trio.kor.ctx.db.transaction(read_only=True) as session:
        held = session.get(WitnessSeenRow, "jpn-mod")
        assert held is not None  # KOR holds JPN's checkpoint: witnessing is on
    before = {node.config.node_id: _rows(node) for node in (trio.jpn, trio.kor, trio.usa)}
    for _ in range(2):
        assert trio.jpn.witness.publish() == []  # nothing new since the last offer: offered to nobody
        trio.deliver()
        for node in (trio.jpn, trio.kor, trio.usa):
            assert node.ledger.seal() is None  # nothing journalled: no checkpoint
    after = {node.config.node_id: _rows(node) for node in (trio.jpn, trio.kor, trio.usa)}
    assert after == before

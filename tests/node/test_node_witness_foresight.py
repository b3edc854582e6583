"""A partner's checkpoint is checked and countersigned before the write lock, and decided under it.

``Witnessing.foresee`` runs in the receiver's snapshot: the consistency proof's check and the
countersignature (issue 14: they held JPN's write lock while FLASH work waited).
``Witnessing.witness`` takes them only if the checkpoint held is still the one they were made
against; otherwise it checks again, and a statement that does not extend what is held is a fork
alarm, whatever the foresight said.
"""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from accord.canonical import format_time
from accord.crypto import Suite
from accord.exchange import (
    CHECKPOINT_PURPOSE,
    CheckpointStatement,
    Countersignature,
    EnvelopeHeader,
    SignedCheckpoint,
)
from accord.items import Precedence
from accord.ledger import Checkpoint, MerkleTree
from accord.node import NewUser, Node
from accord.node.audit._alarms import signed_json
from accord.node.audit._witnessing import Foreseen, Witnessing
from accord.store import SqlHashStore, WitnessSeenRow
from support_trio import Trio


def _witnessing(node: Node) -> Witnessing:
    return node.witness._witnessing


def _header(trio: Trio) -> EnvelopeHeader:
    kor, now = trio.kor, trio.kor.ctx.now()
    with kor.ctx.db.transaction(read_only=True) as session:
        agreement = kor.agreements.any_in_force_with(session, "JPN", now)
    return EnvelopeHeader(
        "checkpoint", Suite.DEFAULT, "jpn-mod", "kor-mnd", "m-foresight", agreement.id, Precedence.ROUTINE,
        format_time(now), 1,
    )  # fmt: skip


def _held(node: Node, session: Session | None = None) -> WitnessSeenRow:
    if session is not None:
        return session.get_one(WitnessSeenRow, "jpn-mod")
    with node.ctx.db.transaction(read_only=True) as snapshot:
        return snapshot.get_one(WitnessSeenRow, "jpn-mod")


def _grown(trio: Trio) -> CheckpointStatement:
    """JPN's ledger grown past the checkpoint KOR holds, with its true consistency proof."""
    first = trio.jpn.ledger.seal() or trio.jpn.ledger.latest_checkpoint()
    assert first is not None
    trio.jpn.witness.publish()
    trio.deliver()
    trio.jpn.users.add(NewUser("ito", role="auditor", clearance="秘", ntk=[]), actor="authority")
    second = trio.jpn.ledger.seal()
    assert second is not None
    size, to = first.checkpoint.size, second.checkpoint.size
    with trio.jpn.ctx.db.transaction(read_only=True) as session:
        proof = MerkleTree(SqlHashStore(session)).consistency_proof(size, to)
    return CheckpointStatement(second.checkpoint, second.signature, size, tuple(proof))


def test_a_statement_that_would_be_kept_is_checked_and_countersigned_before_the_lock(
    trio: Trio, monkeypatch: pytest.MonkeyPatch
) -> None:
    statement, kor, now = _grown(trio), trio.kor, trio.kor.ctx.now()
    with kor.ctx.db.transaction(read_only=True) as snapshot:
        foreseen = _witnessing(kor).foresee(snapshot, statement, now)
    assert foreseen is not None
    assert foreseen.held == _held(kor).signed_json
    assert foreseen.countersignature.checkpoint == statement.checkpoint
    foreseen.countersignature.verify(kor.ctx.keys.public())

    def no_signing(*_: object, **__: object) -> Countersignature:
        raise AssertionError("signed while holding the write lock")

    monkeypatch.setattr(Countersignature, "make", no_signing)
    with kor.ctx.db.transaction() as session:
        _witnessing(kor).witness(session, _header(trio), statement, now, foreseen)
    assert _held(kor).size == statement.checkpoint.size
    assert kor.witness.alarms() == []


def test_a_foresight_made_against_another_checkpoint_is_checked_again(trio: Trio) -> None:
    statement, kor, now = _grown(trio), trio.kor, trio.kor.ctx.now()
    held = _held(kor)
    # A statement of a rewritten history: larger, proven from the size held, by a proof that fails.
    forged_checkpoint = Checkpoint("jpn-mod", held.size + 5, b"\x07" * 32, statement.checkpoint.timestamp)
    signature = trio.jpn.ctx.keys.sign(CHECKPOINT_PURPOSE, forged_checkpoint.statement())
    forged = CheckpointStatement(forged_checkpoint, signature, held.size, (b"\x01" * 32,))
    with kor.ctx.db.transaction(read_only=True) as snapshot:
        assert _witnessing(kor).foresee(snapshot, forged, now) is None  # the proof fails
    # A foresight that vouches for it, made against another checkpoint than the one held now
    # (another statement replaced it meanwhile): it must not stand for the check.
    counter = Countersignature.make(
        kor.ctx.keys, witness="kor-mnd", checkpoint=forged_checkpoint, signed_at=format_time(now)
    )
    stale = Foreseen(signed_json(SignedCheckpoint(statement.checkpoint, statement.signature)), counter)
    with kor.ctx.db.transaction() as session:
        _witnessing(kor).witness(session, _header(trio), forged, now, stale)
    [alarm] = kor.witness.alarms()
    assert (alarm["origin"], alarm["kind"]) == ("jpn-mod", "fork")
    assert _held(kor).size == held.size  # the forged checkpoint is not kept

"""Partners witness each other's ledger: checkpoints offered, checked, countersigned; forks raise alarms."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select
from support_trio import Trio

from accord.canonical import format_time
from accord.crypto import SigningKeys
from accord.exchange import CheckpointStatement, Countersignature
from accord.items import Precedence
from accord.ledger import Checkpoint
from accord.node import Node
from accord.node._control import NO_ITEM
from accord.node._ledger import CHECKPOINT_PURPOSE, SignedCheckpoint
from accord.node._worker import DeliveryWorker
from accord.store import (
    QuarantineRow,
    WitnessAlarmRow,
    WitnessCountersignatureRow,
    WitnessSeenRow,
    read_events,
)


def _events(node: Node, action: str) -> list[dict[str, Any]]:
    with node.ctx.db.transaction(read_only=True) as session:
        return [{"outcome": e.outcome, "detail": dict(e.detail)} for e in read_events(session, action=action)]


def _seen(node: Node, origin: str) -> WitnessSeenRow | None:
    with node.ctx.db.transaction(read_only=True) as session:
        row = session.get(WitnessSeenRow, origin)
        if row is not None:
            session.expunge(row)
        return row


def _quarantined(node: Node) -> list[str]:
    with node.ctx.db.transaction(read_only=True) as session:
        return list(session.scalars(select(QuarantineRow.reason)))


def _published(trio: Trio) -> SignedCheckpoint:
    """JPN seals, offers its checkpoint to KOR and USA, and everything is delivered."""
    signed = trio.jpn.ledger.seal() or trio.jpn.ledger.latest_checkpoint()
    assert signed is not None
    trio.jpn.witness.publish()
    trio.deliver()
    return signed


def _signed(keys: SigningKeys, origin: str, size: int, root: bytes, at: str) -> SignedCheckpoint:
    checkpoint = Checkpoint(origin, size, root, at)
    return SignedCheckpoint(checkpoint, keys.sign(CHECKPOINT_PURPOSE, checkpoint.statement()))


def _offer(trio: Trio, statement: CheckpointStatement, sender: Node | None = None) -> None:
    """Put a hand-made statement in the sender's outbox to KOR (as a lying or broken JPN would)."""
    sender = sender or trio.jpn
    now = sender.ctx.now()
    with sender.ctx.db.transaction() as session:
        sender.sending.enqueue(
            session,
            kind="checkpoint",
            card=sender.consents.card(session, "kor-mnd"),
            agreement=sender.consents.agreement_with(session, "KOR", now),
            precedence=Precedence.ROUTINE,
            item_id=NO_ITEM,
            payload=statement.to_bytes(),
            actor="test",
            now=now,
        )
    trio.deliver(sender)


def test_a_published_checkpoint_is_kept_by_the_partner_and_countersigned(trio: Trio) -> None:
    signed = _published(trio)
    size = signed.checkpoint.size
    for witness in (trio.kor, trio.usa):
        seen = _seen(witness, "jpn-mod")
        assert seen is not None
        assert (seen.size, seen.root) == (size, signed.checkpoint.root.hex())
        assert _events(witness, "ledger.witness")[-1]["outcome"] == "ok"
    counters = trio.jpn.witness.countersignatures("kor-mnd")
    assert [c.checkpoint for c in counters] == [signed.checkpoint]
    kor_keys = trio.kor.ctx.keys.public()
    counters[0].verify(kor_keys)
    assert trio.jpn.delivery.outbox() == []  # both messages receipted
    assert _events(trio.jpn, "ledger.publish")[-1]["detail"]["to"] == ["kor-mnd", "usa-dod"]
    view = {w["node"]: w for w in trio.jpn.witness.witnesses()}
    assert view["kor-mnd"]["countersigned"]["size"] == size
    assert view["kor-mnd"]["published"]["size"] == size
    # The ledger has not grown since: nothing to offer again.
    assert trio.jpn.ledger.latest_checkpoint() == signed
    assert trio.jpn.witness.publish() == []


def test_a_grown_ledger_is_accepted_with_its_consistency_proof(trio: Trio) -> None:
    first = _published(trio)
    trio.jpn.users.add("ito", role="auditor", clearance="秘", ntk=[], actor="authority")
    second = trio.jpn.ledger.seal()
    assert second is not None
    assert second.checkpoint.size > first.checkpoint.size
    assert trio.jpn.witness.publish() == ["kor-mnd", "usa-dod"]
    trio.deliver()
    seen = _seen(trio.kor, "jpn-mod")
    assert seen is not None
    assert seen.size >= second.checkpoint.size
    last = [e for e in _events(trio.kor, "ledger.witness") if e["outcome"] == "ok"][-1]
    assert last["detail"]["previous_size"] == first.checkpoint.size
    assert trio.kor.witness.alarms() == []


def test_a_fork_at_a_larger_size_raises_an_alarm_with_both_checkpoints(trio: Trio) -> None:
    held = _published(trio)
    size = held.checkpoint.size
    # JPN signs a checkpoint of a rewritten history: a larger tree that does not extend the one KOR holds.
    forged = _signed(trio.jpn.ctx.keys, "jpn-mod", size + 5, b"\x07" * 32, format_time(trio.jpn.ctx.now()))
    _offer(trio, CheckpointStatement(forged.checkpoint, forged.signature, size, (b"\x01" * 32,)))
    alarms = trio.kor.witness.alarms()
    assert len(alarms) == 1
    alarm = alarms[0]
    assert (alarm["origin"], alarm["kind"]) == ("jpn-mod", "fork")
    assert alarm["held"] == held.to_dict()
    assert alarm["presented"] == forged.to_dict()
    # The evidence verifies with JPN's public keys alone: JPN signed both.
    for signed in (alarm["held"], alarm["presented"]):
        SignedCheckpoint.from_dict(signed).verify(trio.jpn.ctx.keys.public())  # type: ignore[arg-type]
    event = _events(trio.kor, "ledger.fork")[-1]
    assert event["outcome"] == "alarm"
    assert event["detail"]["held"] == held.to_dict()
    assert event["detail"]["presented"] == forged.to_dict()
    seen = _seen(trio.kor, "jpn-mod")
    assert seen is not None
    assert seen.size == size
    assert trio.kor.witness.witnesses()[0]["alarms"] == 1


def test_two_roots_for_one_size_are_a_fork(trio: Trio) -> None:
    held = _published(trio)
    cp = held.checkpoint
    forged = _signed(trio.jpn.ctx.keys, "jpn-mod", cp.size, b"\x09" * 32, cp.timestamp)
    _offer(trio, CheckpointStatement(forged.checkpoint, forged.signature, cp.size, ()))
    [alarm] = trio.kor.witness.alarms()
    assert alarm["kind"] == "fork"
    assert "two roots" in str(alarm["reason"])


def test_a_rewritten_and_resealed_ledger_is_detected(trio: Trio) -> None:
    """A real rewrite: JPN's journal and tree rebuilt from other events, signed again."""
    held = _published(trio)
    # What a node that rewrote its history would hold: a tree of other leaves, larger than before.
    from accord.ledger import MemoryHashStore, MerkleTree, leaf_hash

    tree = MerkleTree(MemoryHashStore())
    tree.append_leaf_hashes([leaf_hash(f"rewritten {i}".encode()) for i in range(held.checkpoint.size + 3)])
    new_size = tree.size()
    rewritten = _signed(trio.jpn.ctx.keys, "jpn-mod", new_size, tree.root(), format_time(trio.jpn.ctx.now()))
    proof = tree.consistency_proof(held.checkpoint.size, new_size)  # a proof of the rewritten tree
    _offer(
        trio,
        CheckpointStatement(rewritten.checkpoint, rewritten.signature, held.checkpoint.size, tuple(proof)),
    )
    [alarm] = trio.kor.witness.alarms()
    assert alarm["kind"] == "fork"
    assert "does not extend" in str(alarm["reason"])


def test_a_rollback_to_a_smaller_ledger_raises_an_alarm(trio: Trio) -> None:
    held = _published(trio)
    trio.clock.advance(seconds=30)  # type: ignore[attr-defined]
    rolled = _signed(
        trio.jpn.ctx.keys, "jpn-mod", held.checkpoint.size - 1, b"\x05" * 32, format_time(trio.jpn.ctx.now())
    )
    _offer(trio, CheckpointStatement(rolled.checkpoint, rolled.signature, 0, ()))
    [alarm] = trio.kor.witness.alarms()
    assert alarm["kind"] == "rollback"
    assert _events(trio.kor, "ledger.fork")[-1]["detail"]["kind"] == "rollback"
    seen = _seen(trio.kor, "jpn-mod")
    assert seen is not None
    assert seen.size == held.checkpoint.size


def test_an_older_smaller_checkpoint_delayed_on_the_way_is_no_alarm(trio: Trio) -> None:
    held = _published(trio)
    earlier = format_time(trio.jpn.ctx.now() - timedelta(minutes=5))
    old = _signed(trio.jpn.ctx.keys, "jpn-mod", held.checkpoint.size - 1, b"\x05" * 32, earlier)
    _offer(trio, CheckpointStatement(old.checkpoint, old.signature, 0, ()))
    assert trio.kor.witness.alarms() == []
    assert _events(trio.kor, "ledger.witness")[-1]["outcome"] == "stale"


def test_a_forged_signature_is_quarantined(trio: Trio) -> None:
    held = _published(trio)
    # Signed with USA's keys, but claiming to be JPN's checkpoint.
    forged = _signed(
        trio.usa.ctx.keys, "jpn-mod", held.checkpoint.size + 1, b"\x03" * 32, held.checkpoint.timestamp
    )
    _offer(trio, CheckpointStatement(forged.checkpoint, forged.signature, held.checkpoint.size, ()))
    assert any("VerificationFailed" in reason for reason in _quarantined(trio.kor))
    assert trio.kor.witness.alarms() == []
    seen = _seen(trio.kor, "jpn-mod")
    assert seen is not None
    assert seen.size == held.checkpoint.size


def test_a_checkpoint_of_another_node_is_refused(trio: Trio) -> None:
    _published(trio)
    theirs = trio.usa.ledger.seal() or trio.usa.ledger.latest_checkpoint()
    assert theirs is not None
    _offer(trio, CheckpointStatement(theirs.checkpoint, theirs.signature, 0, ()))
    assert any("only its own ledger" in reason for reason in _quarantined(trio.kor))


def test_a_proof_from_another_size_gets_the_held_checkpoint_countersigned(trio: Trio) -> None:
    held = _published(trio)
    with trio.jpn.ctx.db.transaction() as session:  # JPN forgets KOR's countersignatures
        for row in session.scalars(select(WitnessCountersignatureRow)):
            session.delete(row)
    trio.jpn.users.add("ito", role="auditor", clearance="秘", ntk=[], actor="authority")
    trio.jpn.ledger.seal()
    trio.jpn.witness.publish()  # proves from 0: KOR holds a larger one
    trio.deliver()
    assert trio.kor.witness.alarms() == []
    assert any(e["outcome"] == "resync" for e in _events(trio.kor, "ledger.witness"))
    sizes = {c.checkpoint.size for c in trio.jpn.witness.countersignatures("kor-mnd")}
    assert held.checkpoint.size in sizes  # the next offer proves from there


def test_a_countersignature_of_a_checkpoint_never_signed_is_quarantined(trio: Trio) -> None:
    held = _published(trio)
    fake = Checkpoint("jpn-mod", held.checkpoint.size, b"\x04" * 32, held.checkpoint.timestamp)
    counter = Countersignature.make(
        trio.kor.ctx.keys, witness="kor-mnd", checkpoint=fake, signed_at=format_time(trio.kor.ctx.now())
    )
    now = trio.kor.ctx.now()
    with trio.kor.ctx.db.transaction() as session:
        trio.kor.sending.enqueue(
            session,
            kind="countersignature",
            card=trio.kor.consents.card(session, "jpn-mod"),
            agreement=trio.kor.consents.agreement_with(session, "JPN", now),
            precedence=Precedence.ROUTINE,
            item_id=NO_ITEM,
            payload=counter.to_bytes(),
            actor="test",
            now=now,
        )
    trio.deliver(trio.kor)
    assert any("never signed" in reason for reason in _quarantined(trio.jpn))


def test_the_alarm_row_holds_both_signed_checkpoints_as_json(trio: Trio) -> None:
    held = _published(trio)
    forged = _signed(
        trio.jpn.ctx.keys, "jpn-mod", held.checkpoint.size, b"\x02" * 32, held.checkpoint.timestamp
    )
    _offer(trio, CheckpointStatement(forged.checkpoint, forged.signature, held.checkpoint.size, ()))
    with trio.kor.ctx.db.transaction(read_only=True) as session:
        row = session.scalars(select(WitnessAlarmRow)).one()
        assert SignedCheckpoint.from_dict(json.loads(row.held_json)) == held
        assert SignedCheckpoint.from_dict(json.loads(row.presented_json)) == forged


def test_the_worker_publishes_at_most_every_publish_seconds(trio: Trio) -> None:
    calls: list[int] = []
    worker = DeliveryWorker(
        trio.jpn.ctx, trio.jpn.parties, trio.jpn.delivery, publish=lambda: calls.append(1)
    )
    worker._seal()
    worker._seal()
    assert calls == [1]


@pytest.mark.parametrize("kind", ["checkpoint", "countersignature"])
def test_witness_messages_have_handlers(trio: Trio, kind: str) -> None:
    from accord.errors import Conflict

    with pytest.raises(Conflict):
        trio.jpn.receiving.register(kind, trio.jpn.witness.incoming_checkpoint)


def test_a_transmission_calls_for_a_checkpoint_at_once_and_witnessing_does_not(trio: Trio) -> None:
    """Checkpoints follow every transmission and receipt (at the next seal), not only every 10 s."""
    from accord.items import ItemContent, ItemKind
    from accord.node import LabelRequest

    made = trio.jpn.items.create(
        actor="sato",
        content=ItemContent(ItemKind.REPORT, "Launch", "Now.", "DPRK-MISSILE"),
        label=LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement="JPN-KOR-GSOMIA-2016"),
        precedence=Precedence.ROUTINE,
    )
    for node in (trio.jpn, trio.kor):
        node.ctx.exchange_activity.clear()
    trio.jpn.sending.send(made.id, to="KOR", actor="sato")
    trio.deliver(trio.jpn)
    assert trio.jpn.ctx.exchange_activity.is_set()  # it sent a transmission
    assert trio.kor.ctx.exchange_activity.is_set()  # it received one
    calls: list[int] = []
    worker = DeliveryWorker(
        trio.jpn.ctx, trio.jpn.parties, trio.jpn.delivery, publish=lambda: calls.append(1)
    )
    worker._seal()  # the first seal publishes anyway
    trio.jpn.ctx.exchange_activity.set()
    worker._seal()  # within PUBLISH_SECONDS, but after a transmission: publishes again
    worker._seal()  # nothing new: waits for the interval
    assert calls == [1, 1]
    # The witnessing itself does not call for more.
    for node in (trio.jpn, trio.kor):
        node.ctx.exchange_activity.clear()
    trio.jpn.ledger.seal()
    trio.jpn.witness.publish()
    trio.deliver(trio.jpn, trio.kor)
    assert not trio.jpn.ctx.exchange_activity.is_set()
    assert not trio.kor.ctx.exchange_activity.is_set()

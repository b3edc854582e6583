"""Partners witness each other's ledger: checkpoints offered, checked, countersigned; forks raise alarms."""

from __future__ import annotations

import json
import logging
import shutil
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select
from support_node import Pair

from accord.agreements import NoteKind
from accord.canonical import format_time
from accord.crypto import SigningKeys
from accord.exchange import CHECKPOINT_PURPOSE, CheckpointStatement, Countersignature, SignedCheckpoint
from accord.items import Precedence
from accord.ledger import Checkpoint
from accord.node import NewUser, Node, NoteDraft
from accord.node._worker import DeliveryWorker
from accord.node.audit._demands import PROOF_DEADLINE
from accord.node.core import Act
from accord.node.transfer import Outgoing
from accord.node.transfer._control import NO_ITEM
from accord.store import (
    BackgroundBackoffRow,
    JournalRow,
    LedgerCheckpointRow,
    NoteRow,
    OutboxRow,
    QuarantineRow,
    WitnessAlarmRow,
    WitnessCountersignatureRow,
    WitnessSeenRow,
    read_events,
)
from support_trio import Loopback, Trio


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
            Outgoing(
                kind="checkpoint",
                card=sender.parties.card(session, "kor-mnd"),
                agreement=sender.agreements.any_in_force_with(session, "KOR", now),
                precedence=Precedence.ROUTINE,
                item_id=NO_ITEM,
                payload=statement.to_bytes(),
            ),
            Act("test", now),
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
    trio.jpn.users.add(NewUser("ito", role="auditor", clearance="秘", ntk=[]), actor="authority")
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


def test_a_proof_from_another_size_makes_the_witness_demand_one_from_the_size_it_holds(trio: Trio) -> None:
    """Issue 10: no resync for ever; the witness demands the proof, and an honest origin gives it."""
    held = _published(trio)
    with trio.jpn.ctx.db.transaction() as session:  # JPN forgets KOR's countersignatures
        for row in session.scalars(select(WitnessCountersignatureRow)):
            session.delete(row)
    trio.jpn.users.add(NewUser("ito", role="auditor", clearance="秘", ntk=[]), actor="authority")
    grown = trio.jpn.ledger.seal()
    assert grown is not None
    trio.jpn.witness.publish()  # proves from 0: KOR holds a larger one
    trio.deliver()
    demands = [e for e in _events(trio.kor, "ledger.witness") if e["outcome"] == "demand"]
    assert [d["detail"]["from_size"] for d in demands] == [held.checkpoint.size]
    assert _events(trio.jpn, "ledger.consistency")[-1]["detail"]["from_size"] == held.checkpoint.size
    seen = _seen(trio.kor, "jpn-mod")
    assert seen is not None
    assert seen.size == grown.checkpoint.size  # proven from what KOR held, and kept
    assert trio.kor.witness.check_demands() == []
    trio.clock.advance(hours=1)  # type: ignore[attr-defined]
    assert trio.kor.witness.check_demands() == []  # nothing is left to prove
    assert trio.kor.witness.alarms() == []


def _countersign_to_jpn(trio: Trio, counter: Countersignature) -> None:
    """KOR sends ``counter`` to JPN as it stands (a misbehaving witness), and it is delivered."""
    now = trio.kor.ctx.now()
    with trio.kor.ctx.db.transaction() as session:
        trio.kor.sending.enqueue(
            session,
            Outgoing(
                kind="countersignature",
                card=trio.kor.parties.card(session, "jpn-mod"),
                agreement=trio.kor.agreements.any_in_force_with(session, "JPN", now),
                precedence=Precedence.ROUTINE,
                item_id=NO_ITEM,
                payload=counter.to_bytes(),
            ),
            Act("test", now),
        )
    trio.deliver(trio.kor)


def test_a_countersignature_of_a_checkpoint_never_signed_is_quarantined(trio: Trio) -> None:
    held = _published(trio)
    fake = Checkpoint("jpn-mod", held.checkpoint.size, b"\x04" * 32, held.checkpoint.timestamp)
    counter = Countersignature.make(
        trio.kor.ctx.keys, witness="kor-mnd", checkpoint=fake, signed_at=format_time(trio.kor.ctx.now())
    )
    _countersign_to_jpn(trio, counter)
    assert any("never signed" in reason for reason in _quarantined(trio.jpn))


def test_a_countersignature_of_another_ledger_is_refused_before_its_signature_is_checked(trio: Trio) -> None:
    """Authenticate in order: the witness named is the sender, the ledger is ours, then the signature."""
    held = _published(trio)
    other = Checkpoint("usa-dod", held.checkpoint.size, held.checkpoint.root, held.checkpoint.timestamp)
    counter = Countersignature.make(
        trio.usa.ctx.keys, witness="kor-mnd", checkpoint=other, signed_at=format_time(trio.kor.ctx.now())
    )
    _countersign_to_jpn(trio, counter)
    refused = [r for r in _quarantined(trio.jpn) if "countersignature" in r]
    assert refused
    assert all(r.startswith("InvalidInput") for r in refused)
    assert all(r.endswith("a countersignature of the ledger of usa-dod, not of this node") for r in refused)


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
        trio.jpn.receiving.register(kind, trio.jpn.witness.handlers()[kind])


def test_a_transmission_calls_for_a_checkpoint_at_once_and_witnessing_does_not(trio: Trio) -> None:
    """Checkpoints follow every transmission and receipt (at the next seal), not only every 10 s."""
    from accord.items import ItemContent, ItemKind
    from accord.node import LabelRequest, NewItem

    made = trio.jpn.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Launch", "Now.", "DPRK-MISSILE"),
            LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement="JPN-KOR-GSOMIA-2016"),
            Precedence.ROUTINE,
        ),
        actor="sato",
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


# --- issue 10: forks shown as larger trees, split views, idle rest, back-off -------------------


def _fork(trio: Trio, tmp_path: Path) -> tuple[Node, Node]:
    """Stop JPN, copy its home (the fork), open both: (the original, the copy)."""
    root = trio.jpn.ctx.home.root
    trio.jpn.close()
    copy = tmp_path / "jpn-copy"
    shutil.copytree(root, copy)
    original = Node.open(root, clock=trio.clock)  # type: ignore[arg-type]
    forked = Node.open(copy, clock=trio.clock)  # type: ignore[arg-type]
    return original, forked


def _grow(node: Node, events: int) -> SignedCheckpoint:
    """Add ``events`` users, named after the node's home (so that two copies' histories differ)."""
    tag = node.ctx.home.root.name
    for i in range(events):
        node.users.add(NewUser(f"{tag}-{i:02d}", role="analyst", clearance="秘", ntk=[]), actor="authority")
    signed = node.ledger.seal()
    assert signed is not None
    return signed


def test_a_forked_copy_showing_a_larger_tree_raises_an_alarm_not_a_resync(trio: Trio, tmp_path: Path) -> None:
    """Issue 10 item 1: A and a copy A2 of its home grow apart; A2 serves on A's endpoint."""
    countersigned = _published(trio)
    a, a2 = _fork(trio, tmp_path)
    try:
        trio.jpn = a
        branch_a = _grow(a, 2)
        a.witness.publish()
        trio.deliver()
        seen = _seen(trio.kor, "jpn-mod")
        assert seen is not None
        assert seen.size == branch_a.checkpoint.size  # KOR witnessed A's branch
        trio.jpn = a2  # A2 now answers for jpn-mod
        branch_a2 = _grow(a2, 30)
        # A2 believes KOR holds what A's home held when it was copied.
        assert a2.witness.countersignatures("kor-mnd")[0].checkpoint == countersigned.checkpoint
        a2.witness.publish()
        trio.deliver()
        # KOR demanded a proof from A's checkpoint to A2's; A2's own proof cannot give it.
        [alarm] = trio.kor.witness.alarms()
        assert (alarm["origin"], alarm["kind"]) == ("jpn-mod", "fork")
        assert "does not extend" in str(alarm["reason"])
        assert alarm["held"] == branch_a.to_dict()
        assert alarm["presented"] == branch_a2.to_dict()
        for signed in (alarm["held"], alarm["presented"]):  # both signed by jpn-mod's keys
            SignedCheckpoint.from_dict(signed).verify(a.ctx.keys.public())  # type: ignore[arg-type]
        assert not any(e["outcome"] == "resync" for e in _events(trio.kor, "ledger.witness"))
        seen = _seen(trio.kor, "jpn-mod")
        assert seen is not None
        assert seen.size == branch_a.checkpoint.size  # the branch witnessed first is kept
    finally:
        a.close()
        a2.close()


def test_a_demand_the_origin_refuses_is_a_no_proof_alarm_and_the_origin_logs_its_fork(
    trio: Trio, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """The fork again; KOR's demand reaches A (back on the endpoint, or by bundle), which never signed it."""
    _published(trio)
    a, a2 = _fork(trio, tmp_path)
    try:
        trio.jpn = a
        branch_a = _grow(a, 2)
        a.witness.publish()
        trio.deliver()
        trio.jpn = a2
        branch_a2 = _grow(a2, 30)
        a2.witness.publish()
        trio.deliver(a2)  # A2's offer reaches KOR; then A is back on the endpoint
        trio.jpn = a
        with caplog.at_level(logging.ERROR, logger="accord.witness"):
            trio.deliver()
        assert any("never signed" in reason for reason in _quarantined(a))
        assert any("LEDGER FORK of this node" in r.getMessage() for r in caplog.records)
        [alarm] = trio.kor.witness.check_demands()
        assert (alarm["origin"], alarm["kind"]) == ("jpn-mod", "no-proof")
        assert alarm["held"] == branch_a.to_dict()
        assert alarm["presented"] == branch_a2.to_dict()
        assert trio.kor.witness.alarms() == [alarm]
        assert trio.kor.witness.check_demands() == []  # raised once
    finally:
        a.close()
        a2.close()


def test_a_demand_received_and_not_answered_in_time_is_a_no_proof_alarm(trio: Trio) -> None:
    held = _published(trio)
    tree_size = held.checkpoint.size + 4
    larger = _signed(trio.jpn.ctx.keys, "jpn-mod", tree_size, b"\x06" * 32, format_time(trio.jpn.ctx.now()))
    _offer(trio, CheckpointStatement(larger.checkpoint, larger.signature, 0, ()))  # proven from 0
    # JPN receives the demand, and cannot answer (it never signed that checkpoint) -- or a
    # silent origin: KOR only sees that the request was receipted, or refused.
    trio.deliver()
    assert trio.kor.witness.alarms() == [] or trio.kor.witness.check_demands() == []
    trio.clock.advance(seconds=PROOF_DEADLINE.total_seconds() + 1)  # type: ignore[attr-defined]
    trio.kor.witness.check_demands()
    [alarm] = trio.kor.witness.alarms()
    assert alarm["kind"] == "no-proof"
    assert alarm["presented"] == larger.to_dict()


def test_a_split_view_is_caught_by_witnesses_gossiping(trio: Trio, tmp_path: Path) -> None:
    """A shows KOR one branch and USA another; KOR and USA compare what they hold of it."""
    _published(trio)
    a, a2 = _fork(trio, tmp_path)
    try:
        branch_a = _grow(a, 2)
        branch_a2 = _grow(a2, 30)
        a.witness.publish()
        a2.witness.publish()
        a.delivery.deliver_once("kor-mnd", "routine", Loopback(trio.kor))  # KOR sees one branch
        a2.delivery.deliver_once("usa-dod", "routine", Loopback(trio.usa))  # USA the other
        kor_seen, usa_seen = _seen(trio.kor, "jpn-mod"), _seen(trio.usa, "jpn-mod")
        assert kor_seen is not None
        assert usa_seen is not None
        assert (kor_seen.size, usa_seen.size) == (branch_a.checkpoint.size, branch_a2.checkpoint.size)
        assert trio.kor.witness.alarms() == trio.usa.witness.alarms() == []
        # The witnesses gossip what they hold; USA asks jpn-mod (A2 on the endpoint) for a proof.
        trio.jpn = a2
        trio.kor.witness.publish()
        trio.usa.witness.publish()
        trio.deliver(trio.kor, trio.usa, a2)
        alarms = trio.usa.witness.alarms() or trio.usa.witness.check_demands()
        [alarm] = alarms
        assert alarm["origin"] == "jpn-mod"
        assert alarm["held"] == branch_a.to_dict()  # what KOR holds, signed by jpn-mod
        assert alarm["presented"] == branch_a2.to_dict()
    finally:
        a.close()
        a2.close()


def test_a_split_view_at_the_same_size_is_a_fork_alarm_at_once(trio: Trio, tmp_path: Path) -> None:
    _published(trio)
    a, a2 = _fork(trio, tmp_path)
    try:
        branch_a = _grow(a, 3)
        a2.users.add(NewUser("other", role="auditor", clearance="秘", ntk=[]), actor="authority")
        branch_a2 = _grow(a2, 2)
        assert branch_a.checkpoint.size == branch_a2.checkpoint.size
        assert branch_a.checkpoint.root != branch_a2.checkpoint.root
        a.witness.publish()
        a2.witness.publish()
        a.delivery.deliver_once("kor-mnd", "routine", Loopback(trio.kor))
        a2.delivery.deliver_once("usa-dod", "routine", Loopback(trio.usa))
        trio.kor.witness.publish()
        trio.deliver(trio.kor)
        [alarm] = trio.usa.witness.alarms()
        assert alarm["kind"] == "fork"
        assert "split view" in str(alarm["reason"])
        assert alarm["held"] == branch_a2.to_dict()
        assert alarm["presented"] == branch_a.to_dict()
    finally:
        a.close()
        a2.close()


def _footprint(trio: Trio) -> list[tuple[int, int, int]]:
    out = []
    for node in (trio.jpn, trio.kor, trio.usa):
        with node.ctx.db.transaction(read_only=True) as session:
            out.append(
                (
                    session.scalar(select(func.count()).select_from(JournalRow)) or 0,
                    session.scalar(select(func.count()).select_from(LedgerCheckpointRow)) or 0,
                    session.scalar(select(func.count()).select_from(OutboxRow)) or 0,
                )
            )
    return out


def test_idle_nodes_stop_witnessing(trio: Trio) -> None:
    """Issue 10 item 4: with no traffic, witnessing settles and then writes nothing at all."""

    def round_of_witnessing() -> None:
        for node in (trio.jpn, trio.kor, trio.usa):
            node.ledger.seal()
            node.witness.publish()
        trio.deliver()
        for node in (trio.jpn, trio.kor, trio.usa):
            node.ledger.seal()
        trio.clock.advance(seconds=15)  # type: ignore[attr-defined]

    for _ in range(3):
        round_of_witnessing()
    settled = _footprint(trio)
    for _ in range(3):
        round_of_witnessing()
    assert _footprint(trio) == settled  # no journal row, no checkpoint, no outbox row
    # Real activity is witnessed again.
    trio.jpn.users.add(NewUser("ito", role="auditor", clearance="秘", ntk=[]), actor="authority")
    grown = trio.jpn.ledger.seal()
    assert grown is not None
    assert trio.jpn.witness.publish() == ["kor-mnd", "usa-dod"]


def test_the_same_checkpoint_again_writes_nothing(trio: Trio) -> None:
    held = _published(trio)
    before = _footprint(trio)[1]
    _offer(trio, CheckpointStatement(held.checkpoint, held.signature, held.checkpoint.size, ()))
    after = _footprint(trio)[1]
    assert after[0] == before[0]  # KOR: no journal row
    assert after[2] == before[2]  # KOR: no countersignature in its outbox


def test_refused_checkpoints_back_off_are_shown_once_and_resume(pair: Pair, clock: Any) -> None:
    """Issue 10 item 8: KOR holds the agreement terminated, JPN does not: JPN backs off."""
    jpn, kor = pair.jpn, pair.kor
    note = kor.agreements.issue_note(
        pair.agreement_id,
        NoteDraft(NoteKind.TERMINATION_NOTICE, on=clock.now.date(), text="N."),
        actor="authority",
    )
    clock.advance(days=400)
    offered = 0
    for i in range(8):  # 8 rounds 10 s apart, with something new each time
        jpn.users.add(NewUser(f"u{i}", role="analyst", clearance="秘", ntk=[]), actor="authority")
        jpn.ledger.seal()
        offered += len(jpn.witness.publish())
        for peer, lane in jpn.delivery.peers_with_pending():
            jpn.delivery.deliver_once(peer, lane, Loopback(kor))
        clock.advance(seconds=10)
    assert 2 <= offered <= 4  # 0 s, 10 s, 30 s, 70 s: exponential, not every round
    refused = [e for e in jpn.delivery.outbox() if e.status == "rejected"]
    assert [(e.peer, e.count) for e in refused] == [("kor-mnd", offered)]  # one entry, counted
    with jpn.ctx.db.transaction(read_only=True) as session:
        told = list(read_events(session, action="item.rejected-by-peer"))
    assert len(told) == 1  # the officer is told once
    groups = [g for g in kor.receiving.quarantine_groups() if g["peer"] == "jpn-mod"]
    assert [g["count"] for g in groups] == [offered]
    # The disagreement ends (KOR's officer removes the note recorded in error): offers resume.
    with kor.ctx.db.transaction() as session:
        session.execute(delete(NoteRow).where(NoteRow.id == note.note.id))
    clock.advance(hours=1)
    jpn.users.add(NewUser("back", role="analyst", clearance="秘", ntk=[]), actor="authority")
    jpn.ledger.seal()
    assert jpn.witness.publish() == ["kor-mnd"]
    for peer, lane in jpn.delivery.peers_with_pending():
        jpn.delivery.deliver_once(peer, lane, Loopback(kor))
    with jpn.ctx.db.transaction(read_only=True) as session:
        assert session.scalars(select(BackgroundBackoffRow)).all() == []
    jpn.users.add(NewUser("again", role="analyst", clearance="秘", ntk=[]), actor="authority")
    jpn.ledger.seal()
    assert jpn.witness.publish() == ["kor-mnd"]  # no back-off any more

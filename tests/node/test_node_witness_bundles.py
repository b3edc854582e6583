"""A forked node is caught by its partner through offline bundles too (issue 10 item 1).

The online tests are in ``test_node_witness.py``; here every message between the fork and
its partner travels in bundles: ``export`` at the sender, ``import_`` at the receiver, and
the return bundle of receipts imported back at the sender.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from accord.exchange import SignedCheckpoint
from accord.node import NewUser, Node
from accord.node.audit._demands import PROOF_DEADLINE
from accord.store import JournalRow, WitnessDemandRow, WitnessSeenRow, read_events
from support_trio import Trio


def _carry(sender: Node, receiver: Node, folder: Path, name: str) -> None:
    """One trip of the pouch: ``sender`` exports for ``receiver``, which imports; receipts go back."""
    bundle = folder / f"{name}.accord"
    sender.bundles.export(
        to=receiver.config.party, path=bundle, actor="officer", node_id=receiver.config.node_id
    )
    summary = receiver.bundles.import_(bundle, actor="officer")
    assert summary.return_bundle is not None
    sender.bundles.import_(summary.return_bundle, actor="officer")


def _fork(trio: Trio, tmp_path: Path) -> tuple[Node, Node]:
    """Stop JPN, copy its home (the fork), open both: (the original, the copy)."""
    root = trio.jpn.ctx.home.root
    trio.jpn.close()
    copy = tmp_path / "jpn-copy"
    shutil.copytree(root, copy)
    return Node.open(root, clock=trio.clock), Node.open(copy, clock=trio.clock)  # type: ignore[arg-type]


def _grow(node: Node, events: int) -> SignedCheckpoint:
    tag = node.ctx.home.root.name
    for i in range(events):
        node.users.add(NewUser(f"{tag}-{i:02d}", role="analyst", clearance="秘", ntk=[]), actor="authority")
    signed = node.ledger.seal()
    assert signed is not None
    return signed


def _events(node: Node, action: str) -> list[dict[str, Any]]:
    with node.ctx.db.transaction(read_only=True) as session:
        return [{"outcome": e.outcome, "detail": dict(e.detail)} for e in read_events(session, action=action)]


def _demands(node: Node) -> int:
    with node.ctx.db.transaction(read_only=True) as session:
        return session.query(WitnessDemandRow).count()


def _journalled_alarms(node: Node) -> list[str]:
    with node.ctx.db.transaction(read_only=True) as session:
        return [
            row.detail_json
            for row in session.query(JournalRow).filter(
                JournalRow.action == "ledger.fork", JournalRow.outcome == "alarm"
            )
        ]


def _branches(trio: Trio, tmp_path: Path) -> tuple[Node, Node, SignedCheckpoint, SignedCheckpoint, Path]:
    """KOR witnesses JPN (by bundle); JPN is copied; A grows 2 and A2 30, both carried to KOR."""
    pouch = tmp_path / "pouch"
    pouch.mkdir()
    trio.jpn.ledger.seal()
    trio.jpn.witness.publish()
    _carry(trio.jpn, trio.kor, pouch, "1-jpn-offers")
    _carry(trio.kor, trio.jpn, pouch, "2-kor-countersigns")
    assert trio.jpn.witness.countersignatures("kor-mnd")
    a, a2 = _fork(trio, tmp_path)
    branch_a = _grow(a, 2)
    assert a.witness.publish() != []
    _carry(a, trio.kor, pouch, "3-a-offers")
    _carry(trio.kor, a, pouch, "4-kor-countersigns-a")
    with trio.kor.ctx.db.transaction(read_only=True) as session:
        row = session.get(WitnessSeenRow, "jpn-mod")
        assert row is not None
        assert row.size == branch_a.checkpoint.size  # KOR witnessed A's branch
    branch_a2 = _grow(a2, 30)
    assert a2.witness.publish() != []  # A2 proves from what it believes KOR holds
    _carry(a2, trio.kor, pouch, "5-a2-offers")
    assert _demands(trio.kor) == 1  # KOR demands the proof from A's checkpoint, in its outbox for jpn-mod
    return a, a2, branch_a, branch_a2, pouch


def _assert_alarm(trio: Trio, kind: str, held: SignedCheckpoint, presented: SignedCheckpoint) -> None:
    [alarm] = trio.kor.witness.alarms()
    assert (alarm["origin"], alarm["kind"], alarm["status"]) == ("jpn-mod", kind, "open")
    assert alarm["held"] == held.to_dict()
    assert alarm["presented"] == presented.to_dict()
    assert len(_journalled_alarms(trio.kor)) == 1
    assert _demands(trio.kor) == 0
    assert not any(e["outcome"] == "resync" for e in _events(trio.kor, "ledger.witness"))


def test_a_fork_carried_by_bundle_whose_proof_fails_raises_a_fork_alarm(trio: Trio, tmp_path: Path) -> None:
    """The demand reaches A2 in a bundle; A2's answer comes back in the next; its proof fails."""
    a, a2, branch_a, branch_a2, pouch = _branches(trio, tmp_path)
    try:
        _carry(trio.kor, a2, pouch, "6-kor-demands-of-a2")
        _carry(a2, trio.kor, pouch, "7-a2-answers")
        _assert_alarm(trio, "fork", branch_a, branch_a2)
    finally:
        a.close()
        a2.close()


def test_a_fork_carried_by_bundle_whose_demand_is_refused_raises_a_no_proof_alarm(
    trio: Trio, tmp_path: Path
) -> None:
    """The demand reaches A, which never signed A2's checkpoint: refused in the return bundle."""
    a, a2, branch_a, branch_a2, pouch = _branches(trio, tmp_path)
    try:
        _carry(trio.kor, a, pouch, "6-kor-demands-of-a")
        trio.kor.witness.check_demands()  # the worker calls it on its round; so does publish()
        _assert_alarm(trio, "no-proof", branch_a, branch_a2)
    finally:
        a.close()
        a2.close()


def test_a_fork_carried_by_bundle_whose_proof_never_comes_raises_a_no_proof_alarm(
    trio: Trio, tmp_path: Path
) -> None:
    """A2 imports the demand (its receipt comes back) but its answer is never carried to KOR."""
    a, a2, branch_a, branch_a2, pouch = _branches(trio, tmp_path)
    try:
        _carry(trio.kor, a2, pouch, "6-kor-demands-of-a2")
        assert trio.kor.witness.check_demands() == []  # received; its answer may still come
        trio.clock.advance(seconds=PROOF_DEADLINE.total_seconds() + 1)  # type: ignore[attr-defined]
        trio.kor.witness.check_demands()
        _assert_alarm(trio, "no-proof", branch_a, branch_a2)
    finally:
        a.close()
        a2.close()

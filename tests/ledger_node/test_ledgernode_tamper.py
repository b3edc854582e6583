"""Altering the database directly: `verify` names the first bad leaf and what was done there.

Each case changes the node's tables with plain SQL, as someone with access to the database
file (or a PostgreSQL role) could, then verifies. The ledger has 21 leaves under
checkpoints of 6, 11, 16 and 21 (``support_ledgernode.sealed_node``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from support_ledgernode import LEAVES, Clock, Maker, events, journal, scalar, sealed_node, seq_of_leaf, sql

from accord.crypto import SigningKeys
from accord.errors import IntegrityError
from accord.ledger import Checkpoint, leaf_hash, rebuild
from accord.node import Node
from accord.node.audit._verify_report import Finding
from accord.store import Event, StoredEvent, leaf_data

_INSERT = (
    "INSERT INTO journal (seq, at, actor, action, item_id, outcome, detail_json, leaf) "
    "VALUES (:seq, '2026-11-25T09:00:01.000000Z', 'mallory', 'item.read', NULL, 'ok', '{}', :leaf)"
)


def _edit_detail(node: Node) -> None:
    sql(node, "UPDATE journal SET detail_json = :d WHERE leaf = 7", d='{"n":99}')


def _edit_actor(node: Node) -> None:
    sql(node, "UPDATE journal SET actor = 'nobody' WHERE leaf = 13")


def _respell_detail(node: Node) -> None:
    # The same JSON value in another spelling: the stored bytes changed, so it is altered.
    detail = scalar(node, "SELECT detail_json FROM journal WHERE leaf = 4")
    sql(node, "UPDATE journal SET detail_json = :d WHERE leaf = 4", d=" " + detail)


def _delete_row(node: Node) -> None:
    sql(node, "DELETE FROM journal WHERE leaf = 7")


def _delete_last_row(node: Node) -> None:
    sql(node, "DELETE FROM journal WHERE leaf = :leaf", leaf=LEAVES - 1)


def _delete_and_renumber(node: Node) -> None:
    sql(node, "DELETE FROM journal WHERE leaf = 7")
    sql(node, "UPDATE journal SET leaf = -leaf WHERE leaf > 7")
    sql(node, "UPDATE journal SET leaf = -leaf - 1 WHERE leaf < 0")


def _insert_beyond(node: Node) -> None:
    sql(node, _INSERT, seq=1000, leaf=LEAVES)


def _insert_and_renumber(node: Node) -> None:
    sql(node, "UPDATE journal SET leaf = -leaf - 1 WHERE leaf >= 7")
    sql(node, "UPDATE journal SET leaf = -leaf WHERE leaf < 0")
    sql(node, _INSERT, seq=1000, leaf=7)


def _insert_duplicate_leaf(node: Node) -> None:
    sql(node, "DROP INDEX ix_journal_leaf")
    sql(node, _INSERT, seq=1000, leaf=3)


def _swap(node: Node) -> None:
    sql(node, "UPDATE journal SET leaf = -1 WHERE leaf = 5")
    sql(node, "UPDATE journal SET leaf = 5 WHERE leaf = 12")
    sql(node, "UPDATE journal SET leaf = 12 WHERE leaf = -1")


def _edit_leaf_hash(node: Node) -> None:
    sql(node, "UPDATE ledger_nodes SET hash = :h WHERE level = 0 AND idx = 9", h=b"\x00" * 32)


def _edit_inner_node(node: Node) -> None:
    sql(node, "UPDATE ledger_nodes SET hash = :h WHERE level = 2 AND idx = 1", h=b"\x01" * 32)


def _delete_inner_node(node: Node) -> None:
    sql(node, "DELETE FROM ledger_nodes WHERE level = 1 AND idx = 3")


def _forge_checkpoint_root(node: Node) -> None:
    sql(node, "UPDATE ledger_checkpoints SET root = :r WHERE size = 16", r="ab" * 32)


def _corrupt_signature(node: Node) -> None:
    signature = json.dumps(SigningKeys.generate().sign("checkpoint", b"something else").to_dict())
    sql(node, "UPDATE ledger_checkpoints SET signature_json = :s WHERE size = 11", s=signature)


def _garble_checkpoint(node: Node) -> None:
    sql(node, "UPDATE ledger_checkpoints SET root = 'not hex' WHERE size = 21")


def _rewrite_consistently(node: Node) -> None:
    """Alter a row and recompute every stored node to agree: only the signed roots can tell."""
    sql(node, "UPDATE journal SET detail_json = :d WHERE leaf = 8", d='{"n":99}')
    with node.ctx.db.engine.connect() as conn:
        rows = conn.exec_driver_sql(
            "SELECT seq, at, actor, action, item_id, outcome, detail_json FROM journal "
            "WHERE leaf IS NOT NULL ORDER BY leaf"
        ).all()
    store = rebuild(leaf_hash(leaf_data(StoredEvent(*row))) for row in rows)
    level = 0
    while (count := LEAVES >> level) > 0:
        for index in range(count):
            sql(
                node,
                "UPDATE ledger_nodes SET hash = :h WHERE level = :l AND idx = :i",
                h=store.get(level, index),
                l=level,
                i=index,
            )
        level += 1


_GAP = "no journal row holds this leaf"
_UNSIGNED = "signature does not verify"


@dataclass(frozen=True)
class Case:
    tamper: Callable[[Node], None]
    index: int
    kind: str
    reason: str


CASES = {
    "edit a row's detail": Case(_edit_detail, 7, "altered", "was altered"),
    "edit a row's actor": Case(_edit_actor, 13, "altered", "was altered"),
    "respell a row's detail JSON": Case(_respell_detail, 4, "altered", "was altered"),
    "delete a row": Case(_delete_row, 7, "deleted", _GAP),
    "delete the last row": Case(_delete_last_row, LEAVES - 1, "deleted", _GAP),
    "delete a row and renumber the rest": Case(_delete_and_renumber, 7, "deleted", "renumbered"),
    "insert a row beyond the last checkpoint": Case(_insert_beyond, LEAVES, "inserted", "checkpoint covers"),
    "insert a row and renumber the rest": Case(_insert_and_renumber, 7, "inserted", "put in here"),
    "insert a second row for one leaf": Case(_insert_duplicate_leaf, 3, "inserted", "2 journal rows"),
    "swap two rows' leaves": Case(_swap, 5, "reordered", "leaves 5 and 12 were swapped"),
    "edit a stored leaf hash": Case(_edit_leaf_hash, 9, "node", "ledger node (0, 9) was altered"),
    "edit a stored inner node": Case(_edit_inner_node, 4, "node", "ledger node (2, 1)"),
    "delete a stored inner node": Case(_delete_inner_node, 6, "node", "ledger node (1, 3)"),
    "forge a checkpoint's root": Case(_forge_checkpoint_root, 11, "checkpoint", _UNSIGNED),
    "corrupt a checkpoint's signature": Case(_corrupt_signature, 6, "checkpoint", _UNSIGNED),
    "garble a checkpoint": Case(_garble_checkpoint, 16, "checkpoint", "malformed"),
    "rewrite rows and nodes together": Case(_rewrite_consistently, 6, "altered", "rewritten to agree"),
}


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_verify_finds_the_first_bad_leaf(
    make_node: Maker, clock: Clock, node_database_url: str, case: Case
) -> None:
    node = sealed_node(make_node, clock, node_database_url)
    assert node.ledger.verify(actor="auditor").ok
    case.tamper(node)
    before = events(node)
    report = node.ledger.verify(actor="auditor")
    assert not report.ok
    first = report.first
    assert first is not None
    assert (first.index, first.kind) == (case.index, case.kind), report.findings
    assert case.reason in first.message
    with pytest.raises(IntegrityError, match=f"first bad leaf {case.index} \\({case.kind}\\)"):
        report.check()
    # Verifying repairs nothing and loses nothing: the journal only gained the check itself.
    after = events(node)
    kept = {e.seq for e in before}
    assert [e for e in after if e.seq in kept] == before
    (last,) = [e for e in after if e.seq not in kept]
    assert (last.action, last.outcome) == ("ledger.verify", "failed")
    assert (last.detail["first"], last.detail["kind"]) == (case.index, case.kind)


def test_an_intact_ledger_has_no_findings(make_node: Maker, clock: Clock, node_database_url: str) -> None:
    node = sealed_node(make_node, clock, node_database_url)
    journal(node, 3)
    report = node.ledger.verify(actor="auditor")
    assert report.ok
    report.check()
    assert (report.leaves, report.checkpoints, report.unsealed, report.count) == (LEAVES, 4, 3, 0)


def test_a_row_inserted_below_sealed_rows_is_found_on_sqlite(make_node: Maker, clock: Clock) -> None:
    """SQLite gives seq in commit order, sealed in seq order: an unsealed row below a sealed one was added."""
    node = sealed_node(make_node, clock)
    sql(node, _INSERT, seq=0, leaf=None)
    report = node.ledger.verify(actor="auditor")
    assert report.first is not None
    assert (report.first.index, report.first.kind) == (0, "inserted")
    assert "seq 0 is not sealed" in report.first.message


def test_a_row_sealed_out_of_seq_order_is_found_on_sqlite(make_node: Maker, clock: Clock) -> None:
    node = sealed_node(make_node, clock)
    sql(node, _INSERT, seq=0, leaf=None)
    node.ledger.seal()  # the sealer cannot tell; the order it sealed in can
    report = node.ledger.verify(actor="auditor")
    assert report.first is not None
    assert (report.first.index, report.first.kind) == (LEAVES, "inserted")
    assert "sealed after seq" in report.first.message


def test_seal_refuses_to_build_on_a_damaged_ledger(
    make_node: Maker, clock: Clock, node_database_url: str
) -> None:
    node = sealed_node(make_node, clock, node_database_url)
    sql(node, "DELETE FROM ledger_checkpoints WHERE size = :s", s=LEAVES)
    journal(node, 1)
    with pytest.raises(IntegrityError, match="latest checkpoint covers 16"):
        node.ledger.seal()
    sql(node, "DELETE FROM ledger_nodes WHERE idx >= 0")
    sql(node, "DELETE FROM ledger_checkpoints")
    with pytest.raises(IntegrityError, match="holds leaf 20 but the ledger has 0 leaves"):
        node.ledger.seal()


def test_prove_refuses_an_altered_event(make_node: Maker, clock: Clock) -> None:
    node = sealed_node(make_node, clock)
    _edit_detail(node)
    with pytest.raises(IntegrityError, match="does not match the signed ledger"):
        node.ledger.prove(seq_of_leaf(node, 7), actor="auditor")
    last: Event = events(node)[-1]
    assert (last.action, last.outcome) == ("ledger.prove", "refused")


def test_many_findings_are_capped_but_counted(make_node: Maker, clock: Clock) -> None:
    node = sealed_node(make_node, clock)
    sql(node, "UPDATE journal SET actor = 'nobody'")
    report = node.ledger.verify(actor="auditor")
    assert report.count >= LEAVES
    assert report.first is not None
    assert (report.first.index, report.first.kind) == (0, "altered")
    assert [f.index for f in report.findings] == sorted(f.index for f in report.findings)
    assert report.to_dict()["first"] == report.first.to_dict()


def test_a_checkpoint_of_another_node_is_found(make_node: Maker, clock: Clock) -> None:
    node = sealed_node(make_node, clock)
    row = scalar(node, "SELECT root FROM ledger_checkpoints WHERE size = 6")
    other = Checkpoint("kor-mnd", 6, bytes.fromhex(row), "2026-11-25T09:00:01Z")
    signature = json.dumps(node.ctx.keys.sign("checkpoint", other.statement()).to_dict())
    sql(
        node,
        "UPDATE ledger_checkpoints SET origin = 'kor-mnd', signature_json = :s WHERE size = 6",
        s=signature,
    )
    report = node.ledger.verify(actor="auditor")
    assert report.first is not None
    assert (report.first.index, report.first.kind) == (0, "checkpoint")
    assert "names the node 'kor-mnd'" in report.first.message


def test_a_leaf_number_far_beyond_the_ledger_does_not_stall_verify(
    make_node: Maker, clock: Clock, node_database_url: str
) -> None:
    node = sealed_node(make_node, clock, node_database_url)
    sql(node, "UPDATE journal SET leaf = :far WHERE leaf = 20", far=10**15)
    report = node.ledger.verify(actor="auditor")
    assert [(f.index, f.kind) for f in report.findings] == [(20, "deleted"), (10**15, "inserted")]


def test_a_range_of_rows_and_nodes_removed_together_is_one_finding(
    make_node: Maker, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("accord.node.audit._ledger_verify._CHUNK", 4)
    node = sealed_node(make_node, clock)
    sql(node, "DELETE FROM journal WHERE leaf >= 16 AND leaf < 20")
    sql(node, "DELETE FROM ledger_nodes WHERE level = 0 AND idx >= 16 AND idx < 20")
    report = node.ledger.verify(actor="auditor")
    gone = "leaves 16–19: no journal row and no ledger node hold them"
    assert report.findings[0] == Finding(16, "deleted", gone)


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_small_chunks_find_the_same(
    make_node: Maker, clock: Clock, monkeypatch: pytest.MonkeyPatch, case: Case
) -> None:
    """Chunk boundaries inside the tree change nothing (verify reads 65,536 leaves at a time)."""
    monkeypatch.setattr("accord.node.audit._ledger_verify._CHUNK", 4)
    node = sealed_node(make_node, clock)
    assert node.ledger.verify(actor="auditor").ok
    case.tamper(node)
    first = node.ledger.verify(actor="auditor").first
    assert first is not None
    assert (first.index, first.kind) == (case.index, case.kind)


def _highest_node(node: Node) -> tuple[int, int]:
    level = scalar(node, "SELECT MAX(level) FROM ledger_nodes")
    index = scalar(node, "SELECT MAX(idx) FROM ledger_nodes WHERE level = :l", l=level)
    return int(level), int(index)


@pytest.mark.parametrize("how", ["alter", "delete"])
def test_seal_refuses_a_tree_node_it_builds_on_that_no_longer_gives_the_signed_root(
    make_node: Maker, clock: Clock, node_database_url: str, how: str
) -> None:
    """Issue 10 item 2: comparing sizes only signed a checkpoint over a corrupted right edge."""
    node = sealed_node(make_node, clock, node_database_url)
    latest = node.ledger.latest_checkpoint()
    assert latest is not None
    level, index = _highest_node(node)
    if how == "alter":
        sql(
            node,
            "UPDATE ledger_nodes SET hash = :h WHERE level = :l AND idx = :i",
            h=b"\x5a" * 32,
            l=level,
            i=index,
        )
    else:
        sql(node, "DELETE FROM ledger_nodes WHERE level = :l AND idx = :i", l=level, i=index)
    journal(node, 1)
    with pytest.raises(IntegrityError, match="not the signed root"):
        node.ledger.seal()
    assert node.ledger.latest_checkpoint() == latest  # nothing signed over it
    assert scalar(node, "SELECT COUNT(*) FROM journal WHERE leaf IS NULL") == 2  # the event, the alarm
    (alarm,) = node.witness.alarms()
    assert (alarm["origin"], alarm["kind"]) == ("jpn-mod", "damaged")
    assert alarm["held"] == latest.to_dict()
    (journalled,) = [e for e in events(node) if e.action == "ledger.seal"]
    assert journalled.outcome == "alarm"
    assert "not the signed root" in str(journalled.detail["reason"])
    # Sealing again (serve does it every second) refuses again but raises the alarm once.
    with pytest.raises(IntegrityError, match="not the signed root"):
        node.ledger.seal()
    assert len(node.witness.alarms()) == 1
    assert len([e for e in events(node) if e.action == "ledger.seal"]) == 1


def test_seal_refuses_a_latest_checkpoint_whose_signature_does_not_verify(
    make_node: Maker, clock: Clock
) -> None:
    node = sealed_node(make_node, clock)
    _corrupt_signature_of_latest(node)
    journal(node, 1)
    with pytest.raises(IntegrityError, match="does not carry this node's signature"):
        node.ledger.seal()


def _corrupt_signature_of_latest(node: Node) -> None:
    signature = json.dumps(SigningKeys.generate().sign("checkpoint", b"something else").to_dict())
    sql(node, "UPDATE ledger_checkpoints SET signature_json = :s WHERE size = :n", s=signature, n=LEAVES)


def test_one_altered_row_is_one_finding_and_later_checkpoints_are_its_consequence(
    make_node: Maker, clock: Clock
) -> None:
    """Issue 10 item 3: every later checkpoint was reported as 'rewritten to agree'."""
    node = sealed_node(make_node, clock)
    _edit_detail(node)  # leaf 7, under the checkpoint of 11 leaves
    report = node.ledger.verify(actor="auditor")
    assert [(f.index, f.kind) for f in report.findings] == [(7, "altered")]
    assert report.count == 1
    assert report.consequences == (16, 21)
    assert report.consequence is not None
    assert "2 later checkpoint(s) (of 16 to 21 leaves)" in report.consequence
    assert report.to_dict()["consequences"] == [16, 21]
    assert not any("rewritten" in f.message for f in report.findings)


def test_a_stray_leaf_node_beyond_the_ledger_is_reported_as_an_added_node(
    make_node: Maker, clock: Clock
) -> None:
    node = sealed_node(make_node, clock)
    sql(node, "INSERT INTO ledger_nodes (level, idx, hash) VALUES (0, :i, :h)", i=LEAVES, h=b"\x07" * 32)
    report = node.ledger.verify(actor="auditor")
    assert [(f.index, f.kind) for f in report.findings] == [(LEAVES, "node")]
    assert "a tree node was added" in report.findings[0].message
    assert "deleted" not in report.findings[0].message


def test_a_stray_leaf_node_far_beyond_the_ledger_is_one_added_node(make_node: Maker, clock: Clock) -> None:
    node = sealed_node(make_node, clock)
    sql(node, "INSERT INTO ledger_nodes (level, idx, hash) VALUES (0, :i, :h)", i=1000, h=b"\x07" * 32)
    report = node.ledger.verify(actor="auditor")
    assert [(f.index, f.kind) for f in report.findings] == [(1000, "node")]


def test_a_stray_inner_node_beyond_the_tree_is_reported_as_an_added_node(
    make_node: Maker, clock: Clock
) -> None:
    node = sealed_node(make_node, clock)
    sql(node, "INSERT INTO ledger_nodes (level, idx, hash) VALUES (2, 5, :h)", h=b"\x07" * 32)
    report = node.ledger.verify(actor="auditor")
    assert [(f.index, f.kind) for f in report.findings] == [(LEAVES, "node")]
    assert (
        "ledger node (2, 5) over leaves 20–23 lies beyond the tree of 21 leaves" in report.findings[0].message
    )

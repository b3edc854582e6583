"""Sealing the journal at a node: leaves in order, signed checkpoints, proofs, migration, concurrency."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest
import sqlalchemy
from alembic import command
from alembic.config import Config
from hypothesis import given, settings
from hypothesis import strategies as st
from support_ledgernode import CHECKPOINT_SIZES, LEAVES, Clock, Maker, events, journal, scalar, sealed_node

import accord.store
from accord.canonical import canonical_json
from accord.errors import InvalidInput, NotFound
from accord.exchange import InclusionProof, SignedCheckpoint, check_proof
from accord.ledger import EMPTY_ROOT, MerkleTree, leaf_hash, rebuild, verify_consistency, verify_inclusion
from accord.node import Node
from accord.node.audit._checkpoint_rows import checkpoint_from_row, checkpoint_row
from accord.node.audit._seal import SEAL_BATCH
from accord.store import Event, StoredEvent, leaf_data


def test_a_new_node_has_nothing_sealed(make_node: Maker) -> None:
    node = make_node("JPN", "jpn-mod")
    assert node.ledger.size() == 0
    assert node.ledger.latest_checkpoint() is None
    assert node.ledger.checkpoints() == []


def test_seal_makes_every_event_a_leaf_in_seq_order(
    make_node: Maker, clock: Clock, node_database_url: str
) -> None:
    node = sealed_node(make_node, clock, node_database_url)
    journalled = events(node)
    assert node.ledger.size() == LEAVES == len(journalled)
    # The tree is exactly the RFC 9162 tree of the events' canonical bytes, in seq order.
    expected = MerkleTree(rebuild(leaf_hash(e.canonical_bytes()) for e in journalled))
    latest = node.ledger.latest_checkpoint()
    assert latest is not None
    assert latest.checkpoint.root == expected.root()
    assert latest.checkpoint.origin == "jpn-mod"
    assert latest.checkpoint.timestamp == "2026-11-25T09:00:04Z"
    latest.verify(node.ctx.keys.public())
    for size, signed in zip(CHECKPOINT_SIZES, reversed(node.ledger.checkpoints()), strict=True):
        assert signed.checkpoint.size == size
        assert signed.checkpoint.root == expected.root(size)
    assert node.ledger.verify(actor="auditor").ok


def test_seal_returns_none_when_nothing_is_new(make_node: Maker) -> None:
    node = make_node("JPN", "jpn-mod")
    first = node.ledger.seal()
    assert first is not None
    assert first.checkpoint.size == 1
    assert node.ledger.seal() is None
    assert node.ledger.latest_checkpoint() == first


def test_a_signed_checkpoint_survives_storage_and_json(make_node: Maker, clock: Clock) -> None:
    node = sealed_node(make_node, clock)
    latest = node.ledger.latest_checkpoint()
    assert latest is not None
    assert SignedCheckpoint.from_dict(latest.to_dict()) == latest
    assert checkpoint_from_row(checkpoint_row(latest)) == latest
    with pytest.raises(InvalidInput, match="exactly the keys"):
        SignedCheckpoint.from_dict({**latest.to_dict(), "extra": 1})


def test_consistency_proofs_between_checkpoints_verify(
    make_node: Maker, clock: Clock, node_database_url: str
) -> None:
    node = sealed_node(make_node, clock, node_database_url)
    signed = {s.checkpoint.size: s.checkpoint for s in node.ledger.checkpoints()}
    for old in CHECKPOINT_SIZES:
        for new in CHECKPOINT_SIZES:
            if old <= new:
                proof = node.ledger.consistency(old, new)
                verify_consistency(old, new, signed[old].root, signed[new].root, proof)
    assert node.ledger.consistency(0, LEAVES) == []
    verify_consistency(0, LEAVES, EMPTY_ROOT, signed[LEAVES].root, [])
    with pytest.raises(InvalidInput, match="no tree of"):
        node.ledger.consistency(1, LEAVES + 1)


def test_prove_and_check_proof_round_trip(make_node: Maker, clock: Clock, node_database_url: str) -> None:
    node = sealed_node(make_node, clock, node_database_url)
    card = node.parties.own_card().to_json()
    for event in events(node)[:LEAVES]:
        proof = node.ledger.prove(event.seq, actor="auditor")
        assert proof.leaf == event.canonical_bytes()
        assert proof.event["seq"] == event.seq
        parsed = InclusionProof.from_json(proof.to_json())
        assert parsed == proof
        assert check_proof(proof.to_json(), card) == proof
        checkpoint = proof.signed.checkpoint
        verify_inclusion(
            leaf_hash(proof.leaf), proof.leaf_index, checkpoint.size, proof.path, checkpoint.root
        )
    last = events(node)[-1]
    assert (last.action, last.outcome, last.actor) == ("ledger.prove", "ok", "auditor")


def test_prove_seals_a_fresh_event_first(make_node: Maker, clock: Clock) -> None:
    node = sealed_node(make_node, clock)
    journal(node, 1, action="item.destroy")
    fresh = events(node)[-1]
    proof = node.ledger.prove(fresh.seq, actor="auditor")
    assert proof.event["action"] == "item.destroy"
    assert proof.signed.checkpoint.size == LEAVES + 1
    check_proof(proof.to_json(), node.parties.own_card().to_json())


def test_proving_a_missing_event_is_refused_and_journalled(make_node: Maker, clock: Clock) -> None:
    node = sealed_node(make_node, clock)
    with pytest.raises(NotFound, match="no journal event 999"):
        node.ledger.prove(999, actor="auditor")
    last = events(node)[-1]
    assert (last.action, last.outcome, last.detail["seq"]) == ("ledger.prove", "refused", 999)


def test_verify_is_journalled(make_node: Maker, clock: Clock) -> None:
    node = sealed_node(make_node, clock)
    report = node.ledger.verify(actor="auditor")
    assert (report.ok, report.leaves, report.checkpoints, report.unsealed) == (True, LEAVES, 4, 0)
    last = events(node)[-1]
    assert (last.action, last.outcome, last.actor) == ("ledger.verify", "ok", "auditor")
    assert last.detail == {"leaves": LEAVES, "checkpoints": 4}
    # The verification's own event waits for the next seal.
    assert node.ledger.verify(actor="auditor").unsealed == 1


def test_a_backlog_is_sealed_in_batches(make_node: Maker, monkeypatch: pytest.MonkeyPatch) -> None:
    node = make_node("JPN", "jpn-mod")
    monkeypatch.setattr("accord.node.audit._seal.SEAL_BATCH", 4)
    journal(node, 9)
    latest = node.ledger.seal()
    assert latest is not None
    assert latest.checkpoint.size == 10
    assert [s.checkpoint.size for s in node.ledger.checkpoints()] == [10, 8, 4]
    assert node.ledger.verify(actor="auditor").ok
    assert SEAL_BATCH == 65_536


def test_rows_journalled_before_the_ledger_existed_become_the_first_leaves(
    make_node: Maker, clock: Clock
) -> None:
    """A journal kept under migration 0005 is sealed whole, in seq order, once 0006 is applied."""
    node = make_node("JPN", "jpn-mod")
    journal(node, 4)
    home = node.ctx.home.root
    config = Config()
    config.set_main_option("script_location", str(Path(accord.store.__file__).parent / "migrations"))
    with node.ctx.db.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0005")
    assert "ledger_nodes" not in node.ctx.db.tables()
    node.close()
    reopened = Node.open(home, clock=clock)
    try:
        assert scalar(reopened, "SELECT count(*) FROM journal WHERE leaf IS NULL") == 5
        latest = reopened.ledger.seal()
        assert latest is not None
        assert latest.checkpoint.size == 5
        assert [
            scalar(reopened, "SELECT leaf FROM journal WHERE seq = :s", s=e.seq) for e in events(reopened)
        ] == [
            0,
            1,
            2,
            3,
            4,
        ]
        assert reopened.ledger.verify(actor="auditor").ok
    finally:
        reopened.close()


def test_concurrent_sealers_and_writers_lose_nothing(make_node: Maker, node_database_url: str) -> None:
    node = make_node("JPN", "jpn-mod", node_database_url)
    stop = threading.Event()
    errors: list[BaseException] = []

    def writer() -> None:
        try:
            for _ in range(30):
                journal(node, 7)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    def sealer() -> None:
        try:
            while not stop.is_set():
                node.ledger.seal()
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=writer) for _ in range(2)] + [
        threading.Thread(target=sealer) for _ in range(2)
    ]
    for thread in threads:
        thread.start()
    for thread in threads[:2]:
        thread.join(60)
    stop.set()
    for thread in threads[2:]:
        thread.join(60)
    assert errors == []
    node.ledger.seal()
    total = 1 + 2 * 30 * 7
    assert node.ledger.size() == total
    assert scalar(node, "SELECT count(DISTINCT leaf) FROM journal") == total
    assert scalar(node, "SELECT max(leaf) FROM journal") == total - 1
    report = node.ledger.verify(actor="auditor")
    assert report.ok, report.findings


def test_the_worker_seals_every_second_and_when_it_stops(make_node: Maker) -> None:
    node = make_node("JPN", "jpn-mod")
    worker = node.worker()
    worker.start()
    try:
        deadline = time.monotonic() + 10
        while node.ledger.size() < 1 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert node.ledger.size() == 1
        journal(node, 3)
        deadline = time.monotonic() + 10
        while node.ledger.size() < 4 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert node.ledger.size() == 4
        journal(node, 2)
    finally:
        worker.stop()
    assert node.ledger.size() == 6
    assert node.ledger.verify(actor="auditor").ok


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(), children, max_size=4),
    max_leaves=12,
)


@settings(max_examples=300, deadline=None)
@given(
    seq=st.integers(min_value=0, max_value=2**53),
    texts=st.lists(st.text(), min_size=4, max_size=4),
    item_id=st.none() | st.text(),
    detail=st.dictionaries(st.text(), JSON_VALUES, max_size=5),
)
def test_leaf_data_is_the_events_canonical_bytes(
    seq: int, texts: list[str], item_id: str | None, detail: dict[str, object]
) -> None:
    """The sealer's fast encoding equals Event.canonical_bytes for every row append_event writes."""
    at, actor, action, outcome = texts
    try:
        stored = canonical_json(detail).decode("utf-8")
    except (ValueError, UnicodeEncodeError):
        return  # append_event could not have written it either (e.g. keys colliding under NFC)
    event = Event(seq, at, actor, action, item_id, outcome, json.loads(stored))
    try:
        expected = event.canonical_bytes()
    except UnicodeEncodeError:
        return  # a lone surrogate: not storable as UTF-8 text
    assert leaf_data(StoredEvent(seq, at, actor, action, item_id, outcome, stored)) == expected


def test_check_proof_needs_the_nodes_card_only(make_node: Maker, clock: Clock) -> None:
    node = sealed_node(make_node, clock)
    proof_text = node.ledger.prove(3, actor="auditor").to_json()
    card_text = node.parties.own_card().to_json()
    node.close()
    # No node, no database: the card and the proof are enough.
    assert check_proof(proof_text, card_text).event["seq"] == 3


def test_an_idle_worker_runs_no_query_to_seal_or_to_look_at_the_outbox(make_node: Maker) -> None:
    """Issue 10 item 4: with nothing committed, the sealer and the supervisor run no SQL at all."""
    node = make_node("JPN", "jpn-mod")
    worker = node.worker()
    watch, looks = node.ctx.db.watch(), node.ctx.db.watch()
    statements: list[str] = []

    def record(_conn: object, _cursor: object, statement: str, *_args: object) -> None:
        statements.append(statement)

    engine = node.ctx.db.engine
    try:
        worker._seal(watch)  # the first look seals what is there
        worker._look(looks)  # and looks at the outbox: nothing pending
        worker._seal(watch)  # that seal committed: one more look
        worker._look(looks)
        sqlalchemy.event.listen(engine, "before_cursor_execute", record)
        for _ in range(5):
            worker._seal(watch)
            worker._look(looks)
        assert statements == []
        journal(node, 1)
        worker._seal(watch)
        assert statements  # something was committed: it seals
        assert node.ledger.size() == scalar(node, "SELECT count(*) FROM journal")
        statements.clear()
        worker._look(looks)
        assert any("outbox" in s for s in statements)  # and the supervisor looks again
    finally:
        sqlalchemy.event.remove(engine, "before_cursor_execute", record)
        watch.close()
        looks.close()

"""Crash safety across real processes: kill -9 the receiver, then the sender, mid-exchange.

Two ``accord serve`` processes (KOR receiving, JPN sending: its delivery worker pushes to
KOR over mutual TLS) exchange 2,000 reports. The test SIGKILLs the receiver at random
moments, restarting it each time, then does the same to the sender; half the envelopes are
in the outbox before the processes start and the rest are sent in waves between kills
(into the sender's database, whether its process is up or just killed), so that every
kill lands while envelopes are in flight. Once both run undisturbed and the outbox is
empty, the databases must show every item delivered exactly once with its signed receipt:
one holding per item, one inbox row per message, one ``item.receive`` journal entry per
item, a receipted outbox row and a verifying receipt for every envelope, nothing
quarantined, nothing damaged.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import signal
import subprocess
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from crash_support import (
    SATO_PASSWORD,
    Pair,
    Served,
    accord_script,
    make_pair,
    outbox_counts,
    received_count,
)
from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.exchange import ReceiptBatch
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, Node
from accord.node.transfer._control import NO_ITEM  # witnessing messages name no item
from accord.store import (
    AttachmentRow,
    InboxMessageRow,
    ItemRow,
    OutboxRow,
    QuarantineRow,
    ReceiptBatchRow,
    ReceiptRow,
    read_events,
)
from support_federation import write_image

ITEMS = 2000
UP_FRONT = 1000  # in the outbox before the processes start; the rest go in waves between kills
KILLS_EACH = int(os.environ.get("ACCORD_CRASH_KILLS", "12"))  # the issue asks for at least ten each
SEED = int(os.environ.get("ACCORD_CRASH_SEED", "20161123"))  # printed; set it to replay a run
KILL_AFTER = (0.05, 0.6)  # seconds after a node listens (and a wave is sent), at most, to a kill
DRAIN_SECONDS = 180.0
PRECEDENCES = (Precedence.ROUTINE, Precedence.PRIORITY, Precedence.IMMEDIATE, Precedence.FLASH)
WEIGHTS = (86, 8, 4, 2)
SHOWN = 50  # holdings opened by a KOR analyst (all are verified through the inbox listing)
UPLOAD_MB = 64  # large enough that both kills land mid-upload (they come within the first MBs)


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[Pair, Served, Served]]:
    """The two homes and their (not yet started) serve processes; every process is killed at the end."""
    pair = make_pair(tmp_path)
    kor = Served("kor", pair.kor, pair.kor_port, tmp_path / "logs")
    jpn = Served("jpn", pair.jpn, pair.jpn_port, tmp_path / "logs")
    try:
        yield pair, kor, jpn
    finally:
        kor.kill()
        jpn.kill()


def _create(jpn: Node, agreement_id: str, rng: random.Random) -> dict[str, Precedence]:
    """The items, each checked, sealed and journalled as by ``create``, stored in one transaction
    (``create_many``: half the CPU of a transaction each); item id -> precedence."""
    news = [
        NewItem(
            ItemContent(
                ItemKind.REPORT,
                f"DPRK missile activity report {number:04d}",
                f"Observation {number}: launcher movement near Sunan.",
                "Early warning and assessment of DPRK missile activity",
            ),
            LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], [], agreement=agreement_id),
            precedence,
        )
        for number, precedence in enumerate(rng.choices(PRECEDENCES, WEIGHTS, k=ITEMS))
    ]
    views = jpn.items.create_many(news, actor="sato")
    assert [view.precedence for view in views] == [new.precedence for new in news]
    return {view.id: view.precedence for view in views}


def _send(home: Path, item_ids: list[str]) -> None:
    """Queue one envelope per item to KOR, in one transaction (a wave; half the CPU of one each)."""
    node = Node.open(home)
    try:
        sent = node.sending.send_many(item_ids, to="KOR", actor="sato")
        assert [s.peer for s in sent] == ["kor-mnd"] * len(item_ids)
    finally:
        node.close()


def _waves(ids: list[str], count: int) -> list[list[str]]:
    size = -(-len(ids) // count)
    return [ids[i * size : (i + 1) * size] for i in range(count)]


def _stop(served: Served) -> None:
    """Stop a node as an operator would (Ctrl-C) and expect a clean exit."""
    process = served.process
    assert process is not None, f"{served.name} is not running"
    assert process.poll() is None, f"{served.name} exited by itself:\n{served.log()}"
    process.send_signal(signal.SIGINT)
    try:
        code = process.wait(timeout=60)
    except subprocess.TimeoutExpired:  # pragma: no cover - reported below
        code = None
    served.kill()
    assert code == 0, f"{served.name} did not stop cleanly (exit {code}):\n{served.log()}"


@pytest.mark.slow
@pytest.mark.usefixtures("untraced")
def test_kill_9_receiver_then_sender_delivers_every_item_exactly_once(
    nodes: tuple[Pair, Served, Served],
) -> None:
    pair, kor, jpn = nodes
    rng = random.Random(SEED)  # noqa: S311 - kill times and precedences, not keys
    began = time.monotonic()

    node = Node.open(pair.jpn)
    try:
        precedence_of = _create(node, pair.agreement_id, rng)
    finally:
        node.close()
    ids = list(precedence_of)
    _send(pair.jpn, ids[:UP_FRONT])
    schedule = [kor] * KILLS_EACH + [jpn] * KILLS_EACH
    waves = _waves(ids[UP_FRONT:], len(schedule))
    print(
        f"\nseed {SEED}: {ITEMS} items created, {UP_FRONT} sent, in {time.monotonic() - began:.1f} s",
        flush=True,
    )

    kor.start()
    jpn.start()
    exchange_began = time.monotonic()
    in_flight_at_kill: Counter[str] = Counter()
    received = 0
    # Each kill comes at a random moment, or at a random point of progress (KOR has accepted
    # that many envelopes) if that comes first, so that every kill lands mid-exchange however
    # fast the exchange runs; a progress kill hits a receiver that has just committed.
    targets = sorted(rng.sample(range(1, ITEMS), len(schedule)))
    for wave, victim, target in zip(waves, schedule, targets, strict=True):
        _send(pair.jpn, wave)
        due = time.monotonic() + rng.uniform(*KILL_AFTER)
        while time.monotonic() < due and (received := received_count(pair.kor)) < target:
            time.sleep(0.005)
        pending = outbox_counts(pair.jpn).pending
        victim.crash()
        if pending:
            in_flight_at_kill[victim.name] += 1
        counts = outbox_counts(pair.jpn)
        print(
            f"{time.monotonic() - exchange_began:6.1f} s  kill -9 {victim.name} "
            f"{'at ' + str(target) if received >= target else 'at random':>9} "
            f"(kor {kor.kills}, jpn {jpn.kills})  received {received_count(pair.kor)}  "
            f"outbox {dict(sorted(counts.by_status.items()))}  max attempts {counts.max_attempts}",
            flush=True,
        )
        victim.start()
    assert (kor.kills, jpn.kills) == (KILLS_EACH, KILLS_EACH)
    assert in_flight_at_kill[kor.name] >= min(10, KILLS_EACH), (
        f"kills with envelopes in flight: {dict(in_flight_at_kill)}"
    )
    assert in_flight_at_kill[jpn.name] >= min(10, KILLS_EACH), (
        f"kills with envelopes in flight: {dict(in_flight_at_kill)}"
    )

    drain_began = time.monotonic()
    deadline = drain_began + DRAIN_SECONDS
    while (counts := outbox_counts(pair.jpn)).pending and time.monotonic() < deadline:
        time.sleep(0.5)
    print(
        f"kill phase {drain_began - exchange_began:.1f} s, "
        f"drained in {time.monotonic() - drain_began:.1f} s; "
        f"startup kor {max(kor.startup_seconds):.2f} s max, jpn {max(jpn.startup_seconds):.2f} s max",
        flush=True,
    )
    assert counts.pending == 0, f"still pending after {DRAIN_SECONDS:.0f} s: {counts}"
    assert counts.by_status == {"receipted": ITEMS}, counts
    _stop(jpn)
    _stop(kor)
    logs = kor.tracebacks() + jpn.tracebacks()
    assert not logs, "\n".join(logs)

    message_ids = _check_sender(pair.jpn, precedence_of)
    _check_receiver(pair.kor, precedence_of, message_ids, rng)
    print(f"verified in {time.monotonic() - drain_began:.1f} s; total {time.monotonic() - began:.1f} s")


def _check_sender(home: Path, precedence_of: dict[str, Precedence]) -> dict[str, str]:
    """Every envelope receipted once, with a receipt KOR signed; returns message id -> item id."""
    jpn = Node.open(home)
    try:
        with jpn.ctx.db.transaction() as session:
            outbox = session.scalars(select(OutboxRow).where(OutboxRow.item_id != NO_ITEM)).all()
            assert len(outbox) == ITEMS
            assert Counter(r.status for r in outbox) == {"receipted": ITEMS}
            assert Counter(r.item_id for r in outbox) == Counter(list(precedence_of))
            assert all(r.precedence == precedence_of[r.item_id].value for r in outbox)
            message_ids = {r.message_id: r.item_id for r in outbox}
            digests = {r.message_id: r.digest for r in outbox}
            journal = list(read_events(session))
            assert session.scalars(select(QuarantineRow)).all() == []
            rows = session.execute(
                select(
                    ReceiptRow.message_id, ReceiptRow.item_id, ReceiptRow.peer, ReceiptRow.receipt_json
                ).where(ReceiptRow.item_id != NO_ITEM)
            ).all()
            assert len(rows) == ITEMS
            assert {m: i for m, i, _, _ in rows} == message_ids
            assert {p for _, _, p, _ in rows} == {"kor-mnd"}
            stored = {m: receipt_json for m, _, _, receipt_json in rows}
            batches, batch_of = _receipt_batches(session)
        with jpn.ctx.db.transaction() as session:
            _, kor_keys = jpn.parties.signer(session, "kor-mnd")
        covered: set[str] = set()
        for text in batches:  # each signed batch once: a receipt must be in the one stored for it
            batch = ReceiptBatch.parse(text.encode("utf-8"))
            batch.verify(kor_keys)
            assert (batch.receiver, batch.sender, batch.rejected) == ("kor-mnd", "jpn-mod", ())
            for receipt in batch.receipts:
                if receipt.item_id == NO_ITEM:
                    continue  # the workers' ledger witnessing
                assert json.loads(stored[receipt.message_id]) == receipt.to_dict()
                assert receipt.envelope_digest == digests[receipt.message_id]
                assert receipt.item_id == message_ids[receipt.message_id]
                if batch_of[receipt.message_id] == batch.id:
                    covered.add(receipt.message_id)
        assert covered == set(message_ids), "some stored receipts are in no verifying batch"
    finally:
        jpn.close()
    sends = Counter(e.item_id for e in journal if (e.action, e.outcome) == ("item.send", "ok"))
    receipted = Counter(
        e.item_id
        for e in journal
        if (e.action, e.outcome) == ("item.receipted", "ok") and e.item_id != NO_ITEM
    )
    assert sends == Counter(list(precedence_of))
    assert receipted == Counter(list(precedence_of)), "an item was receipted twice (or never)"
    assert [e for e in journal if e.outcome != "ok" and e.action.startswith(("item.", "exchange."))] == []
    return message_ids


def _receipt_batches(session: Session) -> tuple[list[str], dict[str, str]]:
    """The distinct signed receipt batches, and which batch each receipt refers to."""
    rows = session.execute(select(ReceiptRow.message_id, ReceiptRow.batch_id)).all()
    batch_of = {str(message_id): str(batch_id) for message_id, batch_id in rows}
    return list(session.scalars(select(ReceiptBatchRow.batch_json))), batch_of


def _check_receiver(
    home: Path,
    precedence_of: dict[str, Precedence],
    message_ids: dict[str, str],
    rng: random.Random,
) -> None:
    """One holding, one inbox row and one ``item.receive`` per item; holdings verify."""
    kor = Node.open(home)
    try:
        with kor.ctx.db.transaction() as session:
            held = session.scalars(select(ItemRow).where(ItemRow.received_from.is_not(None))).all()
            assert len(held) == ITEMS
            assert {r.id for r in held} == set(precedence_of)
            assert {r.received_from for r in held} == {"jpn-mod"}
            assert all(r.precedence == precedence_of[r.id].value for r in held)
            inbox = session.scalars(select(InboxMessageRow).where(InboxMessageRow.item_id != NO_ITEM)).all()
            assert len(inbox) == ITEMS
            assert {r.message_id: r.item_id for r in inbox} == message_ids
            assert session.scalars(select(QuarantineRow)).all() == []
            journal = list(read_events(session))
        received = Counter(e.item_id for e in journal if (e.action, e.outcome) == ("item.receive", "ok"))
        assert received == Counter(list(precedence_of)), "a holding was journalled twice (or never)"
        # Witnessing across kills: an older checkpoint arriving after a newer one is "stale",
        # one proved from another size than we hold is a "demand" for the proof from the one we
        # hold (issue 10; it was "resync") — protocol, not refusals. A
        # fork or rollback alarm would still fail here.
        normal = {("ledger.witness", "stale"), ("ledger.witness", "demand")}
        refused = [e for e in journal if e.outcome != "ok" and (e.action, e.outcome) not in normal]
        assert refused == [], refused[:5]

        listing = kor.items.inbox()  # verifies every holding's binding and content
        assert listing.damaged == []
        assert {v.id for v in listing.views} == set(precedence_of)
        for item_id in rng.sample(sorted(precedence_of), SHOWN):
            view = kor.items.show(item_id, actor="kim")
            assert view.received_from == "jpn-mod"
            assert view.banners[0].startswith("군사Ⅲ급비밀 // 일본 제공 (PROVIDED BY JPN: 秘)")
    finally:
        kor.close()


# --- an attachment upload, killed at both ends ------------------------------------------


def _partial_size(home: Path, blob_id: str) -> int:
    path = home / "blobs" / "partial" / blob_id
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _kill_mid_upload(victim: Served, receiver: Path, blob_id: str, total: int, above: int) -> int:
    """SIGKILL ``victim`` once the receiver's partial upload holds more than ``above`` bytes."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        size = _partial_size(receiver, blob_id)
        if above < size < total:
            victim.crash()
            return _partial_size(receiver, blob_id)
        assert not (receiver / "blobs" / blob_id[:2] / blob_id).is_file(), (
            "the upload completed before the kill: make UPLOAD_MB larger"
        )
        time.sleep(0.002)
    pytest.fail(f"the upload of {blob_id[:16]}… did not progress past {above} bytes")


@pytest.mark.slow
def test_kill_9_mid_upload_resumes_the_attachment(nodes: tuple[Pair, Served, Served], tmp_path: Path) -> None:
    """The receiver, then the sender, dies mid-upload: it resumes, completes, nothing is left over."""
    pair, kor, jpn = nodes
    image = tmp_path / "imagery.pgm"
    write_image(image, UPLOAD_MB)
    node = Node.open(pair.jpn)
    try:
        view = node.items.create(
            NewItem(
                ItemContent(ItemKind.REPORT, "Sunan airfield", "Imagery attached.", "Assessment"),
                LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], [], agreement=pair.agreement_id),
                Precedence.ROUTINE,
                attachments=[image],
            ),
            actor="sato",
        )
        node.sending.send(view.id, to="KOR", actor="sato")
        with node.ctx.db.transaction() as session:
            (blob_id,) = session.scalars(select(AttachmentRow.blob_id)).all()
        total = node.ctx.blobs.size(blob_id)
    finally:
        node.close()

    kor.start()
    jpn.start()
    first = _kill_mid_upload(kor, pair.kor, blob_id, total, 0)  # the receiver, mid-upload
    kor.start()
    second = _kill_mid_upload(jpn, pair.kor, blob_id, total, first)  # it resumed; now the sender
    jpn.start()
    print(f"\nupload of {total} bytes: receiver killed at {first}, sender at {second}")
    deadline = time.monotonic() + DRAIN_SECONDS
    while outbox_counts(pair.jpn).pending and time.monotonic() < deadline:
        time.sleep(0.2)
    assert outbox_counts(pair.jpn).by_status == {"receipted": 1}
    _stop(jpn)
    _stop(kor)
    assert not kor.tracebacks() + jpn.tracebacks()

    receiver = Node.open(pair.kor)
    try:
        assert [v.id for v in receiver.items.inbox().views] == [view.id]
        ref, stream = receiver.items.attachment(view.id, 0, actor="kim")
        digest = hashlib.sha384()
        for piece in stream:
            digest.update(piece)
        assert digest.hexdigest() == ref.sha384 == hashlib.sha384(image.read_bytes()).hexdigest()
        leftovers = [p for p in (pair.kor / "blobs").rglob("*") if p.is_file() and p.name != blob_id]
        assert leftovers == [], "a partial or temporary upload was left behind"
        with receiver.ctx.db.transaction() as session:
            assert (
                len(session.scalars(select(InboxMessageRow).where(InboxMessageRow.item_id != NO_ITEM)).all())
                == 1
            )
            receives = [e for e in read_events(session) if e.action == "item.receive"]
        assert [(e.item_id, e.outcome) for e in receives] == [(view.id, "ok")]
    finally:
        receiver.close()


# --- item creation, killed while it seals an attachment ---------------------------------


def test_kill_9_while_sealing_an_attachment_leaves_no_temporary_blob(tmp_path: Path) -> None:
    """Regression: a writer killed mid-blob left its temporary file (here 100+ MB) forever."""
    pair = make_pair(tmp_path)
    image = tmp_path / "imagery.pgm"
    write_image(image, UPLOAD_MB)
    tmp_dir = pair.jpn / "blobs" / "tmp"
    process = subprocess.Popen(
        [
            *(accord_script(), "item", "create", "--home", str(pair.jpn), "--as", "sato"),
            *("--kind", "report", "--title", "Sunan airfield", "--classification", "秘"),
            *("--purpose", "Assessment", "--rel", "KOR", "--ntk", "DPRK-MISSILE"),
            *("--agreement", pair.agreement_id, "--attach", str(image)),
        ],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "ACCORD_PASSWORD": SATO_PASSWORD},
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + 60
        while not any(p.stat().st_size for p in tmp_dir.glob("upload-*")) and process.poll() is None:
            assert time.monotonic() < deadline, "item creation never started sealing"
            time.sleep(0.002)
        assert process.poll() is None, "item creation finished before the kill: make UPLOAD_MB larger"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
    assert [p.name for p in tmp_dir.iterdir()] != [], "the kill should have left a temporary file"

    node = Node.open(pair.jpn)  # the next process to open the node sweeps it away
    try:
        assert list(tmp_dir.iterdir()) == []
        assert node.items.listing().views == []
    finally:
        node.close()

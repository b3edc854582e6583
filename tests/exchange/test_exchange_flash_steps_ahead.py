"""FLASH first inside the receiving process (issue 14).

FLASH reports queued at the sender travel together in the FLASH lane's next transmission.
A FLASH transmission that arrives while a ROUTINE batch is being checked in the same
process is checked and stored before the ROUTINE batch's next envelope: the routine check
loop steps aside (``NodeContext.urgent_work``) and nothing of either is skipped. These tests
order the two with hooks and events, never with a clock.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

import pytest
from support_exchange_adversarial import FederationLike, capture, holdings, report

from accord.exchange import ReceiptBatch, Transmission
from accord.items import Precedence
from accord.node.core._urgency import UrgentWork
from accord.node.transfer import _attachments
from accord.node.transfer._intake import carries_flash

KOR = "kor-mnd"


def _transmission(fed: FederationLike, precedence: Precedence, count: int, lane: str) -> bytes:
    for _ in range(count):
        fed.jpn.sending.send(report(fed.jpn, precedence), to="KOR", actor="sato")
    return capture(fed.jpn, KOR, lane).posted[0]


def test_flash_reports_queued_together_travel_in_one_transmission(federation: FederationLike) -> None:
    # One at a time, a burst of FLASH queued behind FLASH for a round trip each.
    flash = Transmission.parse(_transmission(federation, Precedence.FLASH, 3, "flash"))
    assert len(flash.envelopes) == 3
    assert carries_flash(flash)
    batch = ReceiptBatch.parse(federation.kor.receiving.receive_transmission(flash.to_bytes()))
    assert (len(batch.receipts), batch.rejected) == (3, ())


def test_carries_flash_reads_the_envelope_headers(federation: FederationLike) -> None:
    routine = _transmission(federation, Precedence.ROUTINE, 2, "routine")
    flash = _transmission(federation, Precedence.FLASH, 1, "flash")
    assert not carries_flash(Transmission.parse(routine))
    assert carries_flash(Transmission.parse(flash))


def test_a_flash_transmission_is_stored_while_a_routine_batch_is_being_checked(
    federation: FederationLike, monkeypatch: pytest.MonkeyPatch
) -> None:
    routine = _transmission(federation, Precedence.ROUTINE, 3, "routine")
    flash = _transmission(federation, Precedence.FLASH, 1, "flash")
    kor = federation.kor
    service = kor.receiving
    urgent_work = kor.ctx.urgent_work
    order: list[tuple[str, str]] = []
    answers: dict[str, bytes] = {}
    errors: list[BaseException] = []

    def run(name: str, body: bytes) -> None:
        try:
            answers[name] = service.receive_transmission(body)
        except BaseException as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    flash_thread = threading.Thread(target=run, args=("flash", flash), name="flash")
    prepare: Callable[..., object] = service._prepare
    write_all: Callable[..., object] = service._write_all

    def prepare_hook(arrival: object, envelope: object) -> object:
        name = threading.current_thread().name
        order.append((name, "check"))
        result = prepare(arrival, envelope)
        if name == "routine" and not flash_thread.is_alive() and "flash" not in answers:
            # The routine batch is being checked: the FLASH transmission arrives now.
            flash_thread.start()
            assert urgent_work.wait_pending(timeout=30)
        return result

    def write_hook(*args: object, **kwargs: object) -> object:
        result = write_all(*args, **kwargs)
        order.append((threading.current_thread().name, "stored"))
        return result

    monkeypatch.setattr(service, "_prepare", prepare_hook)
    monkeypatch.setattr(service, "_write_all", write_hook)
    routine_thread = threading.Thread(target=run, args=("routine", routine), name="routine")
    routine_thread.start()
    routine_thread.join(timeout=120)
    flash_thread.join(timeout=120)
    assert not errors
    assert order == [
        ("routine", "check"),
        ("flash", "check"),
        ("flash", "stored"),
        ("routine", "check"),
        ("routine", "check"),
        ("routine", "stored"),
    ]
    # Nothing was skipped: every envelope of both was checked, held and receipted.
    assert [len(ReceiptBatch.parse(answers[n]).receipts) for n in ("routine", "flash")] == [3, 1]
    assert all(ReceiptBatch.parse(answers[n]).rejected == () for n in ("routine", "flash"))
    assert holdings(kor).items == 4
    assert not urgent_work.pending


def test_a_flash_transmission_is_stored_while_a_routine_attachment_is_being_checked(
    federation: FederationLike, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    image = tmp_path / "image.bin"
    image.write_bytes(os.urandom(300_000))
    jpn, kor = federation.jpn, federation.kor
    jpn.sending.send(report(jpn, attachments=(image,)), to="KOR", actor="sato")
    captured = capture(jpn, KOR, "routine")
    ((blob_id, data),) = captured.blobs.items()
    assert kor.receiving.receive_blob(blob_id, 0, len(data), iter([data])) == len(data)
    flash = _transmission(federation, Precedence.FLASH, 1, "flash")
    service, urgent_work = kor.receiving, kor.ctx.urgent_work
    order: list[str] = []
    answers: dict[str, bytes] = {}

    def run(name: str, body: bytes) -> None:
        answers[name] = service.receive_transmission(body)

    flash_thread = threading.Thread(target=run, args=("flash", flash), name="flash")
    decrypt = _attachments.decrypt_blob
    write_all: Callable[..., object] = service._write_all

    def write_hook(*args: object, **kwargs: object) -> object:
        result = write_all(*args, **kwargs)
        order.append(f"{threading.current_thread().name} stored")  # still inside the FLASH work
        return result

    def decrypt_hook(key: bytes, item_id: str, position: int, blob: Iterable[bytes]) -> Iterator[bytes]:
        for number, piece in enumerate(decrypt(key, item_id, position, blob)):
            if number == 0:
                # The routine attachment is being checked: the FLASH transmission arrives now.
                flash_thread.start()
                assert urgent_work.wait_pending(timeout=30)
            yield piece
            order.append("routine piece checked")

    monkeypatch.setattr(_attachments, "decrypt_blob", decrypt_hook)
    monkeypatch.setattr(service, "_write_all", write_hook)
    routine_thread = threading.Thread(target=run, args=("routine", captured.posted[0]), name="routine")
    routine_thread.start()
    routine_thread.join(timeout=120)
    flash_thread.join(timeout=120)
    # The FLASH transmission was stored before the routine check went past the first piece.
    assert order[0] == "flash stored"
    assert order[-1] == "routine stored"
    assert [len(ReceiptBatch.parse(answers[n]).receipts) for n in ("routine", "flash")] == [1, 1]
    assert holdings(kor).items == 2


def test_routine_work_passes_when_no_flash_is_in_progress() -> None:
    work = UrgentWork()
    assert not work.step_aside()


def test_routine_work_waits_until_the_flash_work_is_done() -> None:
    work = UrgentWork()
    entered, release, waited = threading.Event(), threading.Event(), []

    def flash() -> None:
        with work.running():
            entered.set()
            release.wait()

    thread = threading.Thread(target=flash)
    thread.start()
    entered.wait()
    assert work.pending

    def routine() -> None:
        waited.append(work.step_aside())

    waiter = threading.Thread(target=routine)
    waiter.start()
    release.set()
    waiter.join()
    thread.join()
    assert waited == [True]
    assert not work.pending


def test_routine_work_is_not_starved_by_flash_work_that_never_ends() -> None:
    work = UrgentWork(max_wait=0.01)
    with work.running():
        assert work.step_aside()  # it returns: the wait is bounded
    assert not work.pending

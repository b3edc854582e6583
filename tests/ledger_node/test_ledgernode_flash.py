"""A FLASH send or receipt is sealed into a signed checkpoint at once, not a second later (issue 5)."""

from __future__ import annotations

from typing import Any

from support_ledgernode import scalar, sql

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, Node
from accord.store import read_events


def _journal_size(node: Node) -> int:
    with node.ctx.db.transaction(read_only=True) as session:
        return sum(1 for _ in read_events(session))


def _report(node: Node, precedence: Precedence, agreement_id: str) -> str:
    return node.items.create(
        NewItem(
            ItemContent(ItemKind.REPORT, "Launch", "Now.", "Early warning"),
            LabelRequest("秘", ["KOR"], ["DPRK-MISSILE"], agreement=agreement_id),
            precedence,
        ),
        actor="sato",
    ).id


def test_a_flash_send_is_sealed_at_once(federation: Any) -> None:
    jpn = federation.jpn
    item = _report(jpn, Precedence.FLASH, federation.agreement_id)
    assert jpn.ledger.latest_checkpoint() is None or jpn.ledger.size() < _journal_size(jpn)
    jpn.sending.send(item, to="KOR", actor="sato")
    latest = jpn.ledger.latest_checkpoint()
    assert latest is not None
    assert latest.checkpoint.size == _journal_size(jpn)  # the send itself is in the signed tree


def test_a_routine_send_waits_for_the_worker(federation: Any) -> None:
    jpn = federation.jpn
    item = _report(jpn, Precedence.ROUTINE, federation.agreement_id)
    jpn.sending.send(item, to="KOR", actor="sato")
    latest = jpn.ledger.latest_checkpoint()
    assert latest is None or latest.checkpoint.size < _journal_size(jpn)


def test_a_flash_send_and_its_checkpoint_commit_together(federation: Any) -> None:
    # On SQLite the send's own transaction seals it: one write lock taken and one commit,
    # not a second transaction queued behind routine writers.
    jpn = federation.jpn
    item = _report(jpn, Precedence.FLASH, federation.agreement_id)
    jpn.ledger.seal()
    before = jpn.ctx.db.commits()
    jpn.sending.send(item, to="KOR", actor="sato")
    assert jpn.ctx.db.commits() == before + 1
    latest = jpn.ledger.latest_checkpoint()
    assert latest is not None
    assert latest.checkpoint.size == _journal_size(jpn)
    assert jpn.ledger.verify(actor="auditor").ok


def test_a_flash_send_on_a_damaged_ledger_is_sent_and_the_damage_alarmed(federation: Any) -> None:
    jpn = federation.jpn
    item = _report(jpn, Precedence.FLASH, federation.agreement_id)
    jpn.ledger.seal()
    size = scalar(jpn, "SELECT max(size) FROM ledger_checkpoints")
    sql(jpn, "UPDATE ledger_checkpoints SET root = :r WHERE size = :s", r="ab" * 32, s=size)
    sent = jpn.sending.send(item, to="KOR", actor="sato")
    assert len(sent) == 1  # the send stands; the seal refused to build on the damage
    assert scalar(jpn, "SELECT max(size) FROM ledger_checkpoints") == size
    assert scalar(jpn, "SELECT count(*) FROM outbox WHERE item_id = :i", i=item) == 1
    assert scalar(jpn, "SELECT count(*) FROM witness_alarms WHERE kind = 'damaged'") == 1


def test_a_flash_send_whose_seal_cannot_sign_is_sent_and_sealed_after_its_commit(
    federation: Any, monkeypatch: Any
) -> None:
    """A seal that fails in any way (here a key store that cannot sign: not an AccordError)
    inside the send's transaction never loses the FLASH work: the send commits, and the seal
    after the commit seals it once the keys answer again."""
    jpn = federation.jpn
    item = _report(jpn, Precedence.FLASH, federation.agreement_id)
    sealer = jpn.ledger._sealer
    real_sign = sealer._sign
    failures: list[int] = []

    def sign_once_failing(checkpoint: Any) -> Any:
        if not failures:
            failures.append(1)
            raise OSError("the key store did not answer")
        return real_sign(checkpoint)

    monkeypatch.setattr(sealer, "_sign", sign_once_failing)
    sent = jpn.sending.send(item, to="KOR", actor="sato")
    assert len(sent) == 1
    assert failures == [1]  # the seal inside the transaction was tried, and failed
    assert scalar(jpn, "SELECT count(*) FROM outbox WHERE item_id = :i", i=item) == 1
    latest = jpn.ledger.latest_checkpoint()
    assert latest is not None
    assert latest.checkpoint.size == _journal_size(jpn)  # sealed after the commit instead
    assert jpn.ledger.verify(actor="auditor").ok

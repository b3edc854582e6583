"""Receipt tampering at the sender: a bad receipt batch never marks anything delivered.

KOR really receives the envelope (in process); what comes back to JPN is then altered:
JPN must leave its outbox rows pending (to retry later), say why in ``last_error``, store
no receipt, and, once a genuine batch comes back, record it.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import Callable

import pytest
from support_exchange_adversarial import (
    FederationLike,
    flip,
    outbox_rows,
    receipt_count,
    report,
)

from accord.exchange import ReceiptBatch
from accord.items import Precedence
from accord.node import Node
from support_federation import Loopback

KOR = "kor-mnd"
Forge = Callable[[Node, ReceiptBatch], bytes]


def _resign(kor: Node, batch: ReceiptBatch, **changes: object) -> bytes:
    """The batch with ``changes``, signed again with KOR's real keys (a lying or broken receiver)."""
    return dataclasses.replace(batch, **changes).signed_with(kor.ctx.keys).to_bytes()  # type: ignore[arg-type]


def bad_signature(kor: Node, batch: ReceiptBatch) -> bytes:
    signature = dataclasses.replace(batch.signature, ed25519=flip(batch.signature.ed25519, 5))
    return dataclasses.replace(batch, signature=signature).to_bytes()


def message_not_sent(kor: Node, batch: ReceiptBatch) -> bytes:
    (receipt,) = batch.receipts
    extra = dataclasses.replace(receipt, message_id=f"msg-{uuid.uuid4().hex}")
    return _resign(kor, batch, receipts=(receipt, extra))


def message_renamed(kor: Node, batch: ReceiptBatch) -> bytes:
    (receipt,) = batch.receipts
    return _resign(kor, batch, receipts=(dataclasses.replace(receipt, message_id="msg-never-sent"),))


def content_digest_differs(kor: Node, batch: ReceiptBatch) -> bytes:
    (receipt,) = batch.receipts
    return _resign(kor, batch, receipts=(dataclasses.replace(receipt, content_sha384="0" * 96),))


def envelope_digest_differs(kor: Node, batch: ReceiptBatch) -> bytes:
    (receipt,) = batch.receipts
    return _resign(kor, batch, receipts=(dataclasses.replace(receipt, envelope_digest="0" * 96),))


def item_id_differs(kor: Node, batch: ReceiptBatch) -> bytes:
    (receipt,) = batch.receipts
    return _resign(kor, batch, receipts=(dataclasses.replace(receipt, item_id="jpn-other-item"),))


def other_transmission(kor: Node, batch: ReceiptBatch) -> bytes:
    return _resign(kor, batch, transmission_id=f"tx-{uuid.uuid4().hex}")


def other_sender(kor: Node, batch: ReceiptBatch) -> bytes:
    return _resign(kor, batch, sender="usa-dod")


def malformed(kor: Node, batch: ReceiptBatch) -> bytes:
    return batch.to_bytes()[:-3]


class Tampering(Loopback):
    """Delivers for real, then hands JPN a forged answer."""

    def __init__(self, node: Node, forge: Forge) -> None:
        super().__init__(node)
        self.forge = forge

    def post_transmission(self, body: bytes) -> bytes:
        return self.forge(self.node, ReceiptBatch.parse(super().post_transmission(body)))


@pytest.mark.parametrize(
    ("forge", "why"),
    [
        pytest.param(bad_signature, "signature does not verify", id="bad-signature"),
        pytest.param(message_not_sent, "a message we did not send", id="receipt-for-message-not-sent"),
        pytest.param(message_renamed, "a message we did not send", id="receipt-renamed-message"),
        pytest.param(content_digest_differs, "does not match what was sent", id="content-digest-differs"),
        pytest.param(envelope_digest_differs, "does not match what was sent", id="envelope-digest-differs"),
        pytest.param(item_id_differs, "does not match what was sent", id="item-id-differs"),
        pytest.param(
            other_transmission, "does not answer this transmission", id="batch-for-other-transmission"
        ),
        pytest.param(other_sender, "does not answer this transmission", id="batch-for-other-sender"),
        pytest.param(malformed, "not valid JSON", id="malformed-batch"),
    ],
)
def test_bad_receipts_leave_the_outbox_pending(federation: FederationLike, forge: Forge, why: str) -> None:
    jpn, kor = federation.jpn, federation.kor
    item = report(jpn)
    (sent,) = jpn.sending.send(item, to="KOR", actor="sato")
    result = jpn.delivery.deliver_once(KOR, "routine", Tampering(kor, forge))
    assert result.error is not None
    assert why in result.error
    assert result.receipted == 0
    (row,) = outbox_rows(jpn)
    assert (row.message_id, row.status, row.attempts, row.receipted_at) == (
        sent.message_id,
        "pending",
        1,
        None,
    )
    assert why in row.last_error
    assert receipt_count(jpn) == 0
    assert jpn.delivery.receipts(item) == []
    (entry,) = jpn.delivery.outbox()
    assert why in entry.last_error
    # KOR really holds it; the retry gets the same, genuine receipt and JPN records it.
    federation.clock.advance(minutes=10)
    again = jpn.delivery.deliver_once(KOR, "routine", Loopback(kor))
    assert (again.receipted, again.error) == (1, None)
    assert [r["message_id"] for r in jpn.delivery.receipts(item)] == [sent.message_id]
    assert len(kor.items.inbox().views) == 1


def test_receipts_signed_by_the_sender_itself_are_refused(federation: FederationLike) -> None:
    """A batch signed with JPN's own keys (e.g. a confused or hostile relay) does not verify as KOR's."""
    jpn, kor = federation.jpn, federation.kor
    item = report(jpn)
    jpn.sending.send(item, to="KOR", actor="sato")

    def forge(node: Node, batch: ReceiptBatch) -> bytes:
        return batch.signed_with(jpn.ctx.keys).to_bytes()

    result = jpn.delivery.deliver_once(KOR, "routine", Tampering(kor, forge))
    assert result.error is not None
    assert "signature does not verify" in result.error
    assert receipt_count(jpn) == 0
    assert [r.status for r in outbox_rows(jpn)] == ["pending"]


def test_rejected_list_names_only_what_was_sent(federation: FederationLike) -> None:
    """A signed batch that 'rejects' a message of another transmission changes nothing for it."""
    jpn, kor = federation.jpn, federation.kor
    first, second = report(jpn), report(jpn, Precedence.FLASH)
    (a,) = jpn.sending.send(first, to="KOR", actor="sato")
    jpn.sending.send(second, to="KOR", actor="sato")

    def forge(node: Node, batch: ReceiptBatch) -> bytes:
        return _resign(node, batch, rejected=(*batch.rejected, a.message_id))

    result = jpn.delivery.deliver_once(KOR, "flash", Tampering(kor, forge))
    assert (result.receipted, result.rejected) == (1, 0)
    statuses = {r.message_id: r.status for r in outbox_rows(jpn)}
    assert statuses[a.message_id] == "pending"

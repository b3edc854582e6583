"""A receipt batch is verified before the write lock, and again under it if the peer's keys changed.

Recording a peer's receipts held the sender's write lock while the batch was parsed and its
signature checked (issue 14: FLASH work waited behind it). Now the batch is verified first, with
the keys pinned at that moment; under the lock the keys are read again and, if the peer was
pinned with other keys meanwhile, the batch must verify with those too.
"""

from __future__ import annotations

import dataclasses

from sqlalchemy.orm import Session
from support_exchange_adversarial import FederationLike, report

from accord.crypto import SigningKeys, VerifyKeys
from accord.exchange import UNSIGNED, ReceiptBatch
from accord.node import DeliveryService, Node
from accord.node.registry._parties import PartyService
from accord.store import OutboxRow
from support_federation import Loopback

KOR = "kor-mnd"


class Impostor(Loopback):
    """KOR receives the transmission; its receipt batch comes back signed with other keys."""

    def __init__(self, node: Node, keys: SigningKeys) -> None:
        super().__init__(node)
        self._keys = keys

    def post_transmission(self, body: bytes) -> bytes:
        batch = ReceiptBatch.parse(super().post_transmission(body))
        return dataclasses.replace(batch, signature=UNSIGNED).signed_with(self._keys).to_bytes()


class Repinned(PartyService):
    """KOR's keys as pinned: the impostor's at the first look, KOR's own from then on (re-pinned)."""

    def __init__(self, real: PartyService, first: VerifyKeys) -> None:
        self.__dict__.update(real.__dict__)
        self._first: VerifyKeys | None = first

    def signer(self, session: Session, node_id: str) -> tuple[str, VerifyKeys]:
        party, keys = super().signer(session, node_id)
        first, self._first = self._first, None
        return party, first or keys


def _status(node: Node) -> list[str]:
    with node.ctx.db.transaction(read_only=True) as session:
        return [row.status for row in session.query(OutboxRow)]


def test_a_batch_verified_with_keys_replaced_before_the_lock_is_verified_again(
    federation: FederationLike,
) -> None:
    jpn, kor = federation.jpn, federation.kor
    impostor = SigningKeys.generate()
    jpn.sending.send(report(jpn), to="KOR", actor="sato")
    delivery = DeliveryService(jpn.ctx, Repinned(jpn.parties, impostor.public()), jpn.agreements)
    result = delivery.deliver_once(KOR, "routine", Impostor(kor, impostor))
    assert result.error  # the batch verified with the keys seen first, not with those pinned at the write
    assert result.receipted == 0
    assert _status(jpn) == ["pending"]  # tried again later


def test_a_batch_signed_by_the_pinned_keys_is_recorded(federation: FederationLike) -> None:
    jpn, kor = federation.jpn, federation.kor
    jpn.sending.send(report(jpn), to="KOR", actor="sato")
    delivery = DeliveryService(jpn.ctx, jpn.parties, jpn.agreements)
    result = delivery.deliver_once(KOR, "routine", Loopback(kor))
    assert (result.error, result.receipted) == (None, 1)
    assert _status(jpn) == ["receipted"]

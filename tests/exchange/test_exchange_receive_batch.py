"""A received batch held at once (``ItemHolding.commit_many``) decides as item by item did.

The receiver drafts a transmission's items before its write lock and holds a run of them
with one statement per table; the lookups that decide — received before, a replay, the same
item by another message, another item under a held id — are made once for the run. These
transmissions put each case inside one run, where the per-item lookups used to see the rows
written a moment before in the same transaction.
"""

from __future__ import annotations

import dataclasses

import pytest
from support_exchange_adversarial import (
    FederationLike,
    capture,
    card_of,
    envelopes_of,
    events,
    fresh_header,
    holdings,
    open_item,
    public_keys,
    quarantine,
    rebind,
    report,
    seal_item,
    sign,
)

from accord.exchange import ReceiptBatch, WireEnvelope
from accord.node import Node

JPN, KOR = "jpn-mod", "kor-mnd"


@pytest.fixture
def good(federation: FederationLike) -> bytes:
    """One real transmission of one item from JPN to KOR (captured, not delivered)."""
    federation.jpn.sending.send(report(federation.jpn), to="KOR", actor="sato")
    return capture(federation.jpn, KOR, "routine").posted[0]


def _signed(fed: FederationLike, envelopes: list[WireEnvelope]) -> bytes:
    return sign(fed.jpn.ctx.keys, envelopes, sender=JPN, recipient=KOR, created=fed.clock())


def _receive(kor: Node, body: bytes) -> ReceiptBatch:
    batch = ReceiptBatch.parse(kor.receiving.receive_transmission(body))
    batch.verify(public_keys(kor))
    return batch


def _altered(fed: FederationLike, envelope: WireEnvelope, *, new_id: bool) -> WireEnvelope:
    """The same item id with other content, validly bound by JPN, under the same or a new message id."""
    header, payload = open_item(fed.kor, envelope)
    content = dataclasses.replace(payload.content, title="a different report")
    forged = fresh_header(header) if new_id else header
    return seal_item(card_of(fed.jpn, KOR), forged, rebind(fed.jpn, payload, content=content))


def test_the_same_envelope_twice_in_one_transmission_is_held_once(
    federation: FederationLike, good: bytes
) -> None:
    envelope = envelopes_of(good)[0]
    batch = _receive(federation.kor, _signed(federation, [envelope, envelope]))
    assert len(batch.receipts) == 2
    assert batch.receipts[0].to_dict() == batch.receipts[1].to_dict()
    assert batch.rejected == ()
    after = holdings(federation.kor)
    assert (after.items, after.inbox, after.quarantine) == (1, 1, 0)
    assert len(events(federation.kor, "item.receive")) == 1


def test_a_replay_inside_one_transmission_is_refused(federation: FederationLike, good: bytes) -> None:
    envelope = envelopes_of(good)[0]
    replay = _altered(federation, envelope, new_id=False)
    batch = _receive(federation.kor, _signed(federation, [envelope, replay]))
    message_id = open_item(federation.kor, envelope)[0].message_id
    assert [r.message_id for r in batch.receipts] == [message_id]
    assert batch.rejected == (message_id,)
    after = holdings(federation.kor)
    assert (after.items, after.inbox, after.quarantine) == (1, 1, 1)
    assert "already received with other content" in quarantine(federation.kor)[0].reason
    (receive,) = events(federation.kor, "item.receive")
    assert receive.detail["digest"] == batch.receipts[0].envelope_digest


def test_one_item_by_two_messages_in_one_transmission_is_one_holding(
    federation: FederationLike, good: bytes
) -> None:
    envelope = envelopes_of(good)[0]
    header, payload = open_item(federation.kor, envelope)
    again = seal_item(card_of(federation.jpn, KOR), fresh_header(header), payload)
    batch = _receive(federation.kor, _signed(federation, [envelope, again]))
    assert len({r.message_id for r in batch.receipts}) == 2
    assert {r.item_id for r in batch.receipts} == {payload.item_id}
    after = holdings(federation.kor)
    assert (after.items, after.inbox, after.quarantine) == (1, 2, 0)
    assert [e.item_id for e in events(federation.kor, "item.receive")] == [payload.item_id] * 2


def test_another_item_under_an_id_held_is_refused_and_the_rest_of_the_run_is_held(
    federation: FederationLike, good: bytes
) -> None:
    kor = federation.kor
    envelope = envelopes_of(good)[0]
    _receive(kor, good)
    federation.jpn.sending.send(report(federation.jpn, title="a second report"), to="KOR", actor="sato")
    second = envelopes_of(capture(federation.jpn, KOR, "routine").posted[0])[-1]
    conflict = _altered(federation, envelope, new_id=True)
    batch = _receive(kor, _signed(federation, [conflict, second]))
    conflict_id = open_item(kor, conflict)[0].message_id
    assert batch.rejected == (conflict_id,)
    assert [r.message_id for r in batch.receipts] == [open_item(kor, second)[0].message_id]
    after = holdings(kor)
    assert (after.items, after.inbox, after.quarantine) == (2, 2, 1)
    assert "with other content is already held" in quarantine(kor)[0].reason

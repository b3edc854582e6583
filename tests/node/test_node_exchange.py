"""Sending, delivery and receiving between two nodes, in process (no network).

The transport is the suite's loopback (``tests/support_federation.py``), which calls the
receiving node's peer handler directly, so these tests exercise every check on both sides;
the real mTLS transport is tested in tests/exchange and tests/integration.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from support_node import FederationLike

from accord.errors import NotFound, PolicyDenied, TranslationRefused, TransportError
from accord.exchange import UNSIGNED, EnvelopeHeader, ReceiptBatch, Transmission
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, NewUser, Node
from accord.store import InboxMessageRow, OutboxRow, QuarantineRow, format_stamp
from support_federation import Loopback, write_image


class Unreachable(Loopback):
    """The peer is down: the transmission never reaches it."""

    def post_transmission(self, body: bytes) -> bytes:
        raise TransportError("peer unreachable (test)")


@dataclass(frozen=True)
class Refused:
    """A send the sender refuses: the item's level and *Releasable To*, the party it goes to, and why."""

    level: str
    rel: list[str]
    to: str
    error: type[Exception]
    reason: str


def _report(node: Node, actor: str, level: str, rel: list[str], precedence: Precedence, **kw: object) -> str:
    new = NewItem(
        ItemContent(ItemKind.REPORT, f"report {level}", "text", "Assessment"),
        LabelRequest(level, rel, ["DPRK-MISSILE"], ["NO-THIRD-PARTY"], agreement=kw.get("agreement")),  # type: ignore[arg-type]
        precedence,
        attachments=kw.get("attachments", []),  # type: ignore[arg-type]
    )
    view = node.items.create(new, actor=actor)
    return view.id


def _deliver(sender: Node, transport: Loopback) -> None:
    for peer, lane in sender.delivery.peers_with_pending():
        sender.delivery.deliver_once(peer, lane, transport)


def test_a_received_item_shows_the_originators_creation_time_and_its_receipt_time(
    federation: FederationLike,
) -> None:
    jpn, kor = federation.jpn, federation.kor
    created = federation.clock.now
    item = _report(jpn, "sato", "秘", ["KOR"], Precedence.ROUTINE)
    jpn.sending.send(item, to="KOR", actor="sato")
    federation.clock.advance(hours=3)
    received = federation.clock.now
    _deliver(jpn, Loopback(kor))

    def stamp(moment: datetime) -> str:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")

    (summary,) = [v.summary() for v in kor.items.inbox(actor="kim").views]
    assert (summary["created_at"], summary["received_at"]) == (stamp(created), stamp(received))
    shown = kor.items.show(item, actor="kim").to_dict()
    assert (shown["created_at"], shown["received_at"]) == (stamp(created), stamp(received))
    (held,) = [h.to_dict() for h in kor.register.holdings(actor="kim") if h.item_id == item]
    assert (held["created_at"], held["received_at"]) == (stamp(created), stamp(received))
    # At the originator, the item's own creation time, and no receipt.
    assert jpn.items.show(item, actor="sato").to_dict()["created_at"] == stamp(created)


def test_send_deliver_receive_receipt(federation: FederationLike) -> None:
    jpn, kor = federation.jpn, federation.kor
    item = _report(jpn, "sato", "秘", ["KOR"], Precedence.ROUTINE)
    (sent,) = jpn.sending.send(item, to="KOR", actor="sato")
    assert [e.status for e in jpn.delivery.outbox()] == ["pending"]
    _deliver(jpn, Loopback(kor))
    assert jpn.delivery.outbox() == []
    (receipt,) = jpn.delivery.receipts(item)
    assert receipt["message_id"] == sent.message_id
    assert receipt["alternative_label"]["classification"] == "군사Ⅲ급비밀"
    (held,) = kor.items.inbox().views
    assert held.id == item
    assert held.banners[0] == "군사Ⅲ급비밀 // 일본 제공 (PROVIDED BY JPN: 秘) // NO THIRD-PARTY RELEASE"
    assert held.banners[1].startswith("秘 (HI) // CONFIDENTIAL // REL TO JPN, KOR")
    assert kor.items.show(item, actor="kim").content.title == "report 秘"


class RejectingPeer(Loopback):
    """The peer answers with its signed batch, every envelope rejected (as after a refusal)."""

    def post_transmission(self, body: bytes) -> bytes:
        tx = Transmission.parse(body)
        return (
            ReceiptBatch(
                id="rb-rejecting",
                transmission_id=tx.id,
                receiver=self.node.ctx.config.node_id,
                sender=tx.sender,
                created=format_stamp(self.node.ctx.now()),
                receipts=(),
                rejected=tuple([EnvelopeHeader.parse(e.header).message_id for e in tx.envelopes]),
                signature=UNSIGNED,
            )
            .signed_with(self.node.ctx.keys)
            .to_bytes()
        )


def test_an_envelope_the_peer_rejected_counts_its_try(federation: FederationLike) -> None:
    jpn, kor = federation.jpn, federation.kor
    item = _report(jpn, "sato", "秘", ["KOR"], Precedence.ROUTINE)
    jpn.sending.send(item, to="KOR", actor="sato")
    _deliver(jpn, RejectingPeer(kor))
    (entry,) = [e for e in jpn.delivery.outbox(include_done=True) if e.item_id == item]
    assert entry.status == "rejected"
    assert entry.attempts == 1


def test_receiving_twice_is_idempotent(federation: FederationLike) -> None:
    jpn, kor = federation.jpn, federation.kor
    item = _report(jpn, "sato", "秘", ["KOR"], Precedence.FLASH)
    jpn.sending.send(item, to="KOR", actor="sato")
    transport = Loopback(kor)
    _deliver(jpn, transport)
    first = json.loads(transport.posted[0])
    again = kor.receiving.receive_transmission(transport.posted[0])
    with kor.ctx.db.transaction() as session:
        assert session.query(InboxMessageRow).count() == 1
    assert (
        json.loads(again)["receipts"]
        == json.loads(kor.receiving.receive_transmission(transport.posted[0]))["receipts"]
    )
    assert len(kor.items.inbox().views) == 1
    assert first["id"]


def test_flash_goes_first_and_lanes_are_separate(federation: FederationLike) -> None:
    jpn, kor = federation.jpn, federation.kor
    routine = [_report(jpn, "sato", "秘", ["KOR"], Precedence.ROUTINE) for _ in range(3)]
    flash = _report(jpn, "sato", "秘", ["KOR"], Precedence.FLASH)
    for item in [*routine, flash]:
        jpn.sending.send(item, to="KOR", actor="sato")
    lanes = {lane for _, lane in jpn.delivery.peers_with_pending()}
    assert lanes == {"flash", "routine"}
    result = jpn.delivery.deliver_once("kor-mnd", "flash", Loopback(kor))
    assert (result.sent, result.receipted) == (1, 1)
    assert [v.id for v in kor.items.inbox().views] == [flash]


def test_store_and_forward_with_backoff(federation: FederationLike) -> None:
    jpn, kor = federation.jpn, federation.kor
    item = _report(jpn, "sato", "秘", ["KOR"], Precedence.IMMEDIATE)
    jpn.sending.send(item, to="KOR", actor="sato")
    down = Unreachable(kor)
    result = jpn.delivery.deliver_once("kor-mnd", "priority", down)
    assert result.error is not None
    (entry,) = jpn.delivery.outbox()
    assert (entry.status, entry.attempts) == ("pending", 1)
    assert "unreachable" in entry.last_error
    # not due yet: backoff holds it back
    assert jpn.delivery.deliver_once("kor-mnd", "priority", Loopback(kor)).sent == 0
    federation.clock.advance(minutes=10)
    assert jpn.delivery.deliver_once("kor-mnd", "priority", Loopback(kor)).receipted == 1
    federation.clock.advance(hours=1)
    (done,) = jpn.delivery.outbox(include_done=True)
    assert done.status == "receipted"
    assert not done.overdue


def test_overdue_is_flagged(federation: FederationLike) -> None:
    jpn = federation.jpn
    item = _report(jpn, "sato", "秘", ["KOR"], Precedence.FLASH)
    jpn.sending.send(item, to="KOR", actor="sato")
    federation.clock.advance(minutes=11)
    (entry,) = jpn.delivery.outbox()
    assert entry.overdue


def test_imagery_attachment_travels(federation: FederationLike, tmp_path: Path) -> None:
    jpn, kor = federation.jpn, federation.kor
    image = tmp_path / "img.pgm"
    size = write_image(image, 3)
    item = _report(jpn, "sato", "秘", ["KOR"], Precedence.ROUTINE, attachments=[image])
    jpn.sending.send(item, to="KOR", actor="sato")
    _deliver(jpn, Loopback(kor))
    ref, stream = kor.items.attachment(item, 0, actor="kim")
    assert ref.size == size
    assert b"".join(stream) == image.read_bytes()


@pytest.mark.parametrize(
    "refused",
    [
        pytest.param(
            Refused("秘", ["USA"], "KOR", PolicyDenied, "not releasable to KOR"), id="not-releasable"
        ),
        pytest.param(
            Refused(
                "機密",
                ["KOR"],
                "KOR",
                TranslationRefused,
                r"^機密 \(TOP SECRET\) is outside the scope of JPN-KOR-GSOMIA-2016: "
                r"no equivalent in KOR \(Art\. 4\)$",
            ),
            id="top-secret-out-of-scope",
        ),
        pytest.param(
            Refused("秘", ["KOR", "USA"], "USA", NotFound, "no agreement between JPN and USA"),
            id="no-agreement",
        ),
    ],
)
def test_send_refusals(federation: FederationLike, refused: Refused) -> None:
    jpn = federation.jpn
    jpn.users.add(
        NewUser("tanaka", role="officer", clearance="機密", ntk=["DPRK-MISSILE"]), actor="authority"
    )
    item = _report(jpn, "tanaka", refused.level, refused.rel, Precedence.ROUTINE)
    with pytest.raises(refused.error, match=refused.reason):
        jpn.sending.send(item, to=refused.to, actor="tanaka")
    with jpn.ctx.db.transaction() as session:
        assert session.query(OutboxRow).count() == 0


def test_tampered_transmission_is_quarantined(federation: FederationLike) -> None:
    jpn, kor = federation.jpn, federation.kor
    item = _report(jpn, "sato", "秘", ["KOR"], Precedence.ROUTINE)
    jpn.sending.send(item, to="KOR", actor="sato")
    captured: list[bytes] = []

    class Tamper(Loopback):
        def post_transmission(self, body: bytes) -> bytes:
            doc = json.loads(body)
            ct = doc["envelopes"][0]["ciphertext"]
            doc["envelopes"][0]["ciphertext"] = ct[:-4] + ("AAAA" if ct[-4:] != "AAAA" else "BBBB")
            captured.append(json.dumps(doc).encode())
            return super().post_transmission(captured[-1])

    result = jpn.delivery.deliver_once("kor-mnd", "routine", Tamper(kor))
    assert result.error is not None  # the peer answered with an opaque rejection
    with kor.ctx.db.transaction() as session:
        (q,) = session.query(QuarantineRow).all()
        assert "signature" in q.reason or "verif" in q.reason.lower()
    assert kor.items.inbox().views == []


def test_send_many_is_all_or_nothing(federation: FederationLike) -> None:
    jpn, kor = federation.jpn, federation.kor
    good = [_report(jpn, "sato", "秘", ["KOR"], Precedence.ROUTINE) for _ in range(3)]
    bad = _report(jpn, "sato", "秘", ["USA"], Precedence.ROUTINE)
    with pytest.raises(PolicyDenied, match="not releasable to KOR"):
        jpn.sending.send_many([*good, bad], to="KOR", actor="sato")
    assert jpn.delivery.outbox() == []
    sent = jpn.sending.send_many(good, to="KOR", actor="sato")
    assert [s.seq for s in sent] == [1, 2, 3]
    _deliver(jpn, Loopback(kor))
    assert {v.id for v in kor.items.inbox().views} == set(good)


def test_a_misspelt_or_missing_send_term_is_refused_not_dropped(federation: FederationLike) -> None:
    """``send``'s terms are keywords checked at run time too: a misspelt ``agreement_id`` must not
    quietly become "the agreement that covers KOR", and nothing is queued."""
    jpn = federation.jpn
    item = _report(jpn, "sato", "秘", ["KOR"], Precedence.ROUTINE)
    with pytest.raises(TypeError, match=r"unknown \['agreement'\], missing \[\]"):
        jpn.sending.send(item, to="KOR", actor="sato", agreement="JPN-KOR-2016")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match=r"unknown \[\], missing \['to'\]"):
        jpn.sending.send_many([item], actor="sato")  # type: ignore[call-arg]
    assert jpn.delivery.outbox() == []

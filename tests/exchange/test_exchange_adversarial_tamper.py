"""The tamper table: bad transmissions through KOR's real receiving path (issue 3, "Bad input").

Each row starts from bytes JPN's real delivery produced (captured in process, never sent),
mutates or forges them, and hands them to ``kor.receiving.receive_transmission``. Every
row must be: refused opaquely toward the peer (``VerificationFailed("transmission
rejected")`` for the transmission, or the message id in the signed ``rejected`` list with
no reason for one envelope); quarantined with its precise reason; journalled as
``exchange.reject`` / ``refused``; stored nowhere; and the node must accept a good
transmission afterwards.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from support_exchange_adversarial import (
    Capture,
    FederationLike,
    capture,
    card_of,
    envelopes_of,
    events,
    flip,
    fresh_header,
    holdings,
    mutate,
    open_item,
    public_keys,
    quarantine,
    rebind,
    report,
    seal_item,
    sign,
)

from accord.api import create_peer_app
from accord.crypto import Suite, b64d, b64e
from accord.errors import IntegrityError, VerificationFailed
from accord.exchange import EnvelopeHeader, ReceiptBatch, WireEnvelope
from accord.items import Precedence
from accord.markings import RELEASABLE_TO, Category
from accord.node import IdentityCard, Node
from support_federation import Loopback

JPN, KOR = "jpn-mod", "kor-mnd"
_BATCH_KEYS = {
    "v",
    "id",
    "transmission_id",
    "receiver",
    "sender",
    "created",
    "receipts",
    "rejected",
    "signature",
}


@dataclass
class Scene:
    """A federation and one good transmission JPN's delivery produced for KOR."""

    fed: FederationLike
    make_node: Callable[..., Node]
    tmp_path: Path
    good: bytes

    @property
    def jpn(self) -> Node:
        return self.fed.jpn

    @property
    def kor(self) -> Node:
        return self.fed.kor

    @property
    def kor_card(self) -> IdentityCard:
        return card_of(self.jpn, KOR)

    @property
    def envelope(self) -> WireEnvelope:
        return envelopes_of(self.good)[0]

    def signed(self, envelopes: list[WireEnvelope], **kw: str) -> bytes:
        """Envelopes in a transmission JPN signs (a legitimate signature over them)."""
        return sign(
            self.jpn.ctx.keys,
            envelopes,
            sender=kw.get("sender", JPN),
            recipient=kw.get("recipient", KOR),
            created=self.fed.clock(),
        )

    def third_node(self, party: str, node_id: str, *, pinned: bool) -> Node:
        node = self.make_node(party, node_id)
        if pinned:
            self.kor.parties.add(node.parties.own_card().to_json(), actor="authority")
        node.parties.add(self.kor.parties.own_card().to_json(), actor="authority")
        return node


@dataclass(frozen=True)
class Tampered:
    """What to feed KOR, and the message id KOR should reject (None: the whole transmission)."""

    body: bytes
    message_id: str | None = None


@pytest.fixture
def scene(federation: FederationLike, make_node: Callable[..., Node], tmp_path: Path) -> Scene:
    item = report(federation.jpn)
    federation.jpn.sending.send(item, to="KOR", actor="sato")
    return Scene(federation, make_node, tmp_path, capture(federation.jpn, KOR, "routine").posted[0])


# --- the builders ---------------------------------------------------------------------------


def _header_of(env: WireEnvelope) -> EnvelopeHeader:
    return EnvelopeHeader.parse(env.header)


def _set_envelope(index: int, **fields: bytes) -> Callable[[dict[str, object]], None]:
    def change(doc: dict[str, object]) -> None:
        envelope = doc["envelopes"][index]  # type: ignore[index]
        for key, value in fields.items():
            envelope[key] = b64e(value)

    return change


def header_byte(s: Scene) -> Tampered:
    header = s.envelope.header
    at = header.index(b"ROUTINE")
    return Tampered(mutate(s.good, _set_envelope(0, header=flip(header, at))))


def ciphertext_kem(s: Scene) -> Tampered:
    return Tampered(mutate(s.good, _set_envelope(0, ciphertext=flip(s.envelope.ciphertext, 100))))


def ciphertext_aead(s: Scene) -> Tampered:
    ct = s.envelope.ciphertext
    return Tampered(mutate(s.good, _set_envelope(0, ciphertext=flip(ct, len(ct) - 40))))


def header_resigned(s: Scene) -> Tampered:
    """A header byte changed (ROUTINE to FLASH) and the transmission re-signed: HPKE info catches it."""
    env = s.envelope
    header = dataclasses.replace(_header_of(env), precedence=Precedence.FLASH)
    return Tampered(s.signed([WireEnvelope(header.to_bytes(), env.ciphertext)]), header.message_id)


def header_noncanonical_resigned(s: Scene) -> Tampered:
    env = s.envelope
    spaced = WireEnvelope(env.header.replace(b",", b", ", 1), env.ciphertext)
    return Tampered(s.signed([spaced]), f"digest:{spaced.digest()[:32]}")


def ciphertext_kem_resigned(s: Scene) -> Tampered:
    env = s.envelope
    return Tampered(
        s.signed([WireEnvelope(env.header, flip(env.ciphertext, 100))]), _header_of(env).message_id
    )


def ciphertext_aead_resigned(s: Scene) -> Tampered:
    env = s.envelope
    bad = WireEnvelope(env.header, flip(env.ciphertext, len(env.ciphertext) - 40))
    return Tampered(s.signed([bad]), _header_of(env).message_id)


def _two(s: Scene) -> bytes:
    for _ in range(2):
        s.jpn.sending.send(report(s.jpn), to="KOR", actor="sato")
    body = capture(s.jpn, KOR, "routine").posted[0]
    assert len(envelopes_of(body)) == 2
    return body


def envelope_removed(s: Scene) -> Tampered:
    return Tampered(mutate(_two(s), lambda doc: doc.update(envelopes=doc["envelopes"][:1])))  # type: ignore[index]


def envelope_added(s: Scene) -> Tampered:
    extra = s.envelope.to_dict()
    return Tampered(mutate(_two(s), lambda doc: doc["envelopes"].append(extra)))  # type: ignore[attr-defined]


def envelopes_reordered(s: Scene) -> Tampered:
    return Tampered(mutate(_two(s), lambda doc: doc["envelopes"].reverse()))  # type: ignore[attr-defined]


def _signature(half: str) -> Callable[[Scene], Tampered]:
    def build(s: Scene) -> Tampered:
        def change(doc: dict[str, object]) -> None:
            sig = doc["signature"]
            sig[half] = b64e(flip(b64d(sig[half]), 10))  # type: ignore[index]

        return Tampered(mutate(s.good, change))

    return build


def recipient_changed(s: Scene) -> Tampered:
    return Tampered(mutate(s.good, lambda doc: doc.update(recipient="kor-other")))


def sender_other_pinned(s: Scene) -> Tampered:
    s.third_node("USA", "usa-dod", pinned=True)
    return Tampered(mutate(s.good, lambda doc: doc.update(sender="usa-dod")))


def sender_unknown(s: Scene) -> Tampered:
    return Tampered(mutate(s.good, lambda doc: doc.update(sender="chn-pla")))


def sender_unpinned(s: Scene) -> Tampered:
    """A third node's genuine transmission: its own header, sealed to KOR, signed by it."""
    rogue = s.third_node("JPN", "jpn-rogue", pinned=False)
    header, payload = open_item(s.kor, s.envelope)
    forged = fresh_header(header, sender="jpn-rogue")
    env = seal_item(card_of(rogue, KOR), forged, payload)
    return Tampered(sign(rogue.ctx.keys, [env], sender="jpn-rogue", recipient=KOR, created=s.fed.clock()))


def _forged(s: Scene, **changes: object) -> Tampered:
    header, payload = open_item(s.kor, s.envelope)
    forged = fresh_header(header, **changes)
    return Tampered(s.signed([seal_item(s.kor_card, forged, payload)]), forged.message_id)


def header_other_recipient(s: Scene) -> Tampered:
    return _forged(s, recipient="kor-other")


def header_other_sender(s: Scene) -> Tampered:
    s.third_node("USA", "usa-dod", pinned=True)
    return _forged(s, sender="usa-dod")


def replay_other_content(s: Scene) -> Tampered:
    receipts = ReceiptBatch.parse(s.kor.receiving.receive_transmission(s.good)).receipts
    assert len(receipts) == 1
    header, payload = open_item(s.kor, s.envelope)
    altered = dataclasses.replace(payload.content, title="a different report")
    env = seal_item(s.kor_card, header, rebind(s.jpn, payload, content=altered))
    return Tampered(s.signed([env]), header.message_id)


def stale(s: Scene) -> Tampered:
    s.fed.clock.advance(days=61)
    return Tampered(s.good, _header_of(s.envelope).message_id)


def from_the_future(s: Scene) -> Tampered:
    return _forged(s, created=(s.fed.clock() + timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ"))


def unknown_agreement(s: Scene) -> Tampered:
    return _forged(s, agreement_id="USA-KOR-1987")


def _relabelled(s: Scene, **label_changes: object) -> Tampered:
    header, payload = open_item(s.kor, s.envelope)
    label = dataclasses.replace(payload.label, **label_changes)  # type: ignore[arg-type]
    forged = fresh_header(header)
    return Tampered(
        s.signed([seal_item(s.kor_card, forged, rebind(s.jpn, payload, label=label))]), forged.message_id
    )


def label_out_of_scope(s: Scene) -> Tampered:
    """A JPN 機密 (TOP SECRET) item forced into an envelope, bound and signed by JPN."""
    return _relabelled(s, classification="機密")


def not_releasable(s: Scene) -> Tampered:
    _, payload = open_item(s.kor, s.envelope)
    categories = tuple(
        dataclasses.replace(c, values=("USA",)) if c.tag_name == RELEASABLE_TO else c
        for c in payload.label.categories
    )
    assert any(isinstance(c, Category) and c.values == ("USA",) for c in categories)
    return _relabelled(s, categories=categories)


def wrong_suite(s: Scene) -> Tampered:
    return _forged(s, suite=Suite.CNSA2)


def binding_fails(s: Scene) -> Tampered:
    header, payload = open_item(s.kor, s.envelope)
    altered = dataclasses.replace(payload, content=dataclasses.replace(payload.content, body="altered"))
    forged = fresh_header(header)
    return Tampered(s.signed([seal_item(s.kor_card, forged, altered)]), forged.message_id)


def relayed(s: Scene) -> Tampered:
    """An item claiming another originator than the sender (onward release without consent)."""
    s.third_node("USA", "usa-dod", pinned=True)
    header, payload = open_item(s.kor, s.envelope)
    forged = fresh_header(header)
    moved = dataclasses.replace(payload, originator_node="usa-dod")
    return Tampered(s.signed([seal_item(s.kor_card, forged, moved)]), forged.message_id)


def malformed_json(s: Scene) -> Tampered:
    return Tampered(s.good[:-7])


def not_utf8(s: Scene) -> Tampered:
    return Tampered(b"\xff\xfe" + s.good)


def utf16(s: Scene) -> Tampered:
    return Tampered(s.good.decode("utf-8").encode("utf-16"))


def utf32_without_bom(s: Scene) -> Tampered:
    return Tampered(s.good.decode("utf-8").encode("utf-32-le"))


def deeply_nested_json(s: Scene) -> Tampered:
    return Tampered(b"[" * 100_000 + b"]" * 100_000)


def unknown_key(s: Scene) -> Tampered:
    return Tampered(mutate(s.good, lambda doc: doc.update(smuggled="x")))


def unknown_envelope_key(s: Scene) -> Tampered:
    return Tampered(mutate(s.good, lambda doc: doc["envelopes"][0].update(note="x")))  # type: ignore[index]


def no_envelopes(s: Scene) -> Tampered:
    return Tampered(mutate(s.good, lambda doc: doc.update(envelopes=[])))


def _with_attachment(s: Scene) -> tuple[Capture, Tampered]:
    image = s.tmp_path / "image.bin"
    image.write_bytes(os.urandom(300_000))
    item = report(s.jpn, attachments=(image,))
    s.jpn.sending.send(item, to="KOR", actor="sato")
    captured = capture(s.jpn, KOR, "routine")
    assert len(captured.blobs) == 1
    body = captured.posted[0]
    return captured, Tampered(body, _header_of(envelopes_of(body)[0]).message_id)


def attachment_never_arrived(s: Scene) -> Tampered:
    return _with_attachment(s)[1]


def attachment_altered_in_transit(s: Scene) -> Tampered:
    captured, tampered = _with_attachment(s)
    ((blob_id, data),) = captured.blobs.items()
    with pytest.raises(IntegrityError, match="does not hash to its name"):
        s.kor.receiving.receive_blob(blob_id, 0, len(data), iter([flip(data, 150_000)]))
    assert s.kor.receiving.blob_status(blob_id) == 0
    (refusal,) = events(s.kor, "exchange.blob")
    assert refusal.outcome == "refused"
    return tampered


def attachment_chunk_altered_at_rest(s: Scene) -> Tampered:
    captured, tampered = _with_attachment(s)
    ((blob_id, data),) = captured.blobs.items()
    assert s.kor.receiving.receive_blob(blob_id, 0, len(data), iter([data])) == len(data)
    path = s.kor.ctx.home.blobs / blob_id[:2] / blob_id
    path.write_bytes(flip(path.read_bytes(), 150_000))
    return tampered


def attachment_spliced(s: Scene) -> Tampered:
    """A manifest pointing at another (well-formed, present) blob: the stream AEAD catches it."""
    captured, tampered = _with_attachment(s)
    other = os.urandom(len(next(iter(captured.blobs.values()))))
    other_id = hashlib.sha384(other).hexdigest()
    assert s.kor.receiving.receive_blob(other_id, 0, len(other), iter([other])) == len(other)
    header, payload = open_item(s.kor, envelopes_of(tampered.body)[0])
    (manifest,) = payload.attachments
    spliced = dataclasses.replace(payload, attachments=(dataclasses.replace(manifest, blob_id=other_id),))
    forged = fresh_header(header)
    return Tampered(s.signed([seal_item(s.kor_card, forged, spliced)]), forged.message_id)


TABLE = [
    pytest.param(header_byte, "signature does not verify", id="header-byte"),
    pytest.param(ciphertext_kem, "signature does not verify", id="ciphertext-encapsulated-key"),
    pytest.param(ciphertext_aead, "signature does not verify", id="ciphertext-aead"),
    pytest.param(header_resigned, "envelope does not open", id="header-byte-resigned"),
    pytest.param(header_noncanonical_resigned, "not in canonical form", id="header-noncanonical-resigned"),
    pytest.param(
        ciphertext_kem_resigned, "envelope does not open", id="ciphertext-encapsulated-key-resigned"
    ),
    pytest.param(ciphertext_aead_resigned, "envelope does not open", id="ciphertext-aead-resigned"),
    pytest.param(envelope_removed, "signature does not verify", id="envelope-removed"),
    pytest.param(envelope_added, "signature does not verify", id="envelope-added"),
    pytest.param(envelopes_reordered, "signature does not verify", id="envelopes-reordered"),
    pytest.param(_signature("ed25519"), "signature does not verify", id="signature-ed25519"),
    pytest.param(_signature("mldsa65"), "signature does not verify", id="signature-ml-dsa"),
    pytest.param(recipient_changed, "addressed to kor-other, not to this node", id="recipient-changed"),
    pytest.param(sender_other_pinned, "signature does not verify", id="sender-another-pinned-node"),
    pytest.param(sender_unknown, "'chn-pla' is unknown here", id="sender-unknown"),
    pytest.param(sender_unpinned, "'jpn-rogue' is unknown here", id="sender-unpinned-real-transmission"),
    pytest.param(header_other_recipient, "names another sender or recipient", id="header-other-recipient"),
    pytest.param(header_other_sender, "names another sender or recipient", id="header-other-sender"),
    pytest.param(replay_other_content, "already received with other content", id="replay-other-content"),
    pytest.param(stale, "stale envelope", id="stale-61-days"),
    pytest.param(from_the_future, "created in the future", id="from-the-future"),
    pytest.param(unknown_agreement, "USA-KOR-1987", id="unknown-agreement"),
    pytest.param(
        label_out_of_scope,
        "機密 (TOP SECRET) is outside the scope of JPN-KOR-GSOMIA-2016",
        id="label-out-of-scope",
    ),
    pytest.param(not_releasable, "not releasable to KOR", id="not-releasable-to-kor"),
    pytest.param(wrong_suite, "envelope suite ACCORD-HPKE-MLKEM1024P384", id="wrong-suite"),
    pytest.param(binding_fails, "binding statement does not match", id="binding-does-not-verify"),
    pytest.param(relayed, "without the originator's prior written consent", id="relayed-item"),
    pytest.param(malformed_json, "is not valid JSON", id="malformed-json"),
    pytest.param(not_utf8, "is not valid JSON", id="not-utf8"),
    pytest.param(utf16, "not UTF-8", id="utf-16"),
    pytest.param(utf32_without_bom, "is not valid JSON", id="utf-32-le-without-bom"),
    pytest.param(deeply_nested_json, "nested too deeply", id="deeply-nested-json"),
    pytest.param(unknown_key, "unknown ['smuggled']", id="unknown-key"),
    pytest.param(unknown_envelope_key, "unknown ['note']", id="unknown-envelope-key"),
    pytest.param(no_envelopes, "no envelopes", id="empty-envelope-list"),
    pytest.param(attachment_never_arrived, "attachment 0 has not arrived", id="attachment-never-arrived"),
    pytest.param(
        attachment_altered_in_transit, "attachment 0 has not arrived", id="attachment-altered-in-transit"
    ),
    pytest.param(
        attachment_chunk_altered_at_rest, "was altered on disk", id="attachment-chunk-altered-at-rest"
    ),
    pytest.param(attachment_spliced, "attachment 0 does not decrypt", id="attachment-spliced-other-blob"),
]


# --- the checks -----------------------------------------------------------------------------


def _accepts_good(s: Scene) -> None:
    item = report(s.jpn, Precedence.FLASH, title="after the attack")
    s.jpn.sending.send(item, to="KOR", actor="sato")
    result = s.jpn.delivery.deliver_once(KOR, "flash", Loopback(s.kor))
    assert (result.receipted, result.error) == (1, None)
    assert [v.id for v in s.kor.items.inbox().views if v.id == item] == [item]


@pytest.mark.parametrize(("build", "reason"), TABLE)
def test_tampered_input_is_refused_opaquely(
    scene: Scene, build: Callable[[Scene], Tampered], reason: str
) -> None:
    tampered = build(scene)
    kor = scene.kor
    before, quarantined, rejects = holdings(kor), len(quarantine(kor)), len(events(kor, "exchange.reject"))

    if tampered.message_id is None:
        with pytest.raises(VerificationFailed) as caught:
            kor.receiving.receive_transmission(tampered.body)
        assert caught.value.args == ("transmission rejected",)
    else:
        answer = kor.receiving.receive_transmission(tampered.body)
        batch = ReceiptBatch.parse(answer)
        batch.verify(public_keys(kor))
        assert (batch.receipts, batch.rejected) == ((), (tampered.message_id,))
        assert set(json.loads(answer)) == _BATCH_KEYS
        assert reason.encode() not in answer
        assert b"reason" not in answer

    after = holdings(kor)
    assert (after.items, after.inbox, after.attachments) == (before.items, before.inbox, before.attachments)
    new_rows = quarantine(kor)[quarantined:]
    assert len(new_rows) == 1
    assert reason in new_rows[0].reason
    assert new_rows[0].status == "held"
    assert new_rows[0].message_id == tampered.message_id
    (reject,) = events(kor, "exchange.reject")[rejects:]
    assert reject.outcome == "refused"
    assert reason in str(reject.detail["reason"])
    _accepts_good(scene)


def test_rejected_transmission_over_http_is_opaque(scene: Scene) -> None:
    """Through the real peer app (in process): the body is exactly {"error":"rejected"}."""
    app = create_peer_app(scene.kor.receiving)
    tampered = header_byte(scene).body

    async def post(body: bytes) -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://kor") as client:
            return await client.post("/peer/v1/transmissions", content=body)

    for body in (tampered, deeply_nested_json(scene).body, b"{"):
        response = asyncio.run(post(body))
        assert response.status_code == 400
        assert response.json() == {"error": "rejected"}
        assert response.content == b'{"error":"rejected"}'
    reasons = [q.reason for q in quarantine(scene.kor)]
    assert len(reasons) == 3
    assert "signature does not verify" in reasons[0]
    good = asyncio.run(post(scene.good))
    assert good.status_code == 200
    assert len(ReceiptBatch.parse(good.content).receipts) == 1


def test_redelivery_after_the_age_limit_gets_the_same_receipt(scene: Scene) -> None:
    """Regression: a receipt lost on the way back, the envelope re-sent 61 days later.

    The age check used to run before the idempotency check, so KOR refused (and
    quarantined) as stale an envelope it already held, and JPN marked it rejected.
    """
    first = ReceiptBatch.parse(scene.kor.receiving.receive_transmission(scene.good))
    scene.fed.clock.advance(days=61)
    again = ReceiptBatch.parse(scene.kor.receiving.receive_transmission(scene.good))
    assert again.rejected == ()
    assert again.receipts == first.receipts
    assert holdings(scene.kor).items == 1
    assert quarantine(scene.kor) == []


def test_one_message_id_twice_in_one_transmission(scene: Scene) -> None:
    """The same envelope twice: one holding, the same receipt; other content under its id: refused."""
    env = scene.envelope
    header, payload = open_item(scene.kor, env)
    other = seal_item(
        scene.kor_card,
        header,
        rebind(scene.jpn, payload, content=dataclasses.replace(payload.content, title="other")),
    )
    batch = ReceiptBatch.parse(scene.kor.receiving.receive_transmission(scene.signed([env, env, other])))
    assert len(batch.receipts) == 2
    assert batch.receipts[0] == batch.receipts[1]
    assert batch.rejected == (header.message_id,)
    assert (holdings(scene.kor).items, holdings(scene.kor).inbox) == (1, 1)
    (row,) = quarantine(scene.kor)
    assert "already received with other content" in row.reason

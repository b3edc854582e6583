"""Generate ``exchange_vectors.json``: known-answer vectors for the exchange wire formats.

Run from the repository root::

    .venv/bin/python tests/vectors/generate_exchange_vectors.py

Fixed inputs: the signing seeds of two nodes, the recipient's HPKE seeds, an envelope
header (message id, clock, sequence number), an item payload (label, content, binding,
one attachment manifest with a fixed key), a transmission id and a receipt batch.
Outputs: the exact header bytes, the payload bytes, an HPKE ciphertext, the envelope
digest, the transmission's signed statement and wire bytes, and the receipt batch.

HPKE encapsulation and ML-DSA signing are randomised in pyca/cryptography, so the
ciphertext and the ML-DSA signatures (listed in ``RANDOMISED``) cannot be regenerated
byte for byte. The test regenerates everything else *from the committed ciphertext*
and checks that the committed ciphertext opens to the committed payload and that every
ML-DSA signature verifies.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from accord.crypto import (
    DualSignature,
    HpkeKeyPair,
    SigningKeys,
    Suite,
    b64d,
    b64e,
    bind,
    seal_envelope,
)
from accord.exchange import (
    UNSIGNED,
    AttachmentManifest,
    EnvelopeHeader,
    ItemPayload,
    Receipt,
    ReceiptBatch,
    Transmission,
    WireEnvelope,
    label_digest,
)
from accord.items import AttachmentRef, ItemContent, ItemKind, Precedence, binding_statement
from accord.markings import (
    NEED_TO_KNOW,
    RELEASABLE_TO,
    Category,
    CategoryType,
    ConfidentialityLabel,
    Issuance,
    derive_alternative,
    scheme,
)

VECTORS_PATH = Path(__file__).with_name("exchange_vectors.json")
RANDOMISED = frozenset({"ciphertext", "transmission_mldsa65", "binding_mldsa65", "receipts_mldsa65"})

NOW = datetime(2023, 4, 13, 7, 30, 0, tzinfo=UTC)
SENDER_SEEDS = (bytes(range(0x10, 0x30)), bytes(range(0x30, 0x50)))
RECEIVER_SEEDS = (bytes(range(0x50, 0x70)), bytes(range(0x70, 0x90)))
RECEIVER_MLKEM_SEED = bytes(range(0x90, 0xD0))
RECEIVER_X25519 = bytes(range(0xD0, 0xF0))
ITEM_ID = "jpn-00000000000000000000000000000001"
MESSAGE_ID = "msg-00000000000000000000000000000001"
TX_ID = "tx-00000000000000000000000000000001"
BATCH_ID = "rb-00000000000000000000000000000001"
BLOB_ID = "ab" * 48
BLOB_KEY = bytes(range(0x20, 0x40))


def hpke_keys() -> HpkeKeyPair:
    """The receiver's HPKE key pair from fixed seeds."""
    private = json.dumps(
        {
            "format": "accord-hpke-keys/1",
            "mlkem768_seed": b64e(RECEIVER_MLKEM_SEED),
            "x25519": b64e(RECEIVER_X25519),
        },
        sort_keys=True,
        separators=(",", ":"),
    ).encode("ascii")
    return HpkeKeyPair.from_private_bytes(private)


def header() -> EnvelopeHeader:
    """The fixed envelope header."""
    return EnvelopeHeader(
        type="item",
        suite=Suite.DEFAULT,
        sender="jpn-mod",
        recipient="kor-mnd",
        message_id=MESSAGE_ID,
        agreement_id="JPN-KOR-GSOMIA-2016",
        precedence=Precedence.FLASH,
        created="2023-04-13T07:30:00.000000Z",
        seq=1,
    )


def payload(sender: SigningKeys, binding_mldsa: bytes | None = None) -> ItemPayload:
    """The fixed item payload (the binding's ML-DSA part is given when re-deriving)."""
    label = ConfidentialityLabel(
        policy="JPN",
        classification="秘",
        originator_id="jpn-mod",
        creation_time=NOW,
        categories=(
            Category(RELEASABLE_TO, CategoryType.PERMISSIVE, ("JPN", "KOR")),
            Category(NEED_TO_KNOW, CategoryType.RESTRICTIVE, ("DPRK-MISSILE",)),
        ),
        agreement="JPN-KOR-GSOMIA-2016",
    )
    content = ItemContent(
        ItemKind.MISSILE_LAUNCH,
        "DPRK ballistic missile launch",
        "One SRBM eastward.",
        "Early warning",
        {"detection_time": "2023-04-13T07:22:00Z", "launch_area": "39.2,125.7", "count": "1"},
    )
    ref = AttachmentRef("track.csv", "text/csv", 33, "cd" * 48)
    statement = binding_statement(
        item_id=ITEM_ID,
        originator_node="jpn-mod",
        label=label,
        content_sha384=content.sha384(),
        attachments=[ref],
    )
    binding = bind(sender, "jpn-mod", statement)
    if binding_mldsa is not None:
        binding = type(binding)(
            binding.statement, binding.signer, DualSignature(binding.signature.ed25519, binding_mldsa)
        )
    return ItemPayload(
        item_id=ITEM_ID,
        originator_node="jpn-mod",
        originator_party="JPN",
        label=label,
        binding=binding,
        content=content,
        attachments=(AttachmentManifest(ref, BLOB_ID, 1145, BLOB_KEY),),
    )


def derive(ciphertext: bytes | None = None, mldsa: dict[str, bytes] | None = None) -> dict[str, Any]:
    """Compute every vector; given the committed random parts, everything else is exact."""
    sender = SigningKeys.from_seeds(*SENDER_SEEDS)
    receiver = SigningKeys.from_seeds(*RECEIVER_SEEDS)
    keys = hpke_keys()
    head = header().to_bytes()
    body = payload(sender, (mldsa or {}).get("binding_mldsa65")).to_bytes()
    if ciphertext is None:
        ciphertext = seal_envelope(Suite.DEFAULT, keys.public_bytes(), head, body)
    envelope = WireEnvelope(head, ciphertext)
    tx = Transmission(
        id=TX_ID,
        sender="jpn-mod",
        recipient="kor-mnd",
        created=header().created,
        envelopes=(envelope,),
        signature=UNSIGNED,
    ).signed_with(sender)
    if mldsa is not None:
        tx = Transmission(
            tx.id,
            tx.sender,
            tx.recipient,
            tx.created,
            tx.envelopes,
            DualSignature(tx.signature.ed25519, mldsa["transmission_mldsa65"]),
        )
    item = ItemPayload.parse(body)
    alternative = derive_alternative(
        item.label,
        scheme("KOR").level("군사Ⅲ급비밀"),
        provided_by="JPN",
        issued=Issuance("kor-mnd", NOW, "JPN-KOR-GSOMIA-2016"),
    )
    receipt = Receipt(
        message_id=MESSAGE_ID,
        item_id=ITEM_ID,
        envelope_digest=envelope.digest(),
        content_sha384=item.content.sha384(),
        label_sha384=label_digest(item.label),
        alternative_label=alternative,
        received_at="2023-04-13T07:30:01.000000Z",
        receiver="kor-mnd",
        sender="jpn-mod",
    )
    batch = ReceiptBatch(
        id=BATCH_ID,
        transmission_id=TX_ID,
        receiver="kor-mnd",
        sender="jpn-mod",
        created="2023-04-13T07:30:01.000000Z",
        receipts=(receipt,),
        rejected=(),
        signature=UNSIGNED,
    ).signed_with(receiver)
    if mldsa is not None:
        batch = ReceiptBatch(
            batch.id,
            batch.transmission_id,
            batch.receiver,
            batch.sender,
            batch.created,
            batch.receipts,
            batch.rejected,
            DualSignature(batch.signature.ed25519, mldsa["receipts_mldsa65"]),
        )
    return {
        "header": head.decode("utf-8"),
        "payload": body.decode("utf-8"),
        "ciphertext": b64e(ciphertext),
        "envelope_digest": envelope.digest(),
        "transmission": tx.to_bytes().decode("utf-8"),
        "transmission_ed25519": b64e(tx.signature.ed25519),
        "transmission_mldsa65": b64e(tx.signature.mldsa65),
        "binding_mldsa65": b64e(item.binding.signature.mldsa65),
        "receipts": batch.to_bytes().decode("utf-8"),
        "receipts_mldsa65": b64e(batch.signature.mldsa65),
        "sender_public": sender.public().to_dict(),
        "receiver_public": receiver.public().to_dict(),
        "receiver_hpke_public": b64e(keys.public_bytes()),
    }


def regenerate_from(committed: dict[str, Any]) -> dict[str, Any]:
    """Re-derive the vectors from the committed random parts (what the test compares)."""
    mldsa = {k: b64d(committed[k]) for k in ("transmission_mldsa65", "binding_mldsa65", "receipts_mldsa65")}
    return derive(b64d(committed["ciphertext"]), mldsa)


def main() -> None:
    """Write the vectors file."""
    VECTORS_PATH.write_text(
        json.dumps(derive(), ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    sys.stdout.write(f"wrote {VECTORS_PATH}\n")


if __name__ == "__main__":
    main()

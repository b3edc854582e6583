"""Known-answer vectors for the exchange wire formats (tests/vectors/exchange_vectors.json)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import generate_exchange_vectors as gen

from accord.crypto import Suite, VerifyKeys, b64d, open_envelope
from accord.errors import VerificationFailed
from accord.exchange import ReceiptBatch, Transmission

COMMITTED = json.loads(gen.VECTORS_PATH.read_text(encoding="utf-8"))


def test_regeneration_matches_the_committed_vectors() -> None:
    # Everything but the randomised parts is re-derived exactly from the committed ones.
    assert gen.regenerate_from(COMMITTED) == COMMITTED


def test_the_committed_ciphertext_opens_to_the_payload() -> None:
    opened = open_envelope(
        Suite.DEFAULT, gen.hpke_keys(), COMMITTED["header"].encode(), b64d(COMMITTED["ciphertext"])
    )
    assert opened.decode("utf-8") == COMMITTED["payload"]


def test_signatures_verify_and_tampering_fails() -> None:
    sender = VerifyKeys.from_dict(COMMITTED["sender_public"])
    receiver = VerifyKeys.from_dict(COMMITTED["receiver_public"])
    tx = Transmission.parse(COMMITTED["transmission"].encode())
    tx.verify(sender)
    ReceiptBatch.parse(COMMITTED["receipts"]).verify(receiver)
    tampered = COMMITTED["transmission"].replace("kor-mnd", "kor-mnx", 1).encode()
    with pytest.raises(VerificationFailed):
        Transmission.parse(tampered).verify(sender)
    with pytest.raises(VerificationFailed):
        ReceiptBatch.parse(COMMITTED["receipts"]).verify(sender)  # signed by the receiver, not the sender

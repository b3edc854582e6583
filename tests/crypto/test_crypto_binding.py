"""Bindings (STANAG 4778 idea): a signed statement of label and digests."""

from __future__ import annotations

import json
from typing import Any

import pytest

from accord.crypto import Binding, DualSignature, SigningKeys, bind, verify_binding
from accord.errors import InvalidInput, VerificationFailed

KEYS = SigningKeys.generate()
OTHER = SigningKeys.generate()
STATEMENT = b'{"digests":{"body":"sha384:ab"},"label":{"classification":"hi","policy":"JPN"}}'
BINDING = bind(KEYS, "jpn-node-1", STATEMENT)


def test_round_trip() -> None:
    verify_binding(BINDING, KEYS.public(), STATEMENT)
    assert BINDING.signer == "jpn-node-1"
    assert BINDING.statement == STATEMENT


def test_dict_round_trip_through_json() -> None:
    again = Binding.from_dict(json.loads(json.dumps(BINDING.to_dict())))
    assert again == BINDING
    verify_binding(again, KEYS.public(), STATEMENT)


def test_swapped_statement_fails() -> None:
    with pytest.raises(VerificationFailed, match="statement does not match"):
        verify_binding(BINDING, KEYS.public(), STATEMENT.replace(b"hi", b"gokuhi"))


def test_forged_statement_with_matching_expectation_fails() -> None:
    forged = Binding(statement=STATEMENT + b" ", signer=BINDING.signer, signature=BINDING.signature)
    with pytest.raises(VerificationFailed):
        verify_binding(forged, KEYS.public(), STATEMENT + b" ")


def test_wrong_key_fails() -> None:
    with pytest.raises(VerificationFailed):
        verify_binding(BINDING, OTHER.public(), STATEMENT)


def test_signature_for_another_purpose_fails() -> None:
    sig = KEYS.sign("agreement", STATEMENT)
    with pytest.raises(VerificationFailed):
        verify_binding(Binding(STATEMENT, "jpn-node-1", sig), KEYS.public(), STATEMENT)


def test_binding_signature_uses_binding_purpose() -> None:
    KEYS.public().verify("binding", STATEMENT, BINDING.signature)


def test_tampered_signature_fails() -> None:
    ed = bytearray(BINDING.signature.ed25519)
    ed[0] ^= 1
    bad = Binding(STATEMENT, "jpn-node-1", DualSignature(bytes(ed), BINDING.signature.mldsa65))
    with pytest.raises(VerificationFailed):
        verify_binding(bad, KEYS.public(), STATEMENT)


def test_bind_rejects_empty_signer() -> None:
    with pytest.raises(InvalidInput):
        bind(KEYS, "", STATEMENT)


GOOD = BINDING.to_dict()


@pytest.mark.parametrize(
    "d",
    [
        pytest.param({}, id="empty"),
        pytest.param({k: v for k, v in GOOD.items() if k != "signer"}, id="missing-signer"),
        pytest.param({**GOOD, "extra": 1}, id="unknown-key"),
        pytest.param({**GOOD, "signer": ""}, id="empty-signer"),
        pytest.param({**GOOD, "signer": 7}, id="signer-not-string"),
        pytest.param({**GOOD, "statement": "not base64!"}, id="statement-not-base64url"),
        pytest.param({**GOOD, "signature": "x"}, id="signature-not-object"),
        pytest.param({**GOOD, "signature": {"ed25519": "AA"}}, id="signature-malformed"),
        pytest.param(None, id="none"),
    ],
)
def test_from_dict_rejects(d: Any) -> None:
    with pytest.raises(InvalidInput):
        Binding.from_dict(d)

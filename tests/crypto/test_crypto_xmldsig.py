"""XML-DSig ``eddsa-ed25519`` (RFC 9231): raw Ed25519 over a canonical SignedInfo, domain-separated."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from accord.crypto import SigningKeys
from accord.errors import InvalidInput, VerificationFailed

KEYS = SigningKeys.from_seeds(bytes(range(32)), bytes(range(32, 64)))
SIGNED_INFO = b'<ds:SignedInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#"></ds:SignedInfo>'


def test_any_ed25519_verifier_checks_the_signature_value() -> None:
    # What a strict XML-DSig verifier does: Ed25519 (RFC 8032) over the canonical bytes, no prefix.
    signature = KEYS.sign_xmldsig(SIGNED_INFO)
    Ed25519PublicKey.from_public_bytes(KEYS.public().ed25519).verify(signature, SIGNED_INFO)
    KEYS.public().verify_xmldsig(SIGNED_INFO, signature)


def test_an_altered_signed_info_or_another_key_fails() -> None:
    signature = KEYS.sign_xmldsig(SIGNED_INFO)
    with pytest.raises(VerificationFailed):
        KEYS.public().verify_xmldsig(SIGNED_INFO.replace(b"ds:S", b"ds:T"), signature)
    with pytest.raises(VerificationFailed):
        SigningKeys.generate().public().verify_xmldsig(SIGNED_INFO, signature)
    with pytest.raises(VerificationFailed):
        KEYS.public().verify_xmldsig(SIGNED_INFO, signature[:-1])


@pytest.mark.parametrize("message", [b"", b"accord-v1\x00binding\x00x", b"jpn-mod/log\n1\n", b"<a>\x00</a>"])
def test_only_an_element_is_signed_this_way(message: bytes) -> None:
    with pytest.raises(InvalidInput):
        KEYS.sign_xmldsig(message)


def test_a_note_never_passes_for_an_xml_signature() -> None:
    # The forms are disjoint: a note never begins with '<', a SignedInfo always does.
    with pytest.raises(InvalidInput, match="never begins with '<'"):
        KEYS.sign_note(SIGNED_INFO)
    note = KEYS.sign_note(b"jpn-mod/log\n1\nAAAA\n")
    with pytest.raises(InvalidInput):
        KEYS.public().verify_xmldsig(b"jpn-mod/log\n1\nAAAA\n", note.ed25519)


def test_a_purpose_signature_never_passes_for_an_xml_signature() -> None:
    dual = KEYS.sign("stanag-4778", SIGNED_INFO)
    with pytest.raises(VerificationFailed):
        KEYS.public().verify_xmldsig(SIGNED_INFO, dual.ed25519)

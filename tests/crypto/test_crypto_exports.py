"""The public surface of accord.crypto is exactly this list (others code against it)."""

from __future__ import annotations

import accord.crypto

EXPECTED = [
    "CHUNK_SIZE",
    "ENVELOPE_INFO_PREFIX",
    "SEALED_CHUNK_SIZE",
    "Binding",
    "DualSignature",
    "HpkeCnsaKeyPair",
    "HpkeKeyPair",
    "Sha384Stream",
    "SigningKeys",
    "StreamDecryptor",
    "StreamEncryptor",
    "Suite",
    "TlsIdentity",
    "VerifyKeys",
    "b64d",
    "b64e",
    "bind",
    "certificate_fingerprint",
    "decrypt_stream",
    "derive_key",
    "encrypt_stream",
    "envelope_digest",
    "generate_tls_identity",
    "hpke_open_with",
    "hpke_seal",
    "hpke_seal_with",
    "keyed_digest",
    "keyed_tokens",
    "new_data_key",
    "open_envelope",
    "open_sealed",
    "seal",
    "seal_envelope",
    "sha384_hex",
    "unwrap_key",
    "verify_binding",
    "verify_ed25519_note",
    "wrap_key",
]


def test_all_is_exactly_the_documented_api() -> None:
    assert accord.crypto.__all__ == EXPECTED


def test_every_name_in_all_exists_and_is_documented() -> None:
    for name in accord.crypto.__all__:
        member = getattr(accord.crypto, name)
        if callable(member):
            assert member.__doc__, name


def test_chunk_sizes() -> None:
    assert accord.crypto.CHUNK_SIZE == 1024 * 1024
    assert accord.crypto.SEALED_CHUNK_SIZE == accord.crypto.CHUNK_SIZE + 16

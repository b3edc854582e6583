"""The public surface of accord.crypto is exactly this list (others code against it)."""

from __future__ import annotations

import accord.crypto

EXPECTED = [
    "CHUNK_SIZE",
    "SEALED_CHUNK_SIZE",
    "Binding",
    "DualSignature",
    "HpkeKeyPair",
    "Sha384Stream",
    "SigningKeys",
    "StreamDecryptor",
    "StreamEncryptor",
    "TlsIdentity",
    "VerifyKeys",
    "b64d",
    "b64e",
    "bind",
    "certificate_fingerprint",
    "decrypt_stream",
    "encrypt_stream",
    "generate_tls_identity",
    "hpke_seal",
    "new_data_key",
    "open_sealed",
    "seal",
    "sha384_hex",
    "unwrap_key",
    "verify_binding",
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

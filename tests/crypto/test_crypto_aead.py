"""seal/open_sealed and key wrapping: AES-256-GCM with a version byte and random nonce."""

from __future__ import annotations

import pytest

from accord.crypto import new_data_key, open_sealed, seal, unwrap_key, wrap_key
from accord.errors import InvalidInput, VerificationFailed

KEY = new_data_key()
AAD = b"item:JPN-2024-0001"
PLAINTEXT = b"classified military information"
SEALED = seal(KEY, PLAINTEXT, AAD)


def _flip(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


def test_new_data_key() -> None:
    assert len(KEY) == 32
    assert new_data_key() != new_data_key()


def test_round_trip() -> None:
    assert open_sealed(KEY, SEALED, AAD) == PLAINTEXT
    assert open_sealed(KEY, seal(KEY, b"", b""), b"") == b""


def test_layout() -> None:
    assert SEALED[0] == 0x01
    assert len(SEALED) == 1 + 12 + len(PLAINTEXT) + 16


def test_nonce_is_fresh() -> None:
    assert seal(KEY, PLAINTEXT, AAD)[1:13] != seal(KEY, PLAINTEXT, AAD)[1:13]


@pytest.mark.parametrize(
    "index",
    [
        pytest.param(0, id="version-byte"),
        pytest.param(1, id="nonce-first"),
        pytest.param(12, id="nonce-last"),
        pytest.param(13, id="ciphertext-first"),
        pytest.param(13 + len(PLAINTEXT) - 1, id="ciphertext-last"),
        pytest.param(-16, id="tag-first"),
        pytest.param(-1, id="tag-last"),
    ],
)
def test_tamper_fails(index: int) -> None:
    with pytest.raises(VerificationFailed):
        open_sealed(KEY, _flip(SEALED, index), AAD)


@pytest.mark.parametrize(
    "sealed",
    [
        pytest.param(b"", id="empty"),
        pytest.param(SEALED[:28], id="shorter-than-overhead"),
        pytest.param(SEALED[:-1], id="truncated"),
        pytest.param(SEALED + b"\x00", id="extended"),
        pytest.param(b"\x02" + SEALED[1:], id="unknown-version"),
    ],
)
def test_malformed_fails(sealed: bytes) -> None:
    with pytest.raises(VerificationFailed):
        open_sealed(KEY, sealed, AAD)


def test_wrong_aad_fails() -> None:
    with pytest.raises(VerificationFailed):
        open_sealed(KEY, SEALED, AAD + b"x")
    with pytest.raises(VerificationFailed):
        open_sealed(KEY, SEALED, b"")


def test_wrong_key_fails() -> None:
    with pytest.raises(VerificationFailed):
        open_sealed(new_data_key(), SEALED, AAD)


def test_failure_message_is_opaque() -> None:
    with pytest.raises(VerificationFailed) as info:
        open_sealed(new_data_key(), SEALED, AAD)
    assert str(info.value) == "sealed data does not verify"


@pytest.mark.parametrize(
    "key",
    [
        pytest.param(b"\x00" * 16, id="aes-128-size"),
        pytest.param(b"", id="empty"),
        pytest.param("k" * 32, id="str"),
    ],
)
def test_bad_key_is_invalid_input(key: bytes) -> None:
    with pytest.raises(InvalidInput):
        seal(key, PLAINTEXT, AAD)
    with pytest.raises(InvalidInput):
        open_sealed(key, SEALED, AAD)


def test_wrap_round_trip() -> None:
    kek = new_data_key()
    wrapped = wrap_key(kek, KEY, AAD)
    assert len(wrapped) == 1 + 12 + 32 + 16
    assert unwrap_key(kek, wrapped, AAD) == KEY


def test_wrap_tamper_and_wrong_inputs_fail() -> None:
    kek = new_data_key()
    wrapped = wrap_key(kek, KEY, AAD)
    for bad in (_flip(wrapped, 0), _flip(wrapped, 5), _flip(wrapped, 20), _flip(wrapped, -1), wrapped[:-1]):
        with pytest.raises(VerificationFailed):
            unwrap_key(kek, bad, AAD)
    with pytest.raises(VerificationFailed):
        unwrap_key(new_data_key(), wrapped, AAD)
    with pytest.raises(VerificationFailed):
        unwrap_key(kek, wrapped, b"other")


def test_wrap_rejects_wrong_key_length() -> None:
    with pytest.raises(InvalidInput):
        wrap_key(new_data_key(), b"\x00" * 16, AAD)


def test_seal_and_wrap_are_domain_separated() -> None:
    kek = new_data_key()
    with pytest.raises(VerificationFailed):
        unwrap_key(kek, seal(kek, KEY, AAD), AAD)
    with pytest.raises(VerificationFailed):
        open_sealed(kek, wrap_key(kek, KEY, AAD), AAD)

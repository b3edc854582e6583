"""HPKE with ML-KEM-768 + X25519, HKDF-SHA256, AES-256-GCM."""

from __future__ import annotations

import json
from typing import Any

import pytest

from accord.crypto import HpkeKeyPair, b64e, hpke_seal
from accord.errors import InvalidInput, VerificationFailed

PAIR = HpkeKeyPair.generate()
INFO = b"accord-v1:envelope:JPN->KOR"
PLAINTEXT = b"FLASH: launch detected"
CT = hpke_seal(PAIR.public_bytes(), PLAINTEXT, INFO)


def test_round_trip() -> None:
    assert PAIR.open(CT, INFO) == PLAINTEXT
    assert PAIR.open(hpke_seal(PAIR.public_bytes(), b"", b""), b"") == b""


def test_public_bytes_layout() -> None:
    assert len(PAIR.public_bytes()) == 1184 + 32
    assert len(CT) == 1120 + len(PLAINTEXT) + 16


def test_encryption_is_randomised() -> None:
    assert hpke_seal(PAIR.public_bytes(), PLAINTEXT, INFO) != CT


@pytest.mark.parametrize("index", [0, 500, 1119, 1120, -1])
def test_tamper_fails(index: int) -> None:
    bad = bytearray(CT)
    bad[index] ^= 0x01
    with pytest.raises(VerificationFailed):
        PAIR.open(bytes(bad), INFO)


@pytest.mark.parametrize(
    "ct",
    [
        pytest.param(b"", id="empty"),
        pytest.param(CT[:1120], id="enc-only"),
        pytest.param(CT[:-1], id="truncated"),
    ],
)
def test_malformed_fails(ct: bytes) -> None:
    with pytest.raises(VerificationFailed):
        PAIR.open(ct, INFO)


def test_wrong_info_fails() -> None:
    with pytest.raises(VerificationFailed):
        PAIR.open(CT, INFO + b"x")


def test_wrong_key_fails() -> None:
    with pytest.raises(VerificationFailed):
        HpkeKeyPair.generate().open(CT, INFO)


def test_private_bytes_round_trip() -> None:
    loaded = HpkeKeyPair.from_private_bytes(PAIR.to_private_bytes())
    assert loaded.public_bytes() == PAIR.public_bytes()
    assert loaded.open(CT, INFO) == PLAINTEXT


def test_repr_does_not_leak_secrets() -> None:
    doc = json.loads(PAIR.to_private_bytes())
    assert doc["x25519"] not in repr(PAIR)
    assert doc["mlkem768_seed"] not in repr(PAIR)


@pytest.mark.parametrize(
    "public",
    [
        pytest.param(b"", id="empty"),
        pytest.param(PAIR.public_bytes()[:-1], id="short"),
        pytest.param(PAIR.public_bytes() + b"\x00", id="long"),
        pytest.param(b"\xff" * 1216, id="invalid-mlkem-key"),
    ],
)
def test_seal_rejects_bad_public_key(public: bytes) -> None:
    with pytest.raises(InvalidInput):
        hpke_seal(public, PLAINTEXT, INFO)


GOOD = json.loads(PAIR.to_private_bytes())


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"null", id="json-null"),
        pytest.param(json.dumps({**GOOD, "format": "accord-hpke-keys/2"}).encode(), id="unknown-format"),
        pytest.param(json.dumps({**GOOD, "x25519": b64e(bytes(31))}).encode(), id="short-x25519"),
        pytest.param(json.dumps({**GOOD, "mlkem768_seed": b64e(bytes(32))}).encode(), id="short-mlkem-seed"),
        pytest.param(
            json.dumps({k: v for k, v in GOOD.items() if k != "x25519"}).encode(), id="missing-x25519"
        ),
    ],
)
def test_from_private_bytes_rejects(data: Any) -> None:
    with pytest.raises(InvalidInput):
        HpkeKeyPair.from_private_bytes(data)

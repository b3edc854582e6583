"""Dual signatures: both Ed25519 and ML-DSA-65 must verify, per purpose."""

from __future__ import annotations

import json
from typing import Any

import pytest

from accord.crypto import DualSignature, SigningKeys, VerifyKeys, b64e
from accord.errors import InvalidInput, VerificationFailed

KEYS = SigningKeys.generate()
OTHER = SigningKeys.generate()
MESSAGE = b'{"agreement":"JPN-KOR-GSOMIA-2016"}'
SIG = KEYS.sign("agreement", MESSAGE)


def _flip(data: bytes, bit: int) -> bytes:
    out = bytearray(data)
    out[bit // 8] ^= 1 << (bit % 8)
    return bytes(out)


def test_round_trip() -> None:
    KEYS.public().verify("agreement", MESSAGE, SIG)


def test_sizes() -> None:
    assert len(KEYS.public().ed25519) == 32
    assert len(KEYS.public().mldsa65) == 1952
    assert len(SIG.ed25519) == 64
    assert len(SIG.mldsa65) == 3309


def test_empty_message() -> None:
    sig = KEYS.sign("note", b"")
    KEYS.public().verify("note", b"", sig)


@pytest.mark.parametrize("bit", [0, 7, 8 * 10 + 3, 8 * len(MESSAGE) - 1])
def test_flipped_message_bit_fails(bit: int) -> None:
    with pytest.raises(VerificationFailed):
        KEYS.public().verify("agreement", _flip(MESSAGE, bit), SIG)


@pytest.mark.parametrize("bit", [0, 255, 256, 511])
def test_flipped_ed25519_signature_bit_fails(bit: int) -> None:
    sig = DualSignature(ed25519=_flip(SIG.ed25519, bit), mldsa65=SIG.mldsa65)
    with pytest.raises(VerificationFailed):
        KEYS.public().verify("agreement", MESSAGE, sig)


@pytest.mark.parametrize("bit", [0, 1000, 8 * 3309 // 2, 8 * 3309 - 1])
def test_flipped_mldsa65_signature_bit_fails(bit: int) -> None:
    sig = DualSignature(ed25519=SIG.ed25519, mldsa65=_flip(SIG.mldsa65, bit))
    with pytest.raises(VerificationFailed):
        KEYS.public().verify("agreement", MESSAGE, sig)


@pytest.mark.parametrize("purpose", ["binding", "agreemen", "agreement2", "Agreement", "note"])
def test_wrong_purpose_fails(purpose: str) -> None:
    with pytest.raises(VerificationFailed):
        KEYS.public().verify(purpose, MESSAGE, SIG)


def test_wrong_key_fails() -> None:
    with pytest.raises(VerificationFailed):
        OTHER.public().verify("agreement", MESSAGE, SIG)


def test_only_ed25519_valid_fails() -> None:
    other = OTHER.sign("agreement", MESSAGE)
    mixed = DualSignature(ed25519=SIG.ed25519, mldsa65=other.mldsa65)
    with pytest.raises(VerificationFailed):
        KEYS.public().verify("agreement", MESSAGE, mixed)


def test_only_mldsa65_valid_fails() -> None:
    other = OTHER.sign("agreement", MESSAGE)
    mixed = DualSignature(ed25519=other.ed25519, mldsa65=SIG.mldsa65)
    with pytest.raises(VerificationFailed):
        KEYS.public().verify("agreement", MESSAGE, mixed)


def test_failure_message_is_short_and_opaque() -> None:
    with pytest.raises(VerificationFailed) as info:
        OTHER.public().verify("agreement", MESSAGE, SIG)
    assert str(info.value) == "signature does not verify"


@pytest.mark.parametrize(
    "purpose",
    [
        pytest.param("", id="empty"),
        pytest.param("a b", id="space"),
        pytest.param("a\x00b", id="nul"),
        pytest.param("é", id="non-ascii"),
        pytest.param("x" * 129, id="too-long"),
    ],
)
def test_bad_purpose_is_invalid_input(purpose: str) -> None:
    with pytest.raises(InvalidInput):
        KEYS.sign(purpose, MESSAGE)
    with pytest.raises(InvalidInput):
        KEYS.public().verify(purpose, MESSAGE, SIG)


def test_longest_purpose_fits_mldsa_context() -> None:
    purpose = "p" * 128
    KEYS.public().verify(purpose, MESSAGE, KEYS.sign(purpose, MESSAGE))


def test_signature_dict_round_trip() -> None:
    assert DualSignature.from_dict(SIG.to_dict()) == SIG
    assert set(SIG.to_dict()) == {"ed25519", "mldsa65"}


def test_verify_keys_dict_round_trip() -> None:
    public = KEYS.public()
    assert VerifyKeys.from_dict(public.to_dict()) == public
    assert VerifyKeys.from_dict(json.loads(json.dumps(public.to_dict()))) == public


def test_fingerprint_is_stable_and_distinct() -> None:
    fp = KEYS.public().fingerprint()
    assert fp.startswith("sha256:")
    assert len(fp) == len("sha256:") + 64
    assert fp == VerifyKeys.from_dict(KEYS.public().to_dict()).fingerprint()
    assert fp != OTHER.public().fingerprint()
    assert fp in repr(KEYS.public())


def test_repr_does_not_leak_seeds() -> None:
    seeds = json.loads(KEYS.to_private_bytes())
    text = repr(KEYS)
    assert seeds["ed25519_seed"] not in text
    assert seeds["mldsa65_seed"] not in text


def test_private_bytes_round_trip() -> None:
    loaded = SigningKeys.from_private_bytes(KEYS.to_private_bytes())
    assert loaded.public() == KEYS.public()
    KEYS.public().verify("identity", b"x", loaded.sign("identity", b"x"))


def test_from_seeds_is_deterministic() -> None:
    a = SigningKeys.from_seeds(b"\x01" * 32, b"\x02" * 32)
    b = SigningKeys.from_seeds(b"\x01" * 32, b"\x02" * 32)
    assert a.public() == b.public()
    assert a.sign("note", b"m").ed25519 == b.sign("note", b"m").ed25519


@pytest.mark.parametrize(
    ("ed", "ml"),
    [
        pytest.param(b"\x01" * 31, b"\x02" * 32, id="short-ed25519-seed"),
        pytest.param(b"\x01" * 32, b"\x02" * 33, id="long-mldsa65-seed"),
        pytest.param("x" * 32, b"\x02" * 32, id="str-seed"),
    ],
)
def test_from_seeds_rejects_bad_lengths(ed: bytes, ml: bytes) -> None:
    with pytest.raises(InvalidInput):
        SigningKeys.from_seeds(ed, ml)


GOOD_SIG = SIG.to_dict()
GOOD_KEYS = KEYS.public().to_dict()


@pytest.mark.parametrize(
    "d",
    [
        pytest.param({}, id="empty"),
        pytest.param({"ed25519": GOOD_SIG["ed25519"]}, id="missing-mldsa65"),
        pytest.param({**GOOD_SIG, "extra": "x"}, id="unknown-key"),
        pytest.param({**GOOD_SIG, "ed25519": 5}, id="ed25519-not-string"),
        pytest.param({**GOOD_SIG, "ed25519": "!!!!"}, id="ed25519-not-base64url"),
        pytest.param({**GOOD_SIG, "ed25519": b64e(b"\x00" * 63)}, id="ed25519-short"),
        pytest.param({**GOOD_SIG, "mldsa65": b64e(b"\x00" * 3310)}, id="mldsa65-long"),
        pytest.param({**GOOD_SIG, "mldsa65": GOOD_SIG["mldsa65"] + "="}, id="mldsa65-padded"),
        pytest.param([], id="not-a-mapping"),
    ],
)
def test_signature_from_dict_rejects(d: Any) -> None:
    with pytest.raises(InvalidInput):
        DualSignature.from_dict(d)


@pytest.mark.parametrize(
    "d",
    [
        pytest.param({}, id="empty"),
        pytest.param({"mldsa65": GOOD_KEYS["mldsa65"]}, id="missing-ed25519"),
        pytest.param({**GOOD_KEYS, "x25519": "AA"}, id="unknown-key"),
        pytest.param({**GOOD_KEYS, "ed25519": b64e(b"\x00" * 31)}, id="ed25519-short"),
        pytest.param({**GOOD_KEYS, "mldsa65": b64e(b"\x00" * 1951)}, id="mldsa65-short"),
        pytest.param({**GOOD_KEYS, "mldsa65": None}, id="mldsa65-none"),
        pytest.param({**GOOD_KEYS, "ed25519": GOOD_KEYS["ed25519"][:-1] + "*"}, id="ed25519-bad-char"),
        pytest.param("ed25519", id="not-a-mapping"),
    ],
)
def test_verify_keys_from_dict_rejects(d: Any) -> None:
    with pytest.raises(InvalidInput):
        VerifyKeys.from_dict(d)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\xff\xfe", id="not-utf8"),
        pytest.param(b"[]", id="json-array"),
        pytest.param(b"{}", id="json-empty-object"),
        pytest.param(b"[" * 100000, id="deeply-nested"),
        pytest.param(
            json.dumps(
                {"format": "other/1", "ed25519_seed": b64e(bytes(32)), "mldsa65_seed": b64e(bytes(32))}
            ).encode(),
            id="unknown-format",
        ),
        pytest.param(
            json.dumps(
                {
                    "format": "accord-signing-keys/1",
                    "ed25519_seed": b64e(bytes(31)),
                    "mldsa65_seed": b64e(bytes(32)),
                }
            ).encode(),
            id="short-seed",
        ),
        pytest.param("{}", id="str-not-bytes"),
    ],
)
def test_from_private_bytes_rejects(data: Any) -> None:
    with pytest.raises(InvalidInput):
        SigningKeys.from_private_bytes(data)


def test_dual_signature_construction_checks_lengths() -> None:
    with pytest.raises(InvalidInput):
        DualSignature(ed25519=b"\x00" * 64, mldsa65=b"\x00")

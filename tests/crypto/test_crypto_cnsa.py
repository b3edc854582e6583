"""HPKE suites: the CNSA 2.0 key pair (ML-KEM-1024 + P-384) and suite dispatch."""

from __future__ import annotations

import json
from typing import Any

import pytest
from cryptography.hazmat.primitives.asymmetric import ec, mlkem
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

from accord.crypto import (
    HpkeCnsaKeyPair,
    HpkeKeyPair,
    Suite,
    b64e,
    hpke_open_with,
    hpke_seal,
    hpke_seal_with,
)
from accord.errors import InvalidInput, VerificationFailed

CNSA = HpkeCnsaKeyPair.generate()
KEM_PART, POINT_PART = CNSA.public_bytes()[:1568], CNSA.public_bytes()[1568:]
DEFAULT = HpkeKeyPair.generate()
PAIRS: dict[Suite, HpkeKeyPair | HpkeCnsaKeyPair] = {Suite.DEFAULT: DEFAULT, Suite.CNSA2: CNSA}
INFO = b"accord-v1:test"
PLAINTEXT = b"FLASH: launch detected"
# P-384 group order (SEC 2 §2.5.1 / FIPS 186-5).
P384_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973


# --- Suite -------------------------------------------------------------------------


def test_suite_names_are_the_wire_names() -> None:
    assert Suite.DEFAULT.value == "ACCORD-HPKE-MLKEM768X25519-HKDFSHA256-AES256GCM"
    assert Suite.CNSA2.value == "ACCORD-HPKE-MLKEM1024P384-HKDFSHA384-AES256GCM"
    assert [s.name for s in Suite] == ["DEFAULT", "CNSA2"]


@pytest.mark.parametrize("suite", list(Suite), ids=lambda s: s.name)
def test_suite_parse_round_trip(suite: Suite) -> None:
    assert Suite.parse(suite.value) is suite


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("DEFAULT", id="member-name"),
        pytest.param("accord-hpke-mlkem768x25519-hkdfsha256-aes256gcm", id="lower-case"),
        pytest.param(Suite.CNSA2.value + " ", id="trailing-space"),
        pytest.param("ACCORD-HPKE-X25519-HKDFSHA256-AES128GCM", id="unknown"),
        pytest.param(None, id="none"),
        pytest.param(Suite.DEFAULT.value.encode(), id="bytes"),
    ],
)
def test_suite_parse_rejects(text: Any) -> None:
    with pytest.raises(InvalidInput):
        Suite.parse(text)


# --- HpkeCnsaKeyPair ---------------------------------------------------------------


def test_cnsa_public_bytes_layout() -> None:
    public = CNSA.public_bytes()
    assert len(public) == 1568 + 97
    assert public[1568] == 0x04  # uncompressed SEC 1 point
    ct = hpke_seal_with(Suite.CNSA2, public, PLAINTEXT, INFO)
    assert len(ct) == 1568 + 97 + len(PLAINTEXT) + 16


def test_cnsa_open_method_round_trip() -> None:
    ct = hpke_seal_with(Suite.CNSA2, CNSA.public_bytes(), PLAINTEXT, INFO)
    assert CNSA.open(ct, INFO) == PLAINTEXT
    with pytest.raises(VerificationFailed):
        CNSA.open(ct, INFO + b"x")
    with pytest.raises(VerificationFailed):
        HpkeCnsaKeyPair.generate().open(ct, INFO)


def test_cnsa_private_bytes_round_trip() -> None:
    data = CNSA.to_private_bytes()
    loaded = HpkeCnsaKeyPair.from_private_bytes(data)
    assert loaded.public_bytes() == CNSA.public_bytes()
    assert loaded.to_private_bytes() == data
    ct = hpke_seal_with(Suite.CNSA2, CNSA.public_bytes(), PLAINTEXT, INFO)
    assert loaded.open(ct, INFO) == PLAINTEXT
    doc = json.loads(data)
    assert doc["format"] == "accord-hpke-cnsa-keys/1"
    assert sorted(doc) == ["format", "mlkem1024_seed", "p384"]
    assert data == json.dumps(doc, sort_keys=True, separators=(",", ":")).encode()


def test_cnsa_keys_from_fixed_seeds_are_deterministic() -> None:
    seed, scalar = bytes(range(64)), (12345).to_bytes(48, "big")
    data = json.dumps(
        {"format": "accord-hpke-cnsa-keys/1", "mlkem1024_seed": b64e(seed), "p384": b64e(scalar)}
    ).encode()
    one, two = HpkeCnsaKeyPair.from_private_bytes(data), HpkeCnsaKeyPair.from_private_bytes(data)
    assert one.public_bytes() == two.public_bytes()
    point = ec.derive_private_key(12345, ec.SECP384R1()).public_key()
    assert one.public_bytes()[1568:] == point.public_bytes(Encoding.X962, PublicFormat.UncompressedPoint)


def test_cnsa_repr_does_not_leak_secrets() -> None:
    doc = json.loads(CNSA.to_private_bytes())
    text = repr(CNSA)
    assert text == "HpkeCnsaKeyPair(public=1665 bytes)"
    assert doc["p384"] not in text
    assert doc["mlkem1024_seed"] not in text


def test_cnsa_key_pair_rejects_other_curves() -> None:
    with pytest.raises(InvalidInput):
        HpkeCnsaKeyPair(mlkem.MLKEM1024PrivateKey.generate(), ec.generate_private_key(ec.SECP256R1()))


GOOD = json.loads(CNSA.to_private_bytes())


def _doc(**changes: Any) -> bytes:
    return json.dumps({**GOOD, **changes}).encode()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"null", id="json-null"),
        pytest.param(b"[]", id="json-list"),
        pytest.param(b"\xff{", id="not-utf8"),
        pytest.param("{}", id="str-not-bytes"),
        pytest.param(_doc(format="accord-hpke-cnsa-keys/2"), id="unknown-format"),
        pytest.param(_doc(format="accord-hpke-keys/1"), id="default-suite-format"),
        pytest.param(_doc(p384=b64e(bytes(47))), id="short-p384"),
        pytest.param(_doc(p384=b64e(bytes(49))), id="long-p384"),
        pytest.param(_doc(p384=b64e(bytes(48))), id="p384-zero"),
        pytest.param(_doc(p384=b64e(P384_N.to_bytes(48, "big"))), id="p384-equals-order"),
        pytest.param(_doc(p384=b64e(b"\xff" * 48)), id="p384-above-order"),
        pytest.param(_doc(p384=GOOD["p384"] + "="), id="p384-padded-base64"),
        pytest.param(_doc(p384=12345), id="p384-not-string"),
        pytest.param(_doc(mlkem1024_seed=b64e(bytes(32))), id="short-mlkem-seed"),
        pytest.param(_doc(mlkem1024_seed=b64e(bytes(65))), id="long-mlkem-seed"),
        pytest.param(json.dumps({k: v for k, v in GOOD.items() if k != "p384"}).encode(), id="missing-p384"),
        pytest.param(_doc(x25519=GOOD["p384"]), id="unknown-field"),
        pytest.param(DEFAULT.to_private_bytes(), id="default-keys"),
    ],
)
def test_cnsa_from_private_bytes_rejects(data: Any) -> None:
    with pytest.raises(InvalidInput):
        HpkeCnsaKeyPair.from_private_bytes(data)


def test_default_key_pair_rejects_cnsa_private_bytes() -> None:
    with pytest.raises(InvalidInput):
        HpkeKeyPair.from_private_bytes(CNSA.to_private_bytes())


# --- hpke_seal_with / hpke_open_with -----------------------------------------------


@pytest.mark.parametrize("suite", list(Suite), ids=lambda s: s.name)
def test_seal_with_open_with_round_trip(suite: Suite) -> None:
    pair = PAIRS[suite]
    ct = hpke_seal_with(suite, pair.public_bytes(), PLAINTEXT, INFO)
    assert hpke_open_with(suite, pair, ct, INFO) == PLAINTEXT
    assert hpke_open_with(suite, pair, hpke_seal_with(suite, pair.public_bytes(), b"", b""), b"") == b""
    assert hpke_seal_with(suite, pair.public_bytes(), PLAINTEXT, INFO) != ct  # randomised


def test_default_suite_is_compatible_with_hpke_seal() -> None:
    ct = hpke_seal(DEFAULT.public_bytes(), PLAINTEXT, INFO)
    assert hpke_open_with(Suite.DEFAULT, DEFAULT, ct, INFO) == PLAINTEXT
    ct = hpke_seal_with(Suite.DEFAULT, DEFAULT.public_bytes(), PLAINTEXT, INFO)
    assert DEFAULT.open(ct, INFO) == PLAINTEXT


@pytest.mark.parametrize("suite", list(Suite), ids=lambda s: s.name)
def test_open_with_rejects_key_pair_of_other_suite(suite: Suite) -> None:
    ct = hpke_seal_with(suite, PAIRS[suite].public_bytes(), PLAINTEXT, INFO)
    other = Suite.CNSA2 if suite is Suite.DEFAULT else Suite.DEFAULT
    with pytest.raises(VerificationFailed):
        hpke_open_with(suite, PAIRS[other], ct, INFO)
    with pytest.raises(VerificationFailed):
        hpke_open_with(other, PAIRS[other], ct, INFO)
    with pytest.raises(VerificationFailed):
        hpke_open_with(other, PAIRS[suite], ct, INFO)


@pytest.mark.parametrize(
    ("suite", "keys"),
    [
        pytest.param(Suite.DEFAULT.value, DEFAULT, id="suite-as-string"),
        pytest.param(None, CNSA, id="suite-none"),
        pytest.param(Suite.CNSA2, CNSA.to_private_bytes(), id="keys-as-bytes"),
    ],
)
def test_open_with_rejects_wrong_argument_kinds(suite: Any, keys: Any) -> None:
    ct = hpke_seal_with(Suite.CNSA2, CNSA.public_bytes(), PLAINTEXT, INFO)
    with pytest.raises(VerificationFailed):
        hpke_open_with(suite, keys, ct, INFO)


def _compressed_cnsa_public() -> bytes:
    point = ec.derive_private_key(7, ec.SECP384R1()).public_key()
    compressed = point.public_bytes(Encoding.X962, PublicFormat.CompressedPoint)
    return CNSA.public_bytes()[:1568] + compressed + bytes(97 - len(compressed))


@pytest.mark.parametrize(
    ("suite", "public"),
    [
        pytest.param(Suite.CNSA2, DEFAULT.public_bytes(), id="cnsa-given-default-key"),
        pytest.param(Suite.DEFAULT, CNSA.public_bytes(), id="default-given-cnsa-key"),
        pytest.param(Suite.CNSA2, b"", id="cnsa-empty"),
        pytest.param(Suite.CNSA2, CNSA.public_bytes()[:-1], id="cnsa-short"),
        pytest.param(Suite.CNSA2, CNSA.public_bytes() + b"\x00", id="cnsa-long"),
        pytest.param(Suite.CNSA2, b"\xff" * 1568 + POINT_PART, id="cnsa-invalid-mlkem-key"),
        pytest.param(Suite.CNSA2, KEM_PART + b"\x04" + bytes(96), id="cnsa-point-off-curve"),
        pytest.param(Suite.CNSA2, _compressed_cnsa_public(), id="cnsa-compressed-point"),
        pytest.param(
            Suite.CNSA2,
            KEM_PART + b"\x06" + POINT_PART[1:],
            id="cnsa-hybrid-point",
        ),
        pytest.param(Suite.CNSA2, bytearray(CNSA.public_bytes()), id="cnsa-bytearray"),
        pytest.param(Suite.CNSA2.value, CNSA.public_bytes(), id="suite-as-string"),
    ],
)
def test_seal_with_rejects_bad_public_key(suite: Any, public: Any) -> None:
    with pytest.raises(InvalidInput):
        hpke_seal_with(suite, public, PLAINTEXT, INFO)


@pytest.mark.parametrize("suite", list(Suite), ids=lambda s: s.name)
@pytest.mark.parametrize(
    ("plaintext", "info"),
    [pytest.param("text", INFO, id="plaintext-str"), pytest.param(PLAINTEXT, None, id="info-none")],
)
def test_seal_with_rejects_non_bytes(suite: Suite, plaintext: Any, info: Any) -> None:
    with pytest.raises(InvalidInput):
        hpke_seal_with(suite, PAIRS[suite].public_bytes(), plaintext, info)

"""Envelopes: HPKE with the header bound as ``info``, and the envelope digest."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

import pytest

from accord.crypto import (
    ENVELOPE_INFO_PREFIX,
    HpkeCnsaKeyPair,
    HpkeKeyPair,
    Suite,
    envelope_digest,
    hpke_open_with,
    open_envelope,
    seal_envelope,
)
from accord.errors import InvalidInput, VerificationFailed

PAIRS: dict[Suite, HpkeKeyPair | HpkeCnsaKeyPair] = {
    Suite.DEFAULT: HpkeKeyPair.generate(),
    Suite.CNSA2: HpkeCnsaKeyPair.generate(),
}
OTHER_PAIRS: dict[Suite, HpkeKeyPair | HpkeCnsaKeyPair] = {
    Suite.DEFAULT: HpkeKeyPair.generate(),
    Suite.CNSA2: HpkeCnsaKeyPair.generate(),
}
DEFAULT_PUBLIC, CNSA_PUBLIC = PAIRS[Suite.DEFAULT].public_bytes(), PAIRS[Suite.CNSA2].public_bytes()
ENC_LEN = {Suite.DEFAULT: 1120, Suite.CNSA2: 1665}
HEADER = (
    b'{"agreement":"JPN-KOR-GSOMIA-2016","message":"m-0001","precedence":"FLASH",'
    b'"recipient":"jpn-mod","sender":"kor-mnd","seq":1,"version":1}'
)
PAYLOAD = b"FLASH: missile launch detected, 38.9N 125.7E"
SUITES = pytest.mark.parametrize("suite", list(Suite), ids=lambda s: s.name)


def _other(suite: Suite) -> Suite:
    return Suite.CNSA2 if suite is Suite.DEFAULT else Suite.DEFAULT


def _flip(data: bytes, index: int) -> bytes:
    out = bytearray(data)
    out[index] ^= 0x01
    return bytes(out)


# --- round trips -------------------------------------------------------------------


@SUITES
@pytest.mark.parametrize("size", [0, 4096, 1024 * 1024], ids=["0B", "4KiB", "1MiB"])
def test_round_trip(suite: Suite, size: int) -> None:
    payload = (bytes(range(256)) * (size // 256 + 1))[:size]
    pair = PAIRS[suite]
    ct = seal_envelope(suite, pair.public_bytes(), HEADER, payload)
    assert len(ct) == ENC_LEN[suite] + size + 16
    assert open_envelope(suite, pair, HEADER, ct) == payload


@SUITES
def test_empty_header_round_trip(suite: Suite) -> None:
    pair = PAIRS[suite]
    ct = seal_envelope(suite, pair.public_bytes(), b"", PAYLOAD)
    assert open_envelope(suite, pair, b"", ct) == PAYLOAD


@SUITES
def test_sealing_is_randomised(suite: Suite) -> None:
    public = PAIRS[suite].public_bytes()
    assert seal_envelope(suite, public, HEADER, PAYLOAD) != seal_envelope(suite, public, HEADER, PAYLOAD)


@SUITES
def test_header_is_bound_as_hpke_info(suite: Suite) -> None:
    # The documented construction: info = prefix || suite name || 0x00 || header.
    pair = PAIRS[suite]
    ct = seal_envelope(suite, pair.public_bytes(), HEADER, PAYLOAD)
    info = ENVELOPE_INFO_PREFIX + suite.value.encode("ascii") + b"\x00" + HEADER
    assert hpke_open_with(suite, pair, ct, info) == PAYLOAD
    assert ENVELOPE_INFO_PREFIX == b"accord-envelope-v1\x00"


# --- tamper table ------------------------------------------------------------------

Case = tuple[Suite, HpkeKeyPair | HpkeCnsaKeyPair, bytes, bytes]
Tamper = Callable[[Suite, bytes], Case]

TAMPERS: dict[str, Tamper] = {
    "header-first-byte-flipped": lambda s, ct: (s, PAIRS[s], _flip(HEADER, 0), ct),
    "header-last-byte-flipped": lambda s, ct: (s, PAIRS[s], _flip(HEADER, -1), ct),
    "header-precedence-changed": lambda s, ct: (
        s,
        PAIRS[s],
        HEADER.replace(b"FLASH", b"ROUTI"),
        ct,
    ),
    "header-extended": lambda s, ct: (s, PAIRS[s], HEADER + b" ", ct),
    "header-truncated": lambda s, ct: (s, PAIRS[s], HEADER[:-1], ct),
    "header-empty": lambda s, ct: (s, PAIRS[s], b"", ct),
    "enc-first-byte-flipped": lambda s, ct: (s, PAIRS[s], HEADER, _flip(ct, 0)),
    "enc-middle-byte-flipped": lambda s, ct: (s, PAIRS[s], HEADER, _flip(ct, ENC_LEN[s] // 2)),
    "enc-last-byte-flipped": lambda s, ct: (s, PAIRS[s], HEADER, _flip(ct, ENC_LEN[s] - 1)),
    "aead-first-byte-flipped": lambda s, ct: (s, PAIRS[s], HEADER, _flip(ct, ENC_LEN[s])),
    "aead-tag-last-byte-flipped": lambda s, ct: (s, PAIRS[s], HEADER, _flip(ct, -1)),
    "truncated-by-one": lambda s, ct: (s, PAIRS[s], HEADER, ct[:-1]),
    "truncated-to-enc": lambda s, ct: (s, PAIRS[s], HEADER, ct[: ENC_LEN[s]]),
    "truncated-inside-enc": lambda s, ct: (s, PAIRS[s], HEADER, ct[: ENC_LEN[s] - 1]),
    "empty-ciphertext": lambda s, ct: (s, PAIRS[s], HEADER, b""),
    "extended-by-one": lambda s, ct: (s, PAIRS[s], HEADER, ct + b"\x00"),
    "wrong-suite": lambda s, ct: (_other(s), PAIRS[s], HEADER, ct),
    "key-of-other-suite": lambda s, ct: (s, PAIRS[_other(s)], HEADER, ct),
    "other-suite-and-its-key": lambda s, ct: (_other(s), PAIRS[_other(s)], HEADER, ct),
    "wrong-recipient-key": lambda s, ct: (s, OTHER_PAIRS[s], HEADER, ct),
}


@SUITES
@pytest.mark.parametrize("tamper", list(TAMPERS.values()), ids=list(TAMPERS))
def test_tamper_fails(suite: Suite, tamper: Tamper) -> None:
    ct = seal_envelope(suite, PAIRS[suite].public_bytes(), HEADER, PAYLOAD)
    assert open_envelope(suite, PAIRS[suite], HEADER, ct) == PAYLOAD  # untampered opens
    with pytest.raises(VerificationFailed, match=r"^envelope does not open$"):
        open_envelope(*tamper(suite, ct))


@SUITES
def test_ciphertext_swapped_between_headers_fails(suite: Suite) -> None:
    # A valid ciphertext replayed under another (valid-looking) header does not open.
    public = PAIRS[suite].public_bytes()
    other_header = HEADER.replace(b'"seq":1', b'"seq":2')
    ct = seal_envelope(suite, public, other_header, PAYLOAD)
    with pytest.raises(VerificationFailed):
        open_envelope(suite, PAIRS[suite], HEADER, ct)


@pytest.mark.parametrize(
    ("suite", "keys", "header", "ciphertext"),
    [
        pytest.param(Suite.DEFAULT.value, PAIRS[Suite.DEFAULT], HEADER, b"x", id="suite-as-string"),
        pytest.param(Suite.DEFAULT, PAIRS[Suite.DEFAULT], HEADER.decode(), b"x", id="header-str"),
        pytest.param(Suite.DEFAULT, PAIRS[Suite.DEFAULT], HEADER, "x", id="ciphertext-str"),
        pytest.param(Suite.DEFAULT, None, HEADER, b"x", id="keys-none"),
    ],
)
def test_open_rejects_wrong_argument_kinds(suite: Any, keys: Any, header: Any, ciphertext: Any) -> None:
    with pytest.raises(VerificationFailed, match=r"^envelope does not open$"):
        open_envelope(suite, keys, header, ciphertext)


@pytest.mark.parametrize(
    ("suite", "public", "header", "payload"),
    [
        pytest.param(
            Suite.CNSA2, PAIRS[Suite.DEFAULT].public_bytes(), HEADER, PAYLOAD, id="cnsa-default-key"
        ),
        pytest.param(
            Suite.DEFAULT, PAIRS[Suite.CNSA2].public_bytes(), HEADER, PAYLOAD, id="default-cnsa-key"
        ),
        pytest.param(Suite.DEFAULT, b"", HEADER, PAYLOAD, id="empty-key"),
        pytest.param("DEFAULT", PAIRS[Suite.DEFAULT].public_bytes(), HEADER, PAYLOAD, id="suite-as-string"),
        pytest.param(Suite.DEFAULT, PAIRS[Suite.DEFAULT].public_bytes(), None, PAYLOAD, id="header-none"),
        pytest.param(Suite.CNSA2, PAIRS[Suite.CNSA2].public_bytes(), HEADER, "text", id="payload-str"),
    ],
)
def test_seal_rejects_bad_input(suite: Any, public: Any, header: Any, payload: Any) -> None:
    with pytest.raises(InvalidInput):
        seal_envelope(suite, public, header, payload)


# --- digest ------------------------------------------------------------------------

CT = bytes(range(200))


def test_digest_is_the_documented_construction() -> None:
    expected = hashlib.sha384(
        b"accord-envelope-digest-v1\x00" + len(HEADER).to_bytes(8, "big") + HEADER + CT
    ).hexdigest()
    assert envelope_digest(HEADER, CT) == expected
    assert len(expected) == 96


@pytest.mark.parametrize(
    ("header", "ciphertext"),
    [
        pytest.param(_flip(HEADER, 0), CT, id="header-byte-flipped"),
        pytest.param(HEADER[:-1], CT, id="header-truncated"),
        pytest.param(HEADER + b"\x00", CT, id="header-extended"),
        pytest.param(HEADER, _flip(CT, 0), id="ciphertext-first-byte-flipped"),
        pytest.param(HEADER, _flip(CT, -1), id="ciphertext-last-byte-flipped"),
        pytest.param(HEADER, CT[:-1], id="ciphertext-truncated"),
        pytest.param(HEADER, CT + b"\x00", id="ciphertext-extended"),
        pytest.param(HEADER + CT[:1], CT[1:], id="boundary-moved-right"),
        pytest.param(HEADER[:-1], HEADER[-1:] + CT, id="boundary-moved-left"),
        pytest.param(b"", HEADER + CT, id="all-in-ciphertext"),
        pytest.param(HEADER + CT, b"", id="all-in-header"),
        pytest.param(CT, HEADER, id="swapped"),
    ],
)
def test_digest_changes(header: bytes, ciphertext: bytes) -> None:
    assert envelope_digest(header, ciphertext) != envelope_digest(HEADER, CT)


def test_digest_of_real_envelope_changes_with_any_byte() -> None:
    suite = Suite.DEFAULT
    ct = seal_envelope(suite, PAIRS[suite].public_bytes(), HEADER, PAYLOAD)
    base = envelope_digest(HEADER, ct)
    seen = {base}
    for index in (0, ENC_LEN[suite] - 1, ENC_LEN[suite], len(ct) - 1):
        seen.add(envelope_digest(HEADER, _flip(ct, index)))
    for index in range(len(HEADER)):
        seen.add(envelope_digest(_flip(HEADER, index), ct))
    assert len(seen) == 1 + 4 + len(HEADER)


@pytest.mark.parametrize(
    ("header", "ciphertext"),
    [
        pytest.param(None, CT, id="header-none"),
        pytest.param(HEADER.decode(), CT, id="header-str"),
        pytest.param(HEADER, bytearray(CT), id="ciphertext-bytearray"),
    ],
)
def test_digest_rejects_non_bytes(header: Any, ciphertext: Any) -> None:
    with pytest.raises(InvalidInput):
        envelope_digest(header, ciphertext)

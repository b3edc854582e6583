"""Keyed digests (crypto/_keyed.py): HKDF and HMAC known answers, the token form."""

from __future__ import annotations

import base64
import hashlib
import hmac

import pytest

from accord.crypto import derive_key, keyed_digest, keyed_tokens
from accord.errors import InvalidInput


def test_derive_key_is_rfc5869_hkdf_sha256() -> None:
    # RFC 5869 test case 3 (no salt, no info) gives this OKM prefix for 42 bytes; we take 32.
    ikm = bytes.fromhex("0b" * 22)
    assert derive_key(ikm, b"").hex() == "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"


def test_purposes_give_independent_keys() -> None:
    key = bytes(32)
    assert derive_key(key, b"a") != derive_key(key, b"b")


def test_keyed_tokens_are_truncated_hmac_in_base32() -> None:
    key = b"k" * 32
    expected = hmac.new(key, "b:대한".encode(), hashlib.sha256).digest()[:8]
    [token] = keyed_tokens(key, ["b:대한"])
    assert len(token) == 13
    assert token.isalnum()
    assert token == token.lower()
    assert base64.b32decode(token.upper() + "===") == expected


def test_keyed_tokens_depend_on_the_key() -> None:
    assert keyed_tokens(b"a" * 32, ["w:x"]) != keyed_tokens(b"b" * 32, ["w:x"])


def test_keyed_digest_is_hmac_sha256_hex() -> None:
    # RFC 4231 test case 2.
    assert keyed_digest(b"Jefe", "what do ya want for nothing?") == (
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    )


@pytest.mark.parametrize(
    "call", [lambda: derive_key("k", b""), lambda: keyed_tokens("k", []), lambda: keyed_digest("k", "")]
)  # type: ignore[arg-type]
def test_a_key_that_is_not_bytes_is_refused(call: object) -> None:
    with pytest.raises(InvalidInput):
        call()  # type: ignore[operator]

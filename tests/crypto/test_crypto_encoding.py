"""base64url and SHA-384 helpers."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accord.crypto import Sha384Stream, b64d, b64e, sha384_hex
from accord.errors import InvalidInput


@given(st.binary(max_size=200))
def test_b64_round_trip(data: bytes) -> None:
    text = b64e(data)
    assert "=" not in text
    assert b64d(text) == data


def test_b64e_uses_url_alphabet() -> None:
    assert b64e(b"\xfb\xff\xbf") == "-_-_"


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("a", id="impossible-length"),
        pytest.param("AA==", id="padding"),
        pytest.param("+/+/", id="standard-alphabet"),
        pytest.param("AB", id="non-canonical-trailing-bits"),
        pytest.param("AA AA", id="whitespace"),
        pytest.param("AA\n", id="newline"),
        pytest.param("ÄÄÄÄ", id="non-ascii"),
        pytest.param(b"AAAA", id="bytes-not-str"),
        pytest.param(None, id="none"),
    ],
)
def test_b64d_rejects_garbage(text: object) -> None:
    with pytest.raises(InvalidInput):
        b64d(text)  # type: ignore[arg-type]


def test_sha384_known_answer() -> None:
    # FIPS 180-2, Appendix D.1: SHA-384("abc").
    assert sha384_hex(b"abc") == (
        "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
    )


def test_sha384_stream_matches_one_shot() -> None:
    stream = Sha384Stream()
    for piece in (b"a", b"", b"bc"):
        stream.update(piece)
    assert stream.hexdigest() == sha384_hex(b"abc") == hashlib.sha384(b"abc").hexdigest()
    stream.update(b"d")
    assert stream.hexdigest() == sha384_hex(b"abcd")

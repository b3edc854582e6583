"""STREAM (HRRV 2015) over AES-256-GCM for large attachments."""

from __future__ import annotations

import hashlib
import itertools
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accord.crypto import (
    CHUNK_SIZE,
    SEALED_CHUNK_SIZE,
    StreamDecryptor,
    StreamEncryptor,
    decrypt_stream,
    encrypt_stream,
    new_data_key,
)
from accord.errors import InvalidInput, VerificationFailed

KEY = new_data_key()
AAD = b"attachment:imagery-1"


def _data(size: int) -> bytes:
    return hashlib.shake_256(size.to_bytes(8, "big")).digest(size) if size else b""


def _seal(data: bytes, *, key: bytes = KEY, aad: bytes = AAD) -> list[bytes]:
    return list(encrypt_stream(key, aad, [data]))


def _open(parts: list[bytes], *, key: bytes = KEY, aad: bytes = AAD) -> bytes:
    return b"".join(decrypt_stream(key, aad, parts))


# A three-chunk stream shared by the tamper tests: header, two full chunks, a short last one.
DATA3 = _data(2 * CHUNK_SIZE + 100)
PARTS3 = _seal(DATA3)


@pytest.mark.parametrize(
    "size",
    [0, 1, CHUNK_SIZE - 1, CHUNK_SIZE, CHUNK_SIZE + 1, 3 * CHUNK_SIZE],
    ids=["0", "1", "chunk-1", "chunk", "chunk+1", "3chunks"],
)
def test_round_trip(size: int) -> None:
    data = _data(size)
    parts = _seal(data)
    expected_chunks = max(1, -(-size // CHUNK_SIZE))
    assert len(parts) == 1 + expected_chunks
    assert len(parts[0]) == 8
    assert all(len(p) == SEALED_CHUNK_SIZE for p in parts[1:-1])
    assert _open(parts) == data


def test_input_pieces_are_rechunked() -> None:
    data = _data(CHUNK_SIZE + 10)
    pieces = [data[:3], data[3 : CHUNK_SIZE - 1], b"", data[CHUNK_SIZE - 1 :]]
    parts = list(encrypt_stream(KEY, AAD, pieces))
    assert [len(p) for p in parts] == [8, SEALED_CHUNK_SIZE, 10 + 16]
    assert _open(parts) == data


def test_empty_input_yields_one_empty_last_chunk() -> None:
    parts = list(encrypt_stream(KEY, AAD, []))
    assert [len(p) for p in parts] == [8, 16]
    assert _open(parts) == b""


def test_header_is_fresh() -> None:
    assert _seal(b"x")[0] != _seal(b"x")[0]


def test_truncation_dropping_last_chunk_fails() -> None:
    with pytest.raises(VerificationFailed, match="stream truncated"):
        _open(PARTS3[:-1])


def test_truncation_to_header_only_fails() -> None:
    with pytest.raises(VerificationFailed, match="stream truncated"):
        _open(PARTS3[:1])
    with pytest.raises(VerificationFailed, match="stream truncated"):
        _open([PARTS3[0][:5]])
    with pytest.raises(VerificationFailed, match="stream truncated"):
        _open([])


def test_truncation_inside_last_chunk_fails() -> None:
    with pytest.raises(VerificationFailed):
        _open([*PARTS3[:-1], PARTS3[-1][:-1]])


def test_reorder_fails() -> None:
    with pytest.raises(VerificationFailed):
        _open([PARTS3[0], PARTS3[2], PARTS3[1], PARTS3[3]])


def test_drop_middle_chunk_fails() -> None:
    with pytest.raises(VerificationFailed):
        _open([PARTS3[0], PARTS3[1], PARTS3[3]])


def test_duplicate_fails() -> None:
    with pytest.raises(VerificationFailed):
        _open([PARTS3[0], PARTS3[1], PARTS3[1], PARTS3[2], PARTS3[3]])


def test_splice_from_another_stream_with_same_key_fails() -> None:
    other = _seal(_data(2 * CHUNK_SIZE + 100)[::-1])
    with pytest.raises(VerificationFailed):
        _open([PARTS3[0], PARTS3[1], other[2], PARTS3[3]])
    with pytest.raises(VerificationFailed):
        _open([other[0], *PARTS3[1:]])


def test_flip_last_flag_fails() -> None:
    # Re-seal the stream's first full chunk as if it were the last (same prefix and key):
    # a decryptor that has it at position 0 must not accept it as the end of the stream.
    prefix = PARTS3[0][1:]
    enc = StreamEncryptor(KEY, AAD, nonce_prefix=prefix)
    as_last = enc.encrypt_chunk(DATA3[:CHUNK_SIZE], last=True)
    with pytest.raises(VerificationFailed):
        _open([PARTS3[0], as_last, PARTS3[2], PARTS3[3]])
    # And a genuine last chunk re-sealed as not-last leaves the stream truncated.
    enc2 = StreamEncryptor(KEY, AAD, nonce_prefix=prefix)
    parts = [enc2.header, enc2.encrypt_chunk(b"x" * CHUNK_SIZE, last=False)]
    with pytest.raises(VerificationFailed, match="stream truncated"):
        _open(parts)


def test_trailing_data_after_last_chunk_fails() -> None:
    # After a short last chunk, trailing bytes are framed into it, so it fails to verify.
    with pytest.raises(VerificationFailed):
        _open([*PARTS3, b"\x00"])
    with pytest.raises(VerificationFailed):
        _open([*PARTS3, PARTS3[-1]])


def test_trailing_data_after_full_last_chunk_fails() -> None:
    parts = _seal(_data(CHUNK_SIZE))
    with pytest.raises(VerificationFailed, match="after its last chunk"):
        _open([*parts, b"junk"])


@pytest.mark.parametrize("index", [0, 1, 8, 8 + SEALED_CHUNK_SIZE - 1])
def test_bit_flip_fails(index: int) -> None:
    blob = bytearray(b"".join(PARTS3))
    blob[index] ^= 0x80
    with pytest.raises(VerificationFailed):
        _open([bytes(blob)])


def test_wrong_aad_fails() -> None:
    with pytest.raises(VerificationFailed):
        _open(PARTS3, aad=AAD + b"!")


def test_wrong_key_fails() -> None:
    with pytest.raises(VerificationFailed):
        _open(PARTS3, key=new_data_key())


def test_decryptor_rejects_bad_header() -> None:
    with pytest.raises(VerificationFailed):
        StreamDecryptor(KEY, AAD, b"\x02" + PARTS3[0][1:])
    with pytest.raises(VerificationFailed):
        StreamDecryptor(KEY, AAD, PARTS3[0][:7])


def test_low_level_api() -> None:
    enc = StreamEncryptor(KEY, AAD)
    sealed = [enc.encrypt_chunk(b"a" * CHUNK_SIZE, last=False), enc.encrypt_chunk(b"tail", last=True)]
    assert enc.done
    with pytest.raises(InvalidInput):
        enc.encrypt_chunk(b"more", last=True)
    dec = StreamDecryptor(KEY, AAD, enc.header)
    assert dec.decrypt_chunk(sealed[0]) == b"a" * CHUNK_SIZE
    assert not dec.done
    with pytest.raises(VerificationFailed, match="stream truncated"):
        dec.finish()
    assert dec.decrypt_chunk(sealed[1]) == b"tail"
    assert dec.done
    dec.finish()
    with pytest.raises(VerificationFailed):
        dec.decrypt_chunk(sealed[1])


@pytest.mark.parametrize(
    ("chunk", "last"),
    [
        pytest.param(b"x" * (CHUNK_SIZE + 1), True, id="oversize-last"),
        pytest.param(b"x" * (CHUNK_SIZE - 1), False, id="short-middle"),
    ],
)
def test_encryptor_rejects_bad_chunk_sizes(chunk: bytes, last: bool) -> None:
    with pytest.raises(InvalidInput):
        StreamEncryptor(KEY, AAD).encrypt_chunk(chunk, last=last)


@pytest.mark.parametrize(
    "sealed",
    [
        pytest.param(b"", id="empty"),
        pytest.param(b"\x00" * 15, id="shorter-than-tag"),
        pytest.param(b"\x00" * (SEALED_CHUNK_SIZE + 1), id="oversize"),
    ],
)
def test_decryptor_rejects_impossible_sizes(sealed: bytes) -> None:
    with pytest.raises(VerificationFailed):
        StreamDecryptor(KEY, AAD, PARTS3[0]).decrypt_chunk(sealed)


def test_bad_key_or_prefix_is_invalid_input() -> None:
    with pytest.raises(InvalidInput):
        StreamEncryptor(b"\x00" * 16, AAD)
    with pytest.raises(InvalidInput):
        StreamEncryptor(KEY, AAD, nonce_prefix=b"\x00" * 8)
    with pytest.raises(InvalidInput):
        list(decrypt_stream(b"\x00" * 31, AAD, PARTS3))


def test_decrypt_stream_is_lazy_and_bounded() -> None:
    # Feed one sealed chunk at a time; the decryptor yields a chunk as soon as it has one.
    def source() -> Iterator[bytes]:
        yield from PARTS3

    out = decrypt_stream(KEY, AAD, source())
    assert next(out) == DATA3[:CHUNK_SIZE]


SMALL = _data(CHUNK_SIZE + 300)
SMALL_BLOB = b"".join(_seal(SMALL))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(min_value=0, max_value=len(SMALL_BLOB)), max_size=12))
def test_decrypt_stream_reframes_any_split(cuts: list[int]) -> None:
    points = [0, *sorted(cuts), len(SMALL_BLOB)]
    pieces = [SMALL_BLOB[a:b] for a, b in itertools.pairwise(points)]
    assert b"".join(decrypt_stream(KEY, AAD, pieces)) == SMALL

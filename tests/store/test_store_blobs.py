"""BlobStore: streamed, content-addressed, checked on read, nothing left behind on failure."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from accord.errors import IntegrityError, NotFound, StorageError
from accord.store import BlobStore

MB = 1024 * 1024


@pytest.fixture
def store(tmp_path: Path) -> BlobStore:
    return BlobStore(tmp_path / "blobs")


def _leftovers(store: BlobStore) -> list[Path]:
    tmp = store.root / "tmp"
    return sorted(tmp.iterdir()) if tmp.exists() else []


def _stored_files(store: BlobStore) -> list[Path]:
    return sorted(p for p in store.root.rglob("*") if p.is_file())


@pytest.mark.parametrize(
    "pieces",
    [
        pytest.param([], id="no pieces"),
        pytest.param([b""], id="0 bytes"),
        pytest.param([b"\x00"], id="1 byte"),
        pytest.param([b"FLASH ", b"", b"missile launch"], id="small in pieces"),
    ],
)
def test_round_trip_small(store: BlobStore, pieces: list[bytes]) -> None:
    data = b"".join(pieces)
    blob_id, size = store.put(pieces)
    assert blob_id == hashlib.sha384(data).hexdigest()
    assert size == len(data)
    assert store.exists(blob_id)
    assert b"".join(store.read(blob_id)) == data
    assert _leftovers(store) == []


def _pattern(megabytes: int, piece: int) -> Iterator[bytes]:
    block = bytes(range(256)) * (piece // 256)
    for n in range(megabytes * MB // piece):
        yield block[n % 256 :] + block[: n % 256]


def test_round_trip_several_megabytes_streamed(store: BlobStore) -> None:
    expected = hashlib.sha384()
    for piece in _pattern(5, 64 * 1024):
        expected.update(piece)
    blob_id, size = store.put(_pattern(5, 64 * 1024))
    assert (blob_id, size) == (expected.hexdigest(), 5 * MB)
    pieces = list(store.read(blob_id))
    assert len(pieces) == 5  # read back in bounded (1 MB) pieces, not all at once
    assert max(len(p) for p in pieces) <= MB
    got = hashlib.sha384()
    for piece in pieces:
        got.update(piece)
    assert got.hexdigest() == blob_id
    path = store.root / blob_id[:2] / blob_id
    assert path.stat().st_size == 5 * MB


def test_same_bytes_same_id_one_file(store: BlobStore) -> None:
    first = store.put([b"imagery"])
    second = store.put([b"ima", b"gery"])
    third = store.put([b"imagerY"])
    assert first == second
    assert third[0] != first[0]
    assert len(_stored_files(store)) == 2
    assert _leftovers(store) == []


def test_a_blob_altered_on_disk_is_detected(store: BlobStore) -> None:
    blob_id, _ = store.put([b"Sunan airfield, 39.2N 125.7E"])
    path = store.root / blob_id[:2] / blob_id
    data = bytearray(path.read_bytes())
    data[0] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(IntegrityError, match="altered on disk"):
        b"".join(store.read(blob_id))


def test_a_truncated_blob_is_detected(store: BlobStore) -> None:
    blob_id, _ = store.put([b"x" * 3000])
    path = store.root / blob_id[:2] / blob_id
    path.write_bytes(path.read_bytes()[:-1])
    with pytest.raises(IntegrityError):
        list(store.read(blob_id))


def test_a_missing_blob_is_not_found(store: BlobStore) -> None:
    blob_id, _ = store.put([b"to be lost"])
    (store.root / blob_id[:2] / blob_id).unlink()
    assert not store.exists(blob_id)
    with pytest.raises(NotFound, match="missing"):
        list(store.read(blob_id))


@pytest.mark.parametrize(
    "blob_id",
    [
        pytest.param("", id="empty"),
        pytest.param("0" * 95, id="too short"),
        pytest.param("0" * 97, id="too long"),
        pytest.param("A" * 96, id="upper case"),
        pytest.param("../" + "0" * 93, id="path traversal"),
        pytest.param("g" * 96, id="not hex"),
        pytest.param("0" * 96 + "\n", id="trailing newline"),
    ],
)
def test_a_bad_blob_id_is_not_found(store: BlobStore, blob_id: str) -> None:
    assert not store.exists(blob_id)
    with pytest.raises(NotFound):
        list(store.read(blob_id))
    with pytest.raises(NotFound):
        store.delete(blob_id)


def test_delete(store: BlobStore) -> None:
    blob_id, _ = store.put([b"destroy me"])
    store.delete(blob_id)
    assert not store.exists(blob_id)
    store.delete(blob_id)  # already gone: no error


def _failing(after: int, error: Exception) -> Iterator[bytes]:
    for _ in range(after):
        yield b"y" * 1024
    raise error


def test_a_failed_write_is_a_storage_error_and_leaves_nothing(store: BlobStore) -> None:
    with pytest.raises(StorageError, match="cannot write blob"):
        store.put(_failing(3, OSError(28, "No space left on device")))
    assert _leftovers(store) == []
    assert _stored_files(store) == []


def test_a_failing_source_leaves_nothing(store: BlobStore) -> None:
    with pytest.raises(ValueError, match="source broke"):
        store.put(_failing(2, ValueError("source broke")))
    assert _leftovers(store) == []
    assert _stored_files(store) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root ignores directory permissions")
def test_an_unwritable_store_is_a_storage_error(store: BlobStore) -> None:
    store.root.chmod(0o500)
    try:
        with pytest.raises(StorageError):
            store.put([b"x"])
    finally:
        store.root.chmod(0o700)

"""Files the node parses are refused unread above their documented size (issue 10, item 10)."""

from __future__ import annotations

import io
import tracemalloc
from pathlib import Path

import pytest

from accord.errors import InvalidInput, NotFound
from accord.limits import (
    MAX_BINDING_XML_BYTES,
    MAX_BUNDLE_JSON_BYTES,
    MAX_DOCUMENT_BYTES,
    MAX_SUMMARY_BYTES,
    MAX_TEXT_BYTES,
    MAX_USER_API_BODY_BYTES,
    read_bounded,
)


class _Endless(io.RawIOBase):
    """A stream with no size that never ends (like /dev/zero); counts what was read."""

    def __init__(self) -> None:
        self.read_bytes = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: bytearray | memoryview) -> int:  # type: ignore[override]
        n = len(buffer)
        buffer[:n] = b"x" * n
        self.read_bytes += n
        return n


def _sparse(path: Path, size: int) -> Path:
    with path.open("wb") as handle:
        handle.truncate(size)
    return path


def test_a_file_within_the_limit_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "label.json"
    path.write_bytes(b"x" * 1000)
    assert read_bounded(path, limit=1000, what="label file") == b"x" * 1000


def test_an_oversized_file_is_refused_before_it_is_read(tmp_path: Path) -> None:
    path = _sparse(tmp_path / "huge.json", 50 * 1024 * 1024)
    tracemalloc.start()
    try:
        with pytest.raises(InvalidInput) as info:
            read_bounded(path, limit=MAX_DOCUMENT_BYTES, what="label file huge.json")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert str(info.value) == (
        "label file huge.json is larger than 1 MiB (52,428,800 bytes), the most Accord reads for it"
    )
    assert peak < 64 * 1024  # nothing of the file was read


def test_one_byte_over_the_limit_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "note.json"
    path.write_bytes(b"x" * 1001)
    with pytest.raises(InvalidInput, match="larger than 1,000 bytes"):
        read_bounded(path, limit=1000, what="note")


def test_a_stream_without_a_size_is_read_at_most_one_byte_past_the_limit() -> None:
    stream = _Endless()
    with pytest.raises(InvalidInput, match="larger than 1 KiB"):
        read_bounded(stream, limit=1024, what="pipe")  # type: ignore[arg-type]
    assert stream.read_bytes == 1025


def test_a_stream_whose_declared_size_is_too_large_is_not_read() -> None:
    stream = _Endless()
    with pytest.raises(InvalidInput, match=r"bundle member transmission.json is larger than 256 MiB \("):
        read_bounded(
            stream,  # type: ignore[arg-type]
            limit=MAX_BUNDLE_JSON_BYTES,
            what="bundle member transmission.json",
            size=MAX_BUNDLE_JSON_BYTES + 1,
        )
    assert stream.read_bytes == 0


def test_a_device_without_a_size_is_refused_in_bounded_memory() -> None:
    if not Path("/dev/zero").exists():
        pytest.skip("no /dev/zero")
    with pytest.raises(InvalidInput, match="larger than"):
        read_bounded(Path("/dev/zero"), limit=4096, what="label file /dev/zero")


def test_a_missing_file_or_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="cannot read label file"):
        read_bounded(tmp_path / "absent.json", limit=10, what="label file")
    with pytest.raises(InvalidInput, match="is a folder"):
        read_bounded(tmp_path, limit=10, what="label file")


def test_the_documented_limits() -> None:
    assert (MAX_DOCUMENT_BYTES, MAX_TEXT_BYTES, MAX_SUMMARY_BYTES, MAX_BUNDLE_JSON_BYTES) == (
        2**20,
        4 * 2**20,
        64 * 2**20,
        256 * 2**20,
    )
    assert MAX_USER_API_BODY_BYTES == 64 * 1024
    assert MAX_BINDING_XML_BYTES == 8 * 2**20
    errors_page = (Path(__file__).parents[2] / "docs" / "errors.md").read_text(encoding="utf-8")
    for words in ("1 MiB", "4 MiB", "8 MiB", "64 MiB", "256 MiB", "64 KiB"):
        assert words in errors_page

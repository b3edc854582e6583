"""Offline bundles: envelopes (or receipts) in one signed file for an air-gapped link.

A bundle is an uncompressed POSIX tar, written whole to ``FILE.part`` and renamed, holding:

* JSON members — ``transmission.json`` (a signed :class:`Transmission`) or ``receipts.json``
  (a signed :class:`ReceiptBatch`);
* ``blobs/<sha384>`` — the sealed attachment blobs the envelopes refer to (content
  addressed: the name is the SHA-384 of the bytes);
* ``manifest.json`` last — kind, sender, recipient, time, and the name, size and SHA-384 of
  every other member, signed by the sender with both keys (purpose ``bundle``).

Reading is defensive: only regular members with the expected names, JSON members capped
in size, blobs streamed in bounded memory to a callback, no path ever taken from the file
to the file system. Every member's digest is checked against the signed manifest.

A file carried through an air gap is verified **whole**, not only its members: every byte
that is not a member's content is fixed by the signed names and sizes. Each member's
header (with its PAX header) must be exactly the one this writer produces for that name
and size, members must follow one another with nothing between them, the padding to
each 512-byte block and the end of the archive (two zero blocks, zeros to the 10 KiB
record) must be zeros, the file must end there, and the manifest must be the canonical
JSON of what it says. So flipping any byte of a bundle gets it refused.

The file is written readable by its owner only (0600), like the node's keys: it holds
classified envelopes (sealed, but still not for other accounts of the machine).
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import tarfile
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Final

from accord.canonical import canonical_json, loads_object
from accord.crypto import DualSignature, SigningKeys, VerifyKeys
from accord.errors import InvalidInput, StorageError, VerificationFailed
from accord.limits import MAX_BUNDLE_JSON_BYTES, read_bounded
from accord.private_files import private_file

__all__ = ["BUNDLE_FORMAT", "BlobMember", "Bundle", "read_bundle", "write_bundle"]

BUNDLE_FORMAT: Final = "accord-bundle/1"
_KINDS = frozenset({"transmission", "receipts"})
_JSON_NAMES = frozenset({"transmission.json", "receipts.json"})
_BLOB_NAME = re.compile(r"blobs/([0-9a-f]{96})")
_PIECE = 1024 * 1024
_FORMAT: Final = tarfile.PAX_FORMAT
_ENCODING: Final = "utf-8"
_ERRORS: Final = "surrogateescape"
_BLOCK: Final = tarfile.BLOCKSIZE  # 512
_RECORD: Final = tarfile.RECORDSIZE  # 20 blocks: tar pads the end of an archive to it
_ALTERED: Final = "the bundle was altered outside its signed members"


@dataclass(frozen=True)
class BlobMember:
    """A blob to put in a bundle: its id (SHA-384), size and a way to read it."""

    blob_id: str
    size: int
    read: Callable[[], Iterable[bytes]]


@dataclass(frozen=True)
class Bundle:
    """A bundle that has been read and checked against its signed manifest."""

    kind: str
    sender: str
    recipient: str
    created: str
    json_members: dict[str, bytes]
    blob_ids: tuple[str, ...] = field(default=())


def _manifest_statement(
    kind: str, sender: str, recipient: str, created: str, members: Sequence[object]
) -> bytes:
    return canonical_json(
        {
            "format": BUNDLE_FORMAT,
            "kind": kind,
            "sender": sender,
            "recipient": recipient,
            "created": created,
            "members": list(members),
        }
    )


class _Hashing(io.RawIOBase):
    """A readable stream over pieces that hashes what is read (for tar's addfile)."""

    def __init__(self, pieces: Iterable[bytes]) -> None:
        self._pieces: Iterator[bytes] = iter(pieces)
        self._buffer = b""
        self.digest = hashlib.sha384()
        self.count = 0

    def readable(self) -> bool:
        return True

    def readinto(self, target: bytearray | memoryview) -> int:  # type: ignore[override]
        while not self._buffer:
            try:
                self._buffer = next(self._pieces)
            except StopIteration:
                return 0
        n = min(len(target), len(self._buffer))
        target[:n] = self._buffer[:n]
        self.digest.update(self._buffer[:n])
        self.count += n
        self._buffer = self._buffer[n:]
        return n


class _Counting:
    """Reads a member in pieces, hashing and counting what passes."""

    def __init__(self, handle: IO[bytes]) -> None:
        self._handle = handle
        self.digest = hashlib.sha384()
        self.count = 0

    def pieces(self) -> Iterator[bytes]:
        while piece := self._handle.read(_PIECE):
            self.digest.update(piece)
            self.count += len(piece)
            yield piece

    def drain(self) -> None:
        for _ in self.pieces():
            pass


def write_bundle(path: Path, bundle: Bundle, *, keys: SigningKeys, blobs: Sequence[BlobMember] = ()) -> int:
    """Write ``bundle`` to ``path`` (atomically), signed with ``keys``; return its size in bytes.

    The blobs are streamed from ``blobs``, which must be the ones ``bundle.blob_ids`` names, in order.

    Raises:
        InvalidInput: unknown kind or member name, or ``blobs`` not those of ``bundle.blob_ids``.
        StorageError: the file cannot be written (nothing is left behind).
    """
    kind, sender, recipient, created = bundle.kind, bundle.sender, bundle.recipient, bundle.created
    json_members = bundle.json_members
    if kind not in _KINDS or not set(json_members) <= _JSON_NAMES:
        raise InvalidInput(f"bundle kind {kind!r} or members {sorted(json_members)} not allowed")
    if bundle.blob_ids != tuple(blob.blob_id for blob in blobs):
        raise InvalidInput("the blobs streamed into a bundle must be the ones it names")
    members: list[dict[str, object]] = []
    try:
        with (
            private_file(path, sync=True) as out,
            tarfile.open(fileobj=out, mode="w", format=_FORMAT, encoding=_ENCODING, errors=_ERRORS) as tar,
        ):
            for name, data in sorted(json_members.items()):
                _add_bytes(tar, name, data)
                members.append({"name": name, "size": len(data), "sha384": hashlib.sha384(data).hexdigest()})
            for blob in blobs:
                info = _member_info(f"blobs/{blob.blob_id}", blob.size)
                stream = _Hashing(blob.read())
                tar.addfile(info, io.BufferedReader(stream, buffer_size=_PIECE))
                if stream.count != blob.size or stream.digest.hexdigest() != blob.blob_id:
                    raise StorageError(f"blob {blob.blob_id[:16]}… changed while it was being bundled")
                members.append({"name": info.name, "size": blob.size, "sha384": blob.blob_id})
            statement = _manifest_statement(kind, sender, recipient, created, members)
            signature = keys.sign("bundle", statement)
            manifest = canonical_json(
                {
                    "format": BUNDLE_FORMAT,
                    "kind": kind,
                    "sender": sender,
                    "recipient": recipient,
                    "created": created,
                    "members": members,
                    "signature": signature.to_dict(),
                }
            )
            _add_bytes(tar, "manifest.json", manifest)
        return path.stat().st_size
    except OSError as exc:
        raise StorageError(f"cannot write bundle {path}: {exc.strerror or exc}") from exc


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    tar.addfile(_member_info(name, len(data)), io.BytesIO(data))


def _member_info(name: str, size: int) -> tarfile.TarInfo:
    """The header of a member: only its name and size vary (time 0, mode 0644, no owner)."""
    info = tarfile.TarInfo(name)
    info.size = size
    return info


def _header_bytes(name: str, size: int) -> bytes:
    """The exact bytes the writer puts before a member's content (PAX header included)."""
    return _member_info(name, size).tobuf(_FORMAT, _ENCODING, _ERRORS)


class _Layout:
    """Checks, member by member, that no byte outside the members' contents was changed.

    The reader hands it each member as tar parsed it; it reads the raw bytes around the
    member from the same file: the header must be exactly :func:`_header_bytes` of the
    parsed name and size (which the manifest signs), start where the previous member's
    padding ended, and the padding must be zeros.
    """

    def __init__(self, raw: IO[bytes]) -> None:
        self._raw = raw
        self.end = 0  # where the next member's header must start

    def member(self, info: tarfile.TarInfo) -> None:
        """Check the header of ``info`` and the padding after its content.

        Raises:
            VerificationFailed: a header byte, the position or the padding is not as written.
        """
        expected = _header_bytes(info.name, info.size)
        if info.offset != self.end or info.offset_data - info.offset != len(expected):
            raise VerificationFailed(f"{_ALTERED}: bytes before member {info.name!r}")
        self._raw.seek(info.offset)
        if self._raw.read(len(expected)) != expected:
            raise VerificationFailed(f"{_ALTERED}: the header of member {info.name!r}")
        content_end = info.offset_data + info.size
        self.end = -(-content_end // _BLOCK) * _BLOCK
        self._zeros(content_end, self.end, f"the padding after member {info.name!r}")

    def finish(self) -> None:
        """Check the end of the archive: zeros to the record, then the end of the file.

        Raises:
            VerificationFailed: a byte of the end is not zero, or the file is longer or shorter.
        """
        size = -(-(self.end + 2 * _BLOCK) // _RECORD) * _RECORD
        self._raw.seek(0, os.SEEK_END)
        if self._raw.tell() != size:
            raise VerificationFailed(f"{_ALTERED}: the file does not end where the archive ends")
        self._zeros(self.end, size, "the end of the archive")

    def _zeros(self, start: int, stop: int, where: str) -> None:
        self._raw.seek(start)
        if self._raw.read(stop - start).strip(b"\0"):
            raise VerificationFailed(f"{_ALTERED}: {where}")


def read_bundle(
    path: Path,
    *,
    keys_of: Callable[[str], VerifyKeys],
    on_blob: Callable[[str, int, Iterator[bytes]], None],
) -> Bundle:
    """Read and check a bundle: members against the manifest, the manifest's signature.

    ``keys_of(sender)`` returns the pinned keys of the node the manifest names (and raises
    if it is unknown). Blobs are handed to ``on_blob(blob_id, size, pieces)`` as they are
    read; the receiver must verify them by their name (the blob store does).

    Raises:
        InvalidInput: not a bundle, unexpected or oversized members, malformed manifest.
        VerificationFailed: a member does not match the manifest, the signature fails, or
            a byte outside the members (header, padding, end of the archive) was altered.
        NotFound: the sender is unknown (from ``keys_of``).
    """
    seen: list[dict[str, object]] = []
    json_members: dict[str, bytes] = {}
    blob_ids: list[str] = []
    manifest: dict[str, object] | None = None
    manifest_bytes = b""
    try:
        with path.open("rb") as raw, tarfile.open(fileobj=raw, mode="r:") as tar:
            layout = _Layout(raw)
            for info in tar:
                if manifest is not None:
                    raise InvalidInput("bundle has members after its manifest")
                if not info.isreg():
                    raise InvalidInput(f"bundle member {info.name!r} is not a regular file")
                handle = tar.extractfile(info)
                if handle is None:
                    raise InvalidInput(f"bundle member {info.name!r} cannot be read")
                if info.name == "manifest.json" or info.name in _JSON_NAMES:
                    layout.member(info)
                    data = read_bounded(
                        handle, limit=MAX_BUNDLE_JSON_BYTES, what=f"bundle member {info.name}", size=info.size
                    )
                    if info.name == "manifest.json":
                        manifest, manifest_bytes = loads_object(data, "bundle manifest"), data
                        continue
                    json_members[info.name] = data
                    seen.append(
                        {"name": info.name, "size": len(data), "sha384": hashlib.sha384(data).hexdigest()}
                    )
                    continue
                match = _BLOB_NAME.fullmatch(info.name)
                if match is None:
                    raise InvalidInput(f"unexpected bundle member {info.name!r}")
                layout.member(info)
                reader = _Counting(handle)
                on_blob(match.group(1), info.size, reader.pieces())
                reader.drain()  # whatever the callback did not read still counts
                seen.append({"name": info.name, "size": reader.count, "sha384": reader.digest.hexdigest()})
                blob_ids.append(match.group(1))
            if manifest is None:
                raise InvalidInput("bundle has no manifest")
            layout.finish()
    except (tarfile.TarError, OSError, EOFError) as exc:
        raise InvalidInput(f"{path} is not a readable bundle: {exc}") from exc
    bundle = _checked(manifest, seen, json_members, tuple(blob_ids), keys_of)
    if canonical_json(manifest) != manifest_bytes:
        raise VerificationFailed(f"{_ALTERED}: the manifest is not as it was signed")
    return bundle


def _checked(
    manifest: dict[str, object],
    seen: list[dict[str, object]],
    json_members: dict[str, bytes],
    blob_ids: tuple[str, ...],
    keys_of: Callable[[str], VerifyKeys],
) -> Bundle:
    expected = {"format", "kind", "sender", "recipient", "created", "members", "signature"}
    if set(manifest) != expected or manifest["format"] != BUNDLE_FORMAT:
        raise InvalidInput(f"bundle manifest must have exactly {sorted(expected)} and format {BUNDLE_FORMAT}")
    kind, sender, recipient, created = (manifest[k] for k in ("kind", "sender", "recipient", "created"))
    members, signature = manifest["members"], manifest["signature"]
    if not (isinstance(kind, str) and isinstance(sender, str) and isinstance(recipient, str)):
        raise InvalidInput("bundle manifest: kind, sender and recipient must be text")
    if not isinstance(created, str) or not isinstance(members, list) or not isinstance(signature, dict):
        raise InvalidInput("bundle manifest has fields of the wrong type")
    if kind not in _KINDS:
        raise InvalidInput(f"bundle kind {kind!r} is unknown")
    keys_of(sender).verify(
        "bundle",
        _manifest_statement(kind, sender, recipient, created, members),
        DualSignature.from_dict(signature),
    )
    if members != seen:
        raise VerificationFailed(
            "bundle members do not match its signed manifest (altered, added or removed)"
        )
    return Bundle(kind, sender, recipient, created, json_members, blob_ids)

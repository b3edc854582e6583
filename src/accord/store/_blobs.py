"""Content-addressed blob store for attachments, streamed with bounded memory.

Blobs arrive already encrypted (the node seals them with the streaming AEAD before they
reach the store), so the store never sees plaintext. A blob is named by the SHA-384 of
the bytes stored, written to a temporary file, synced, then renamed into place: a crash
leaves either the whole blob or nothing (the temporary file of a writer that was killed is
removed when the store is next opened). Reading checks the digest again.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
from collections.abc import Iterable, Iterator
from pathlib import Path

from accord.errors import IntegrityError, InvalidInput, NotFound, StorageError

__all__ = ["BlobStore"]

_BLOB_ID = re.compile(r"[0-9a-f]{96}")
_READ_SIZE = 1024 * 1024


class BlobStore:
    """Encrypted blobs under ``root``, named by SHA-384 of their stored bytes."""

    def __init__(self, root: Path) -> None:
        """Use ``root`` (created if missing)."""
        self.root = root
        self.root.mkdir(parents=True, exist_ok=True)
        self._sweep_abandoned()

    def _sweep_abandoned(self) -> None:
        # A process killed while writing a blob (kill -9, power cut) leaves its temporary
        # file behind; files are named after the writer's pid, so those of dead writers go.
        tmp_dir = self.root / "tmp"
        if os.name != "posix" or not tmp_dir.is_dir():
            return
        for path in tmp_dir.glob("upload-*-*"):
            pid = path.name.split("-")[1]
            if pid.isdigit() and not _alive(int(pid)):
                with contextlib.suppress(OSError):  # a file we may not remove stays; no harm
                    path.unlink(missing_ok=True)

    def _path(self, blob_id: str) -> Path:
        if not _BLOB_ID.fullmatch(blob_id):
            raise NotFound(f"no blob {blob_id!r}")
        return self.root / blob_id[:2] / blob_id

    def put(self, pieces: Iterable[bytes]) -> tuple[str, int]:
        """Store a stream of bytes; return its id (SHA-384 hex) and size.

        Raises:
            StorageError: the file system failed; nothing is left behind.
        """
        digest = hashlib.sha384()
        size = 0
        tmp_dir = self.root / "tmp"
        tmp_dir.mkdir(exist_ok=True)
        tmp = tmp_dir / f"upload-{os.getpid()}-{os.urandom(8).hex()}"
        try:
            with tmp.open("wb") as handle:
                for piece in pieces:
                    digest.update(piece)
                    size += len(piece)
                    handle.write(piece)
                handle.flush()
                os.fsync(handle.fileno())
            blob_id = digest.hexdigest()
            final = self._path(blob_id)
            final.parent.mkdir(exist_ok=True)
            tmp.replace(final)
        except OSError as exc:
            raise StorageError(f"cannot write blob: {exc}") from exc
        finally:
            tmp.unlink(missing_ok=True)
        return blob_id, size

    def exists(self, blob_id: str) -> bool:
        """Whether the blob is present."""
        try:
            return self._path(blob_id).is_file()
        except NotFound:
            return False

    def read(self, blob_id: str) -> Iterator[bytes]:
        """Yield the blob's bytes in pieces; check its digest at the end.

        Raises:
            NotFound: no such blob.
            IntegrityError: the stored bytes no longer match their name.
        """
        path = self._path(blob_id)
        if not path.is_file():
            raise NotFound(f"blob {blob_id[:16]}… is missing from the blob store")
        digest = hashlib.sha384()
        with path.open("rb") as handle:
            while piece := handle.read(_READ_SIZE):
                digest.update(piece)
                yield piece
        if digest.hexdigest() != blob_id:
            raise IntegrityError(f"blob {blob_id[:16]}… was altered on disk")

    def delete(self, blob_id: str) -> None:
        """Remove a blob if present."""
        self._path(blob_id).unlink(missing_ok=True)

    # --- resumable uploads from a peer ------------------------------------------------

    def size(self, blob_id: str) -> int:
        """Size of a complete blob.

        Raises:
            NotFound: no such blob.
        """
        path = self._path(blob_id)
        if not path.is_file():
            raise NotFound(f"blob {blob_id[:16]}… is missing from the blob store")
        return path.stat().st_size

    def _partial(self, blob_id: str) -> Path:
        self._path(blob_id)  # validates the id
        folder = self.root / "partial"
        folder.mkdir(exist_ok=True)
        return folder / blob_id

    def received(self, blob_id: str) -> int:
        """How many bytes of an upload have arrived (the whole size once complete)."""
        path = self._path(blob_id)
        if path.is_file():
            return path.stat().st_size
        partial = self._partial(blob_id)
        return partial.stat().st_size if partial.is_file() else 0

    def append(self, blob_id: str, offset: int, total: int, pieces: Iterable[bytes], *, limit: int) -> int:
        """Append part of an upload at ``offset``; complete it when ``total`` bytes are in.

        A completed upload is checked against its name (SHA-384 of its bytes) before it is
        moved into place; uploads resume where they stopped (the sender asks
        :meth:`received` first). Returns the number of bytes held after this part.

        Raises:
            InvalidInput: ``offset`` is not where the upload stands, or the size exceeds
                ``total`` or ``limit``.
            IntegrityError: the complete upload does not hash to its name (it is discarded).
            StorageError: the file system failed.
        """
        if total < 0 or total > limit:
            raise InvalidInput(f"upload of {total} bytes exceeds the limit of {limit}")
        if self.exists(blob_id):
            for _ in pieces:
                pass
            return self.size(blob_id)
        partial = self._partial(blob_id)
        have = partial.stat().st_size if partial.is_file() else 0
        if offset != have:
            raise InvalidInput(f"upload resumes at {have}, not {offset}")
        try:
            with partial.open("ab") as handle:
                for piece in pieces:
                    have += len(piece)
                    if have > total:
                        raise InvalidInput(f"upload is longer than the {total} bytes announced")
                    handle.write(piece)
                handle.flush()
                os.fsync(handle.fileno())
        except OSError as exc:
            raise StorageError(f"cannot write upload: {exc}") from exc
        if have == total:
            self._complete(blob_id, partial)
        return have

    def _complete(self, blob_id: str, partial: Path) -> None:
        digest = hashlib.sha384()
        with partial.open("rb") as handle:
            while piece := handle.read(_READ_SIZE):
                digest.update(piece)
        if digest.hexdigest() != blob_id:
            partial.unlink(missing_ok=True)
            raise IntegrityError(f"upload {blob_id[:16]}… does not hash to its name; discarded")
        final = self._path(blob_id)
        final.parent.mkdir(exist_ok=True)
        partial.replace(final)

    def discard_partial(self, blob_id: str) -> None:
        """Forget a half-done upload of ``blob_id`` (a complete blob is kept)."""
        self._partial(blob_id).unlink(missing_ok=True)

    def read_from(self, blob_id: str, offset: int) -> Iterator[bytes]:
        """Yield a complete blob's bytes from ``offset`` on (for resuming a transfer).

        Raises:
            NotFound: no such blob.
        """
        path = self._path(blob_id)
        if not path.is_file():
            raise NotFound(f"blob {blob_id[:16]}… is missing from the blob store")
        with path.open("rb") as handle:
            handle.seek(offset)
            while piece := handle.read(_READ_SIZE):
                yield piece


def _alive(pid: int) -> bool:
    """Whether a process with this id exists (POSIX)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    return True

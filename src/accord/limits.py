"""How large a file or body the node parses may be, and the one way to read it within that.

Every file a person or a partner hands the node (a label, an identity card, an agreement and
its signatures, a note, a proof, a holdings summary, an item's body or translation, a member
of an offline bundle, the node's own configuration and keys) is read with
:func:`read_bounded`, which refuses an oversized file *before* reading it: the size is taken
from the open file (``fstat``) or the archive's header, and whatever has no size (a pipe, a
device) is read at most one byte past the limit. So a 50 MB "label" is refused at once, in
constant memory, instead of being read whole and then found wrong (issue 10, item 10).
The limits are documented in ``docs/errors.md``; the HTTP bodies of the user API are capped
by :data:`MAX_USER_API_BODY_BYTES`, but for the importers' routes, which take what their CLI
commands read from a file (:data:`IMPORTER_BODY_CAPS`, :func:`user_api_body_cap`), and a
peer's transmissions by the peer API's own cap.
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Final

from accord.errors import InvalidInput, NotFound

__all__ = [
    "IMPORTER_BODY_CAPS",
    "MAX_BINDING_XML_BYTES",
    "MAX_BUNDLE_JSON_BYTES",
    "MAX_CONSOLE_BODY_BYTES",
    "MAX_DOCUMENT_BYTES",
    "MAX_MISP_BODY_BYTES",
    "MAX_NUMBER",
    "MAX_STANAG4778_BODY_BYTES",
    "MAX_STIX_BODY_BYTES",
    "MAX_SUMMARY_BYTES",
    "MAX_TAXII_BODY_BYTES",
    "MAX_TEXT_BYTES",
    "MAX_USER_API_BODY_BYTES",
    "BodyCap",
    "bounded_number",
    "read_bounded",
    "user_api_body_cap",
]

_MiB: Final = 1024 * 1024

MAX_DOCUMENT_BYTES: Final = 1 * _MiB
"""A label, identity card, agreement, signature, note, proof, or the node's config and keys."""

MAX_BINDING_XML_BYTES: Final = 8 * _MiB
"""A STANAG 4778 binding document: an item's body (:data:`MAX_TEXT_BYTES`) in base64, and its labels."""

MAX_TEXT_BYTES: Final = 4 * _MiB
"""An item's body or a translation (UTF-8 text)."""

MAX_SUMMARY_BYTES: Final = 64 * _MiB
"""A partner's signed holdings summary (one entry per holding)."""

MAX_BUNDLE_JSON_BYTES: Final = 256 * _MiB
"""The envelopes (or receipts) and the manifest of one offline bundle; blobs are streamed."""

MAX_USER_API_BODY_BYTES: Final = 64 * 1024
"""The body of one request to the user API (413 above it)."""

MAX_STIX_BODY_BYTES: Final = 4 * _MiB
"""``POST /api/v1/stix``: a STIX bundle, as large as ``accord stix import`` reads from a file."""

MAX_TAXII_BODY_BYTES: Final = 4 * _MiB
"""A TAXII POST to a collection's objects: an envelope, as large as a STIX bundle (the API root
advertises it as ``max_content_length``)."""

MAX_MISP_BODY_BYTES: Final = 5 * _MiB
"""``POST /api/v1/misp``: the MISP events (4 MiB, as ``accord misp import`` reads from a file)
and the classification map (:data:`MAX_DOCUMENT_BYTES`), in one JSON object."""

MAX_STANAG4778_BODY_BYTES: Final = MAX_BINDING_XML_BYTES
"""``POST /api/v1/stanag4778``: a binding document, as large as ``accord item import-4778`` reads."""


@dataclass(frozen=True)
class BodyCap:
    """A cap on the body of the user API requests of one method to the paths ``path`` matches."""

    method: str
    path: str
    """A regular expression matched against the whole path."""
    limit: int
    what: str
    """What such a body is, for the refusal: ``a STIX bundle``."""


IMPORTER_BODY_CAPS: Final = (
    BodyCap("POST", "/api/v1/stix", MAX_STIX_BODY_BYTES, "a STIX bundle"),
    BodyCap("POST", "/api/v1/misp", MAX_MISP_BODY_BYTES, "a MISP import (map and events)"),
    BodyCap("POST", "/api/v1/stanag4778", MAX_STANAG4778_BODY_BYTES, "a STANAG 4778 binding"),
    BodyCap("POST", "/taxii2/api/collections/[^/]+/objects/", MAX_TAXII_BODY_BYTES, "a TAXII envelope"),
)
"""The user API routes whose bodies may be larger than :data:`MAX_USER_API_BODY_BYTES`: the
importers, each up to what its CLI command reads from a file."""

_ANY_BODY: Final = BodyCap("*", ".*", MAX_USER_API_BODY_BYTES, "a request body")
_IMPORTERS: Final = tuple((re.compile(cap.path), cap) for cap in IMPORTER_BODY_CAPS)


def user_api_body_cap(method: str, path: str) -> BodyCap:
    """The cap on the body of a user API request: an importer's, or :data:`MAX_USER_API_BODY_BYTES`."""
    for pattern, cap in _IMPORTERS:
        if method == cap.method and pattern.fullmatch(path):
            return cap
    return _ANY_BODY


MAX_NUMBER: Final = 2**62
"""The largest number a caller may give the node: an offset, a page size, a journal sequence number,
an attachment position. Far beyond anything stored, and below the 64-bit integers of SQLite and
PostgreSQL (2**63 - 1) with room to spare (a page asks for one row more than its size): a larger
one is refused as bad input instead of overflowing the database driver (issue: huge numbers)."""


def bounded_number(value: int, what: str, *, least: int = 0) -> int:
    """``value`` if it lies between ``least`` and :data:`MAX_NUMBER`; checked before any SQL.

    Args:
        value: The number given.
        what: What it is, for the message, e.g. ``"a listing's offset"``.
        least: The smallest accepted value.

    Raises:
        InvalidInput: it is smaller than ``least`` or larger than :data:`MAX_NUMBER`.
    """
    if value < least:
        raise InvalidInput(f"{what} must be at least {least} (got {value})")
    if value > MAX_NUMBER:
        raise InvalidInput(f"{what} must be at most {MAX_NUMBER} (got a number of {len(str(value))} digits)")
    return value


MAX_CONSOLE_BODY_BYTES: Final = 64 * _MiB
"""The body of one request to the web console, attachments of a new item included (413 above it)."""

_PIECE: Final = 1024 * 1024


def _size_words(size: int) -> str:
    if size >= _MiB and size % _MiB == 0:
        return f"{size // _MiB} MiB"
    if size >= 1024 and size % 1024 == 0:
        return f"{size // 1024} KiB"
    return f"{size:,} bytes"


def _too_large(what: str, limit: int, size: int | None) -> InvalidInput:
    told = f" ({size:,} bytes)" if size is not None else ""
    return InvalidInput(f"{what} is larger than {_size_words(limit)}{told}, the most Accord reads for it")


def _read_at_most(handle: IO[bytes], limit: int, what: str) -> bytes:
    data = bytearray()
    while len(data) <= limit:
        piece = handle.read(min(_PIECE, limit + 1 - len(data)))
        if not piece:
            return bytes(data)
        data += piece
    raise _too_large(what, limit, None)


def read_bounded(source: Path | IO[bytes], *, limit: int, what: str, size: int | None = None) -> bytes:
    """Reads a whole file, or refuses it unread when it is larger than ``limit`` bytes.

    A path is opened and its size taken from the open file before anything is read; an open
    stream is checked against ``size`` when the caller knows it (a tar member's header). In
    every case at most ``limit + 1`` bytes are read, so a file that grows, or that has no
    size (a pipe), is refused in bounded memory too.

    Args:
        source: The file's path, or an open binary stream.
        limit: The largest size accepted, in bytes (see the ``MAX_*`` constants).
        what: What the file is, for the message, e.g. ``"label file x.json"``.
        size: The stream's declared size, if known.

    Returns:
        The file's bytes.

    Raises:
        InvalidInput: the file is larger than ``limit`` bytes, or is a folder.
        NotFound: the path cannot be opened or read.
    """
    if size is not None and size > limit:
        raise _too_large(what, limit, size)
    if not isinstance(source, Path):
        return _read_at_most(source, limit, what)
    try:
        with source.open("rb") as handle:
            info = os.fstat(handle.fileno())
            if stat.S_ISDIR(info.st_mode):
                raise InvalidInput(f"{what} is a folder, not a file")
            if stat.S_ISREG(info.st_mode) and info.st_size > limit:
                raise _too_large(what, limit, info.st_size)
            return _read_at_most(handle, limit, what)
    except IsADirectoryError as exc:
        raise InvalidInput(f"{what} is a folder, not a file") from exc
    except OSError as exc:
        raise NotFound(f"cannot read {what}: {exc.strerror or exc}") from exc

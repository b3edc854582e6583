"""Encodings and digests shared by the crypto package.

Binary values cross every boundary of Accord (JSON identities, envelopes, labels) as
base64url without padding (RFC 4648 §5, as JOSE does), and decoding is strict: only
the canonical encoding of a value is accepted, so one value has exactly one text form.
Data digests are SHA-384 (STANAG 4778 asks for SHA-384 or stronger in a binding).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import re
from collections.abc import Mapping

from accord.errors import InvalidInput

__all__ = ["Sha384Stream", "b64d", "b64e", "sha384_hex"]

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64e(data: bytes) -> str:
    """Encode bytes as base64url without padding.

    Args:
        data: The bytes to encode.

    Returns:
        The ASCII text, alphabet ``A-Z a-z 0-9 - _``, no ``=``.
    """
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64d(text: str) -> bytes:
    """Decode base64url without padding, accepting only the canonical form.

    Args:
        text: Text produced by :func:`b64e`.

    Returns:
        The decoded bytes.

    Raises:
        InvalidInput: If ``text`` is not a string, holds characters outside the
            base64url alphabet, has padding, an impossible length, or non-zero
            trailing bits (a non-canonical encoding).
    """
    if not isinstance(text, str) or _B64URL.fullmatch(text) is None or len(text) % 4 == 1:
        raise InvalidInput("not base64url without padding")
    try:
        data = base64.b64decode(text + "=" * (-len(text) % 4), altchars=b"-_", validate=True)
    except (binascii.Error, ValueError) as exc:
        raise InvalidInput("not base64url without padding") from exc
    if b64e(data) != text:
        raise InvalidInput("not the canonical base64url encoding")
    return data


def sha384_hex(data: bytes) -> str:
    """Return the SHA-384 digest of ``data`` as lowercase hex.

    Args:
        data: The bytes to digest.

    Returns:
        96 lowercase hex digits.
    """
    return hashlib.sha384(data).hexdigest()


class Sha384Stream:
    """Incremental SHA-384, for attachments too large to hold in memory."""

    def __init__(self) -> None:
        """Start an empty digest."""
        self._hash = hashlib.sha384()

    def update(self, data: bytes) -> None:
        """Feed more bytes.

        Args:
            data: The next piece of the data.
        """
        self._hash.update(data)

    def hexdigest(self) -> str:
        """Return the digest of everything fed so far, as lowercase hex.

        Returns:
            96 lowercase hex digits; feeding may continue afterwards.
        """
        return self._hash.hexdigest()


def require_bytes(name: str, value: object, length: int | None = None) -> bytes:
    """Check that ``value`` is ``bytes`` (of ``length``, if given).

    Raises:
        InvalidInput: If it is not.
    """
    if not isinstance(value, bytes):
        raise InvalidInput(f"{name} must be bytes")
    if length is not None and len(value) != length:
        raise InvalidInput(f"{name} must be {length} bytes")
    return value


def field_b64(d: Mapping[str, object], key: str, length: int | None = None) -> bytes:
    """Read one base64url field of a mapping (of ``length`` bytes, if given).

    Raises:
        InvalidInput: If the field is missing, not a string, not base64url, or of the wrong length.
    """
    value = d.get(key)
    if not isinstance(value, str):
        raise InvalidInput(f"{key!r} must be a base64url string")
    return require_bytes(key, b64d(value), length)


def require_keys(d: object, keys: frozenset[str], what: str) -> Mapping[str, object]:
    """Check that ``d`` is a mapping with string keys exactly ``keys``.

    Raises:
        InvalidInput: If it is not a mapping, or has missing or unknown keys.
    """
    if not isinstance(d, Mapping):
        raise InvalidInput(f"{what} must be an object")
    present = set(d)
    if present != keys:
        missing = sorted(keys - present, key=str)
        unknown = sorted(present - keys, key=str)
        raise InvalidInput(f"{what}: missing {missing}, unknown {unknown}")
    return d


def load_json(data: object, what: str) -> object:
    """Parse a small JSON document from bytes.

    Raises:
        InvalidInput: If ``data`` is not bytes holding UTF-8 JSON.
    """
    if not isinstance(data, bytes):
        raise InvalidInput(f"{what} must be bytes")
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, RecursionError) as exc:
        raise InvalidInput(f"{what}: not valid JSON") from exc


def private_document(form: str, secrets: Mapping[str, bytes]) -> bytes:
    """A private key file: compact JSON with sorted keys, its ``format`` and each secret in base64url.

    It is a secret: the caller writes it with mode 0600.
    """
    doc = {"format": form, **{name: b64e(value) for name, value in secrets.items()}}
    return json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("ascii")


def read_private_document(data: object, form: str, keys: frozenset[str], what: str) -> Mapping[str, object]:
    """The fields of a private key file written by :func:`private_document` in ``form``.

    ``keys`` are all its keys, ``format`` included.

    Raises:
        InvalidInput: If ``data`` is not bytes holding that JSON, has other keys, or names
            another format.
    """
    doc = require_keys(load_json(data, what), keys, what)
    if doc["format"] != form:
        raise InvalidInput(f"{what}: unknown format")
    return doc

"""Keyed digests: sub-keys derived from a node key, and keyed tokens for a blind index.

* :func:`derive_key` — HKDF-SHA256 (RFC 5869) from a node key and a purpose label, so one
  stored key yields independent keys for independent uses (the search index key is derived
  from the data key and destroyed with it);
* :func:`keyed_tokens` — HMAC-SHA256 (RFC 2104) of each token under the index key,
  truncated to 64 bits and written in lowercase base32 (13 characters, letters and the
  digits 2–7): what the search index stores instead of words. Without the key a token
  cannot be tested against a guessed word. 64 bits keep the chance that two of a node's
  distinct tokens collide below 10^-7 for a vocabulary of a million tokens (birthday bound);
* :func:`keyed_digest` — the full HMAC-SHA256 of a text, in hex (the journal's digest of a
  query: a plain hash of a two-character query could be reversed by trying them all).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable
from typing import Final

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from accord.crypto._encoding import require_bytes

__all__ = ["derive_key", "keyed_digest", "keyed_tokens"]

_TOKEN_BYTES: Final = 8
_KEY_LEN: Final = 32


def derive_key(key: bytes, purpose: bytes) -> bytes:
    """A 32-byte key for ``purpose``, derived from ``key`` with HKDF-SHA256 (no salt).

    Raises:
        InvalidInput: ``key`` is not bytes.
    """
    require_bytes("key", key)
    return HKDF(algorithm=hashes.SHA256(), length=_KEY_LEN, salt=None, info=purpose).derive(key)


def keyed_tokens(key: bytes, tokens: Iterable[str]) -> list[str]:
    """The keyed form of each token, in order (13 lowercase base32 characters each).

    Raises:
        InvalidInput: ``key`` is not bytes.
    """
    require_bytes("key", key)
    base = hmac.new(key, digestmod=hashlib.sha256)
    out = []
    for token in tokens:
        mac = base.copy()
        mac.update(token.encode("utf-8"))
        out.append(base64.b32encode(mac.digest()[:_TOKEN_BYTES]).decode("ascii").rstrip("=").lower())
    return out


def keyed_digest(key: bytes, text: str) -> str:
    """The HMAC-SHA256 of ``text`` under ``key``, in hex.

    Raises:
        InvalidInput: ``key`` is not bytes.
    """
    require_bytes("key", key)
    return hmac.new(key, text.encode("utf-8"), hashlib.sha256).hexdigest()

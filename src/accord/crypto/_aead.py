"""Authenticated encryption at rest: AES-256-GCM with a random nonce, and key wrapping.

Layout of a sealed value (the spirit of pyca's Fernet: one version byte, then what is
needed to open it)::

    version (1 byte, 0x01) || nonce (12 random bytes) || ciphertext || tag (16 bytes)

The GCM associated data is ``version || domain || 0x00 || aad`` where ``domain`` is
``b"accord-v1:seal"`` for :func:`seal` and ``b"accord-v1:wrap"`` for :func:`wrap_key`,
so a sealed value never opens as a wrapped key and the version byte is authenticated.

A 96-bit random nonce is safe for up to 2**32 seals under one key (NIST SP 800-38D
§8.3); callers seal each item under its own data key from :func:`new_data_key`.
"""

from __future__ import annotations

import secrets
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from accord.crypto._encoding import require_bytes
from accord.errors import VerificationFailed

__all__ = ["new_data_key", "open_sealed", "seal", "unwrap_key", "wrap_key"]

KEY_LEN: Final = 32
NONCE_LEN: Final = 12
TAG_LEN: Final = 16
VERSION: Final = b"\x01"
_SEAL: Final = b"accord-v1:seal"
_WRAP: Final = b"accord-v1:wrap"
_OVERHEAD: Final = len(VERSION) + NONCE_LEN + TAG_LEN


def new_data_key() -> bytes:
    """Return a fresh random 32-byte AES-256 key."""
    return secrets.token_bytes(KEY_LEN)


def _seal_raw(domain: bytes, key: bytes, plaintext: bytes, aad: bytes, nonce: bytes) -> bytes:
    require_bytes("key", key, KEY_LEN)
    require_bytes("plaintext", plaintext)
    require_bytes("aad", aad)
    require_bytes("nonce", nonce, NONCE_LEN)
    return VERSION + nonce + AESGCM(key).encrypt(nonce, plaintext, VERSION + domain + b"\x00" + aad)


def _open_raw(domain: bytes, key: bytes, sealed: bytes, aad: bytes) -> bytes:
    require_bytes("key", key, KEY_LEN)
    require_bytes("aad", aad)
    if not isinstance(sealed, bytes) or len(sealed) < _OVERHEAD or sealed[:1] != VERSION:
        raise VerificationFailed("sealed data does not verify")
    nonce = sealed[1 : 1 + NONCE_LEN]
    try:
        return AESGCM(key).decrypt(nonce, sealed[1 + NONCE_LEN :], VERSION + domain + b"\x00" + aad)
    except InvalidTag as exc:
        raise VerificationFailed("sealed data does not verify") from exc


def _seal_with_nonce(key: bytes, plaintext: bytes, aad: bytes, nonce: bytes) -> bytes:
    """:func:`seal` with a given nonce, for known-answer vectors only; never reuse a nonce."""
    return _seal_raw(_SEAL, key, plaintext, aad, nonce)


def _wrap_with_nonce(kek: bytes, key: bytes, aad: bytes, nonce: bytes) -> bytes:
    """:func:`wrap_key` with a given nonce, for known-answer vectors only."""
    require_bytes("wrapped key", key, KEY_LEN)
    return _seal_raw(_WRAP, kek, key, aad, nonce)


def seal(key: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """Encrypt and authenticate ``plaintext``, binding ``aad``.

    Args:
        key: A 32-byte key from :func:`new_data_key`.
        plaintext: The bytes to protect.
        aad: Associated data that must be given again to open (e.g. the item id).

    Returns:
        ``0x01 || nonce || ciphertext || tag``.

    Raises:
        InvalidInput: If ``key`` is not 32 bytes or an argument is not bytes.
    """
    return _seal_raw(_SEAL, key, plaintext, aad, secrets.token_bytes(NONCE_LEN))


def open_sealed(key: bytes, sealed: bytes, aad: bytes) -> bytes:
    """Decrypt what :func:`seal` produced.

    Args:
        key: The key it was sealed with.
        sealed: The sealed value.
        aad: The associated data it was sealed with.

    Returns:
        The plaintext.

    Raises:
        VerificationFailed: If the value is too short, has an unknown version, was
            altered, or the key or ``aad`` differ.
        InvalidInput: If ``key`` is not 32 bytes or ``aad`` is not bytes.
    """
    return _open_raw(_SEAL, key, sealed, aad)


def wrap_key(kek: bytes, key: bytes, aad: bytes) -> bytes:
    """Encrypt a 32-byte key under a key-encryption key.

    Args:
        kek: The 32-byte key-encryption key.
        key: The 32-byte key to wrap.
        aad: Associated data that must be given again to unwrap.

    Returns:
        The wrapped key (61 bytes, same layout as :func:`seal`).

    Raises:
        InvalidInput: If ``kek`` or ``key`` is not 32 bytes.
    """
    return _wrap_with_nonce(kek, key, aad, secrets.token_bytes(NONCE_LEN))


def unwrap_key(kek: bytes, wrapped: bytes, aad: bytes) -> bytes:
    """Decrypt a key wrapped by :func:`wrap_key`.

    Args:
        kek: The key-encryption key.
        wrapped: The wrapped key.
        aad: The associated data it was wrapped with.

    Returns:
        The 32-byte key.

    Raises:
        VerificationFailed: If the wrapped key was altered, or ``kek`` or ``aad`` differ.
        InvalidInput: If ``kek`` is not 32 bytes.
    """
    key = _open_raw(_WRAP, kek, wrapped, aad)
    if len(key) != KEY_LEN:  # only wrap_key makes values in this domain; defence in depth
        raise VerificationFailed("sealed data does not verify")
    return key

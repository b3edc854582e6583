"""Streaming authenticated encryption for large attachments (imagery).

This is the STREAM construction (Hoang, Reyhanitabar, Rogaway, Vizár, "Online
Authenticated-Encryption and its Nonce-Reuse Misuse-Resistance", CRYPTO 2015) over
AES-256-GCM, the same shape as Tink's streaming AEAD and age's payload:

* the stream starts with an 8-byte header: version ``0x01`` || a 7-byte random nonce prefix;
* the plaintext is cut into chunks of exactly :data:`CHUNK_SIZE` bytes, except the last
  chunk, which holds 0 to :data:`CHUNK_SIZE` bytes;
* chunk ``i`` is sealed with nonce ``prefix || i (4 bytes, big-endian) || last`` where
  ``last`` is ``0x01`` for the final chunk and ``0x00`` otherwise, and associated data
  ``header || b"accord-v1:stream" || 0x00 || aad``.

So a chunk only opens at its own position, in its own stream, with its own ``last`` flag:
reordering, dropping, duplicating or splicing chunks and flipping the flag all fail to
verify, and truncation after a whole chunk is caught because no chunk with ``last = 1``
was seen (:meth:`StreamDecryptor.finish`). Plaintext is released chunk by chunk before
the end is verified: a consumer must treat the output as incomplete until the stream
has finished without error (write to a temporary file, then rename).

Memory stays bounded by about two sealed chunks whatever the attachment's size.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterable, Iterator
from typing import Final

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from accord.crypto._encoding import require_bytes
from accord.errors import InvalidInput, VerificationFailed

__all__ = [
    "CHUNK_SIZE",
    "SEALED_CHUNK_SIZE",
    "StreamDecryptor",
    "StreamEncryptor",
    "decrypt_stream",
    "encrypt_stream",
]

CHUNK_SIZE: Final = 1024 * 1024
TAG_LEN: Final = 16
SEALED_CHUNK_SIZE: Final = CHUNK_SIZE + TAG_LEN
KEY_LEN: Final = 32
PREFIX_LEN: Final = 7
VERSION: Final = b"\x01"
HEADER_LEN: Final = len(VERSION) + PREFIX_LEN
_MAX_CHUNKS: Final = 2**32
_DOMAIN: Final = b"accord-v1:stream\x00"


def _nonce(prefix: bytes, index: int, last: bool) -> bytes:
    return prefix + index.to_bytes(4, "big") + (b"\x01" if last else b"\x00")


class StreamEncryptor:
    """Seals one stream, chunk by chunk."""

    def __init__(self, key: bytes, aad: bytes, *, nonce_prefix: bytes | None = None) -> None:
        """Start a stream.

        Args:
            key: A 32-byte key; use a fresh :func:`new_data_key` per stream.
            aad: Associated data bound to every chunk (e.g. the item id and digest).
            nonce_prefix: 7 bytes for known-answer vectors only; random when ``None``.

        Raises:
            InvalidInput: If ``key`` is not 32 bytes or ``nonce_prefix`` not 7 bytes.
        """
        require_bytes("key", key, KEY_LEN)
        require_bytes("aad", aad)
        prefix = secrets.token_bytes(PREFIX_LEN) if nonce_prefix is None else nonce_prefix
        require_bytes("nonce prefix", prefix, PREFIX_LEN)
        self._aead = AESGCM(key)
        self._prefix = prefix
        self._header = VERSION + prefix
        self._aad = self._header + _DOMAIN + aad
        self._index = 0
        self._done = False

    @property
    def header(self) -> bytes:
        """The 8 bytes to write before the first sealed chunk."""
        return self._header

    @property
    def done(self) -> bool:
        """Whether the last chunk has been sealed."""
        return self._done

    def encrypt_chunk(self, chunk: bytes, *, last: bool) -> bytes:
        """Seal the next chunk.

        Args:
            chunk: Exactly :data:`CHUNK_SIZE` bytes, or up to that many if ``last``.
            last: Whether this is the final chunk of the stream.

        Returns:
            The sealed chunk, ``len(chunk) + 16`` bytes.

        Raises:
            InvalidInput: If the stream has already ended, the chunk has the wrong
                size, or the stream is longer than 2**32 chunks.
        """
        require_bytes("chunk", chunk)
        if self._done:
            raise InvalidInput("stream already finished")
        if len(chunk) > CHUNK_SIZE or (not last and len(chunk) != CHUNK_SIZE):
            raise InvalidInput("stream chunks are CHUNK_SIZE bytes, except the last")
        if self._index >= _MAX_CHUNKS:
            raise InvalidInput("stream too long")
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index, last), chunk, self._aad)
        self._index += 1
        self._done = last
        return sealed


class StreamDecryptor:
    """Opens one stream, chunk by chunk, in order."""

    def __init__(self, key: bytes, aad: bytes, header: bytes) -> None:
        """Start opening a stream.

        Args:
            key: The 32-byte key it was sealed with.
            aad: The associated data it was sealed with.
            header: The stream's first 8 bytes (:attr:`StreamEncryptor.header`).

        Raises:
            InvalidInput: If ``key`` is not 32 bytes or ``aad`` is not bytes.
            VerificationFailed: If the header is malformed or of an unknown version.
        """
        require_bytes("key", key, KEY_LEN)
        require_bytes("aad", aad)
        if not isinstance(header, bytes) or len(header) != HEADER_LEN or header[:1] != VERSION:
            raise VerificationFailed("stream header invalid")
        self._aead = AESGCM(key)
        self._prefix = header[1:]
        self._aad = header + _DOMAIN + aad
        self._index = 0
        self._done = False

    @property
    def done(self) -> bool:
        """Whether the last chunk has been opened."""
        return self._done

    def _try(self, sealed: bytes, last: bool) -> bytes | None:
        try:
            return self._aead.decrypt(_nonce(self._prefix, self._index, last), sealed, self._aad)
        except InvalidTag:
            return None

    def decrypt_chunk(self, sealed_chunk: bytes) -> bytes:
        """Open the next sealed chunk.

        A chunk of :data:`SEALED_CHUNK_SIZE` bytes may be a middle or the last chunk, so
        both flags are tried; a shorter chunk can only be the last.

        Args:
            sealed_chunk: The next sealed chunk, as :meth:`StreamEncryptor.encrypt_chunk`
                returned it.

        Returns:
            The chunk's plaintext.

        Raises:
            VerificationFailed: If the chunk does not verify at this position (altered,
                reordered, duplicated, from another stream, wrong key or aad), has an
                impossible size, or comes after the last chunk.
        """
        if self._done:
            raise VerificationFailed("stream has data after its last chunk")
        if not isinstance(sealed_chunk, bytes) or not TAG_LEN <= len(sealed_chunk) <= SEALED_CHUNK_SIZE:
            raise VerificationFailed("stream chunk does not verify")
        if self._index >= _MAX_CHUNKS:
            raise VerificationFailed("stream chunk does not verify")
        plaintext = None
        last = True
        if len(sealed_chunk) == SEALED_CHUNK_SIZE:
            plaintext = self._try(sealed_chunk, last=False)
            last = plaintext is None
        if plaintext is None:
            plaintext = self._try(sealed_chunk, last=True)
        if plaintext is None:
            raise VerificationFailed("stream chunk does not verify")
        self._index += 1
        self._done = last
        return plaintext

    def finish(self) -> None:
        """Check that the stream ended with its last chunk.

        Raises:
            VerificationFailed: If the last chunk was never seen ("stream truncated").
        """
        if not self._done:
            raise VerificationFailed("stream truncated")


def encrypt_stream(key: bytes, aad: bytes, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """Seal a stream given as pieces of any size.

    Args:
        key: A 32-byte key; use a fresh :func:`new_data_key` per stream.
        aad: Associated data bound to every chunk.
        chunks: The plaintext, in pieces of any size.

    Yields:
        The header, then each sealed chunk; an empty input yields one empty last chunk.

    Raises:
        InvalidInput: If ``key`` is not 32 bytes or a piece is not bytes.
    """
    encryptor = StreamEncryptor(key, aad)
    yield encryptor.header
    buffer = bytearray()
    for piece in chunks:
        buffer += require_bytes("chunk", piece)
        # Keep at least one byte back, so the final chunk is always the one marked last.
        while len(buffer) > CHUNK_SIZE:
            yield encryptor.encrypt_chunk(bytes(buffer[:CHUNK_SIZE]), last=False)
            del buffer[:CHUNK_SIZE]
    yield encryptor.encrypt_chunk(bytes(buffer), last=True)


def decrypt_stream(key: bytes, aad: bytes, data: Iterable[bytes]) -> Iterator[bytes]:
    """Open a stream given as pieces of any size (e.g. network reads).

    The pieces are re-framed into the header and sealed chunks. Plaintext is yielded as
    each chunk verifies; the stream is only proven complete when the iterator ends
    without raising.

    Args:
        key: The 32-byte key it was sealed with.
        aad: The associated data it was sealed with.
        data: The sealed stream, in pieces of any size.

    Yields:
        The plaintext of each chunk, in order.

    Raises:
        VerificationFailed: If the stream is truncated, altered, reordered, has data
            after its last chunk, or the key or ``aad`` differ.
        InvalidInput: If ``key`` is not 32 bytes.
    """
    require_bytes("key", key, KEY_LEN)
    require_bytes("aad", aad)
    decryptor: StreamDecryptor | None = None
    buffer = bytearray()
    for piece in data:
        if not isinstance(piece, bytes | bytearray | memoryview):
            raise InvalidInput("stream data must be bytes")
        buffer += piece
        if decryptor is None:
            if len(buffer) < HEADER_LEN:
                continue
            decryptor = StreamDecryptor(key, aad, bytes(buffer[:HEADER_LEN]))
            del buffer[:HEADER_LEN]
        while len(buffer) >= SEALED_CHUNK_SIZE or (decryptor.done and buffer):
            yield decryptor.decrypt_chunk(bytes(buffer[:SEALED_CHUNK_SIZE]))
            del buffer[:SEALED_CHUNK_SIZE]
    if decryptor is None:
        raise VerificationFailed("stream truncated")
    if buffer:
        yield decryptor.decrypt_chunk(bytes(buffer))
    decryptor.finish()

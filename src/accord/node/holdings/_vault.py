"""The at-rest key hierarchy of a node, in one place (ADR 0003; GSOMIA Arts. 11, 16).

Every key and every sealed byte a node stores at rest is made and opened here, so the tree
and its associated-data strings are written once::

    keys/data.key  (32 bytes, 0600: the node's key-encryption key)
    │
    ├── item key (fresh per item)      wrapped: AES-256-GCM, AAD "accord/item-key/{item}"
    │   ├── item content               sealed:  AES-256-GCM, AAD "accord/item-content/{item}"
    │   └── blob key (fresh per attachment)
    │       │                          wrapped: AES-256-GCM, AAD "accord/attachment-key/{item}/{position}"
    │       └── blob (the attachment)  STREAM over AES-256-GCM in 1 MiB chunks,
    │                                  AAD "accord/attachment/{item}/{position}"
    ├── translation key (fresh per translation this node made)
    │   │                              wrapped: AES-256-GCM, AAD "accord/translation-key/{translation}"
    │   └── translation text           sealed:  AES-256-GCM, AAD "accord/translation-content/{translation}"
    └── search index key (derived)     HKDF-SHA256, info "accord/search-index-key": keys the
                                       HMAC tokens of the blind search index (issue 12)

Why the associated data names the item (and the position): a wrapped key or a sealed body
copied onto another row does not open there — a swap is a verification failure, not a
silent read of the wrong item. Why a key per item: destroying an item is erasing its one
wrapped key (crypto-erase, Art. 16); the content and every blob become unrecoverable
without touching them. The byte strings are fixed: changing one makes every stored item
unreadable (they are part of the at-rest format, like the known-answer vectors).

Raises (every ``open``/``unwrap`` function):
    VerificationFailed: wrong key, wrong associated data, or altered bytes (one opaque error
        from :mod:`accord.crypto`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

from accord.crypto import decrypt_stream, derive_key, encrypt_stream, open_sealed, seal, unwrap_key, wrap_key

__all__ = [
    "ITEM",
    "TRANSLATION",
    "KeyedRecord",
    "blob_aad",
    "blob_key_aad",
    "content_aad",
    "decrypt_blob",
    "encrypt_blob",
    "index_key",
    "index_key_info",
    "key_aad",
    "open_content",
    "open_translation",
    "seal_content",
    "seal_translation",
    "translation_content_aad",
    "translation_key_aad",
    "unwrap_blob_key",
    "unwrap_item_key",
    "unwrap_translation_key",
    "wrap_blob_key",
    "wrap_item_key",
    "wrap_translation_key",
]


def content_aad(item_id: str) -> bytes:
    """Associated data of an item's sealed content: names the item."""
    return f"accord/item-content/{item_id}".encode()


def key_aad(item_id: str) -> bytes:
    """Associated data of an item key wrapped by the data key: names the item."""
    return f"accord/item-key/{item_id}".encode()


def blob_aad(item_id: str, position: int) -> bytes:
    """Associated data of every chunk of an attachment's blob: names item and position."""
    return f"accord/attachment/{item_id}/{position}".encode()


def blob_key_aad(item_id: str, position: int) -> bytes:
    """Associated data of a blob key wrapped by its item key: names item and position."""
    return f"accord/attachment-key/{item_id}/{position}".encode()


def translation_content_aad(translation_id: str) -> bytes:
    """Associated data of a translation's sealed text: names the translation."""
    return f"accord/translation-content/{translation_id}".encode()


def translation_key_aad(translation_id: str) -> bytes:
    """Associated data of a translation key wrapped by the data key: names the translation."""
    return f"accord/translation-key/{translation_id}".encode()


def index_key_info() -> bytes:
    """HKDF info of the search index key: names its one use."""
    return b"accord/search-index-key"


def index_key(data_key: bytes) -> bytes:
    """The key of the search index's HMAC tokens, derived from the data key.

    Derived rather than stored: it needs no file of its own, a restored backup with its
    data key finds its index again, and a new data key means a new index (``accord search
    reindex``). Destroying the data key makes the index as unreadable as the holdings.
    """
    return derive_key(data_key, index_key_info())


@dataclass(frozen=True)
class KeyedRecord:
    """A record kept under a fresh key of its own, that key wrapped by the node's data key.

    An item (its content) and a translation (its text) are kept so; ``key_aad`` and
    ``body_aad`` name the record in the associated data of its wrapped key and of its
    sealed body, so neither opens on another record's row.
    """

    key_aad: Callable[[str], bytes]
    body_aad: Callable[[str], bytes]

    def wrap(self, data_key: bytes, key: bytes, record_id: str) -> bytes:
        """The record's key wrapped under the node's data key, bound to ``record_id``."""
        return wrap_key(data_key, key, self.key_aad(record_id))

    def unwrap(self, data_key: bytes, wrapped: bytes, record_id: str) -> bytes:
        """The key of record ``record_id``.

        Raises:
            VerificationFailed: not this record's wrapped key, or altered.
        """
        return unwrap_key(data_key, wrapped, self.key_aad(record_id))

    def seal_body(self, key: bytes, body: bytes, record_id: str) -> bytes:
        """The record's body (an item's canonical content, a translation's text) sealed under its key."""
        return seal(key, body, self.body_aad(record_id))

    def open_body(self, key: bytes, sealed: bytes, record_id: str) -> bytes:
        """The record's body.

        Raises:
            VerificationFailed: not this record's body, or altered.
        """
        return open_sealed(key, sealed, self.body_aad(record_id))


ITEM = KeyedRecord(key_aad, content_aad)
"""An item: its item key and canonical content."""
TRANSLATION = KeyedRecord(translation_key_aad, translation_content_aad)
"""A translation this node made: its key and text."""

# The names the node calls (docs/articles.md cites ``wrap_item_key`` for Art. 11).
wrap_item_key = ITEM.wrap
unwrap_item_key = ITEM.unwrap
seal_content = ITEM.seal_body
open_content = ITEM.open_body
wrap_translation_key = TRANSLATION.wrap
unwrap_translation_key = TRANSLATION.unwrap
seal_translation = TRANSLATION.seal_body
open_translation = TRANSLATION.open_body


def wrap_blob_key(item_key: bytes, blob_key: bytes, item_id: str, position: int) -> bytes:
    """An attachment's blob key wrapped under its item key."""
    return wrap_key(item_key, blob_key, blob_key_aad(item_id, position))


def unwrap_blob_key(item_key: bytes, wrapped: bytes, item_id: str, position: int) -> bytes:
    """The blob key of attachment ``position`` of ``item_id``.

    Raises:
        VerificationFailed: not this attachment's wrapped key, or altered.
    """
    return unwrap_key(item_key, wrapped, blob_key_aad(item_id, position))


def encrypt_blob(blob_key: bytes, item_id: str, position: int, plaintext: Iterable[bytes]) -> Iterator[bytes]:
    """The attachment's blob, encrypted as it streams (bounded memory)."""
    return encrypt_stream(blob_key, blob_aad(item_id, position), plaintext)


def decrypt_blob(blob_key: bytes, item_id: str, position: int, blob: Iterable[bytes]) -> Iterator[bytes]:
    """The attachment's plaintext as it streams; truncation, reordering and splicing fail.

    Raises:
        VerificationFailed: a chunk does not open (raised while iterating).
    """
    return decrypt_stream(blob_key, blob_aad(item_id, position), blob)

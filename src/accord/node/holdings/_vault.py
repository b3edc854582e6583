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

from collections.abc import Iterable, Iterator

from accord.crypto import decrypt_stream, derive_key, encrypt_stream, open_sealed, seal, unwrap_key, wrap_key

__all__ = [
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


def wrap_item_key(data_key: bytes, item_key: bytes, item_id: str) -> bytes:
    """The item key wrapped under the node's data key, bound to ``item_id``."""
    return wrap_key(data_key, item_key, key_aad(item_id))


def unwrap_item_key(data_key: bytes, wrapped: bytes, item_id: str) -> bytes:
    """The item key of ``item_id``.

    Raises:
        VerificationFailed: not this item's wrapped key, or altered.
    """
    return unwrap_key(data_key, wrapped, key_aad(item_id))


def seal_content(item_key: bytes, content: bytes, item_id: str) -> bytes:
    """The item's canonical content sealed under its item key."""
    return seal(item_key, content, content_aad(item_id))


def open_content(item_key: bytes, sealed: bytes, item_id: str) -> bytes:
    """The item's canonical content.

    Raises:
        VerificationFailed: not this item's content, or altered.
    """
    return open_sealed(item_key, sealed, content_aad(item_id))


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


def wrap_translation_key(data_key: bytes, key: bytes, translation_id: str) -> bytes:
    """A translation key wrapped under the node's data key."""
    return wrap_key(data_key, key, translation_key_aad(translation_id))


def unwrap_translation_key(data_key: bytes, wrapped: bytes, translation_id: str) -> bytes:
    """The key of translation ``translation_id``.

    Raises:
        VerificationFailed: not this translation's key, or altered.
    """
    return unwrap_key(data_key, wrapped, translation_key_aad(translation_id))


def seal_translation(key: bytes, text: bytes, translation_id: str) -> bytes:
    """A translation's text sealed under its key."""
    return seal(key, text, translation_content_aad(translation_id))


def open_translation(key: bytes, sealed: bytes, translation_id: str) -> bytes:
    """A translation's text.

    Raises:
        VerificationFailed: not this translation's text, or altered.
    """
    return open_sealed(key, sealed, translation_content_aad(translation_id))

"""The at-rest key hierarchy (node/holdings/_vault.py): fixed associated data, no swaps."""

from __future__ import annotations

import pytest

from accord.crypto import new_data_key
from accord.errors import VerificationFailed
from accord.node.holdings import _vault as vault


def test_the_associated_data_strings_are_the_stored_format() -> None:
    # Changing one of these makes every stored item unreadable: they are part of the format.
    assert vault.content_aad("i1") == b"accord/item-content/i1"
    assert vault.key_aad("i1") == b"accord/item-key/i1"
    assert vault.blob_aad("i1", 2) == b"accord/attachment/i1/2"
    assert vault.blob_key_aad("i1", 2) == b"accord/attachment-key/i1/2"
    assert vault.translation_content_aad("t1") == b"accord/translation-content/t1"
    assert vault.translation_key_aad("t1") == b"accord/translation-key/t1"
    assert vault.index_key_info() == b"accord/search-index-key"


def test_each_level_opens_for_its_own_item_and_position_only() -> None:
    data_key, item_key, blob_key = new_data_key(), new_data_key(), new_data_key()
    wrapped = vault.wrap_item_key(data_key, item_key, "i1")
    assert vault.unwrap_item_key(data_key, wrapped, "i1") == item_key
    sealed = vault.seal_content(item_key, b"report", "i1")
    assert vault.open_content(item_key, sealed, "i1") == b"report"
    blob_wrapped = vault.wrap_blob_key(item_key, blob_key, "i1", 0)
    assert vault.unwrap_blob_key(item_key, blob_wrapped, "i1", 0) == blob_key
    blob = b"".join(vault.encrypt_blob(blob_key, "i1", 0, [b"imagery" * 1000]))
    assert b"".join(vault.decrypt_blob(blob_key, "i1", 0, [blob])) == b"imagery" * 1000
    with pytest.raises(VerificationFailed):
        vault.unwrap_item_key(data_key, wrapped, "i2")  # a wrapped key copied onto another item
    with pytest.raises(VerificationFailed):
        vault.open_content(item_key, sealed, "i2")
    with pytest.raises(VerificationFailed):
        vault.unwrap_blob_key(item_key, blob_wrapped, "i1", 1)  # another attachment position
    with pytest.raises(VerificationFailed):
        b"".join(vault.decrypt_blob(blob_key, "i1", 1, [blob]))
    key = new_data_key()
    text = vault.seal_translation(key, "번역".encode(), "t1")
    assert (
        vault.open_translation(
            vault.unwrap_translation_key(data_key, vault.wrap_translation_key(data_key, key, "t1"), "t1"),
            text,
            "t1",
        )
        == "번역".encode()
    )
    with pytest.raises(VerificationFailed):
        vault.open_translation(key, text, "t2")

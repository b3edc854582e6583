"""The vocabulary of peer text (accord.exchange._fields): what each check refuses and keeps."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from accord.errors import InvalidInput
from accord.exchange._fields import (
    MAX_PROOF_HASHES,
    MAX_TEXT,
    REQUEST_ID,
    count,
    exact_keys,
    flag,
    int_field,
    list_field,
    load_versioned,
    matching,
    merkle_hash,
    merkle_path,
    obj_field,
    party_code,
    peer_text,
    require_dual_signature,
    sha384_hex,
    str_field,
    time_text,
    user_name,
    versioned,
    wire_id,
    wire_time,
)

DIGEST = "ab" * 48


def _prose(value: object, what: str) -> object:
    return peer_text(value, what, limit=4000, lines=True)


def _copies(value: object, what: str) -> object:
    return count(value, what, 100)


def _request_id(value: object, what: str) -> object:
    return matching(value, REQUEST_ID, what, "a request id")


BAD: list[tuple[Callable[[object, str], object], object, str]] = [
    # free text: bidirectional controls, controls, separators, non-characters, empty, too long
    (peer_text, "approve\u202edeny", "U+202E"),
    (peer_text, "a\u202ab", "U+202A"),
    (peer_text, "a\u2066b", "U+2066"),
    (peer_text, "a\u2069b", "U+2069"),
    (peer_text, "line\nbreak", "U+000A"),
    (peer_text, "bell\x07", "U+0007"),
    (peer_text, "del\x7f", "U+007F"),
    (peer_text, "nul\x00", "U+0000"),
    (peer_text, "next\x85line", "U+0085"),
    (peer_text, "line\u2028sep", "U+2028"),
    (peer_text, "para\u2029sep", "U+2029"),
    (peer_text, "half\ud800", "U+D800"),
    (peer_text, "non\uffffchar", "U+FFFF"),
    (peer_text, "   ", "must not be empty"),
    (peer_text, "", "must not be empty"),
    (peer_text, "x" * (MAX_TEXT + 1), f"longer than {MAX_TEXT}"),
    (peer_text, 42, "must be text"),
    (peer_text, None, "must be text"),
    (_prose, "para\r\nwith CR", "U+000D"),
    (_prose, "para\n\u202eflipped", "U+202E"),
    (_prose, "x" * 4001, "longer than 4000"),
    # party codes
    (party_code, "jpn", "not a party code"),
    (party_code, "JP", "not a party code"),
    (party_code, "JPNX", "not a party code"),
    (party_code, "JP1", "not a party code"),
    (party_code, "ＪＰＮ", "not a party code"),  # full-width letters
    (party_code, "JPN\n", "not a party code"),
    (party_code, 392, "not a party code"),
    # user names
    (user_name, "Sato", "not a user name"),
    (user_name, "s", "not a user name"),
    (user_name, "sato smith", "not a user name"),
    (user_name, "peer:jpn-mod", "not a user name"),
    # digests
    (sha384_hex, "AB" * 48, "SHA-384 digest"),
    (sha384_hex, "ab" * 47, "SHA-384 digest"),
    (sha384_hex, "ab" * 48 + "a", "SHA-384 digest"),
    (sha384_hex, "zz" * 48, "SHA-384 digest"),
    (sha384_hex, "ab" * 32, "SHA-384 digest"),  # a SHA-256 digest
    (sha384_hex, b"\xab" * 48, "SHA-384 digest"),
    # node, item and message ids
    (wire_id, "ab", "not a node or message id"),
    (wire_id, "JPN-MOD", "not a node or message id"),
    (wire_id, "-jpn-mod", "not a node or message id"),
    (wire_id, "jpn_mod", "not a node or message id"),
    (wire_id, "x" * 65, "not a node or message id"),
    (wire_id, 7, "must be text"),
    # ids of a given form
    (_request_id, "req-" + "0" * 31, "not a request id"),
    (_request_id, "consent-" + "0" * 32, "not a request id"),
    # times: naive, offsets other than Z, other spellings, not times
    (wire_time, "2026-11-25T09:00:00", "time zone"),
    (wire_time, "2026-11-25T09:00:00+09:00", "canonical form"),
    (wire_time, "2026-11-25T09:00:00.000Z", "canonical form"),
    (wire_time, "2026-11-25 09:00:00Z", "canonical form"),
    (wire_time, "2026-11-25", "time"),
    (wire_time, "yesterday", "time"),
    (wire_time, 1764061200, "must be a time"),
    (time_text, "2026-11-25T09:00:00+09:00", "is written as"),
    (time_text, 1764061200, "is written as"),
    # counts
    (_copies, -1, "whole number from 0 to 100"),
    (_copies, 101, "whole number from 0 to 100"),
    (_copies, True, "whole number from 0 to 100"),
    (_copies, 2.0, "whole number from 0 to 100"),
    # booleans and signatures
    (flag, 1, "true or false"),
    (flag, "true", "true or false"),
    (require_dual_signature, {"ed25519": "", "mldsa65": ""}, "dual signature"),
]


@pytest.mark.parametrize(
    ("check", "value", "message"),
    BAD,
    ids=[f"{check.__name__}-{i}" for i, (check, _, _) in enumerate(BAD)],
)
def test_each_check_refuses_a_bad_field_and_names_it(
    check: Callable[[object, str], object], value: object, message: str
) -> None:
    with pytest.raises(InvalidInput, match=re.escape(message)) as refused:
        check(value, "the field")
    assert "the field" in str(refused.value)


def test_text_is_kept_nfc_normalised_and_stripped() -> None:
    decomposed = "  Cafe\u0301 \u6975\u79d8  "
    assert peer_text(decomposed, "what") == "Café 極秘"
    assert peer_text("x" * MAX_TEXT, "what") == "x" * MAX_TEXT
    assert peer_text("first\n\nsecond", "what", lines=True) == "first\n\nsecond"


def test_good_fields_pass_unchanged() -> None:
    assert party_code("JPN", "what") == "JPN"
    assert user_name("j.smith", "what") == "j.smith"
    assert sha384_hex(DIGEST, "what") == DIGEST
    assert wire_id("jpn-mod", "what") == "jpn-mod"
    assert wire_time("2026-11-25T09:00:00Z", "what") == datetime(2026, 11, 25, 9, tzinfo=UTC)
    assert time_text("2026-11-25T09:00:00Z", "what") == "2026-11-25T09:00:00Z"
    assert flag(False, "what") is False
    assert count(100, "what", 100) == 100


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"[]", "object"),
        (b'{"a": "x"}', "missing \\['v'\\]"),
        (b'{"a": "x", "v": 1, "b": 2}', "unknown \\['b'\\]"),
        (b'{"a": "x", "v": 2}', "unsupported version 2"),
        (b'{"a": "x", "v": true}', "unsupported version True"),
        (b'{"a": "x", "v": "1"}', "unsupported version '1'"),
    ],
)
def test_a_versioned_object_has_exactly_its_keys_and_version(data: bytes, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        load_versioned(data, {"a"}, "message")
    assert load_versioned(b'{"a": "x", "v": 1}', {"a"}, "message") == {"a": "x"}
    with pytest.raises(InvalidInput, match="must be an object"):
        versioned(["a"], {"a"}, "message")


def test_typed_fields_refuse_the_wrong_json_type() -> None:
    data: dict[str, object] = {"s": 1, "i": True, "n": -1, "o": [], "l": {}}
    with pytest.raises(InvalidInput, match="s must be text"):
        str_field(data, "s", "what")
    with pytest.raises(InvalidInput, match="i must be a non-negative whole number"):
        int_field(data, "i", "what")
    with pytest.raises(InvalidInput, match="n must be a non-negative whole number"):
        int_field(data, "n", "what")
    with pytest.raises(InvalidInput, match="o must be an object"):
        obj_field(data, "o", "what")
    with pytest.raises(InvalidInput, match="l must be a list"):
        list_field(data, "l", "what")
    with pytest.raises(InvalidInput, match=r"missing \['b'\], unknown \['s'\]"):
        exact_keys({"s": 1}, {"b"}, "what")


def test_exact_keys_allows_the_optional_keys_only() -> None:
    exact_keys({"a": 1}, {"a"}, "what", optional=frozenset({"b"}))
    exact_keys({"a": 1, "b": 2}, {"a"}, "what", optional=frozenset({"b"}))
    only = r"exactly the keys \['a'\], and optionally \['b'\].*unknown \['c'\]"
    with pytest.raises(InvalidInput, match=only):
        exact_keys({"a": 1, "c": 2}, {"a"}, "what", optional=frozenset({"b"}))
    with pytest.raises(InvalidInput, match=r"missing \['a'\]"):
        exact_keys({"b": 1}, {"a"}, "what", optional=frozenset({"b"}))


def test_a_merkle_path_is_a_short_list_of_hashes() -> None:
    assert merkle_path(["ab" * 32], "path") == (bytes([0xAB]) * 32,)
    assert merkle_hash("00" * 32, "node") == bytes(32)
    for bad in ("ab" * 31, "AB" * 32, 7, "zz" * 32):
        with pytest.raises(InvalidInput, match="hash"):
            merkle_path([bad], "path")
    with pytest.raises(InvalidInput, match=f"at most {MAX_PROOF_HASHES}"):
        merkle_path(["ab" * 32] * (MAX_PROOF_HASHES + 1), "path")

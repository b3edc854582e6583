"""C2SP signed notes, checkpoint texts and cosignature messages (accord.ledger._note): encoding only."""

from __future__ import annotations

import base64
import hashlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from accord.errors import InvalidInput
from accord.ledger import (
    ED25519,
    EMPTY_ROOT,
    MLDSA65_NOTE,
    Checkpoint,
    NoteSignature,
    SignedNote,
    checkpoint_from_text,
    checkpoint_text,
    cosignature_message,
    key_id,
    note_name,
    signature_lines,
    split_timestamped,
    timestamped,
    vkey,
)

ROOT = hashlib.sha256(b"root").digest()
CHECKPOINT = Checkpoint("jpn-mod", 6, ROOT, "2026-11-25T09:00:00Z")
TEXT = checkpoint_text(CHECKPOINT)
LINE = NoteSignature("accord/jpn-mod", b"\x01\x02\x03\x04", bytes(64))


def test_a_checkpoint_text_is_origin_size_base64_root_and_the_time_line() -> None:
    expected = "accord/jpn-mod\n6\n" + base64.b64encode(ROOT).decode() + "\ntime 2026-11-25T09:00:00Z\n"
    assert checkpoint_text(CHECKPOINT) == expected
    assert checkpoint_from_text(TEXT) == CHECKPOINT


@settings(max_examples=50, deadline=None)
@given(st.integers(min_value=1, max_value=2**63 - 1), st.binary(min_size=32, max_size=32))
def test_a_checkpoint_text_round_trips(size: int, root: bytes) -> None:
    checkpoint = Checkpoint("kor-mnd", size, root, "2019-11-23T00:00:00Z")
    assert checkpoint_from_text(checkpoint_text(checkpoint)) == checkpoint


def test_the_empty_tree_has_its_root() -> None:
    empty = Checkpoint("jpn-mod", 0, EMPTY_ROOT, "2026-11-25T09:00:00Z")
    assert checkpoint_from_text(checkpoint_text(empty)) == empty


@pytest.mark.parametrize(
    "text",
    [
        pytest.param(TEXT.replace("accord/jpn-mod", "example.com/jpn-mod"), id="foreign-origin"),
        pytest.param(TEXT.replace("\n6\n", "\n06\n"), id="leading-zero"),
        pytest.param(TEXT.replace("\n6\n", "\n+6\n"), id="signed-size"),
        pytest.param(TEXT.replace("\n6\n", "\n-1\n"), id="negative-size"),
        pytest.param(TEXT.replace("=\n", "\n"), id="root-unpadded"),
        pytest.param(TEXT.replace("time 2026-11-25T09:00:00Z\n", ""), id="no-time"),
        pytest.param(TEXT + "x\n", id="extra-extension"),
        pytest.param(
            TEXT.replace("time 2026-11-25T09:00:00Z", "time 2026-11-25T09:00:00+00:00"), id="time-form"
        ),
        pytest.param(TEXT[:-1], id="no-final-newline"),
        pytest.param(TEXT.replace("\n6\n", "\n\n"), id="empty-line"),
        pytest.param(TEXT.replace("\n", "\r\n"), id="crlf"),
    ],
)
def test_a_checkpoint_text_in_another_form_is_refused(text: str) -> None:
    with pytest.raises(InvalidInput):
        checkpoint_from_text(text)


def test_a_note_encodes_and_parses_back() -> None:
    note = SignedNote(TEXT, (LINE, NoteSignature("accord/kor-mnd", b"\xff\xfe\xfd\xfc", b"\x07" * 72)))
    encoded = note.encode()
    assert encoded.startswith(TEXT + "\n\u2014 accord/jpn-mod ")
    assert SignedNote.parse(encoded) == note
    assert SignedNote.parse(encoded.encode("utf-8")) == note
    assert note.matching("accord/jpn-mod", b"\x01\x02\x03\x04") == [LINE]


def test_the_last_blank_line_separates_the_signatures() -> None:
    note = SignedNote("first\n\nsecond\n", (LINE,))
    assert SignedNote.parse(note.encode()).text == "first\n\nsecond\n"


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(TEXT, id="no-signature"),
        pytest.param(TEXT + "\n", id="blank-line-only"),
        pytest.param(TEXT + LINE.line(), id="no-blank-line"),
        pytest.param(TEXT + "\n" + LINE.line().replace("\u2014", "-"), id="hyphen-not-em-dash"),
        pytest.param(TEXT + "\n" + LINE.line().replace(" ", "  ", 1), id="double-space"),
        pytest.param(TEXT + "\n" + LINE.line()[:-1], id="no-final-newline"),
        pytest.param(TEXT + "\n" + LINE.line().replace("=", ""), id="unpadded-base64"),
        pytest.param(TEXT + "\n\u2014 accord/jpn-mod AQIDBA==\n", id="key-id-only"),
        pytest.param(TEXT.replace("6", "6\t") + "\n" + LINE.line(), id="tab"),
        pytest.param(TEXT + "\n" + LINE.line() * 33, id="too-many-signatures"),
        pytest.param("x" * (256 * 1024) + "\n\n" + LINE.line(), id="too-large"),
    ],
)
def test_a_malformed_note_is_refused(encoded: str) -> None:
    with pytest.raises(InvalidInput):
        SignedNote.parse(encoded)


def test_a_note_that_is_not_utf8_is_refused() -> None:
    with pytest.raises(InvalidInput):
        SignedNote.parse(TEXT.encode() + b"\xff\n\n" + LINE.line().encode())


@pytest.mark.parametrize("name", ["", "a b", "a+b", "a\u3000b", "a\nb"])
def test_a_key_name_with_space_plus_or_control_is_refused(name: str) -> None:
    with pytest.raises(InvalidInput):
        key_id(name, ED25519, bytes(32))


def test_key_ids_and_vkeys_follow_signed_note() -> None:
    public = bytes(range(32))
    expected = hashlib.sha256(b"accord/jpn-mod\n\x01" + public).digest()[:4]
    assert key_id("accord/jpn-mod", ED25519, public) == expected
    assert vkey("accord/jpn-mod", ED25519, public).split("+")[:2] == ["accord/jpn-mod", expected.hex()]
    # The same key under Accord's ML-DSA type has another ID (the type is hashed).
    assert key_id("accord/jpn-mod", MLDSA65_NOTE, public) != expected
    assert note_name("jpn-mod") == "accord/jpn-mod"


def test_a_cosignature_message_is_header_time_and_checkpoint() -> None:
    assert cosignature_message(1679315147, TEXT) == b"cosignature/v1\ntime 1679315147\n" + TEXT.encode()
    with pytest.raises(InvalidInput):
        cosignature_message(2**63, TEXT)
    with pytest.raises(InvalidInput):
        cosignature_message(1, "not a checkpoint\n")


def test_a_timestamped_signature_is_u64_big_endian_then_the_signature() -> None:
    data = timestamped(0x0102030405060708, b"sig")
    assert data == bytes(range(1, 9)) + b"sig"
    assert split_timestamped(data) == (0x0102030405060708, b"sig")
    with pytest.raises(InvalidInput):
        split_timestamped(b"\x80" + bytes(7) + b"sig")
    with pytest.raises(InvalidInput):
        split_timestamped(bytes(8))


def test_signature_lines_read_a_cosignature_block() -> None:
    assert signature_lines(LINE.line() * 2) == (LINE, LINE)
    with pytest.raises(InvalidInput):
        signature_lines("")

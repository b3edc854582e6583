"""C2SP signed notes: checkpoints and cosignatures in the form transparency-log tools read.

Pure encoding, no I/O, no clock, no signing (the node signs with :mod:`accord.crypto`):

* **signed note** (c2sp.org/signed-note): a UTF-8 text ending in a newline, a blank line,
  then signature lines ``— <key name> base64(key ID || signature)`` (U+2014, space). A key
  ID is ``SHA-256(key name || 0x0A || signature type || public key)[:4]``
  (:func:`key_id`); a verifier key (*vkey*) is ``name+hex(key ID)+base64(type || public
  key)`` (:func:`vkey`). :class:`SignedNote` parses and encodes one, strictly.
* **checkpoint** (c2sp.org/tlog-checkpoint): the note text ``origin``, tree size in decimal,
  base64 root hash, then extension lines. :func:`checkpoint_text` writes an Accord
  :class:`~accord.ledger.Checkpoint` as ``accord/<node id>``, size, root and one extension
  line ``time <RFC 3339>``; :func:`checkpoint_from_text` reads it back.
* **cosignature** (c2sp.org/tlog-cosignature v1): a witness signs
  ``"cosignature/v1\\ntime <POSIX seconds>\\n" || checkpoint text`` (:func:`cosignature_message`)
  and its signature line carries ``key ID || u64 timestamp || signature``
  (:func:`timestamped`, :func:`split_timestamped`).

Signature types (the byte in the key ID hash and in a vkey): Ed25519 ``0x01`` and the Ed25519
cosignature ``0x04`` are C2SP's. The spec assigns none to ML-DSA-65, so Accord uses the
escape it reserves, ``0xff`` followed by an identifier of its own: :data:`MLDSA65_NOTE`
(``0xff || "accord/ml-dsa-65/note"``) for a node's checkpoint signature and
:data:`MLDSA65_COSIGNATURE` (``0xff || "accord/ml-dsa-65/cosignature-v1"``) for a witness's,
both ML-DSA-65 (FIPS 204) with the empty context string over the same bytes as their
Ed25519 counterpart. Tools that do not know these types ignore those lines, as the spec
requires of unknown keys; Accord requires both.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
import struct
import unicodedata
from dataclasses import dataclass
from typing import Final

from accord.errors import InvalidInput
from accord.ledger._checkpoint import Checkpoint
from accord.ledger._hashing import HASH_SIZE

__all__ = [
    "COSIGNATURE_V1",
    "ED25519",
    "MAX_NOTE_BYTES",
    "MAX_NOTE_SIGNATURES",
    "MLDSA65_COSIGNATURE",
    "MLDSA65_NOTE",
    "NOTE_NAME_PREFIX",
    "NoteSignature",
    "SignedNote",
    "checkpoint_from_text",
    "checkpoint_text",
    "cosignature_message",
    "key_id",
    "note_name",
    "signature_lines",
    "split_timestamped",
    "timestamped",
    "vkey",
]

ED25519: Final = b"\x01"
"""C2SP signature type of an Ed25519 note signature (signed-note §"Ed25519 signatures")."""
COSIGNATURE_V1: Final = b"\x04"
"""C2SP signature type of a timestamped Ed25519 checkpoint cosignature (tlog-cosignature)."""
MLDSA65_NOTE: Final = b"\xff" + b"accord/ml-dsa-65/note"
"""Accord's signature type for an ML-DSA-65 note signature (``0xff`` and an identifier)."""
MLDSA65_COSIGNATURE: Final = b"\xff" + b"accord/ml-dsa-65/cosignature-v1"
"""Accord's signature type for an ML-DSA-65 cosignature over the cosignature/v1 message."""
NOTE_NAME_PREFIX: Final = "accord/"
"""A node's key name and its checkpoints' origin line: ``accord/<node id>``."""
MAX_NOTE_BYTES: Final = 256 * 1024
"""Largest note read: 32 signature lines of ML-DSA-65 (about 4.4 KB each) and room to spare."""
MAX_NOTE_SIGNATURES: Final = 32
"""Most signature lines read (the spec asks verifiers to accept at least 16)."""
KEY_ID_SIZE: Final = 4
TIMESTAMP_SIZE: Final = 8
_DASH: Final = "\u2014 "
_DECIMAL = re.compile(r"0|[1-9][0-9]{0,19}")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f]")
_TIME_PREFIX: Final = "time "
_COSIGNATURE_HEADER: Final = "cosignature/v1\n"


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str, what: str) -> bytes:
    # Strict RFC 4648 §4 with padding, and only the one spelling of each value.
    try:
        data = base64.b64decode(text.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError) as exc:
        raise InvalidInput(f"{what} is not standard base64") from exc
    if _b64(data) != text:
        raise InvalidInput(f"{what} is not standard base64")
    return data


def _check_name(name: str) -> str:
    if not isinstance(name, str) or not name:
        raise InvalidInput("a note key name is not empty")
    if any(ch.isspace() or ch == "+" or unicodedata.category(ch) == "Cc" for ch in name):
        raise InvalidInput(f"a note key name holds no space, no '+' and no control character: {name[:40]!r}")
    return name


def key_id(name: str, sig_type: bytes, public_key: bytes) -> bytes:
    """The 4-byte key ID: ``SHA-256(name || 0x0A || type || public key)[:4]`` (signed-note).

    Raises:
        InvalidInput: the name is not a valid key name.
    """
    data = _check_name(name).encode("utf-8") + b"\n" + sig_type + public_key
    return hashlib.sha256(data).digest()[:KEY_ID_SIZE]


def vkey(name: str, sig_type: bytes, public_key: bytes) -> str:
    """The verifier key ``name+hex(key ID)+base64(type || public key)`` (signed-note).

    Raises:
        InvalidInput: the name is not a valid key name.
    """
    return f"{name}+{key_id(name, sig_type, public_key).hex()}+{_b64(sig_type + public_key)}"


def note_name(node_id: str) -> str:
    """The key name and checkpoint origin of a node: ``accord/<node id>``.

    Raises:
        InvalidInput: the node id would not make a valid key name.
    """
    return _check_name(NOTE_NAME_PREFIX + node_id)


def timestamped(timestamp: int, signature: bytes) -> bytes:
    """``u64 timestamp (big-endian) || signature``: tlog-cosignature's ``timestamped_signature``.

    Raises:
        InvalidInput: the timestamp is not in 0 … 2^63 − 1.
    """
    if isinstance(timestamp, bool) or not isinstance(timestamp, int) or not 0 <= timestamp < 2**63:
        raise InvalidInput("a cosignature's timestamp is POSIX seconds, 0 to 2^63 - 1")
    return struct.pack(">Q", timestamp) + signature


def split_timestamped(data: bytes) -> tuple[int, bytes]:
    """Split a ``timestamped_signature`` into its timestamp and signature.

    Raises:
        InvalidInput: too short, or a timestamp of 2^63 or more.
    """
    if len(data) <= TIMESTAMP_SIZE:
        raise InvalidInput("a cosignature holds a timestamp and a signature")
    (timestamp,) = struct.unpack(">Q", data[:TIMESTAMP_SIZE])
    if timestamp >= 2**63:
        raise InvalidInput("a cosignature's timestamp exceeds 2^63 - 1")
    return timestamp, data[TIMESTAMP_SIZE:]


def cosignature_message(timestamp: int, text: str) -> bytes:
    """The bytes a v1 cosignature signs: ``cosignature/v1``, ``time <ts>``, then the checkpoint text.

    Raises:
        InvalidInput: the timestamp is out of range, or ``text`` is not a checkpoint text.
    """
    timestamped(timestamp, b"")  # the range check
    _body_lines(text)
    return f"{_COSIGNATURE_HEADER}{_TIME_PREFIX}{timestamp}\n{text}".encode()


@dataclass(frozen=True)
class NoteSignature:
    """One signature line: the key name, the 4-byte key ID and the signature bytes after it.

    Raises:
        InvalidInput: on construction, a malformed name, key ID or empty signature.
    """

    name: str
    key_id: bytes
    signature: bytes

    def __post_init__(self) -> None:
        _check_name(self.name)
        if not isinstance(self.key_id, bytes) or len(self.key_id) != KEY_ID_SIZE:
            raise InvalidInput("a note signature's key ID is 4 bytes")
        if not isinstance(self.signature, bytes) or not self.signature:
            raise InvalidInput("a note signature line carries a signature")

    def line(self) -> str:
        """The line, newline included: ``— <name> base64(key ID || signature)``."""
        return f"{_DASH}{self.name} {_b64(self.key_id + self.signature)}\n"


def _check_text(text: str, what: str) -> None:
    if _CONTROL_BUT_NEWLINE.search(text):
        raise InvalidInput(f"{what} holds a control character other than newline")


@dataclass(frozen=True)
class SignedNote:
    """A signed note: its text (ending in a newline) and its signature lines, in order.

    Raises:
        InvalidInput: on construction, a text that is empty, does not end in a newline, or
            holds a control character other than newline.
    """

    text: str
    signatures: tuple[NoteSignature, ...]

    def __post_init__(self) -> None:
        if not isinstance(self.text, str) or not self.text.endswith("\n"):
            raise InvalidInput("a note's text ends with a newline")
        _check_text(self.text, "a note's text")
        if len(self.signatures) > MAX_NOTE_SIGNATURES:
            raise InvalidInput(f"a note carries at most {MAX_NOTE_SIGNATURES} signatures")

    def encode(self) -> str:
        """The note: text, a blank line, one line per signature."""
        return self.text + "\n" + "".join(sig.line() for sig in self.signatures)

    def matching(self, name: str, wanted: bytes) -> list[NoteSignature]:
        """The signature lines of key name ``name`` and key ID ``wanted``."""
        return [sig for sig in self.signatures if sig.name == name and sig.key_id == wanted]

    def with_signatures(self, *extra: NoteSignature) -> SignedNote:
        """The same note with ``extra`` signature lines after its own (e.g. cosignatures).

        Raises:
            InvalidInput: more than :data:`MAX_NOTE_SIGNATURES` in all.
        """
        return SignedNote(self.text, self.signatures + extra)

    @classmethod
    def parse(cls, data: str | bytes) -> SignedNote:
        """Read a signed note, strictly (nothing is verified here).

        Raises:
            InvalidInput: larger than :data:`MAX_NOTE_BYTES`, not UTF-8, a control character
                other than newline, no blank line before the signatures, no signature, or a
                malformed signature line.
        """
        try:
            raw = data.encode("utf-8") if isinstance(data, str) else data
            if len(raw) > MAX_NOTE_BYTES:
                raise InvalidInput(f"a signed note is at most {MAX_NOTE_BYTES} bytes")
            data = raw.decode("utf-8")
        except UnicodeError as exc:
            raise InvalidInput("a signed note is UTF-8") from exc
        _check_text(data, "a signed note")
        # The text is separated from the signatures by the last blank line (signed-note).
        split = data.rfind("\n\n")
        if split < 0 or not data.endswith("\n"):
            raise InvalidInput("a signed note is a text, a blank line and signature lines")
        text, block = data[: split + 1], data[split + 2 :]
        signatures = signature_lines(block)
        return cls(text, signatures)


def signature_lines(block: str) -> tuple[NoteSignature, ...]:
    """Read one or more signature lines, each ending in a newline (a note's signature block).

    Raises:
        InvalidInput: no line, more than :data:`MAX_NOTE_SIGNATURES`, a control character
            other than newline, or a line not ``— <key name> <base64(key ID || signature)>``.
    """
    if not isinstance(block, str) or not block:
        raise InvalidInput("a signed note carries at least one signature line")
    if not block.endswith("\n"):
        raise InvalidInput("signature lines end with a newline")
    _check_text(block, "a note's signature lines")
    lines = block.split("\n")[:-1]
    if len(lines) > MAX_NOTE_SIGNATURES:
        raise InvalidInput(f"a note carries at most {MAX_NOTE_SIGNATURES} signatures")
    signatures = []
    for line in lines:
        parts = line.split(" ")
        if len(parts) != 3 or parts[0] != _DASH.strip():
            raise InvalidInput("a signature line is '— <key name> <base64 signature>'")
        raw = _unb64(parts[2], "a note signature")
        if len(raw) <= KEY_ID_SIZE:
            raise InvalidInput("a note signature holds a key ID and a signature")
        signatures.append(NoteSignature(parts[1], raw[:KEY_ID_SIZE], raw[KEY_ID_SIZE:]))
    return tuple(signatures)


def _body_lines(text: str) -> list[str]:
    if not isinstance(text, str) or not text.endswith("\n"):
        raise InvalidInput("a checkpoint's text ends with a newline")
    _check_text(text, "a checkpoint's text")
    lines = text[:-1].split("\n")
    if len(lines) < 3 or not all(lines):
        raise InvalidInput("a checkpoint's text is at least three non-empty lines (tlog-checkpoint)")
    return lines


def checkpoint_text(checkpoint: Checkpoint) -> str:
    """The tlog-checkpoint note text of an Accord checkpoint.

    ``accord/<origin>``, the size in decimal, the root in base64, and the extension line
    ``time <checkpoint time>``: the time is part of what Accord signs in its own format, so
    the note signs it too.

    Raises:
        InvalidInput: the origin would not make a valid key name.
    """
    return (
        f"{note_name(checkpoint.origin)}\n{checkpoint.size}\n{_b64(checkpoint.root)}\n"
        f"{_TIME_PREFIX}{checkpoint.timestamp}\n"
    )


def checkpoint_from_text(text: str) -> Checkpoint:
    """Read an Accord checkpoint from its note text (:func:`checkpoint_text`'s form, exactly).

    Raises:
        InvalidInput: not a tlog-checkpoint text, an origin not ``accord/<node id>``, a size
            with leading zeros, a root that is not 32 bytes in base64, or extension lines
            other than the one ``time`` line.
    """
    lines = _body_lines(text)
    origin, size, root, extensions = lines[0], lines[1], lines[2], lines[3:]
    if not origin.startswith(NOTE_NAME_PREFIX):
        raise InvalidInput(
            f"an Accord checkpoint's origin is {NOTE_NAME_PREFIX}<node id>, not {origin[:60]!r}"
        )
    if _DECIMAL.fullmatch(size) is None:
        raise InvalidInput("a checkpoint's tree size is decimal without leading zeros")
    digest = _unb64(root, "a checkpoint's root hash")
    if len(digest) != HASH_SIZE:
        raise InvalidInput(f"a checkpoint's root hash is {HASH_SIZE} bytes")
    if len(extensions) != 1 or not extensions[0].startswith(_TIME_PREFIX):
        raise InvalidInput("an Accord checkpoint has one extension line, 'time <RFC 3339>'")
    checkpoint = Checkpoint(
        origin[len(NOTE_NAME_PREFIX) :], int(size), digest, extensions[0][len(_TIME_PREFIX) :]
    )
    if checkpoint_text(checkpoint) != text:
        raise InvalidInput("a checkpoint's note text is not in its one written form")
    return checkpoint

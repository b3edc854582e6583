"""The vocabulary of peer text: every check a field sent by a partner node passes.

Each peer-facing format (:mod:`accord.exchange`) builds its objects from these checks, so
a party code, a digest, a time or a line of free text means the same at every message, and
what an object holds is exactly what is signed and sent. Free text is NFC-normalised and
stripped, and refused when it holds a control character, a line or paragraph separator, a
surrogate, a non-character or a bidirectional embedding, override or isolate: those can make
a statement read otherwise on an officer's screen than it was signed ("Trojan Source"). Times
are canonical time strings (:func:`accord.canonical.format_time`); any other spelling of the
same instant is refused, so a signature covers one spelling only.

Every check raises :class:`~accord.errors.InvalidInput` naming the field (``what``) and what
was expected, in words an officer understands.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from types import MappingProxyType
from typing import Final, TypeVar

from accord.canonical import format_time, loads_object, parse_time
from accord.crypto import DualSignature
from accord.errors import InvalidInput
from accord.ledger import HASH_SIZE

__all__ = [
    "BIDI_CONTROLS",
    "FIELD_CHECKS",
    "FORMAT_VERSION",
    "MAX_PROOF_HASHES",
    "MAX_TEXT",
    "NOTICE_ID",
    "REQUEST_ID",
    "TOKEN_ID",
    "UNSIGNED",
    "check_fields",
    "count",
    "exact_keys",
    "exact_object",
    "flag",
    "int_field",
    "list_field",
    "load_versioned",
    "matching",
    "merkle_hash",
    "merkle_path",
    "obj_field",
    "party_code",
    "peer_text",
    "require_dual_signature",
    "set_text",
    "sha384_hex",
    "signature_field",
    "str_field",
    "text_fields",
    "time_text",
    "user_name",
    "versioned",
    "wire_id",
    "wire_time",
]

FORMAT_VERSION: Final = 1
"""The version (``v``) of the exchange formats that carry one."""
MAX_TEXT: Final = 500
"""Most characters of one line of free text (a purpose, reason, condition or classification)."""
BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
"""Bidirectional embeddings, overrides and isolates, refused in every peer text."""
MAX_PROOF_HASHES: Final = 128
"""An audit path or consistency proof in a tree of up to 2^63 leaves has fewer hashes (RFC 9162 §2.1)."""
UNSIGNED: Final = DualSignature(bytes(64), bytes(3309))
"""A stand-in while the fields are checked and a statement is built; never sent."""

REQUEST_ID: Final = re.compile(r"req-[0-9a-f]{32}")
"""A consent request id."""
TOKEN_ID: Final = re.compile(r"consent-[0-9a-f]{32}")
"""A consent token id."""
NOTICE_ID: Final = re.compile(r"notice-[0-9a-f]{32}")
"""A downgrade notice id."""
_CERTIFICATE_ID = re.compile(r"destruction-[0-9a-f]{32}")
_CONSENT_RECEIPT_ID = re.compile(r"received-[0-9a-f]{32}")
_SUMMARY_ID = re.compile(r"summary-[0-9a-f]{32}")
_CASE_ID = re.compile(r"case-[0-9a-f]{32}")

_WIRE_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")
_SHA384_HEX = re.compile(r"[0-9a-f]{96}")
_MERKLE_HEX = re.compile(f"[0-9a-f]{{{2 * HASH_SIZE}}}")
_PARTY = re.compile(r"[A-Z]{3}")
# The form of a user name at a node (accord.node.registry._users), which this layer may not import.
_USER = re.compile(r"[a-z][a-z0-9._-]{1,62}")
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Zl", "Zp"})
_T = TypeVar("_T")


def peer_text(value: object, what: str, *, limit: int = MAX_TEXT, lines: bool = False) -> str:
    """Check free text from a peer and return it NFC-normalised and stripped.

    Args:
        value: The text as sent or as given to a constructor.
        what: The field, for the error message.
        limit: Most characters, after normalising.
        lines: Whether line breaks (``\\n``) are allowed (paragraphs of prose).

    Raises:
        InvalidInput: not text, empty, longer than ``limit``, or holding a control,
            separator, surrogate, non-character or bidirectional character.
    """
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text")
    for ch in value:
        if lines and ch == "\n":
            continue
        if unicodedata.category(ch) in _REFUSED_CATEGORIES or ch in BIDI_CONTROLS or ch in "\ufffe\uffff":
            raise InvalidInput(f"{what} contains the control character U+{ord(ch):04X}")
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise InvalidInput(f"{what} must not be empty")
    if len(text) > limit:
        raise InvalidInput(f"{what} is longer than {limit} characters")
    return text


def set_text(obj: object, name: str, what: str) -> None:
    """Replace the text attribute ``name`` of a frozen ``obj`` by its checked form (:func:`peer_text`).

    Raises:
        InvalidInput: the text is refused by :func:`peer_text`.
    """
    object.__setattr__(obj, name, peer_text(getattr(obj, name), f"{what}: {name}"))


def matching(value: object, pattern: re.Pattern[str], what: str, form: str) -> str:
    """Check that ``value`` is text that ``pattern`` matches in full.

    Args:
        value: The field.
        pattern: Its form.
        what: The field, for the error message.
        form: The form in words ("a request id").

    Raises:
        InvalidInput: not text, or not of the form.
    """
    if not isinstance(value, str) or not pattern.fullmatch(value):
        shown = value[:40] if isinstance(value, str) else type(value).__name__
        raise InvalidInput(f"{what}: {shown!r} is not {form}")
    return value


def party_code(value: object, what: str) -> str:
    """Check a party code: three upper-case letters (ISO 3166-1 alpha-3, ``JPN``).

    Raises:
        InvalidInput: not a party code.
    """
    return matching(value, _PARTY, what, "a party code (three upper-case letters)")


def user_name(value: object, what: str) -> str:
    """Check a user name at a node (``sato``, ``j.smith``).

    Raises:
        InvalidInput: not a user name.
    """
    return matching(value, _USER, what, "a user name")


def sha384_hex(value: object, what: str) -> str:
    """Check a SHA-384 digest written as 96 lower-case hex digits.

    Raises:
        InvalidInput: not such a digest.
    """
    return matching(value, _SHA384_HEX, what, "a SHA-384 digest (96 lower-case hex digits)")


def merkle_hash(value: object, what: str) -> bytes:
    """Check one node of a Merkle proof (RFC 9162 §2.1): a SHA-256 hash in lower-case hex; its bytes.

    Raises:
        InvalidInput: not text of exactly that form.
    """
    return bytes.fromhex(matching(value, _MERKLE_HEX, what, f"a {HASH_SIZE}-byte hash in lower-case hex"))


def merkle_path(value: object, what: str) -> tuple[bytes, ...]:
    """Check an audit path or consistency proof: a list of at most :data:`MAX_PROOF_HASHES` hashes.

    Raises:
        InvalidInput: not a list, too long, or holding something other than a hash in hex.
    """
    if not isinstance(value, list) or len(value) > MAX_PROOF_HASHES:
        raise InvalidInput(f"{what} is a list of at most {MAX_PROOF_HASHES} hashes in hex")
    return tuple(merkle_hash(node, f"{what}, a list of hashes in hex") for node in value)


def wire_id(value: object, what: str) -> str:
    """Check a node, item or message id: 3 to 64 lower-case letters, digits and hyphens.

    Raises:
        InvalidInput: not text, or not of that form.
    """
    if not isinstance(value, str):
        raise InvalidInput(f"{what}: a node, item or message id must be text")
    if not _WIRE_ID.fullmatch(value):
        raise InvalidInput(f"{what}: {value[:40]!r} is not a node or message id")
    return value


def wire_time(value: object, what: str) -> datetime:
    """Parse a canonical time string (``2023-04-13T07:30:00Z``) into an aware instant.

    Raises:
        InvalidInput: not text, not a time with a time zone, or another spelling of one.
    """
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be a time such as 2023-04-13T07:30:00Z")
    try:
        moment = parse_time(value)
    except InvalidInput as exc:
        raise InvalidInput(f"{what}: {exc}") from exc
    if format_time(moment) != value:
        raise InvalidInput(f"{what} {value[:40]!r} is not in canonical form (such as 2023-04-13T07:30:00Z)")
    return moment


def time_text(value: object, what: str) -> str:
    """Check a canonical time string and return it as text (the witness formats' spelling).

    Raises:
        InvalidInput: not a time with a time zone, or another spelling of one.
    """
    if not isinstance(value, str) or format_time(parse_time(value)) != value:
        raise InvalidInput(f"{what} is written as 2026-11-25T09:00:00Z")
    return value


def count(value: object, what: str, most: int) -> int:
    """Check a count: a JSON whole number from 0 to ``most`` (a boolean is not one).

    Raises:
        InvalidInput: not such a number.
    """
    if type(value) is not int or value < 0 or value > most:
        raise InvalidInput(f"{what} must be a whole number from 0 to {most}")
    return value


def flag(value: object, what: str) -> bool:
    """Check a JSON boolean (not a number or text that reads as one).

    Raises:
        InvalidInput: not true or false.
    """
    if not isinstance(value, bool):
        raise InvalidInput(f"{what} must be true or false")
    return value


def require_dual_signature(value: object, what: str) -> None:
    """Check that a constructor was given a dual signature (Ed25519 + ML-DSA-65).

    Raises:
        InvalidInput: it was given something else.
    """
    if not isinstance(value, DualSignature):
        raise InvalidInput(f"{what}: signature must be a dual signature")


def exact_keys(
    data: Mapping[str, object], expected: set[str], what: str, *, optional: frozenset[str] = frozenset()
) -> None:
    """Check that a JSON object has exactly the keys ``expected``, and maybe some of ``optional``.

    Raises:
        InvalidInput: a key is missing or unknown (both are named).
    """
    missing = sorted(expected - set(data))
    unknown = sorted(set(data) - expected - optional)
    if missing or unknown:
        also = f", and optionally {sorted(optional)}" if optional else ""
        raise InvalidInput(
            f"{what} has exactly the keys {sorted(expected)}{also}: "
            f"missing {missing or 'nothing'}, unknown {unknown or 'nothing'}"
        )


def exact_object(obj: object, names: set[str], what: str) -> dict[str, object]:
    """Check a JSON object with exactly the keys ``names``; the object.

    Raises:
        InvalidInput: not an object, or a key missing or unknown.
    """
    if not isinstance(obj, dict):
        raise InvalidInput(f"{what} must be an object")
    exact_keys(obj, names, what)
    return obj


def versioned(obj: object, names: set[str], what: str) -> dict[str, object]:
    """Check a JSON object with exactly ``names`` and ``v`` (:data:`FORMAT_VERSION`); its fields.

    Raises:
        InvalidInput: not an object, a key missing or unknown, or another version.
    """
    obj = exact_object(obj, names | {"v"}, what)
    version = obj["v"]
    if type(version) is not int or version != FORMAT_VERSION:
        raise InvalidInput(f"{what}: unsupported version {version!r}")
    return {name: obj[name] for name in names}


def load_versioned(data: bytes | str, names: set[str], what: str) -> dict[str, object]:
    """Parse one JSON object with exactly ``names`` and ``v``, in this format's version.

    Raises:
        InvalidInput: not one JSON object, or refused by :func:`versioned`.
    """
    return versioned(loads_object(data, what), names, what)


def _typed(data: Mapping[str, object], key: str, what: str, kind: type[_T], words: str) -> _T:
    value = data[key]
    if not isinstance(value, kind):
        raise InvalidInput(f"{what}: {key} must be {words}")
    return value


def str_field(data: Mapping[str, object], key: str, what: str) -> str:
    """The text field ``key`` of a parsed object.

    Raises:
        InvalidInput: it is not text.
    """
    return _typed(data, key, what, str, "text")


def int_field(data: Mapping[str, object], key: str, what: str) -> int:
    """The non-negative whole-number field ``key`` of a parsed object.

    Raises:
        InvalidInput: it is not a non-negative whole number (a boolean is not one).
    """
    value = data[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput(f"{what}: {key} must be a non-negative whole number")
    return value


def obj_field(data: Mapping[str, object], key: str, what: str) -> dict[str, object]:
    """The object field ``key`` of a parsed object.

    Raises:
        InvalidInput: it is not an object.
    """
    return _typed(data, key, what, dict, "an object")


def list_field(data: Mapping[str, object], key: str, what: str) -> list[object]:
    """The list field ``key`` of a parsed object.

    Raises:
        InvalidInput: it is not a list.
    """
    return _typed(data, key, what, list, "a list")


def text_fields(fields: Mapping[str, object], names: Iterable[str], what: str) -> dict[str, str]:
    """The text fields ``names`` of a parsed object.

    Raises:
        InvalidInput: one of them is missing or not text.
    """
    return {name: str_field(fields, name, what) for name in names}


def signature_field(fields: Mapping[str, object], what: str) -> DualSignature:
    """The ``signature`` of a parsed object.

    Raises:
        InvalidInput: it is missing or malformed.
    """
    return DualSignature.from_dict(obj_field(fields, "signature", what))


_FieldCheck = Callable[[object, str, str], object]
"""Checks the field ``name`` of a record (a frozen dataclass), ``what`` naming the record."""


def _value(check: Callable[[object, str], object]) -> _FieldCheck:
    return lambda record, name, what: check(getattr(record, name), what)


def _form(pattern: re.Pattern[str], form: str) -> _FieldCheck:
    return lambda record, name, what: matching(getattr(record, name), pattern, what, form)


def _time(record: object, name: str, what: str) -> datetime:
    return wire_time(getattr(record, name), f"{what}: {name}")


FIELD_CHECKS: Final[Mapping[str, _FieldCheck]] = MappingProxyType(
    {
        "request_id": _form(REQUEST_ID, "a request id"),
        "token_id": _form(TOKEN_ID, "a consent token id"),
        "notice_id": _form(NOTICE_ID, "a notice id"),
        "certificate_id": _form(_CERTIFICATE_ID, "a destruction certificate id"),
        "receipt_id": _form(_CONSENT_RECEIPT_ID, "a consent receipt id"),
        "summary_id": _form(_SUMMARY_ID, "a holdings summary id"),
        "case_id": _form(_CASE_ID, "a case id (case- and 32 hex digits)"),
        "content_sha384": _value(sha384_hex),
        **dict.fromkeys(
            ("item_id", "message_id", "originator_node", "holder_node", "third_party_node", "reporting_node"),
            _value(wire_id),
        ),
        **dict.fromkeys(
            ("originator_party", "holder_party", "third_party", "for_party", "reporting_party"),
            _value(party_code),
        ),
        **dict.fromkeys(
            (
                "approved_by",
                "requested_by",
                "decided_by",
                "destroyed_by",
                "witness",
                "made_by",
                "reported_by",
                "closed_by",
            ),
            _value(user_name),
        ),
        **dict.fromkeys(
            (
                "requested_at",
                "decided_at",
                "revoked_at",
                "issued_at",
                "expires_at",
                "destroyed_at",
                "received_at",
                "made_at",
                "reported_at",
                "closed_at",
            ),
            _time,
        ),
        **dict.fromkeys(("purpose", "reason", "method", "previous_classification"), set_text),
    }
)
"""What each field a peer format names means, by its name: ``holder_party`` is a party code,
``made_at`` a canonical time, ``reason`` a line of free text… in every format that lists it in
its ``CHECKED`` (read-only). One name means something else elsewhere: the witnessing formats'
``witness`` (a countersignature's, a gossip's) is a node id, checked by those formats
themselves — here ``witness`` is a person, the destruction certificate's."""


def check_fields(record: object, names: Iterable[str], what: str) -> None:
    """Check the fields ``names`` of ``record`` as :data:`FIELD_CHECKS` says, in that order.

    Free text is replaced by its checked form (:func:`set_text`); ``record`` is a frozen
    dataclass being constructed.

    Raises:
        InvalidInput: a field is invalid (the first one found).
    """
    for name in names:
        FIELD_CHECKS[name](record, name, what)

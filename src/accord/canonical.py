"""Canonical JSON: the one deterministic encoding Accord signs and hashes.

Keys sorted, no insignificant whitespace, UTF-8 without escaping non-ASCII (so 秘 and
군사Ⅲ급비밀 stay readable), strings in Unicode NFC, no NaN or infinities. Only ``dict``
with ``str`` keys, ``list``/``tuple``, ``str``, ``int``, finite ``float``, ``bool`` and
``None`` are accepted: anything else is a programming error, not input.
"""

from __future__ import annotations

import json
import math
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import cast

from accord.errors import InvalidInput

__all__ = ["canonical_json", "format_time", "loads_object", "parse_time", "unique_keys"]


# One encoder for every call: json.dumps with these options builds the same one each time.
_ENCODER = json.JSONEncoder(ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
# JSONEncoder.encode still builds a C encoder per call; build it once. Without the circular
# reference markers (which would make it unsafe to share between threads): the value reaching
# it was walked by _plain or _normalise, which never end on a cycle (RecursionError) either way.
_C_ENCODER: Callable[[object, int], Sequence[str]] | None = (
    None
    if getattr(json.encoder, "c_make_encoder", None) is None
    else json.encoder.c_make_encoder(  # type: ignore[attr-defined]
        None, _ENCODER.default, json.encoder.encode_basestring, None, ":", ",", True, False, False
    )
)


_is_nfc = unicodedata.is_normalized


def _normal_text(text: str) -> str:
    # ASCII text is NFC already (no ASCII character composes or decomposes): skip the check.
    return text if text.isascii() else unicodedata.normalize("NFC", text)


def _normalise(value: object) -> object:
    # The exact built-in types first: every journal event and signed document goes through
    # here, and an isinstance check against an ABC (Mapping, Sequence) costs more than the
    # rest of the work. Subclasses take the general path below, unchanged.
    kind = type(value)
    if kind is str:
        return _normal_text(cast(str, value))
    if kind is dict:
        return _normalise_mapping(cast(dict[object, object], value))
    if kind is int or kind is bool or value is None:
        return value
    if kind is list or kind is tuple:
        return [_normalise(item) for item in cast(Sequence[object], value)]
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, int):  # bool and IntEnum too
        return value
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError("canonical JSON has no NaN or infinity")
        return value
    if isinstance(value, Mapping):
        return _normalise_mapping(value)
    if isinstance(value, bytes | bytearray | memoryview):
        # bytes are a Sequence of ints: encoding them as a list of numbers would be a silent surprise.
        raise TypeError(f"cannot encode {type(value).__name__} as canonical JSON; encode it as text first")
    if isinstance(value, Sequence):
        return [_normalise(item) for item in value]
    raise TypeError(f"cannot encode {type(value).__name__} as canonical JSON")


def _normalise_mapping(value: Mapping[object, object]) -> dict[str, object]:
    out: dict[str, object] = {}
    for key, item in value.items():
        if type(key) is str:
            normal = _normal_text(key)
        elif isinstance(key, str):
            normal = unicodedata.normalize("NFC", key)
        else:
            raise TypeError(f"canonical JSON keys must be strings, not {type(key).__name__}")
        if normal in out:
            # Two keys that differ only in normalisation would silently drop a value.
            raise ValueError(f"canonical JSON keys {normal!r} collide after NFC normalisation")
        out[normal] = _normalise(item)
    return out


def _plain(value: object) -> bool:
    """Whether ``value`` is already what :func:`_normalise` would make of it, and is encoded as is.

    True only for exact ``dict`` (with NFC ``str`` keys), ``list``, ``tuple``, NFC ``str``,
    ``int``, ``bool`` and ``None``, nested: then normalising would copy the value unchanged,
    and two distinct NFC keys cannot collide. Anything else (floats, subclasses, other
    mappings and sequences, text to normalise) takes the general path, which checks it.
    Every journal event goes through here: skipping the copy saves a third of the encoding.
    ASCII text is NFC without asking ``unicodedata``: 0.66 µs of CPU instead of 0.90 for
    ``bench/ledger.py``'s journal detail (``bench/RESULTS.md``, session 15).
    """
    kind = type(value)
    if kind is dict:
        for key, item in value.items():  # type: ignore[attr-defined]
            if type(key) is not str or not (key.isascii() or _is_nfc("NFC", key)):
                return False
            # A container is checked by this function itself: one frame per level of nesting.
            if not (_plain(item) if type(item) in _CONTAINERS else _plain_scalar(item)):
                return False
        return True
    if kind is list or kind is tuple:
        for item in value:  # type: ignore[attr-defined]  # noqa: SIM110 - all() over a generator costs more
            if not (_plain(item) if type(item) in _CONTAINERS else _plain_scalar(item)):
                return False
        return True
    return _plain_scalar(value)


_CONTAINERS = frozenset({dict, list, tuple})


def _plain_scalar(value: object) -> bool:
    """:func:`_plain` of a value that is not an exact ``dict``, ``list`` or ``tuple``."""
    kind = type(value)
    if kind is str:
        return value.isascii() or _is_nfc("NFC", value)  # type: ignore[attr-defined,arg-type]
    return kind is int or kind is bool or value is None


def canonical_json(value: object) -> bytes:
    """Encode ``value`` as canonical JSON bytes (deterministic; used for signing)."""
    normal = value if _plain(value) else _normalise(value)
    text = _ENCODER.encode(normal) if _C_ENCODER is None else "".join(_C_ENCODER(normal, 0))
    return text.encode("utf-8")


def unique_keys(
    refuse: Callable[[str], Exception],
) -> Callable[[list[tuple[str, object]]], dict[str, object]]:
    """A ``json.loads`` ``object_pairs_hook`` that raises ``refuse(key)`` for a key an object repeats.

    ``json.loads`` alone keeps the last of two equal keys: what a reader sees would then
    depend on the parser, so a document that repeats one is refused instead.
    """

    def hook(pairs: list[tuple[str, object]]) -> dict[str, object]:
        result: dict[str, object] = {}
        for key, value in pairs:
            if key in result:
                raise refuse(key)
            result[key] = value
        return result

    return hook


def loads_object(data: bytes | str, what: str) -> dict[str, object]:
    """Parse JSON text that must hold one object.

    Bytes must be UTF-8, without a byte order mark (RFC 8259 §8.1: JSON exchanged between
    systems is UTF-8). ``json.loads`` would also guess UTF-16 and UTF-32 from the first
    bytes; a peer, a bundle or a file in those encodings is refused, not guessed at.

    Raises:
        InvalidInput: the text is not UTF-8, not JSON, or not an object.
    """
    if isinstance(data, bytes | bytearray | memoryview):
        try:
            data = bytes(data).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise InvalidInput(
                f"{what} is not valid JSON: not UTF-8 ({exc.reason} at byte {exc.start})"
            ) from exc
    try:
        value = json.loads(data)
    except (ValueError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{what} is not valid JSON: {exc}") from exc
    if not isinstance(value, dict):
        raise InvalidInput(f"{what} must be a JSON object")
    return value


def format_time(moment: datetime) -> str:
    """RFC 3339 UTC with seconds precision: ``2016-11-23T09:00:00Z``.

    Raises:
        InvalidInput: the datetime has no time zone.
    """
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise InvalidInput("a time without a time zone is ambiguous; give it in UTC")
    try:
        utc = moment.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidInput(f"time {moment.isoformat()} is out of range") from exc
    # Not strftime: "%Y" does not zero-pad years before 1000 on glibc ("5-01-01T…").
    return f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"


def parse_time(text: str) -> datetime:
    """Parse an RFC 3339 time with a zone (``Z`` or an offset) into an aware UTC datetime.

    Raises:
        InvalidInput: not a time, or no time zone given.
    """
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"not an RFC 3339 time: {text!r}") from exc
    if moment.tzinfo is None:
        raise InvalidInput(f"time {text!r} has no time zone; add Z for UTC")
    try:
        return moment.astimezone(UTC).replace(microsecond=0)
    except OverflowError as exc:
        raise InvalidInput(f"time {text!r} is out of range") from exc

"""The checkpoint: the statement a node signs about its log (a signed tree head, RFC 9162 §4.10).

A checkpoint says "the log of node ``origin`` held ``size`` leaves with root ``root`` at
``time``". The node signs :meth:`Checkpoint.statement` with :mod:`accord.crypto`
elsewhere; this module only builds, checks and encodes it. Holding two checkpoints of a
node, anyone can ask for a consistency proof between them
(:func:`~accord.ledger.verify_consistency`); two signed checkpoints of the same size with
different roots prove that the node rewrote its history.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass

from accord.canonical import canonical_json, format_time, loads_object, parse_time
from accord.errors import InvalidInput
from accord.ledger._hashing import EMPTY_ROOT, HASH_SIZE

__all__ = ["CHECKPOINT_TYPE", "CHECKPOINT_VERSION", "Checkpoint"]

CHECKPOINT_TYPE = "accord-checkpoint"
"""The ``type`` of a checkpoint statement: a signature over it cannot pass for another statement."""
CHECKPOINT_VERSION = 1
_KEYS = frozenset({"type", "v", "origin", "size", "root", "time"})
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True)
class Checkpoint:
    """The size and root of a node's log at a time; valid from construction.

    Attributes:
        origin: The node id of the log's keeper, e.g. ``"jpn-mod"`` (non-empty, NFC).
        size: The number of leaves, 0 or more.
        root: MTH of those leaves, 32 bytes; the empty tree's root when ``size`` is 0.
        timestamp: When, as :func:`accord.canonical.format_time` writes it
            (``2026-11-25T09:00:00Z``).
    """

    origin: str
    size: int
    root: bytes
    timestamp: str

    def __post_init__(self) -> None:
        """Refuse a checkpoint that could not have come from a log.

        Raises:
            InvalidInput: a field has the wrong type or form.
        """
        if not isinstance(self.origin, str) or not self.origin:
            raise InvalidInput("a checkpoint's origin is a non-empty node id")
        if unicodedata.normalize("NFC", self.origin) != self.origin:
            raise InvalidInput("a checkpoint's origin must be in Unicode NFC")
        if isinstance(self.size, bool) or not isinstance(self.size, int) or self.size < 0:
            raise InvalidInput(f"a checkpoint's size is a number of leaves, not {self.size!r}")
        if not isinstance(self.root, bytes) or len(self.root) != HASH_SIZE:
            raise InvalidInput(f"a checkpoint's root is {HASH_SIZE} bytes")
        if self.size == 0 and self.root != EMPTY_ROOT:
            raise InvalidInput("a checkpoint of 0 leaves has the empty tree's root (RFC 9162 §2.1.1)")
        if not isinstance(self.timestamp, str) or format_time(parse_time(self.timestamp)) != self.timestamp:
            raise InvalidInput(
                f"a checkpoint's time is written as 2026-11-25T09:00:00Z, not {self.timestamp!r}"
            )

    def to_dict(self) -> dict[str, object]:
        """The statement as a JSON object: type, v, origin, size, root (hex) and time."""
        return {
            "type": CHECKPOINT_TYPE,
            "v": CHECKPOINT_VERSION,
            "origin": self.origin,
            "size": self.size,
            "root": self.root.hex(),
            "time": self.timestamp,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> Checkpoint:
        """Build a checkpoint from :meth:`to_dict` output, strictly.

        Raises:
            InvalidInput: a key is missing or unknown, the type or version is not this
                one's, or a value has the wrong type or form.
        """
        keys = set(data)
        if keys != _KEYS:
            missing, unknown = sorted(_KEYS - keys), sorted(keys - _KEYS)
            raise InvalidInput(
                f"a checkpoint must have exactly the keys {sorted(_KEYS)}; "
                f"missing {missing}, unknown {unknown}"
            )
        if data["type"] != CHECKPOINT_TYPE:
            raise InvalidInput(f"not a checkpoint: type {data['type']!r}")
        version = data["v"]
        if isinstance(version, bool) or version != CHECKPOINT_VERSION:
            raise InvalidInput(f"unknown checkpoint version {version!r}")
        origin, size, root, time = data["origin"], data["size"], data["root"], data["time"]
        if not isinstance(origin, str) or not isinstance(time, str):
            raise InvalidInput("a checkpoint's origin and time are strings")
        if isinstance(size, bool) or not isinstance(size, int):
            raise InvalidInput(f"a checkpoint's size is an integer, not {size!r}")
        if not isinstance(root, str) or len(root) != 2 * HASH_SIZE or not set(root) <= _HEX:
            raise InvalidInput(f"a checkpoint's root is {2 * HASH_SIZE} lowercase hex digits")
        return cls(origin, size, bytes.fromhex(root), time)

    def statement(self) -> bytes:
        """The canonical JSON bytes the node signs (:func:`accord.canonical.canonical_json`)."""
        return canonical_json(self.to_dict())

    @classmethod
    def from_statement(cls, data: bytes) -> Checkpoint:
        """Parse signed statement bytes; they must be exactly the canonical encoding.

        Requiring the canonical bytes means the bytes that were signed and the checkpoint
        that is acted upon cannot differ (no duplicate keys, no second spelling).

        Raises:
            InvalidInput: not JSON, not a valid checkpoint, or not canonically encoded.
        """
        checkpoint = cls.from_dict(loads_object(data, "a checkpoint statement"))
        if checkpoint.statement() != data:
            raise InvalidInput("a checkpoint statement must be in canonical JSON")
        return checkpoint

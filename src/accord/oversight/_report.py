"""The oversight report: monthly figures of one agreement, each committing to the ledger leaves it counts.

A report is made by one node (:mod:`accord.node.audit._oversight`) and read by anyone with
the two parties' public identity cards (:func:`~accord.oversight.verify_report`). It holds:

* what it is about: the agreement, the reporting party and node, the period (whole UTC days,
  both inclusive), when it was made and the language its reader asked for;
* the agreement's equivalence rows as words (``秘 = 군사Ⅲ급비밀``), the names of the level
  figures;
* ``checkpoint``: a checkpoint of the node's ledger, with the node's dual signature, and
  ``countersignatures``: the partners' signed word that they hold that very checkpoint;
* ``months``: per month of the period, every figure as its count and the leaf numbers it
  counts;
* ``leaves``: per leaf counted, its RFC 9162 leaf hash (SHA-256 of 0x00 and the event's
  canonical JSON: it reveals nothing of the event) and its audit path to the checkpoint;
* the node's dual signature over all of it (purpose :data:`REPORT_PURPOSE`).

Its bytes are parsed strictly: keys exact, numbers integers, hashes 64 lowercase hex digits.
Pure: no I/O, no clock.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Final

from accord.canonical import canonical_json, loads_object
from accord.crypto import DualSignature, SigningKeys, VerifyKeys
from accord.errors import InvalidInput
from accord.exchange import UNSIGNED, Countersignature, SignedCheckpoint
from accord.ledger import HASH_SIZE
from accord.oversight._figures import LANGUAGES

__all__ = [
    "REPORT_PURPOSE",
    "REPORT_TYPE",
    "Figure",
    "LeafCommitment",
    "MonthFigures",
    "OversightReport",
]

REPORT_PURPOSE: Final = "oversight-report"
"""The signature purpose of a report (:meth:`accord.crypto.SigningKeys.sign`)."""
REPORT_TYPE: Final = "accord-oversight-report"
REPORT_VERSION: Final = 1
_KEYS: Final = frozenset(
    {
        "type",
        "v",
        "agreement",
        "party",
        "node",
        "from",
        "to",
        "made_at",
        "lang",
        "levels",
        "checkpoint",
        "countersignatures",
        "months",
        "leaves",
        "signature",
    }
)
_DAY = re.compile(r"\A\d{4}-\d{2}-\d{2}\Z")
_MONTH = re.compile(r"\A\d{4}-(0[1-9]|1[0-2])\Z")
_HEX = re.compile(r"\A[0-9a-f]{%d}\Z" % (2 * HASH_SIZE))  # noqa: UP031 - a regex's braces
_MAX_NAME = 200


def _keys(data: Mapping[str, object], keys: set[str] | frozenset[str], what: str) -> None:
    if set(data) != set(keys):
        missing, unknown = sorted(set(keys) - set(data)), sorted(set(data) - set(keys))
        raise InvalidInput(
            f"{what} must have exactly the keys {sorted(keys)}; missing {missing}, unknown {unknown}"
        )


def _int(value: object, what: str) -> int:
    if type(value) is not int or value < 0:
        raise InvalidInput(f"{what} is a whole number, not {value!r}")
    return value


def _str(value: object, what: str, pattern: re.Pattern[str] | None = None) -> str:
    if not isinstance(value, str) or not value or len(value) > _MAX_NAME:
        raise InvalidInput(f"{what} is a non-empty text of at most {_MAX_NAME} characters")
    if pattern is not None and not pattern.match(value):
        raise InvalidInput(f"{what} is not of the form {pattern.pattern!r}: {value!r}")
    return value


def _list(value: object, what: str) -> list[object]:
    if not isinstance(value, list):
        raise InvalidInput(f"{what} is a list")
    return value


def _obj(value: object, what: str) -> dict[str, object]:
    if not isinstance(value, dict):
        raise InvalidInput(f"{what} is an object")
    return value


def _hash(value: object, what: str) -> bytes:
    if not isinstance(value, str) or not _HEX.match(value):
        raise InvalidInput(f"{what} is {2 * HASH_SIZE} lowercase hex digits")
    return bytes.fromhex(value)


@dataclass(frozen=True)
class LeafCommitment:
    """One ledger leaf a report counts: its number, its hash, and its audit path (RFC 9162 §2.1.3.1)."""

    index: int
    hash: bytes
    path: tuple[bytes, ...]

    def to_dict(self) -> dict[str, object]:
        """``{"index", "hash", "path"}``, hashes in hex."""
        return {"index": self.index, "hash": self.hash.hex(), "path": [node.hex() for node in self.path]}

    @classmethod
    def from_dict(cls, value: object) -> LeafCommitment:
        """Parse one, strictly.

        Raises:
            InvalidInput: malformed.
        """
        data = _obj(value, "a leaf")
        _keys(data, {"index", "hash", "path"}, "a leaf")
        index = _int(data["index"], "a leaf's index")
        path = tuple(_hash(node, f"leaf {index}'s path") for node in _list(data["path"], "a leaf's path"))
        return cls(index, _hash(data["hash"], f"leaf {index}'s hash"), path)


@dataclass(frozen=True)
class Figure:
    """One figure of one month: its name (:mod:`accord.oversight._figures`), its count, its leaves."""

    name: str
    count: int
    leaves: tuple[int, ...]

    def to_dict(self) -> dict[str, object]:
        """``{"figure", "count", "leaves"}``."""
        return {"figure": self.name, "count": self.count, "leaves": list(self.leaves)}

    @classmethod
    def from_dict(cls, value: object) -> Figure:
        """Parse one, strictly (its arithmetic is checked by verification, not here).

        Raises:
            InvalidInput: malformed.
        """
        data = _obj(value, "a figure")
        _keys(data, {"figure", "count", "leaves"}, "a figure")
        name = _str(data["figure"], "a figure's name")
        leaves = tuple(_int(leaf, f"{name}: a leaf number") for leaf in _list(data["leaves"], name))
        return cls(name, _int(data["count"], f"{name}: its count"), leaves)


@dataclass(frozen=True)
class MonthFigures:
    """The figures of one month (``2026-01``), in the order the report lists them."""

    month: str
    figures: tuple[Figure, ...]

    def figure(self, name: str) -> Figure | None:
        """The figure of that name, or None."""
        return next((f for f in self.figures if f.name == name), None)

    def count(self, name: str) -> int:
        """The count of the figure of that name; 0 when the month does not list it."""
        found = self.figure(name)
        return 0 if found is None else found.count

    def to_dict(self) -> dict[str, object]:
        """``{"month", "figures"}``."""
        return {"month": self.month, "figures": [f.to_dict() for f in self.figures]}

    @classmethod
    def from_dict(cls, value: object) -> MonthFigures:
        """Parse one, strictly.

        Raises:
            InvalidInput: malformed.
        """
        data = _obj(value, "a month")
        _keys(data, {"month", "figures"}, "a month")
        month = _str(data["month"], "a month", _MONTH)
        figures = tuple(Figure.from_dict(f) for f in _list(data["figures"], f"{month}'s figures"))
        return cls(month, figures)


@dataclass(frozen=True)
class OversightReport:
    """A node's signed monthly figures of one agreement, with the evidence of every figure.

    Attributes:
        agreement: The agreement's id.
        party: The reporting party (``JPN``).
        node: The reporting node (``jpn-mod``), whose ledger the leaves are of.
        first_day: The first day of the period, ``2026-01-01`` (UTC, inclusive).
        last_day: The last day of the period, ``2026-03-31`` (UTC, inclusive).
        made_at: When the report was made (``2026-04-02T09:00:00Z``).
        lang: The language the report was asked in (``en``, ``ko`` or ``ja``).
        levels: The agreement's equivalence rows in words, the names of the level figures.
        checkpoint: The node's signed checkpoint every leaf is proven in.
        countersignatures: The partners' countersignatures of that checkpoint.
        months: Each month of the period and its figures.
        leaves: Each leaf counted, once.
        signature: The node's dual signature over :meth:`statement`.
    """

    agreement: str
    party: str
    node: str
    first_day: str
    last_day: str
    made_at: str
    lang: str
    levels: tuple[str, ...]
    checkpoint: SignedCheckpoint
    countersignatures: tuple[Countersignature, ...]
    months: tuple[MonthFigures, ...]
    leaves: tuple[LeafCommitment, ...]
    signature: DualSignature = UNSIGNED

    def _body(self) -> dict[str, object]:
        return {
            "type": REPORT_TYPE,
            "v": REPORT_VERSION,
            "agreement": self.agreement,
            "party": self.party,
            "node": self.node,
            "from": self.first_day,
            "to": self.last_day,
            "made_at": self.made_at,
            "lang": self.lang,
            "levels": list(self.levels),
            "checkpoint": self.checkpoint.to_dict(),
            "countersignatures": [c.to_dict() for c in self.countersignatures],
            "months": [m.to_dict() for m in self.months],
            "leaves": [leaf.to_dict() for leaf in self.leaves],
        }

    def statement(self) -> bytes:
        """The exact bytes the node signs: the canonical JSON of the report without its signature."""
        return canonical_json(self._body())

    def signed_with(self, keys: SigningKeys) -> OversightReport:
        """This report signed with the node's keys."""
        return replace(self, signature=keys.sign(REPORT_PURPOSE, self.statement()))

    def verify_signature(self, keys: VerifyKeys) -> None:
        """Check the node's dual signature over the report.

        Raises:
            VerificationFailed: not signed by ``keys``, or anything in it was changed.
        """
        keys.verify(REPORT_PURPOSE, self.statement(), self.signature)

    def to_dict(self) -> dict[str, object]:
        """The report as JSON-ready data, signature included."""
        return {**self._body(), "signature": self.signature.to_dict()}

    def to_json(self) -> str:
        """The report file's text: indented JSON for a reader (the signature is over the canonical form)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=1, sort_keys=True) + "\n"

    def month(self, month: str) -> MonthFigures | None:
        """The figures of ``month`` (``2026-01``), or None when the report has no such month."""
        return next((m for m in self.months if m.month == month), None)

    @classmethod
    def parse(cls, text: str | bytes) -> OversightReport:
        """Parse a report file strictly; nothing is verified here (:func:`~accord.oversight.verify_report`).

        Raises:
            InvalidInput: not a report of this version, or a field is malformed.
        """
        what = "an oversight report"
        data = loads_object(text, what)
        _keys(data, _KEYS, what)
        if data["type"] != REPORT_TYPE or type(data["v"]) is not int or data["v"] != REPORT_VERSION:
            raise InvalidInput(f"not an {REPORT_TYPE} version {REPORT_VERSION}")
        levels = tuple(_str(level, "a level row") for level in _list(data["levels"], "levels"))
        if data["lang"] not in LANGUAGES:
            raise InvalidInput(f"a report's lang is one of {', '.join(LANGUAGES)}, not {data['lang']!r}")
        counters = _list(data["countersignatures"], "countersignatures")
        return cls(
            agreement=_str(data["agreement"], "the agreement"),
            party=_str(data["party"], "the party"),
            node=_str(data["node"], "the node"),
            first_day=_str(data["from"], "the first day", _DAY),
            last_day=_str(data["to"], "the last day", _DAY),
            made_at=_str(data["made_at"], "made_at"),
            lang=_str(data["lang"], "lang"),
            levels=levels,
            checkpoint=SignedCheckpoint.from_dict(_obj(data["checkpoint"], "the checkpoint")),
            countersignatures=tuple(Countersignature.parse(canonical_json(c)) for c in counters),
            months=tuple(MonthFigures.from_dict(m) for m in _list(data["months"], "months")),
            leaves=tuple(LeafCommitment.from_dict(leaf) for leaf in _list(data["leaves"], "leaves")),
            signature=DualSignature.from_dict(_obj(data["signature"], "the signature")),
        )

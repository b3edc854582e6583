"""Diplomatic notes: the written acts that move an agreement through its life (Art. 21).

A :class:`Note` is one party's written notification: that its internal procedures are
complete (entry into force), that it intends to terminate, that it suspends or withdraws
such a notice, or that it consents to an amendment. A note is identified by the digest of
its canonical JSON, so the same act written twice has the same id and can be refused as a
duplicate, and a suspension or withdrawal can refer to the exact notice it concerns.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NoReturn

from accord.canonical import canonical_json
from accord.errors import AgreementFormatError
from accord.markings import is_party_code

__all__ = ["Note", "NoteKind"]

NOTE_ID = re.compile(r"note-[0-9a-f]{32}")
DIGEST = re.compile(r"[0-9a-f]{96}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_REQUIRED = ("agreement_id", "kind", "party", "date")
_OPTIONAL = ("text", "refers_to", "amendment_digest", "id")


class NoteKind(enum.Enum):
    """What a note notifies (Japan–ROK GSOMIA Art. 21 and the 2019–2023 practice)."""

    ENTRY_INTO_FORCE = "entry-into-force"
    """Internal procedures are complete; in force on the date of the later notification."""
    TERMINATION_NOTICE = "termination-notice"
    """Written notice of the intention to terminate, effective at the end of a term."""
    SUSPEND_NOTICE = "suspend-notice"
    """Suspends the effect of a termination notice (ROK, 2019-11-22)."""
    WITHDRAW_NOTICE = "withdraw-notice"
    """Withdraws a termination notice and/or its suspension (ROK, 2023-03-21)."""
    AMENDMENT = "amendment"
    """Consent to an amendment, by the digest of the amended text (mutual written consent)."""


def _fail(problem: str) -> NoReturn:
    raise AgreementFormatError(f"note: {problem}")


def _string(d: Mapping[str, object], key: str) -> str:
    value = d.get(key, "")
    if not isinstance(value, str):
        _fail(f"{key} must be a string")
    return value


@dataclass(frozen=True)
class Note:
    """One party's written notification about an agreement.

    Attributes:
        agreement_id: The agreement the note is about.
        kind: What the note notifies.
        party: The code of the party that sends it.
        date: The date of the note.
        text: Free text (for example the conditions of a suspension).
        refers_to: Ids of earlier notes: a suspension refers to the termination notice; a
            withdrawal to the notice, its suspension, or both.
        amendment_digest: For an amendment, :func:`agreement_digest` of the amended text.
    """

    agreement_id: str
    kind: NoteKind
    party: str
    date: dt.date
    text: str = ""
    refers_to: tuple[str, ...] = ()
    amendment_digest: str | None = None

    @property
    def id(self) -> str:
        """``note-`` and the first 32 hex digits of the SHA-256 of :meth:`canonical_bytes`."""
        return "note-" + hashlib.sha256(self.canonical_bytes()).hexdigest()[:32]

    def to_dict(self) -> dict[str, object]:
        """The note as a JSON-ready dictionary (dates in ISO format; no ``id``).

        Returns:
            Every field, ``kind`` as its value and ``refers_to`` as a list.
        """
        return {
            "agreement_id": self.agreement_id,
            "kind": self.kind.value,
            "party": self.party,
            "date": self.date.isoformat(),
            "text": self.text,
            "refers_to": list(self.refers_to),
            "amendment_digest": self.amendment_digest,
        }

    def canonical_bytes(self) -> bytes:
        """Deterministic canonical JSON of :meth:`to_dict` (sorted keys, no spaces, UTF-8).

        Returns:
            The bytes the note id is computed from.
        """
        return canonical_json(self.to_dict())

    @classmethod
    def from_dict(cls, d: Mapping[str, object]) -> Note:
        """Parse a note written by :meth:`to_dict`, strictly.

        An ``id`` key is accepted only if it matches the note's content.

        Args:
            d: The dictionary, for example from ``json.loads``.

        Returns:
            The note.

        Raises:
            AgreementFormatError: On an unknown or missing key, a value of the wrong type, an
                unknown kind, a bad party code, date, note reference or digest, or an ``id``
                that does not match the content.
        """
        unknown = sorted(set(d) - set(_REQUIRED) - set(_OPTIONAL))
        if unknown:
            _fail(f"unknown key {unknown[0]!r}")
        missing = [k for k in _REQUIRED if k not in d]
        if missing:
            _fail(f"missing key {missing[0]!r}")
        agreement_id = _string(d, "agreement_id")
        party = _string(d, "party")
        kind_value = _string(d, "kind")
        date_text = _string(d, "date")
        text = _string(d, "text")
        digest = d.get("amendment_digest")
        refers = d.get("refers_to", [])
        if not agreement_id:
            _fail("agreement_id must not be empty")
        if not is_party_code(party):
            _fail(f"party {party!r} is not a party code")
        try:
            kind = NoteKind(kind_value)
        except ValueError:
            _fail(f"kind {kind_value!r} is not one of {', '.join(k.value for k in NoteKind)}")
        if not _DATE.fullmatch(date_text):
            _fail(f"date {date_text!r} is not YYYY-MM-DD")
        try:
            date = dt.date.fromisoformat(date_text)
        except ValueError:
            _fail(f"date {date_text!r} is not a calendar date")
        if not isinstance(refers, list) or not all(isinstance(r, str) for r in refers):
            _fail("refers_to must be a list of note ids")
        for ref in refers:
            if not NOTE_ID.fullmatch(ref):
                _fail(f"refers_to {ref!r} is not a note id")
        if digest is not None and (not isinstance(digest, str) or not DIGEST.fullmatch(digest)):
            _fail("amendment_digest must be 96 lowercase hex digits (SHA-384)")
        note = cls(
            agreement_id=agreement_id,
            kind=kind,
            party=party,
            date=date,
            text=text,
            refers_to=tuple(refers),
            amendment_digest=digest,
        )
        if "id" in d and d["id"] != note.id:
            _fail(f"id {d['id']!r} does not match the note's content ({note.id})")
        return note

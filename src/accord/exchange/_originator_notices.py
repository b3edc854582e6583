"""Wire formats of the originator's notices to every holder (GSOMIA Arts. 6, 15, 21).

The originator keeps deciding about what it provided. Three messages carry its decisions
to the holders, each in an envelope of its own type (``EnvelopeHeader.type``):

* **consent-revocation** — :class:`ConsentRevocation`, signed (purpose
  ``consent-revocation``): a consent it gave is withdrawn (Art. 6).
* **downgrade** — :class:`DowngradeNotice`, signed (purpose ``downgrade``): a lower
  classification or a declassification, which every holder applies (Art. 6).
* **disposal-request** — :class:`DisposalRequest`: return or destroy an item (Arts. 15,
  21). Not signed itself: the transmission that carries it is.

The habits of :mod:`._consent` hold: canonical JSON, strict parsing, objects valid from
construction, every field checked by the shared vocabulary of :mod:`._fields`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

from accord.canonical import canonical_json, loads_object
from accord.crypto import DualSignature
from accord.errors import InvalidInput
from accord.exchange._fields import (
    check_fields,
    exact_keys,
    flag,
    set_text,
    str_field,
)
from accord.exchange._signed import SignedStatement

__all__ = ["DISPOSAL_KINDS", "ConsentRevocation", "DisposalRequest", "DowngradeNotice", "new_notice_id"]

DISPOSAL_KINDS: Final = ("return", "destroy")
"""What an originator may ask of a holder: to return the item, or to destroy it."""


def new_notice_id() -> str:
    """A fresh downgrade notice id: ``notice-`` and 32 hex digits."""
    return f"notice-{uuid.uuid4().hex}"


_REVOCATION_FIELDS: Final = ("token_id", "item_id", "originator_node", "reason", "revoked_at")


@dataclass(frozen=True)
class ConsentRevocation(SignedStatement):
    """The originator withdraws a consent it gave; signed by the originator node."""

    PURPOSE = "consent-revocation"
    FIELDS = CHECKED = _REVOCATION_FIELDS
    WHAT = "consent revocation"

    token_id: str
    item_id: str
    originator_node: str
    reason: str
    revoked_at: str
    signature: DualSignature


_DOWNGRADE_TEXT: Final = (
    "notice_id",
    "item_id",
    "originator_node",
    "originator_party",
    "content_sha384",
    "previous_classification",
    "reason",
    "issued_at",
)


@dataclass(frozen=True)
class DowngradeNotice(SignedStatement):
    """The originator lowers an item's classification or declassifies it (Art. 6).

    Every holder applies it. The classifications are words of the originator's scheme
    (``極秘``, ``군사Ⅱ급비밀``); ``new_classification`` is None exactly when the item is
    declassified.
    """

    PURPOSE = "downgrade"
    FIELDS = (*_DOWNGRADE_TEXT, "new_classification", "declassified")
    CHECKED = _DOWNGRADE_TEXT
    WHAT = "downgrade notice"

    notice_id: str
    item_id: str
    originator_node: str
    originator_party: str
    content_sha384: str
    previous_classification: str
    new_classification: str | None
    declassified: bool
    reason: str
    issued_at: str
    signature: DualSignature

    def _check(self, what: str) -> None:
        flag(self.declassified, f"{what}: declassified")
        if self.declassified:
            if self.new_classification is not None:
                raise InvalidInput(f"{what}: a declassified item has no new classification")
        else:
            if self.new_classification is None:
                raise InvalidInput(f"{what}: give the new classification, or declassify")
            set_text(self, "new_classification", what)
            if self.new_classification == self.previous_classification:
                raise InvalidInput(f"{what}: the item is already {self.previous_classification}")

    @classmethod
    def _parsed(cls, fields: dict[str, object]) -> dict[str, Any]:
        what = cls.WHAT
        new = fields["new_classification"]
        if new is not None and not isinstance(new, str):
            raise InvalidInput(f"{what}: new_classification must be text or null")
        return {
            "new_classification": new,
            "declassified": flag(fields["declassified"], f"{what}: declassified"),
        }


_DISPOSAL_FIELDS: Final = ("item_id", "kind", "reason", "requested_by", "requested_at")


@dataclass(frozen=True)
class DisposalRequest:
    """What the originator asks of a holder (the payload of a ``disposal-request`` envelope).

    Return or destroy ``item_id`` (Arts. 15, 21), for ``reason``, asked by the user
    ``requested_by`` at ``requested_at``. Not signed itself: the transmission that carries
    it is. Its bytes carry no ``v`` (they never did).
    """

    item_id: str
    kind: str
    reason: str
    requested_by: str
    requested_at: str

    def __post_init__(self) -> None:
        what = "disposal request"
        if self.kind not in DISPOSAL_KINDS:
            raise InvalidInput(f"a disposal request asks to {' or '.join(DISPOSAL_KINDS)}, not {self.kind!r}")
        check_fields(self, ("item_id", "reason", "requested_by", "requested_at"), what)

    def to_bytes(self) -> bytes:
        """Canonical JSON."""
        return canonical_json({name: getattr(self, name) for name in _DISPOSAL_FIELDS})

    @classmethod
    def parse(cls, data: bytes) -> DisposalRequest:
        """Parse strictly.

        Raises:
            InvalidInput: malformed, unknown or missing keys, or a field invalid.
        """
        what = "disposal request"
        obj = loads_object(data, what)
        exact_keys(obj, set(_DISPOSAL_FIELDS), what)
        return cls(*(str_field(obj, name, what) for name in _DISPOSAL_FIELDS))

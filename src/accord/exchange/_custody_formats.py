"""Wire formats of accountability: destruction certificates and holdings summaries (Arts. 6, 9–16).

GSOMIA Art. 6 asks each party for "identification, location, inventory and control" of
the CMI it holds, and for CMI no longer needed to be returned or destroyed. Two signed
statements carry that between nodes:

* **destruction-certificate** (holder → originator, in an envelope of that type) —
  :class:`DestructionCertificate`, signed by the holder node (purpose
  ``destruction-certificate``): which item (id and content digest), whose it is, how it
  was destroyed, by whom, before which witness, when, and how many numbered copies went
  with it.
* **consent-receipt** (third party → originator, in an envelope of that type) —
  :class:`ConsentReceipt`, signed by the third party's node (purpose ``consent-receipt``):
  it received an item the holder passed on under the originator's consent (which token,
  which item and content digest, from which holder, in which message, when). The
  originator files it in its dissemination record: the third party is then on record as
  holding the item, as a direct recipient is by the originator's outbox.
* :class:`HoldingsSummary` — signed by the holder node (purpose ``holdings-summary``),
  exchanged as a file: every item of one originating party the holder holds, with its
  status, its number of copies and the message ids it arrived in. The originator
  reconciles it against its dissemination record (``accord reconcile``).

The habits of ``_consent`` hold: canonical JSON, strict parsing (unknown or missing keys
refused), objects valid from construction, each statement naming its own ``type`` and
each signature its own purpose.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from typing import Final

from accord.canonical import canonical_json, loads_object
from accord.crypto import DualSignature, SigningKeys, VerifyKeys
from accord.errors import InvalidInput
from accord.exchange._fields import (
    FORMAT_VERSION,
    TOKEN_ID,
    UNSIGNED,
    int_field,
    list_field,
    load_versioned,
    matching,
    obj_field,
    party_code,
    require_dual_signature,
    set_text,
    sha384_hex,
    str_field,
    user_name,
    versioned,
    wire_id,
    wire_time,
)

__all__ = [
    "HOLDING_STATUSES",
    "ConsentReceipt",
    "DestructionCertificate",
    "HeldItem",
    "HoldingsSummary",
    "new_certificate_id",
    "new_consent_receipt_id",
    "new_summary_id",
]

_CERTIFICATE_ID = re.compile(r"destruction-[0-9a-f]{32}")
_CONSENT_RECEIPT_ID = re.compile(r"received-[0-9a-f]{32}")
_SUMMARY_ID = re.compile(r"summary-[0-9a-f]{32}")
MAX_ENTRIES: Final = 100_000
MAX_MESSAGES: Final = 1000
_STATUS = re.compile(r"[a-z][a-z-]{1,15}")
HOLDING_STATUSES: Final = frozenset(
    {
        "held",
        "downgraded",
        "declassified",
        "consent-revoked",
        "destroyed",
        "returned",
        "compromised",
        "to-return",
        "to-destroy",
    }
)
"""The statuses a holder reports today (the status column of ``items``); a summary accepts any
status word of that form, so that a newer holder's statuses still reconcile."""


def new_certificate_id() -> str:
    """A fresh destruction certificate id: ``destruction-`` and 32 hex digits."""
    return f"destruction-{uuid.uuid4().hex}"


def new_consent_receipt_id() -> str:
    """A fresh consent receipt id: ``received-`` and 32 hex digits."""
    return f"received-{uuid.uuid4().hex}"


def new_summary_id() -> str:
    """A fresh holdings summary id: ``summary-`` and 32 hex digits."""
    return f"summary-{uuid.uuid4().hex}"


def _count(value: object, what: str) -> int:
    if type(value) is not int or value < 0 or value > MAX_ENTRIES:
        raise InvalidInput(f"{what} must be a whole number from 0 to {MAX_ENTRIES}")
    return value


_CERTIFICATE_FIELDS: Final = (
    "certificate_id",
    "item_id",
    "content_sha384",
    "originator_party",
    "originator_node",
    "holder_party",
    "holder_node",
    "method",
    "destroyed_by",
    "witness",
    "destroyed_at",
)


@dataclass(frozen=True)
class DestructionCertificate:
    """A holder's signed statement that it destroyed an item (Arts. 6, 16).

    Signed by the holder node with both keys. ``copies`` is the number of numbered copies
    destroyed with the item.
    """

    certificate_id: str
    item_id: str
    content_sha384: str
    originator_party: str
    originator_node: str
    holder_party: str
    holder_node: str
    method: str
    destroyed_by: str
    witness: str
    destroyed_at: str
    copies: int
    signature: DualSignature

    def __post_init__(self) -> None:
        what = "destruction certificate"
        matching(self.certificate_id, _CERTIFICATE_ID, what, "a destruction certificate id")
        wire_id(self.item_id, what)
        sha384_hex(self.content_sha384, what)
        party_code(self.originator_party, what)
        wire_id(self.originator_node, what)
        party_code(self.holder_party, what)
        wire_id(self.holder_node, what)
        set_text(self, "method", what)
        user_name(self.destroyed_by, what)
        user_name(self.witness, what)
        wire_time(self.destroyed_at, f"{what}: destroyed_at")
        _count(self.copies, f"{what}: copies")
        require_dual_signature(self.signature, what)
        if self.witness == self.destroyed_by:
            raise InvalidInput(f"{what}: the witness must be another person than {self.destroyed_by}")

    @classmethod
    def make(
        cls,
        keys: SigningKeys,
        *,
        certificate_id: str,
        item_id: str,
        content_sha384: str,
        originator_party: str,
        originator_node: str,
        holder_party: str,
        holder_node: str,
        method: str,
        destroyed_by: str,
        witness: str,
        destroyed_at: str,
        copies: int,
    ) -> DestructionCertificate:
        """Check the fields and sign them with the holder node's keys.

        Raises:
            InvalidInput: a field is invalid.
        """
        unsigned = cls(
            certificate_id,
            item_id,
            content_sha384,
            originator_party,
            originator_node,
            holder_party,
            holder_node,
            method,
            destroyed_by,
            witness,
            destroyed_at,
            copies,
            UNSIGNED,
        )
        return replace(unsigned, signature=keys.sign("destruction-certificate", unsigned.statement()))

    def _body(self) -> dict[str, object]:
        body: dict[str, object] = {name: getattr(self, name) for name in _CERTIFICATE_FIELDS}
        return {**body, "copies": self.copies}

    def statement(self) -> bytes:
        """The exact bytes the holder signs."""
        return canonical_json({"type": "accord-destruction-certificate", "v": FORMAT_VERSION, **self._body()})

    def verify(self, keys: VerifyKeys) -> None:
        """Check the holder's signature.

        Raises:
            VerificationFailed: it was not signed by these keys, or a field was changed.
        """
        keys.verify("destruction-certificate", self.statement(), self.signature)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form, signature included."""
        return {"v": FORMAT_VERSION, **self._body(), "signature": self.signature.to_dict()}

    def to_bytes(self) -> bytes:
        """Canonical JSON, signature included."""
        return canonical_json(self.to_dict())

    @classmethod
    def parse(cls, data: bytes | str) -> DestructionCertificate:
        """Parse (not verify) a certificate.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "destruction certificate"
        fields = load_versioned(data, {*_CERTIFICATE_FIELDS, "copies", "signature"}, what)
        text = {name: str_field(fields, name, what) for name in _CERTIFICATE_FIELDS}
        return cls(
            **text,
            copies=_count(fields["copies"], f"{what}: copies"),
            signature=DualSignature.from_dict(obj_field(fields, "signature", what)),
        )


_CONSENT_RECEIPT_FIELDS: Final = (
    "receipt_id",
    "token_id",
    "item_id",
    "content_sha384",
    "originator_node",
    "holder_party",
    "holder_node",
    "third_party",
    "third_party_node",
    "message_id",
    "received_at",
)


@dataclass(frozen=True)
class ConsentReceipt:
    """A third party's signed statement that it received an item under a consent (Art. 6).

    Signed by the third party's node (``third_party_node``) with both keys. ``holder_party``
    and ``holder_node`` passed the item on, in the envelope ``message_id``, under the consent
    ``token_id`` the originator ``originator_node`` gave; ``received_at`` is the third
    party's clock when it accepted the item.
    """

    receipt_id: str
    token_id: str
    item_id: str
    content_sha384: str
    originator_node: str
    holder_party: str
    holder_node: str
    third_party: str
    third_party_node: str
    message_id: str
    received_at: str
    signature: DualSignature

    def __post_init__(self) -> None:
        what = "consent receipt"
        matching(self.receipt_id, _CONSENT_RECEIPT_ID, what, "a consent receipt id")
        matching(self.token_id, TOKEN_ID, what, "a consent token id")
        wire_id(self.item_id, what)
        sha384_hex(self.content_sha384, what)
        wire_id(self.originator_node, what)
        party_code(self.holder_party, what)
        wire_id(self.holder_node, what)
        party_code(self.third_party, what)
        wire_id(self.third_party_node, what)
        wire_id(self.message_id, what)
        wire_time(self.received_at, f"{what}: received_at")
        require_dual_signature(self.signature, what)
        if self.third_party == self.holder_party:
            raise InvalidInput(f"{what}: the third party cannot be the holder itself ({self.holder_party})")

    @classmethod
    def make(
        cls,
        keys: SigningKeys,
        *,
        receipt_id: str,
        token_id: str,
        item_id: str,
        content_sha384: str,
        originator_node: str,
        holder_party: str,
        holder_node: str,
        third_party: str,
        third_party_node: str,
        message_id: str,
        received_at: str,
    ) -> ConsentReceipt:
        """Check the fields and sign them with the third party node's keys.

        Raises:
            InvalidInput: a field is invalid.
        """
        unsigned = cls(
            receipt_id,
            token_id,
            item_id,
            content_sha384,
            originator_node,
            holder_party,
            holder_node,
            third_party,
            third_party_node,
            message_id,
            received_at,
            UNSIGNED,
        )
        return replace(unsigned, signature=keys.sign("consent-receipt", unsigned.statement()))

    def _body(self) -> dict[str, object]:
        return {name: getattr(self, name) for name in _CONSENT_RECEIPT_FIELDS}

    def statement(self) -> bytes:
        """The exact bytes the third party signs."""
        return canonical_json({"type": "accord-consent-receipt", "v": FORMAT_VERSION, **self._body()})

    def verify(self, keys: VerifyKeys) -> None:
        """Check the third party's signature.

        Raises:
            VerificationFailed: it was not signed by these keys, or a field was changed.
        """
        keys.verify("consent-receipt", self.statement(), self.signature)

    def to_bytes(self) -> bytes:
        """Canonical JSON, signature included."""
        return canonical_json({"v": FORMAT_VERSION, **self._body(), "signature": self.signature.to_dict()})

    @classmethod
    def parse(cls, data: bytes | str) -> ConsentReceipt:
        """Parse (not verify) a consent receipt.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "consent receipt"
        fields = load_versioned(data, {*_CONSENT_RECEIPT_FIELDS, "signature"}, what)
        text = {name: str_field(fields, name, what) for name in _CONSENT_RECEIPT_FIELDS}
        return cls(**text, signature=DualSignature.from_dict(obj_field(fields, "signature", what)))


@dataclass(frozen=True)
class HeldItem:
    """One line of a holdings summary: an item as the holder holds it."""

    item_id: str
    content_sha384: str
    status: str
    copies: int
    message_ids: tuple[str, ...]

    def __post_init__(self) -> None:
        what = "holdings summary entry"
        wire_id(self.item_id, what)
        sha384_hex(self.content_sha384, what)
        matching(self.status, _STATUS, what, "a holding status such as held or destroyed")
        _count(self.copies, f"{what}: copies")
        if not isinstance(self.message_ids, tuple | list) or len(self.message_ids) > MAX_MESSAGES:
            raise InvalidInput(f"{what}: message_ids must be a list of at most {MAX_MESSAGES} ids")
        ids = tuple(sorted({wire_id(m, what) for m in self.message_ids}))
        if len(ids) != len(self.message_ids):
            raise InvalidInput(f"{what}: a message id is listed twice")
        object.__setattr__(self, "message_ids", ids)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "item_id": self.item_id,
            "content_sha384": self.content_sha384,
            "status": self.status,
            "copies": self.copies,
            "message_ids": list(self.message_ids),
        }

    @classmethod
    def from_dict(cls, obj: object) -> HeldItem:
        """Parse one entry.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "holdings summary entry"
        if not isinstance(obj, dict):
            raise InvalidInput(f"{what} must be an object")
        names = {"item_id", "content_sha384", "status", "copies", "message_ids"}
        if set(obj) != names:
            raise InvalidInput(f"{what}: expected exactly the keys {sorted(names)}")
        ids = list_field(obj, "message_ids", what)
        if not all(isinstance(m, str) for m in ids):
            raise InvalidInput(f"{what}: message_ids must be a list of ids")
        return cls(
            item_id=str_field(obj, "item_id", what),
            content_sha384=str_field(obj, "content_sha384", what),
            status=str_field(obj, "status", what),
            copies=int_field(obj, "copies", what),
            message_ids=tuple(str(m) for m in ids),
        )


_SUMMARY_FIELDS: Final = ("summary_id", "holder_party", "holder_node", "for_party", "made_by", "made_at")


@dataclass(frozen=True)
class HoldingsSummary:
    """What a holder holds of one originating party's CMI, signed by the holder node (Art. 6)."""

    summary_id: str
    holder_party: str
    holder_node: str
    for_party: str
    made_by: str
    made_at: str
    items: tuple[HeldItem, ...]
    signature: DualSignature

    def __post_init__(self) -> None:
        what = "holdings summary"
        matching(self.summary_id, _SUMMARY_ID, what, "a holdings summary id")
        party_code(self.holder_party, what)
        wire_id(self.holder_node, what)
        party_code(self.for_party, what)
        user_name(self.made_by, what)
        wire_time(self.made_at, f"{what}: made_at")
        if not isinstance(self.items, tuple | list) or not all(isinstance(i, HeldItem) for i in self.items):
            raise InvalidInput(f"{what}: items must be a list of entries")
        if len(self.items) > MAX_ENTRIES:
            raise InvalidInput(f"{what}: more than {MAX_ENTRIES} entries")
        items = tuple(sorted(self.items, key=lambda i: i.item_id))
        if len({i.item_id for i in items}) != len(items):
            raise InvalidInput(f"{what}: an item is listed twice")
        object.__setattr__(self, "items", items)
        require_dual_signature(self.signature, what)
        if self.for_party == self.holder_party:
            raise InvalidInput(f"{what}: a holder does not summarise its own items for itself")

    @classmethod
    def make(
        cls,
        keys: SigningKeys,
        *,
        summary_id: str,
        holder_party: str,
        holder_node: str,
        for_party: str,
        made_by: str,
        made_at: str,
        items: tuple[HeldItem, ...],
    ) -> HoldingsSummary:
        """Check the fields and sign them with the holder node's keys.

        Raises:
            InvalidInput: a field is invalid.
        """
        unsigned = cls(summary_id, holder_party, holder_node, for_party, made_by, made_at, items, UNSIGNED)
        return replace(unsigned, signature=keys.sign("holdings-summary", unsigned.statement()))

    def _body(self) -> dict[str, object]:
        body: dict[str, object] = {name: getattr(self, name) for name in _SUMMARY_FIELDS}
        return {**body, "items": [i.to_dict() for i in self.items]}

    def statement(self) -> bytes:
        """The exact bytes the holder signs."""
        return canonical_json({"type": "accord-holdings-summary", "v": FORMAT_VERSION, **self._body()})

    def verify(self, keys: VerifyKeys) -> None:
        """Check the holder's signature.

        Raises:
            VerificationFailed: it was not signed by these keys, or a field was changed.
        """
        keys.verify("holdings-summary", self.statement(), self.signature)

    def to_bytes(self) -> bytes:
        """Canonical JSON, signature included."""
        return canonical_json({"v": FORMAT_VERSION, **self._body(), "signature": self.signature.to_dict()})

    @classmethod
    def parse(cls, data: bytes | str) -> HoldingsSummary:
        """Parse (not verify) a summary.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "holdings summary"
        fields = versioned(loads_object(data, what), {*_SUMMARY_FIELDS, "items", "signature"}, what)
        entries = list_field(fields, "items", what)
        if len(entries) > MAX_ENTRIES:
            raise InvalidInput(f"{what}: more than {MAX_ENTRIES} entries")
        text = {name: str_field(fields, name, what) for name in _SUMMARY_FIELDS}
        return cls(
            **text,
            items=tuple(HeldItem.from_dict(e) for e in entries),
            signature=DualSignature.from_dict(obj_field(fields, "signature", what)),
        )

"""Wire formats of a consent request and the originator's decision (GSOMIA Art. 6).

Two messages, each in an envelope of its own type (``EnvelopeHeader.type``):

* **consent-request** (holder → originator) — :class:`ConsentRequest`: which item (id
  and content digest), to which third party, for what purpose, asked by whom. It is not
  signed itself: the transmission that carries it is.
* **consent-decision** (originator → holder) — :class:`ConsentDecision`: approved with a
  signed :class:`~._consent.ConsentToken`, or denied with a reason.

Fields are checked by the shared vocabulary of :mod:`._fields`.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Final

from accord.canonical import canonical_json
from accord.errors import InvalidInput
from accord.exchange._consent import ConsentToken
from accord.exchange._fields import (
    FORMAT_VERSION,
    check_fields,
    flag,
    load_versioned,
    set_text,
    str_field,
)

__all__ = ["ConsentDecision", "ConsentRequest", "new_request_id"]


def new_request_id() -> str:
    """A fresh consent request id: ``req-`` and 32 hex digits."""
    return f"req-{uuid.uuid4().hex}"


_REQUEST_FIELDS: Final = (
    "request_id",
    "item_id",
    "content_sha384",
    "holder_party",
    "holder_node",
    "third_party",
    "purpose",
    "requested_by",
    "requested_at",
)


@dataclass(frozen=True)
class ConsentRequest:
    """A holder's request for the originator's consent to an onward release (Art. 6).

    Not signed: the transmission that carries it is signed by the holder node.
    """

    request_id: str
    item_id: str
    content_sha384: str
    holder_party: str
    holder_node: str
    third_party: str
    purpose: str
    requested_by: str
    requested_at: str

    def __post_init__(self) -> None:
        what = "consent request"
        check_fields(self, _REQUEST_FIELDS, what)
        if self.third_party == self.holder_party:
            raise InvalidInput(f"{what}: the third party cannot be the holder itself ({self.holder_party})")

    def to_bytes(self) -> bytes:
        """Canonical JSON of the request."""
        return canonical_json(
            {"v": FORMAT_VERSION, **{name: getattr(self, name) for name in _REQUEST_FIELDS}}
        )

    @classmethod
    def parse(cls, data: bytes | str) -> ConsentRequest:
        """Parse a consent request.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "consent request"
        obj = load_versioned(data, set(_REQUEST_FIELDS), what)
        return cls(*(str_field(obj, name, what) for name in _REQUEST_FIELDS))


@dataclass(frozen=True)
class ConsentDecision:
    """The originator's answer to a consent request: a signed token, or a reason to refuse."""

    request_id: str
    approved: bool
    token: ConsentToken | None
    reason: str | None
    decided_by: str
    decided_at: str

    def __post_init__(self) -> None:
        what = "consent decision"
        check_fields(self, ("request_id", "decided_by", "decided_at"), what)
        flag(self.approved, f"{what}: approved")
        if self.approved:
            if not isinstance(self.token, ConsentToken) or self.reason is not None:
                raise InvalidInput(f"{what}: an approval carries the signed consent token and no reason")
            if self.token.request_id != self.request_id:
                raise InvalidInput(
                    f"{what}: the token answers request {self.token.request_id}, not {self.request_id}"
                )
        else:
            if self.token is not None:
                raise InvalidInput(f"{what}: a refusal carries no consent token")
            if self.reason is None:
                raise InvalidInput(f"{what}: a refusal gives its reason")
            set_text(self, "reason", what)

    def to_bytes(self) -> bytes:
        """Canonical JSON of the decision (every key present, null where absent)."""
        return canonical_json(
            {
                "v": FORMAT_VERSION,
                "request_id": self.request_id,
                "approved": self.approved,
                "token": None if self.token is None else self.token.to_dict(),
                "reason": self.reason,
                "decided_by": self.decided_by,
                "decided_at": self.decided_at,
            }
        )

    @classmethod
    def parse(cls, data: bytes | str) -> ConsentDecision:
        """Parse a decision (its token, if any, is parsed but not verified).

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "consent decision"
        fields = load_versioned(
            data, {"request_id", "approved", "token", "reason", "decided_by", "decided_at"}, what
        )
        token, reason = fields["token"], fields["reason"]
        if reason is not None and not isinstance(reason, str):
            raise InvalidInput(f"{what}: reason must be text or null")
        return cls(
            request_id=str_field(fields, "request_id", what),
            approved=flag(fields["approved"], f"{what}: approved"),
            token=None if token is None else ConsentToken.from_dict(token),
            reason=reason,
            decided_by=str_field(fields, "decided_by", what),
            decided_at=str_field(fields, "decided_at", what),
        )

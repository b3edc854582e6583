"""The originator's written consent to an onward release (GSOMIA Art. 6).

Art. 6 forbids release to a third party, and use beyond the purpose of provision,
without the originator's *prior written approval*. :class:`ConsentToken` is that
approval, signed by the originator node with both keys (purpose ``consent``). It names the
item *and its content digest*, the holder, the third party, the purpose, the conditions
(free text, and the :class:`ConsentConditions` nodes enforce) and a validity window, and
travels on inside the item payload of the onward release so that the third party can
verify it. The request that asks for it and the decision that answers are in
:mod:`._consent_requests`; the originator's revocations and downgrades in
:mod:`._originator_notices`.

The habits of ``_formats`` hold: canonical JSON, strict parsing (unknown or missing keys
refused), objects valid from construction, every field checked by the shared vocabulary of
:mod:`._fields` (text NFC-normalised and stripped on construction, so what an object holds
is exactly what is signed and sent; times canonical). Each signed statement names its own
``type`` and each signature its own purpose, so a signature of one kind never verifies as
another.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from accord.canonical import loads_object, parse_time
from accord.crypto import DualSignature, VerifyKeys
from accord.errors import InvalidInput, VerificationFailed
from accord.exchange._fields import (
    exact_object,
    flag,
    list_field,
    peer_text,
    signature_field,
    text_fields,
    versioned,
    wire_time,
)
from accord.exchange._signed import SignedStatement

__all__ = [
    "ConsentConditions",
    "ConsentToken",
    "new_token_id",
]


def new_token_id() -> str:
    """A fresh consent token id: ``consent-`` and 32 hex digits."""
    return f"consent-{uuid.uuid4().hex}"


@dataclass(frozen=True)
class ConsentConditions:
    """The conditions of a consent that nodes enforce (Art. 6), besides its free-text ones.

    Attributes:
        purpose_only: The third party may use the item for the consent's purpose only:
            its readers must work for that purpose.
        no_onward_release: The third party may not pass the item on (to anyone but the
            originator).
        destroy_by: A canonical time by which the third party destroys the item, or None.
    """

    purpose_only: bool = False
    no_onward_release: bool = False
    destroy_by: str | None = None

    def __post_init__(self) -> None:
        what = "consent conditions"
        flag(self.purpose_only, f"{what}: purpose_only")
        flag(self.no_onward_release, f"{what}: no_onward_release")
        if self.destroy_by is not None:
            wire_time(self.destroy_by, f"{what}: destroy_by")

    def __bool__(self) -> bool:
        """Whether any condition is set (a token without any carries no ``limits`` key)."""
        return self.purpose_only or self.no_onward_release or self.destroy_by is not None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (every key present)."""
        return {
            "destroy_by": self.destroy_by,
            "no_onward_release": self.no_onward_release,
            "purpose_only": self.purpose_only,
        }

    @classmethod
    def from_dict(cls, obj: object) -> ConsentConditions:
        """Parse the JSON form; an object that sets no condition is refused (it has one spelling: absent).

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "consent conditions"
        obj = exact_object(obj, {"destroy_by", "no_onward_release", "purpose_only"}, what)
        destroy_by = obj["destroy_by"]
        if destroy_by is not None and not isinstance(destroy_by, str):
            raise InvalidInput(f"{what}: destroy_by must be a time or null")
        parsed = cls(
            purpose_only=flag(obj["purpose_only"], f"{what}: purpose_only"),
            no_onward_release=flag(obj["no_onward_release"], f"{what}: no_onward_release"),
            destroy_by=destroy_by,
        )
        if not parsed:
            raise InvalidInput(f"{what}: an object that sets no condition is not sent (leave it out)")
        return parsed


_TOKEN_FIELDS: Final = (
    "token_id",
    "request_id",
    "item_id",
    "content_sha384",
    "originator_party",
    "originator_node",
    "holder_party",
    "third_party",
    "purpose",
    "issued_at",
    "expires_at",
    "approved_by",
)


@dataclass(frozen=True)
class ConsentToken(SignedStatement):
    """The originator's prior written approval of one onward release (Art. 6).

    Signed by the originator node with both keys. It covers one item *as it was* (its
    content digest), released by one holder to one third party for one purpose, under
    its conditions, from ``issued_at`` until (not including) ``expires_at``.

    ``conditions`` are free text for the officers; ``limits`` are the conditions nodes
    enforce at the third party (purpose only, no onward release, destroy by). A token
    without limits has no ``limits`` key, byte for byte the format before they existed.
    """

    PURPOSE = "consent"
    FIELDS = CHECKED = _TOKEN_FIELDS
    WHAT = "consent token"

    token_id: str
    request_id: str
    item_id: str
    content_sha384: str
    originator_party: str
    originator_node: str
    holder_party: str
    third_party: str
    purpose: str
    conditions: tuple[str, ...]
    issued_at: str
    expires_at: str
    approved_by: str
    signature: DualSignature
    limits: ConsentConditions = ConsentConditions()

    def _check(self, what: str) -> None:
        if not isinstance(self.conditions, tuple | list):
            raise InvalidInput(f"{what}: conditions must be a list of text")
        conditions = tuple(peer_text(c, f"{what}: condition") for c in self.conditions)
        object.__setattr__(self, "conditions", conditions)
        issued = parse_time(self.issued_at)
        if parse_time(self.expires_at) <= issued:
            raise InvalidInput(
                f"{what}: expires at {self.expires_at}, not after it is issued ({self.issued_at})"
            )
        if not isinstance(self.limits, ConsentConditions):
            raise InvalidInput(f"{what}: limits must be consent conditions")
        if self.limits.destroy_by is not None and parse_time(self.limits.destroy_by) <= issued:
            raise InvalidInput(
                f"{what}: destroy by {self.limits.destroy_by}, not after it is issued ({self.issued_at})"
            )
        if self.holder_party == self.originator_party:
            raise InvalidInput(f"{what}: the originator {self.originator_party} needs no consent of its own")
        if self.third_party in (self.holder_party, self.originator_party):
            raise InvalidInput(f"{what}: {self.third_party} is not a third party to this release")

    def _body(self) -> dict[str, object]:
        body = super()._body()
        body["conditions"] = list(self.conditions)
        if self.limits:
            body["limits"] = self.limits.to_dict()
        return body

    def verify(self, keys: VerifyKeys) -> None:
        """Check the originator's signature; call :meth:`check` as well before relying on it.

        Raises:
            VerificationFailed: it was not signed by these keys, or a field was changed.
        """
        super().verify(keys)

    def check(
        self, *, item_id: str, content_sha384: str, holder_party: str, third_party: str, now: datetime
    ) -> None:
        """Check that this consent covers this release, now (Art. 6: prior written approval).

        The signature is checked by :meth:`verify`, with the keys of ``originator_node``.

        Raises:
            VerificationFailed: the consent is for another item, for this item before it
                changed, for another holder or third party, not yet valid, or expired.
            InvalidInput: ``now`` has no time zone.
        """
        if not isinstance(now, datetime) or now.tzinfo is None or now.utcoffset() is None:
            raise InvalidInput("a time without a time zone is ambiguous; give it in UTC")
        token = f"the originator's consent {self.token_id}"
        if item_id != self.item_id:
            raise VerificationFailed(f"{token} is for item {self.item_id}, not {item_id} (Art. 6)")
        if content_sha384 != self.content_sha384:
            raise VerificationFailed(
                f"item {item_id} has changed since the originator consented to its release; "
                f"{token} no longer covers it: ask again (Art. 6)"
            )
        if holder_party != self.holder_party:
            raise VerificationFailed(f"{token} was given to {self.holder_party}, not {holder_party} (Art. 6)")
        if third_party != self.third_party:
            raise VerificationFailed(
                f"{token} allows release to {self.third_party} only, not to {third_party} (Art. 6)"
            )
        if now < parse_time(self.issued_at):
            raise VerificationFailed(f"{token} is not valid before {self.issued_at} (Art. 6)")
        if now >= parse_time(self.expires_at):
            raise VerificationFailed(f"{token} expired at {self.expires_at}: ask again (Art. 6)")

    @classmethod
    def from_dict(cls, obj: object) -> ConsentToken:
        """Parse (not verify) the JSON form.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = cls.WHAT
        names = {*_TOKEN_FIELDS, "conditions", "signature"}
        # ``limits`` is there only when the originator set an enforced condition.
        if isinstance(obj, dict) and "limits" in obj:
            names.add("limits")
        fields = versioned(obj, names, what)
        conditions = list_field(fields, "conditions", what)
        if not all(isinstance(c, str) for c in conditions):
            raise InvalidInput(f"{what}: conditions must be a list of text")
        return cls(
            **text_fields(fields, _TOKEN_FIELDS, what),
            conditions=tuple(str(c) for c in conditions),
            signature=signature_field(fields, what),
            limits=ConsentConditions.from_dict(fields["limits"])
            if "limits" in fields
            else ConsentConditions(),
        )

    @classmethod
    def parse(cls, data: bytes | str) -> ConsentToken:
        """Parse (not verify) a token.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        return cls.from_dict(loads_object(data, cls.WHAT))

"""Wire formats of originator consent and classification changes (GSOMIA Art. 6).

Art. 6 forbids release to a third party, and use beyond the purpose of provision,
without the originator's *prior written approval*, and makes every holder apply the
originator's changes of classification. Four messages, each in an envelope of its own
type (``EnvelopeHeader.type``), and one signed token carry that:

* **consent-request** (holder → originator) — :class:`ConsentRequest`: which item (id
  and content digest), to which third party, for what purpose, asked by whom. It is not
  signed itself: the transmission that carries it is.
* **consent-decision** (originator → holder) — :class:`ConsentDecision`: approved with a
  :class:`ConsentToken`, or denied with a reason.
* :class:`ConsentToken` — the written approval, signed by the originator node with both
  keys (purpose ``consent``). It names the item *and its content digest*, the holder, the
  third party, the purpose, the conditions and a validity window, and travels on inside
  the item payload of the onward release so that the third party can verify it.
* **consent-revocation** (originator → every holder) — :class:`ConsentRevocation`,
  signed (purpose ``consent-revocation``).
* **downgrade** (originator → every holder) — :class:`DowngradeNotice`, signed (purpose
  ``downgrade``), for a lower classification or a declassification.

The habits of ``_formats`` hold: canonical JSON, strict parsing (unknown or missing keys
refused), objects valid from construction. Text is NFC-normalised and stripped on
construction, so what an object holds is exactly what is signed and sent. Times are
canonical time strings (``accord.canonical.format_time``). Each signed statement names
its own ``type`` and each signature its own purpose, so a signature of one kind never
verifies as another.
"""

from __future__ import annotations

import re
import unicodedata
import uuid
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Final

from accord.canonical import canonical_json, format_time, loads_object, parse_time
from accord.crypto import DualSignature, SigningKeys, VerifyKeys
from accord.errors import InvalidInput, VerificationFailed
from accord.exchange._formats import FORMAT_VERSION, _keys, _list, _node_id, _obj, _str

__all__ = [
    "ConsentConditions",
    "ConsentDecision",
    "ConsentRequest",
    "ConsentRevocation",
    "ConsentToken",
    "DowngradeNotice",
    "new_notice_id",
    "new_request_id",
    "new_token_id",
]

MAX_TEXT: Final = 500
_REQUEST_ID = re.compile(r"req-[0-9a-f]{32}")
_TOKEN_ID = re.compile(r"consent-[0-9a-f]{32}")
_NOTICE_ID = re.compile(r"notice-[0-9a-f]{32}")
_SHA384_HEX = re.compile(r"[0-9a-f]{96}")
_PARTY = re.compile(r"[A-Z]{3}")
# The form of a user name at a node (accord.node.registry._users), which this layer may not import.
_USER = re.compile(r"[a-z][a-z0-9._-]{1,62}")
# Bidirectional embeddings, overrides and isolates can make a reason read otherwise on an
# officer's screen than it was signed ("Trojan Source").
_BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# A stand-in while the fields are checked and the statement is built; never sent.
_UNSIGNED = DualSignature(bytes(64), bytes(3309))


def new_request_id() -> str:
    """A fresh consent request id: ``req-`` and 32 hex digits."""
    return f"req-{uuid.uuid4().hex}"


def new_token_id() -> str:
    """A fresh consent token id: ``consent-`` and 32 hex digits."""
    return f"consent-{uuid.uuid4().hex}"


def new_notice_id() -> str:
    """A fresh downgrade notice id: ``notice-`` and 32 hex digits."""
    return f"notice-{uuid.uuid4().hex}"


def _text(value: object, what: str) -> str:
    """A purpose, reason, condition or classification word, NFC-normalised and stripped."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be text")
    for ch in value:
        # One line of printable text: no controls, line or paragraph separators, surrogates.
        if unicodedata.category(ch) in ("Cc", "Cs", "Zl", "Zp") or ch in _BIDI or ch in "\ufffe\uffff":
            raise InvalidInput(f"{what} contains the control character U+{ord(ch):04X}")
    text = unicodedata.normalize("NFC", value).strip()
    if not text:
        raise InvalidInput(f"{what} must not be empty")
    if len(text) > MAX_TEXT:
        raise InvalidInput(f"{what} is longer than {MAX_TEXT} characters")
    return text


def _match(value: object, pattern: re.Pattern[str], what: str, form: str) -> str:
    if not isinstance(value, str) or not pattern.fullmatch(value):
        shown = value[:40] if isinstance(value, str) else type(value).__name__
        raise InvalidInput(f"{what}: {shown!r} is not {form}")
    return value


def _party(value: object, what: str) -> str:
    return _match(value, _PARTY, what, "a party code (three upper-case letters)")


def _user(value: object, what: str) -> str:
    return _match(value, _USER, what, "a user name")


def _digest(value: object, what: str) -> str:
    return _match(value, _SHA384_HEX, what, "a SHA-384 digest (96 lower-case hex digits)")


def _node(value: object, what: str) -> str:
    if not isinstance(value, str):
        raise InvalidInput(f"{what}: a node, item or message id must be text")
    return _node_id(value, what)


def _time(value: object, what: str) -> datetime:
    """Parse a canonical time string; any other spelling of the same time is refused."""
    if not isinstance(value, str):
        raise InvalidInput(f"{what} must be a time such as 2023-04-13T07:30:00Z")
    try:
        moment = parse_time(value)
    except InvalidInput as exc:
        raise InvalidInput(f"{what}: {exc}") from exc
    if format_time(moment) != value:
        raise InvalidInput(f"{what} {value[:40]!r} is not in canonical form (such as 2023-04-13T07:30:00Z)")
    return moment


def _bool(value: object, what: str) -> bool:
    if not isinstance(value, bool):
        raise InvalidInput(f"{what} must be true or false")
    return value


def _signature(value: object, what: str) -> None:
    if not isinstance(value, DualSignature):
        raise InvalidInput(f"{what}: signature must be a dual signature")


def _set_text(obj: object, name: str, what: str) -> None:
    object.__setattr__(obj, name, _text(getattr(obj, name), f"{what}: {name}"))


def _load(data: bytes | str, names: set[str], what: str) -> dict[str, object]:
    """Parse one JSON object with exactly ``names`` and ``v``, in this format's version."""
    obj = loads_object(data, what)
    return _fields(obj, names, what)


def _fields(obj: object, names: set[str], what: str) -> dict[str, object]:
    if not isinstance(obj, dict):
        raise InvalidInput(f"{what} must be an object")
    _keys(obj, names | {"v"}, what)
    version = obj["v"]
    if type(version) is not int or version != FORMAT_VERSION:
        raise InvalidInput(f"{what}: unsupported version {version!r}")
    return {name: obj[name] for name in names}


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
        _match(self.request_id, _REQUEST_ID, what, "a request id")
        _node(self.item_id, what)
        _digest(self.content_sha384, what)
        _party(self.holder_party, what)
        _node(self.holder_node, what)
        _party(self.third_party, what)
        _set_text(self, "purpose", what)
        _user(self.requested_by, what)
        _time(self.requested_at, f"{what}: requested_at")
        if self.third_party == self.holder_party:
            raise InvalidInput(f"{what}: the third party cannot be the holder itself ({self.holder_party})")

    def to_bytes(self) -> bytes:
        """Canonical JSON of the request."""
        return canonical_json(
            {
                "v": FORMAT_VERSION,
                "request_id": self.request_id,
                "item_id": self.item_id,
                "content_sha384": self.content_sha384,
                "holder_party": self.holder_party,
                "holder_node": self.holder_node,
                "third_party": self.third_party,
                "purpose": self.purpose,
                "requested_by": self.requested_by,
                "requested_at": self.requested_at,
            }
        )

    @classmethod
    def parse(cls, data: bytes | str) -> ConsentRequest:
        """Parse a consent request.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "consent request"
        obj = _load(data, set(_REQUEST_FIELDS), what)
        return cls(*(_str(obj, name, what) for name in _REQUEST_FIELDS))


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
        _bool(self.purpose_only, f"{what}: purpose_only")
        _bool(self.no_onward_release, f"{what}: no_onward_release")
        if self.destroy_by is not None:
            _time(self.destroy_by, f"{what}: destroy_by")

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
        if not isinstance(obj, dict):
            raise InvalidInput(f"{what} must be an object")
        _keys(obj, {"destroy_by", "no_onward_release", "purpose_only"}, what)
        destroy_by = obj["destroy_by"]
        if destroy_by is not None and not isinstance(destroy_by, str):
            raise InvalidInput(f"{what}: destroy_by must be a time or null")
        parsed = cls(
            purpose_only=_bool(obj["purpose_only"], f"{what}: purpose_only"),
            no_onward_release=_bool(obj["no_onward_release"], f"{what}: no_onward_release"),
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
class ConsentToken:
    """The originator's prior written approval of one onward release (Art. 6).

    Signed by the originator node with both keys. It covers one item *as it was* (its
    content digest), released by one holder to one third party for one purpose, under
    its conditions, from ``issued_at`` until (not including) ``expires_at``.

    ``conditions`` are free text for the officers; ``limits`` are the conditions nodes
    enforce at the third party (purpose only, no onward release, destroy by). A token
    without limits has no ``limits`` key, byte for byte the format before they existed.
    """

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

    def __post_init__(self) -> None:
        what = "consent token"
        _match(self.token_id, _TOKEN_ID, what, "a consent token id")
        _match(self.request_id, _REQUEST_ID, what, "a request id")
        _node(self.item_id, what)
        _digest(self.content_sha384, what)
        _party(self.originator_party, what)
        _node(self.originator_node, what)
        _party(self.holder_party, what)
        _party(self.third_party, what)
        _set_text(self, "purpose", what)
        if not isinstance(self.conditions, tuple | list):
            raise InvalidInput(f"{what}: conditions must be a list of text")
        conditions = tuple(_text(c, f"{what}: condition") for c in self.conditions)
        object.__setattr__(self, "conditions", conditions)
        issued = _time(self.issued_at, f"{what}: issued_at")
        expires = _time(self.expires_at, f"{what}: expires_at")
        _user(self.approved_by, what)
        _signature(self.signature, what)
        if expires <= issued:
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

    @classmethod
    def make(
        cls,
        keys: SigningKeys,
        *,
        token_id: str,
        request_id: str,
        item_id: str,
        content_sha384: str,
        originator_party: str,
        originator_node: str,
        holder_party: str,
        third_party: str,
        purpose: str,
        conditions: tuple[str, ...],
        issued_at: str,
        expires_at: str,
        approved_by: str,
        limits: ConsentConditions = ConsentConditions(),
    ) -> ConsentToken:
        """Check the fields and sign them with the originator node's keys.

        Raises:
            InvalidInput: a field is invalid.
        """
        unsigned = cls(
            token_id,
            request_id,
            item_id,
            content_sha384,
            originator_party,
            originator_node,
            holder_party,
            third_party,
            purpose,
            conditions,
            issued_at,
            expires_at,
            approved_by,
            _UNSIGNED,
            limits,
        )
        return replace(unsigned, signature=keys.sign("consent", unsigned.statement()))

    def _body(self) -> dict[str, object]:
        body: dict[str, object] = {name: getattr(self, name) for name in _TOKEN_FIELDS}
        body["conditions"] = list(self.conditions)
        if self.limits:
            body["limits"] = self.limits.to_dict()
        return body

    def statement(self) -> bytes:
        """The exact bytes the originator signs (canonical JSON, without the signature)."""
        return canonical_json({"type": "accord-consent", "v": FORMAT_VERSION, **self._body()})

    def verify(self, keys: VerifyKeys) -> None:
        """Check the originator's signature; call :meth:`check` as well before relying on it.

        Raises:
            VerificationFailed: it was not signed by these keys, or a field was changed.
        """
        keys.verify("consent", self.statement(), self.signature)

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

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form, signature included."""
        return {"v": FORMAT_VERSION, **self._body(), "signature": self.signature.to_dict()}

    @classmethod
    def from_dict(cls, obj: object) -> ConsentToken:
        """Parse (not verify) the JSON form.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "consent token"
        names = {*_TOKEN_FIELDS, "conditions", "signature"}
        # ``limits`` is there only when the originator set an enforced condition.
        if isinstance(obj, dict) and "limits" in obj:
            names.add("limits")
        fields = _fields(obj, names, what)
        conditions = _list(fields, "conditions", what)
        if not all(isinstance(c, str) for c in conditions):
            raise InvalidInput(f"{what}: conditions must be a list of text")
        text = {name: _str(fields, name, what) for name in _TOKEN_FIELDS}
        return cls(
            token_id=text["token_id"],
            request_id=text["request_id"],
            item_id=text["item_id"],
            content_sha384=text["content_sha384"],
            originator_party=text["originator_party"],
            originator_node=text["originator_node"],
            holder_party=text["holder_party"],
            third_party=text["third_party"],
            purpose=text["purpose"],
            conditions=tuple(str(c) for c in conditions),
            issued_at=text["issued_at"],
            expires_at=text["expires_at"],
            approved_by=text["approved_by"],
            signature=DualSignature.from_dict(_obj(fields, "signature", what)),
            limits=ConsentConditions.from_dict(fields["limits"])
            if "limits" in fields
            else ConsentConditions(),
        )

    def to_bytes(self) -> bytes:
        """Canonical JSON of :meth:`to_dict`."""
        return canonical_json(self.to_dict())

    @classmethod
    def parse(cls, data: bytes | str) -> ConsentToken:
        """Parse (not verify) a token.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        return cls.from_dict(loads_object(data, "consent token"))


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
        _match(self.request_id, _REQUEST_ID, what, "a request id")
        _bool(self.approved, f"{what}: approved")
        _user(self.decided_by, what)
        _time(self.decided_at, f"{what}: decided_at")
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
            _set_text(self, "reason", what)

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
        fields = _load(data, {"request_id", "approved", "token", "reason", "decided_by", "decided_at"}, what)
        token, reason = fields["token"], fields["reason"]
        if reason is not None and not isinstance(reason, str):
            raise InvalidInput(f"{what}: reason must be text or null")
        return cls(
            request_id=_str(fields, "request_id", what),
            approved=_bool(fields["approved"], f"{what}: approved"),
            token=None if token is None else ConsentToken.from_dict(token),
            reason=reason,
            decided_by=_str(fields, "decided_by", what),
            decided_at=_str(fields, "decided_at", what),
        )


_REVOCATION_FIELDS: Final = ("token_id", "item_id", "originator_node", "reason", "revoked_at")


@dataclass(frozen=True)
class ConsentRevocation:
    """The originator withdraws a consent it gave; signed by the originator node."""

    token_id: str
    item_id: str
    originator_node: str
    reason: str
    revoked_at: str
    signature: DualSignature

    def __post_init__(self) -> None:
        what = "consent revocation"
        _match(self.token_id, _TOKEN_ID, what, "a consent token id")
        _node(self.item_id, what)
        _node(self.originator_node, what)
        _set_text(self, "reason", what)
        _time(self.revoked_at, f"{what}: revoked_at")
        _signature(self.signature, what)

    @classmethod
    def make(
        cls,
        keys: SigningKeys,
        *,
        token_id: str,
        item_id: str,
        originator_node: str,
        reason: str,
        revoked_at: str,
    ) -> ConsentRevocation:
        """Check the fields and sign them with the originator node's keys.

        Raises:
            InvalidInput: a field is invalid.
        """
        unsigned = cls(token_id, item_id, originator_node, reason, revoked_at, _UNSIGNED)
        return replace(unsigned, signature=keys.sign("consent-revocation", unsigned.statement()))

    def statement(self) -> bytes:
        """The exact bytes the originator signs."""
        body = {name: getattr(self, name) for name in _REVOCATION_FIELDS}
        return canonical_json({"type": "accord-consent-revocation", "v": FORMAT_VERSION, **body})

    def verify(self, keys: VerifyKeys) -> None:
        """Check the originator's signature.

        Raises:
            VerificationFailed: it was not signed by these keys, or a field was changed.
        """
        keys.verify("consent-revocation", self.statement(), self.signature)

    def to_bytes(self) -> bytes:
        """Canonical JSON, signature included."""
        body = {name: getattr(self, name) for name in _REVOCATION_FIELDS}
        return canonical_json({"v": FORMAT_VERSION, **body, "signature": self.signature.to_dict()})

    @classmethod
    def parse(cls, data: bytes | str) -> ConsentRevocation:
        """Parse (not verify) a revocation.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "consent revocation"
        fields = _load(data, {*_REVOCATION_FIELDS, "signature"}, what)
        return cls(
            token_id=_str(fields, "token_id", what),
            item_id=_str(fields, "item_id", what),
            originator_node=_str(fields, "originator_node", what),
            reason=_str(fields, "reason", what),
            revoked_at=_str(fields, "revoked_at", what),
            signature=DualSignature.from_dict(_obj(fields, "signature", what)),
        )


_DOWNGRADE_FIELDS: Final = (
    "notice_id",
    "item_id",
    "originator_node",
    "originator_party",
    "content_sha384",
    "previous_classification",
    "new_classification",
    "declassified",
    "reason",
    "issued_at",
)


@dataclass(frozen=True)
class DowngradeNotice:
    """The originator lowers an item's classification or declassifies it (Art. 6).

    Every holder applies it. The classifications are words of the originator's scheme
    (``極秘``, ``군사Ⅱ급비밀``); ``new_classification`` is None exactly when the item is
    declassified.
    """

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

    def __post_init__(self) -> None:
        what = "downgrade notice"
        _match(self.notice_id, _NOTICE_ID, what, "a notice id")
        _node(self.item_id, what)
        _node(self.originator_node, what)
        _party(self.originator_party, what)
        _digest(self.content_sha384, what)
        _set_text(self, "previous_classification", what)
        _bool(self.declassified, f"{what}: declassified")
        if self.declassified:
            if self.new_classification is not None:
                raise InvalidInput(f"{what}: a declassified item has no new classification")
        else:
            if self.new_classification is None:
                raise InvalidInput(f"{what}: give the new classification, or declassify")
            _set_text(self, "new_classification", what)
            if self.new_classification == self.previous_classification:
                raise InvalidInput(f"{what}: the item is already {self.previous_classification}")
        _set_text(self, "reason", what)
        _time(self.issued_at, f"{what}: issued_at")
        _signature(self.signature, what)

    @classmethod
    def make(
        cls,
        keys: SigningKeys,
        *,
        notice_id: str,
        item_id: str,
        originator_node: str,
        originator_party: str,
        content_sha384: str,
        previous_classification: str,
        new_classification: str | None,
        declassified: bool,
        reason: str,
        issued_at: str,
    ) -> DowngradeNotice:
        """Check the fields and sign them with the originator node's keys.

        Raises:
            InvalidInput: a field is invalid.
        """
        unsigned = cls(
            notice_id,
            item_id,
            originator_node,
            originator_party,
            content_sha384,
            previous_classification,
            new_classification,
            declassified,
            reason,
            issued_at,
            _UNSIGNED,
        )
        return replace(unsigned, signature=keys.sign("downgrade", unsigned.statement()))

    def statement(self) -> bytes:
        """The exact bytes the originator signs."""
        body = {name: getattr(self, name) for name in _DOWNGRADE_FIELDS}
        return canonical_json({"type": "accord-downgrade", "v": FORMAT_VERSION, **body})

    def verify(self, keys: VerifyKeys) -> None:
        """Check the originator's signature.

        Raises:
            VerificationFailed: it was not signed by these keys, or a field was changed.
        """
        keys.verify("downgrade", self.statement(), self.signature)

    def to_bytes(self) -> bytes:
        """Canonical JSON, signature included."""
        body = {name: getattr(self, name) for name in _DOWNGRADE_FIELDS}
        return canonical_json({"v": FORMAT_VERSION, **body, "signature": self.signature.to_dict()})

    @classmethod
    def parse(cls, data: bytes | str) -> DowngradeNotice:
        """Parse (not verify) a downgrade notice.

        Raises:
            InvalidInput: malformed, a key missing or unknown, or a field invalid.
        """
        what = "downgrade notice"
        fields = _load(data, {*_DOWNGRADE_FIELDS, "signature"}, what)
        new = fields["new_classification"]
        if new is not None and not isinstance(new, str):
            raise InvalidInput(f"{what}: new_classification must be text or null")
        return cls(
            notice_id=_str(fields, "notice_id", what),
            item_id=_str(fields, "item_id", what),
            originator_node=_str(fields, "originator_node", what),
            originator_party=_str(fields, "originator_party", what),
            content_sha384=_str(fields, "content_sha384", what),
            previous_classification=_str(fields, "previous_classification", what),
            new_classification=new,
            declassified=_bool(fields["declassified"], f"{what}: declassified"),
            reason=_str(fields, "reason", what),
            issued_at=_str(fields, "issued_at", what),
            signature=DualSignature.from_dict(_obj(fields, "signature", what)),
        )

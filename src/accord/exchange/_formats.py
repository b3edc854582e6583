"""Wire formats of the exchange: envelope headers, transmissions, item payloads.

Everything that is signed or bound is canonical JSON (``accord.canonical``). Binary
fields travel as base64url without padding. Parsing is strict (unknown or missing keys
are refused) and every parsed object is valid from construction.

* **Envelope** — header (canonical JSON bytes, exact) + HPKE ciphertext of the payload,
  the header bound as HPKE ``info`` (``accord.crypto.seal_envelope``).
* **Transmission** — a batch of envelopes from one node to one peer, signed once with
  both node keys over the list of envelope digests (ML-DSA costs ~0.7 ms, so one
  signature per batch; a FLASH envelope travels in a transmission of its own at once).
* **Item payload** — what an ``item`` envelope carries: the item, its label and binding,
  its attachments' manifests and, for an onward release, the originator's consent.

The receiver's answer, the receipt batch, is in :mod:`._receipt_formats`; the shared
field checks in :mod:`._fields`.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, replace

from accord.canonical import canonical_json, loads_object
from accord.crypto import Binding, DualSignature, SigningKeys, Suite, VerifyKeys, b64d, b64e, envelope_digest
from accord.errors import InvalidInput
from accord.exchange._consent import ConsentToken
from accord.exchange._fields import (
    FORMAT_VERSION,
    exact_keys,
    exact_object,
    int_field,
    list_field,
    obj_field,
    signature_field,
    str_field,
    wire_id,
)
from accord.items import AttachmentRef, ItemContent, Precedence
from accord.markings import ConfidentialityLabel

__all__ = [
    "FORMAT_VERSION",
    "AttachmentManifest",
    "EnvelopeHeader",
    "ItemPayload",
    "Transmission",
    "WireEnvelope",
    "label_digest",
    "lane_of",
]

_TYPES = frozenset(
    {
        "item",
        "consent-request",
        "consent-decision",
        "consent-revocation",
        "consent-receipt",
        "downgrade",
        "destruction-certificate",
        "compromise-notice",
        "compromise-report",
        "disposal-request",
        "checkpoint",
        "countersignature",
        "proof-request",
        "gossip",
    }
)


def lane_of(precedence: Precedence) -> str:
    """The delivery lane of a precedence: FLASH has a lane (and connection) of its own."""
    if precedence is Precedence.FLASH:
        return "flash"
    if precedence is Precedence.ROUTINE:
        return "routine"
    return "priority"


def label_digest(label: ConfidentialityLabel) -> str:
    """SHA-384 of a label's canonical bytes, hex."""
    return hashlib.sha384(label.canonical_bytes()).hexdigest()


@dataclass(frozen=True)
class EnvelopeHeader:
    """What travels in the clear, bound to the ciphertext as HPKE ``info``."""

    type: str
    suite: Suite
    sender: str
    recipient: str
    message_id: str
    agreement_id: str
    precedence: Precedence
    created: str
    seq: int

    def __post_init__(self) -> None:
        if self.type not in _TYPES:
            raise InvalidInput(f"envelope header: unknown type {self.type!r}")
        for value in (self.sender, self.recipient, self.message_id):
            wire_id(value, "envelope header")

    def to_bytes(self) -> bytes:
        """The exact header bytes (canonical JSON)."""
        return canonical_json(
            {
                "v": FORMAT_VERSION,
                "type": self.type,
                "suite": self.suite.value,
                "sender": self.sender,
                "recipient": self.recipient,
                "message_id": self.message_id,
                "agreement_id": self.agreement_id,
                "precedence": self.precedence.value,
                "created": self.created,
                "seq": self.seq,
            }
        )

    @classmethod
    def parse(cls, data: bytes) -> EnvelopeHeader:
        """Parse header bytes; they must be exactly canonical.

        Raises:
            InvalidInput: malformed, or not in canonical form.
        """
        obj = loads_object(data, "envelope header")
        what = "envelope header"
        exact_keys(
            obj,
            {
                "v",
                "type",
                "suite",
                "sender",
                "recipient",
                "message_id",
                "agreement_id",
                "precedence",
                "created",
                "seq",
            },
            what,
        )
        if obj["v"] != FORMAT_VERSION:
            raise InvalidInput(f"envelope header: unsupported version {obj['v']!r}")
        header = cls(
            type=str_field(obj, "type", what),
            suite=Suite.parse(str_field(obj, "suite", what)),
            sender=str_field(obj, "sender", what),
            recipient=str_field(obj, "recipient", what),
            message_id=str_field(obj, "message_id", what),
            agreement_id=str_field(obj, "agreement_id", what),
            precedence=Precedence.parse(str_field(obj, "precedence", what)),
            created=str_field(obj, "created", what),
            seq=int_field(obj, "seq", what),
        )
        if header.to_bytes() != data:
            raise InvalidInput("envelope header is not in canonical form")
        return header


@dataclass(frozen=True)
class WireEnvelope:
    """Header bytes and HPKE ciphertext, as they travel."""

    header: bytes
    ciphertext: bytes

    def digest(self) -> str:
        """The envelope digest a transmission signs."""
        return envelope_digest(self.header, self.ciphertext)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {"header": b64e(self.header), "ciphertext": b64e(self.ciphertext)}

    @classmethod
    def from_dict(cls, data: object) -> WireEnvelope:
        """Parse the JSON form.

        Raises:
            InvalidInput: malformed.
        """
        data = exact_object(data, {"header", "ciphertext"}, "envelope")
        return cls(
            b64d(str_field(data, "header", "envelope")), b64d(str_field(data, "ciphertext", "envelope"))
        )


@dataclass(frozen=True)
class Transmission:
    """A signed batch of envelopes from one node to one peer."""

    id: str
    sender: str
    recipient: str
    created: str
    envelopes: tuple[WireEnvelope, ...]
    signature: DualSignature

    def statement(self) -> bytes:
        """The exact bytes the sender signs: the batch with its envelopes' digests (canonical JSON)."""
        return canonical_json(
            {
                "type": "accord-transmission",
                "v": FORMAT_VERSION,
                "id": self.id,
                "sender": self.sender,
                "recipient": self.recipient,
                "created": self.created,
                "digests": [e.digest() for e in self.envelopes],
            }
        )

    def signed_with(self, keys: SigningKeys) -> Transmission:
        """This batch signed with ``keys``: one dual signature over the envelope digests."""
        return replace(self, signature=keys.sign("transmission", self.statement()))

    def verify(self, keys: VerifyKeys) -> None:
        """Check the sender's signature over every envelope digest.

        Raises:
            VerificationFailed: the signature does not cover these envelopes.
        """
        keys.verify("transmission", self.statement(), self.signature)

    def to_bytes(self) -> bytes:
        """The transmission as sent (canonical JSON)."""
        return canonical_json(
            {
                "v": FORMAT_VERSION,
                "id": self.id,
                "sender": self.sender,
                "recipient": self.recipient,
                "created": self.created,
                "envelopes": [e.to_dict() for e in self.envelopes],
                "signature": self.signature.to_dict(),
            }
        )

    @classmethod
    def parse(cls, data: bytes) -> Transmission:
        """Parse (not verify) a transmission.

        Raises:
            InvalidInput: malformed.
        """
        obj = loads_object(data, "transmission")
        what = "transmission"
        exact_keys(obj, {"v", "id", "sender", "recipient", "created", "envelopes", "signature"}, what)
        if obj["v"] != FORMAT_VERSION:
            raise InvalidInput(f"transmission: unsupported version {obj['v']!r}")
        envelopes = tuple(WireEnvelope.from_dict(e) for e in list_field(obj, "envelopes", what))
        if not envelopes:
            raise InvalidInput("transmission: no envelopes")
        return cls(
            id=wire_id(str_field(obj, "id", what), what),
            sender=wire_id(str_field(obj, "sender", what), what),
            recipient=wire_id(str_field(obj, "recipient", what), what),
            created=str_field(obj, "created", what),
            envelopes=envelopes,
            signature=signature_field(obj, what),
        )


@dataclass(frozen=True)
class AttachmentManifest:
    """One attachment as the payload describes it: what is bound, where it is, its key."""

    ref: AttachmentRef
    blob_id: str
    blob_size: int
    key: bytes

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (the key is inside the HPKE-encrypted payload only)."""
        return {
            **self.ref.to_dict(),
            "blob_id": self.blob_id,
            "blob_size": self.blob_size,
            "key": b64e(self.key),
        }

    @classmethod
    def from_dict(cls, data: object) -> AttachmentManifest:
        """Parse the JSON form.

        Raises:
            InvalidInput: malformed.
        """
        what = "attachment manifest"
        data = exact_object(
            data, {"name", "media_type", "size", "sha384", "blob_id", "blob_size", "key"}, what
        )
        ref = AttachmentRef(
            str_field(data, "name", what),
            str_field(data, "media_type", what),
            int_field(data, "size", what),
            str_field(data, "sha384", what),
        )
        key = b64d(str_field(data, "key", what))
        if len(key) != 32:
            raise InvalidInput(f"{what}: key must be 32 bytes")
        blob_id = str_field(data, "blob_id", what)
        if not re.fullmatch(r"[0-9a-f]{96}", blob_id):
            raise InvalidInput(f"{what}: blob_id must be a SHA-384 hex digest")
        return cls(ref, blob_id, int_field(data, "blob_size", what), key)


@dataclass(frozen=True)
class ItemPayload:
    """What an item envelope carries, encrypted: label, binding, content, attachment keys.

    An onward release (a relay, or a release to a third party) also carries the
    originator's signed consent (GSOMIA Art. 6). A consent travels only with the item it
    names, from the originator it names; the receiver still verifies its signature with
    the keys of ``originator_node`` and checks it (``ConsentToken.check``).
    """

    item_id: str
    originator_node: str
    originator_party: str
    label: ConfidentialityLabel
    binding: Binding
    content: ItemContent
    attachments: tuple[AttachmentManifest, ...]
    consent: ConsentToken | None = None

    def __post_init__(self) -> None:
        consent = self.consent
        if consent is not None and (
            consent.item_id != self.item_id
            or consent.originator_node != self.originator_node
            or consent.originator_party != self.originator_party
        ):
            raise InvalidInput(
                f"item payload: the consent {consent.token_id} is for item {consent.item_id} of "
                f"{consent.originator_node}, not for this item"
            )

    def to_bytes(self) -> bytes:
        """Canonical JSON of the payload (no ``consent`` key when there is no consent)."""
        body: dict[str, object] = {
            "item_id": self.item_id,
            "originator_node": self.originator_node,
            "originator_party": self.originator_party,
            "label": self.label.to_dict(),
            "binding": self.binding.to_dict(),
            "content": self.content.to_dict(),
            "attachments": [a.to_dict() for a in self.attachments],
        }
        if self.consent is not None:
            body["consent"] = self.consent.to_dict()
        return canonical_json(body)

    @classmethod
    def parse(cls, data: bytes) -> ItemPayload:
        """Parse a decrypted payload.

        Raises:
            InvalidInput: malformed (including an invalid label or content).
        """
        what = "item payload"
        obj = loads_object(data, what)
        expected = {
            "item_id",
            "originator_node",
            "originator_party",
            "label",
            "binding",
            "content",
            "attachments",
        }
        consent = "consent" in obj  # present only on an onward release
        exact_keys(obj, expected | {"consent"} if consent else expected, what)
        return cls(
            item_id=wire_id(str_field(obj, "item_id", what), what),
            originator_node=wire_id(str_field(obj, "originator_node", what), what),
            originator_party=str_field(obj, "originator_party", what),
            label=ConfidentialityLabel.from_dict(obj_field(obj, "label", what)),
            binding=Binding.from_dict(obj_field(obj, "binding", what)),
            content=ItemContent.from_dict(obj_field(obj, "content", what)),
            attachments=tuple(AttachmentManifest.from_dict(a) for a in list_field(obj, "attachments", what)),
            consent=ConsentToken.from_dict(obj_field(obj, "consent", what)) if consent else None,
        )

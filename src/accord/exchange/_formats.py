"""Wire formats of the exchange: envelope headers, transmissions, item payloads, receipts.

Everything that is signed or bound is canonical JSON (``accord.canonical``). Binary
fields travel as base64url without padding. Parsing is strict (unknown or missing keys
are refused) and every parsed object is valid from construction.

* **Envelope** — header (canonical JSON bytes, exact) + HPKE ciphertext of the payload,
  the header bound as HPKE ``info`` (``accord.crypto.seal_envelope``).
* **Transmission** — a batch of envelopes from one node to one peer, signed once with
  both node keys over the list of envelope digests (ML-DSA costs ~0.7 ms, so one
  signature per batch; a FLASH envelope travels in a transmission of its own at once).
* **Receipt batch** — the receiver's answer: one receipt per accepted envelope (message
  id, item id, content digest, label digest, the alternative label it applied, time),
  the ids of rejected envelopes (without reasons: toward a peer every failure is one
  opaque error), signed once by the receiver.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from accord.canonical import canonical_json, loads_object
from accord.crypto import Binding, DualSignature, SigningKeys, Suite, VerifyKeys, b64d, b64e, envelope_digest
from accord.errors import InvalidInput
from accord.items import AttachmentRef, ItemContent, Precedence
from accord.markings import ConfidentialityLabel

if TYPE_CHECKING:
    from accord.exchange._consent import ConsentToken

__all__ = [
    "FORMAT_VERSION",
    "AttachmentManifest",
    "EnvelopeHeader",
    "ItemPayload",
    "Receipt",
    "ReceiptBatch",
    "Transmission",
    "WireEnvelope",
    "label_digest",
    "lane_of",
]

FORMAT_VERSION: Final = 1
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")
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


def _keys(data: Mapping[str, object], expected: set[str], what: str) -> None:
    if set(data) != expected:
        missing = sorted(expected - set(data))
        unknown = sorted(set(data) - expected)
        raise InvalidInput(f"{what}: missing {missing or 'nothing'}, unknown {unknown or 'nothing'}")


def _str(data: Mapping[str, object], key: str, what: str) -> str:
    value = data[key]
    if not isinstance(value, str):
        raise InvalidInput(f"{what}: {key} must be text")
    return value


def _int(data: Mapping[str, object], key: str, what: str) -> int:
    value = data[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise InvalidInput(f"{what}: {key} must be a non-negative whole number")
    return value


def _obj(data: Mapping[str, object], key: str, what: str) -> dict[str, object]:
    value = data[key]
    if not isinstance(value, dict):
        raise InvalidInput(f"{what}: {key} must be an object")
    return value


def _list(data: Mapping[str, object], key: str, what: str) -> list[object]:
    value = data[key]
    if not isinstance(value, list):
        raise InvalidInput(f"{what}: {key} must be a list")
    return value


def _node_id(value: str, what: str) -> str:
    if not _ID.fullmatch(value):
        raise InvalidInput(f"{what}: {value[:40]!r} is not a node or message id")
    return value


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
            _node_id(value, "envelope header")

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
        _keys(
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
            type=_str(obj, "type", what),
            suite=Suite.parse(_str(obj, "suite", what)),
            sender=_str(obj, "sender", what),
            recipient=_str(obj, "recipient", what),
            message_id=_str(obj, "message_id", what),
            agreement_id=_str(obj, "agreement_id", what),
            precedence=Precedence.parse(_str(obj, "precedence", what)),
            created=_str(obj, "created", what),
            seq=_int(obj, "seq", what),
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
        if not isinstance(data, dict):
            raise InvalidInput("envelope must be an object")
        _keys(data, {"header", "ciphertext"}, "envelope")
        return cls(b64d(_str(data, "header", "envelope")), b64d(_str(data, "ciphertext", "envelope")))


def _transmission_statement(
    tx_id: str, sender: str, recipient: str, created: str, digests: Sequence[str]
) -> bytes:
    return canonical_json(
        {
            "type": "accord-transmission",
            "v": FORMAT_VERSION,
            "id": tx_id,
            "sender": sender,
            "recipient": recipient,
            "created": created,
            "digests": list(digests),
        }
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

    @classmethod
    def make(
        cls,
        keys: SigningKeys,
        *,
        tx_id: str,
        sender: str,
        recipient: str,
        created: str,
        envelopes: Sequence[WireEnvelope],
    ) -> Transmission:
        """Sign a batch (one dual signature over the envelope digests)."""
        statement = _transmission_statement(
            tx_id, sender, recipient, created, [e.digest() for e in envelopes]
        )
        return cls(tx_id, sender, recipient, created, tuple(envelopes), keys.sign("transmission", statement))

    def verify(self, keys: VerifyKeys) -> None:
        """Check the sender's signature over every envelope digest.

        Raises:
            VerificationFailed: the signature does not cover these envelopes.
        """
        statement = _transmission_statement(
            self.id, self.sender, self.recipient, self.created, [e.digest() for e in self.envelopes]
        )
        keys.verify("transmission", statement, self.signature)

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
        _keys(obj, {"v", "id", "sender", "recipient", "created", "envelopes", "signature"}, what)
        if obj["v"] != FORMAT_VERSION:
            raise InvalidInput(f"transmission: unsupported version {obj['v']!r}")
        envelopes = tuple(WireEnvelope.from_dict(e) for e in _list(obj, "envelopes", what))
        if not envelopes:
            raise InvalidInput("transmission: no envelopes")
        return cls(
            id=_node_id(_str(obj, "id", what), what),
            sender=_node_id(_str(obj, "sender", what), what),
            recipient=_node_id(_str(obj, "recipient", what), what),
            created=_str(obj, "created", what),
            envelopes=envelopes,
            signature=DualSignature.from_dict(_obj(obj, "signature", what)),
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
        if not isinstance(data, dict):
            raise InvalidInput(f"{what} must be an object")
        _keys(data, {"name", "media_type", "size", "sha384", "blob_id", "blob_size", "key"}, what)
        ref = AttachmentRef(
            _str(data, "name", what),
            _str(data, "media_type", what),
            _int(data, "size", what),
            _str(data, "sha384", what),
        )
        key = b64d(_str(data, "key", what))
        if len(key) != 32:
            raise InvalidInput(f"{what}: key must be 32 bytes")
        blob_id = _str(data, "blob_id", what)
        if not re.fullmatch(r"[0-9a-f]{96}", blob_id):
            raise InvalidInput(f"{what}: blob_id must be a SHA-384 hex digest")
        return cls(ref, blob_id, _int(data, "blob_size", what), key)


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
        # _consent builds on this module's helpers, so it is imported when first needed.
        from accord.exchange._consent import ConsentToken  # noqa: PLC0415

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
        _keys(obj, expected | {"consent"} if consent else expected, what)
        return cls(
            item_id=_node_id(_str(obj, "item_id", what), what),
            originator_node=_node_id(_str(obj, "originator_node", what), what),
            originator_party=_str(obj, "originator_party", what),
            label=ConfidentialityLabel.from_dict(_obj(obj, "label", what)),
            binding=Binding.from_dict(_obj(obj, "binding", what)),
            content=ItemContent.from_dict(_obj(obj, "content", what)),
            attachments=tuple(AttachmentManifest.from_dict(a) for a in _list(obj, "attachments", what)),
            consent=ConsentToken.from_dict(_obj(obj, "consent", what)) if consent else None,
        )


@dataclass(frozen=True)
class Receipt:
    """The receiver's acknowledgement of one envelope (GSOMIA Art. 12: receipts)."""

    message_id: str
    item_id: str
    envelope_digest: str
    content_sha384: str
    label_sha384: str
    alternative_label: ConfidentialityLabel
    received_at: str
    receiver: str
    sender: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form."""
        return {
            "message_id": self.message_id,
            "item_id": self.item_id,
            "envelope_digest": self.envelope_digest,
            "content_sha384": self.content_sha384,
            "label_sha384": self.label_sha384,
            "alternative_label": self.alternative_label.to_dict(),
            "received_at": self.received_at,
            "receiver": self.receiver,
            "sender": self.sender,
        }

    @classmethod
    def from_dict(cls, data: object) -> Receipt:
        """Parse the JSON form.

        Raises:
            InvalidInput: malformed.
        """
        what = "receipt"
        if not isinstance(data, dict):
            raise InvalidInput(f"{what} must be an object")
        _keys(
            data,
            {
                "message_id",
                "item_id",
                "envelope_digest",
                "content_sha384",
                "label_sha384",
                "alternative_label",
                "received_at",
                "receiver",
                "sender",
            },
            what,
        )
        return cls(
            message_id=_str(data, "message_id", what),
            item_id=_str(data, "item_id", what),
            envelope_digest=_str(data, "envelope_digest", what),
            content_sha384=_str(data, "content_sha384", what),
            label_sha384=_str(data, "label_sha384", what),
            alternative_label=ConfidentialityLabel.from_dict(_obj(data, "alternative_label", what)),
            received_at=_str(data, "received_at", what),
            receiver=_str(data, "receiver", what),
            sender=_str(data, "sender", what),
        )


def _batch_statement(
    batch_id: str,
    transmission_id: str,
    receiver: str,
    sender: str,
    created: str,
    receipts: Sequence[Receipt],
    rejected: Sequence[str],
) -> bytes:
    return canonical_json(
        {
            "type": "accord-receipts",
            "v": FORMAT_VERSION,
            "id": batch_id,
            "transmission_id": transmission_id,
            "receiver": receiver,
            "sender": sender,
            "created": created,
            "receipts": [r.to_dict() for r in receipts],
            "rejected": list(rejected),
        }
    )


@dataclass(frozen=True)
class ReceiptBatch:
    """Receipts for one transmission, signed once by the receiver."""

    id: str
    transmission_id: str
    receiver: str
    sender: str
    created: str
    receipts: tuple[Receipt, ...]
    rejected: tuple[str, ...]
    signature: DualSignature

    @classmethod
    def make(
        cls,
        keys: SigningKeys,
        *,
        batch_id: str,
        transmission_id: str,
        receiver: str,
        sender: str,
        created: str,
        receipts: Sequence[Receipt],
        rejected: Sequence[str],
    ) -> ReceiptBatch:
        """Sign the receipts of one transmission."""
        statement = _batch_statement(batch_id, transmission_id, receiver, sender, created, receipts, rejected)
        return cls(
            batch_id,
            transmission_id,
            receiver,
            sender,
            created,
            tuple(receipts),
            tuple(rejected),
            keys.sign("receipts", statement),
        )

    def verify(self, keys: VerifyKeys) -> None:
        """Check the receiver's signature.

        Raises:
            VerificationFailed: it does not verify.
        """
        statement = _batch_statement(
            self.id,
            self.transmission_id,
            self.receiver,
            self.sender,
            self.created,
            self.receipts,
            self.rejected,
        )
        keys.verify("receipts", statement, self.signature)

    def to_bytes(self) -> bytes:
        """Canonical JSON, signature included."""
        return canonical_json(
            {
                "v": FORMAT_VERSION,
                "id": self.id,
                "transmission_id": self.transmission_id,
                "receiver": self.receiver,
                "sender": self.sender,
                "created": self.created,
                "receipts": [r.to_dict() for r in self.receipts],
                "rejected": list(self.rejected),
                "signature": self.signature.to_dict(),
            }
        )

    @classmethod
    def parse(cls, data: bytes | str) -> ReceiptBatch:
        """Parse (not verify) a receipt batch.

        Raises:
            InvalidInput: malformed.
        """
        what = "receipt batch"
        obj = loads_object(data, what)
        _keys(
            obj,
            {
                "v",
                "id",
                "transmission_id",
                "receiver",
                "sender",
                "created",
                "receipts",
                "rejected",
                "signature",
            },
            what,
        )
        rejected = _list(obj, "rejected", what)
        if not all(isinstance(r, str) for r in rejected):
            raise InvalidInput(f"{what}: rejected must list message ids")
        return cls(
            id=_str(obj, "id", what),
            transmission_id=_str(obj, "transmission_id", what),
            receiver=_str(obj, "receiver", what),
            sender=_str(obj, "sender", what),
            created=_str(obj, "created", what),
            receipts=tuple(Receipt.from_dict(r) for r in _list(obj, "receipts", what)),
            rejected=tuple(str(r) for r in rejected),
            signature=DualSignature.from_dict(_obj(obj, "signature", what)),
        )

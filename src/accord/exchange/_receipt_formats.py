"""Wire format of receipts: the receiver's answer to a transmission (GSOMIA Art. 12).

* **Receipt batch** — one receipt per accepted envelope (message id, item id, content
  digest, label digest, the alternative label it applied, time), the ids of rejected
  envelopes (without reasons: toward a peer every failure is one opaque error), signed
  once by the receiver.

The habits of :mod:`._formats` hold: canonical JSON, strict parsing, objects valid from
construction, fields checked by the shared vocabulary of :mod:`._fields`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from accord.canonical import canonical_json, loads_object
from accord.crypto import DualSignature, SigningKeys, VerifyKeys
from accord.errors import InvalidInput
from accord.exchange._fields import (
    FORMAT_VERSION,
    exact_keys,
    list_field,
    obj_field,
    str_field,
)
from accord.markings import ConfidentialityLabel

__all__ = ["Receipt", "ReceiptBatch"]


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
        exact_keys(
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
            message_id=str_field(data, "message_id", what),
            item_id=str_field(data, "item_id", what),
            envelope_digest=str_field(data, "envelope_digest", what),
            content_sha384=str_field(data, "content_sha384", what),
            label_sha384=str_field(data, "label_sha384", what),
            alternative_label=ConfidentialityLabel.from_dict(obj_field(data, "alternative_label", what)),
            received_at=str_field(data, "received_at", what),
            receiver=str_field(data, "receiver", what),
            sender=str_field(data, "sender", what),
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

    def statement(self) -> bytes:
        """The exact bytes the receiver signs (canonical JSON, without the signature)."""
        return canonical_json(
            {
                "type": "accord-receipts",
                "v": FORMAT_VERSION,
                "id": self.id,
                "transmission_id": self.transmission_id,
                "receiver": self.receiver,
                "sender": self.sender,
                "created": self.created,
                "receipts": [r.to_dict() for r in self.receipts],
                "rejected": list(self.rejected),
            }
        )

    def signed_with(self, keys: SigningKeys) -> ReceiptBatch:
        """These receipts signed with ``keys`` (made with an unsigned placeholder)."""
        return replace(self, signature=keys.sign("receipts", self.statement()))

    def verify(self, keys: VerifyKeys) -> None:
        """Check the receiver's signature.

        Raises:
            VerificationFailed: it does not verify.
        """
        keys.verify("receipts", self.statement(), self.signature)

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
        exact_keys(
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
        rejected = list_field(obj, "rejected", what)
        if not all(isinstance(r, str) for r in rejected):
            raise InvalidInput(f"{what}: rejected must list message ids")
        return cls(
            id=str_field(obj, "id", what),
            transmission_id=str_field(obj, "transmission_id", what),
            receiver=str_field(obj, "receiver", what),
            sender=str_field(obj, "sender", what),
            created=str_field(obj, "created", what),
            receipts=tuple(Receipt.from_dict(r) for r in list_field(obj, "receipts", what)),
            rejected=tuple(str(r) for r in rejected),
            signature=DualSignature.from_dict(obj_field(obj, "signature", what)),
        )

"""Wire format of receipts: the receiver's answer to a transmission (GSOMIA Art. 12).

* **Receipt batch** — one receipt per accepted envelope (message id, item id, content
  digest, label digest, the alternative label it applied, time), the ids of rejected
  envelopes (without reasons: toward a peer every failure is one opaque error), signed
  once by the receiver.

The habits of :mod:`._formats` hold: canonical JSON, strict parsing, objects valid from
construction, fields checked by the shared vocabulary of :mod:`._fields`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from accord.canonical import loads_object
from accord.crypto import DualSignature
from accord.errors import InvalidInput
from accord.exchange._fields import (
    exact_keys,
    exact_object,
    list_field,
    obj_field,
    signature_field,
    text_fields,
)
from accord.exchange._signed import SignedStatement
from accord.markings import ConfidentialityLabel

__all__ = ["Receipt", "ReceiptBatch"]


_RECEIPT_TEXT: Final = (
    "message_id",
    "item_id",
    "envelope_digest",
    "content_sha384",
    "label_sha384",
    "received_at",
    "receiver",
    "sender",
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
            **{name: getattr(self, name) for name in _RECEIPT_TEXT},
            "alternative_label": self.alternative_label.to_dict(),
        }

    @classmethod
    def from_dict(cls, data: object) -> Receipt:
        """Parse the JSON form.

        Raises:
            InvalidInput: malformed.
        """
        what = "receipt"
        data = exact_object(data, {*_RECEIPT_TEXT, "alternative_label"}, what)
        return cls(
            **text_fields(data, _RECEIPT_TEXT, what),
            alternative_label=ConfidentialityLabel.from_dict(obj_field(data, "alternative_label", what)),
        )


@dataclass(frozen=True)
class ReceiptBatch(SignedStatement):
    """Receipts for one transmission, signed once by the receiver (purpose ``receipts``)."""

    PURPOSE = "receipts"
    FIELDS = ("id", "transmission_id", "receiver", "sender", "created")
    ENTRIES = ("receipts",)
    WHAT = "receipt batch"

    id: str
    transmission_id: str
    receiver: str
    sender: str
    created: str
    receipts: tuple[Receipt, ...]
    rejected: tuple[str, ...]
    signature: DualSignature

    def _body(self) -> dict[str, object]:
        return {**super()._body(), "rejected": list(self.rejected)}

    @classmethod
    def parse(cls, data: bytes | str) -> ReceiptBatch:
        """Parse (not verify) a receipt batch.

        Raises:
            InvalidInput: malformed.
        """
        what = cls.WHAT
        obj = loads_object(data, what)
        exact_keys(obj, {"v", *cls.FIELDS, *cls.ENTRIES, "rejected", "signature"}, what)
        rejected = list_field(obj, "rejected", what)
        if not all(isinstance(r, str) for r in rejected):
            raise InvalidInput(f"{what}: rejected must list message ids")
        return cls(
            **text_fields(obj, cls.FIELDS, what),
            receipts=tuple(Receipt.from_dict(r) for r in list_field(obj, "receipts", what)),
            rejected=tuple(str(r) for r in rejected),
            signature=signature_field(obj, what),
        )

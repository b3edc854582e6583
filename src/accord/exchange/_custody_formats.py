"""Wire formats of accountability: destruction certificates and consent receipts (Arts. 6, 9–16).

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

The holdings summary the originator reconciles against its dissemination record is in
:mod:`._holdings_formats`.

The habits of ``_consent`` hold: canonical JSON, strict parsing (unknown or missing keys
refused), objects valid from construction, each statement naming its own ``type`` and
each signature its own purpose.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any, Final

from accord.crypto import DualSignature
from accord.errors import InvalidInput
from accord.exchange._fields import (
    count,
)
from accord.exchange._signed import SignedStatement

__all__ = [
    "ConsentReceipt",
    "DestructionCertificate",
    "new_certificate_id",
    "new_consent_receipt_id",
]

MAX_ENTRIES: Final = 100_000


def new_certificate_id() -> str:
    """A fresh destruction certificate id: ``destruction-`` and 32 hex digits."""
    return f"destruction-{uuid.uuid4().hex}"


def new_consent_receipt_id() -> str:
    """A fresh consent receipt id: ``received-`` and 32 hex digits."""
    return f"received-{uuid.uuid4().hex}"


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
class DestructionCertificate(SignedStatement):
    """A holder's signed statement that it destroyed an item (Arts. 6, 16).

    Signed by the holder node with both keys. ``copies`` is the number of numbered copies
    destroyed with the item.
    """

    PURPOSE = "destruction-certificate"
    FIELDS = CHECKED = _CERTIFICATE_FIELDS
    MORE = ("copies",)
    WHAT = "destruction certificate"

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

    def _check(self, what: str) -> None:
        count(self.copies, f"{what}: copies", MAX_ENTRIES)
        if self.witness == self.destroyed_by:
            raise InvalidInput(f"{what}: the witness must be another person than {self.destroyed_by}")

    def _body(self) -> dict[str, object]:
        return {**super()._body(), "copies": self.copies}

    @classmethod
    def _parsed(cls, fields: dict[str, object]) -> dict[str, Any]:
        return {"copies": count(fields["copies"], f"{cls.WHAT}: copies", MAX_ENTRIES)}


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
class ConsentReceipt(SignedStatement):
    """A third party's signed statement that it received an item under a consent (Art. 6).

    Signed by the third party's node (``third_party_node``) with both keys. ``holder_party``
    and ``holder_node`` passed the item on, in the envelope ``message_id``, under the consent
    ``token_id`` the originator ``originator_node`` gave; ``received_at`` is the third
    party's clock when it accepted the item.
    """

    PURPOSE = "consent-receipt"
    FIELDS = CHECKED = _CONSENT_RECEIPT_FIELDS
    WHAT = "consent receipt"

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

    def _check(self, what: str) -> None:
        if self.third_party == self.holder_party:
            raise InvalidInput(f"{what}: the third party cannot be the holder itself ({self.holder_party})")

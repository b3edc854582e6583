"""Secure exchange between nodes: wire formats, mutual TLS, the peer client, offline bundles.

Infrastructure layer: it knows formats and transport, not the database; the node composes
it with storage into the send / deliver / receive use cases.
"""

from accord.exchange._agreement_formats import (
    AgreementSignature,
    SignedNote,
    agreement_statement,
    note_statement,
)
from accord.exchange._bundle import BUNDLE_FORMAT, BlobMember, Bundle, read_bundle, write_bundle
from accord.exchange._checkpoint_formats import (
    CHECKPOINT_PURPOSE,
    InclusionProof,
    SignedCheckpoint,
    check_proof,
    note_vkeys,
)
from accord.exchange._checkpoint_notes import (
    checkpoint_vkeys,
    cosign_checkpoint,
    cosigner_vkeys,
    sign_checkpoint_note,
    verify_checkpoint_note,
    verify_cosignature,
)
from accord.exchange._client import PeerClient, PeerRejected, PeerUnavailable
from accord.exchange._compromise_formats import (
    CompromisedItem,
    CompromiseNotice,
    CompromiseReport,
    compromise_text,
    new_case_id,
)
from accord.exchange._consent import ConsentConditions, ConsentToken, new_token_id
from accord.exchange._consent_requests import ConsentDecision, ConsentRequest, new_request_id
from accord.exchange._custody_formats import (
    ConsentReceipt,
    DestructionCertificate,
    new_certificate_id,
    new_consent_receipt_id,
)
from accord.exchange._fields import UNSIGNED
from accord.exchange._formats import (
    FORMAT_VERSION,
    AttachmentManifest,
    EnvelopeHeader,
    ItemPayload,
    Transmission,
    WireEnvelope,
    label_digest,
    lane_of,
)
from accord.exchange._holdings_formats import HOLDING_STATUSES, HeldItem, HoldingsSummary, new_summary_id
from accord.exchange._identity import IdentityCard
from accord.exchange._originator_notices import (
    ConsentRevocation,
    DisposalRequest,
    DowngradeNotice,
    new_notice_id,
)
from accord.exchange._receipt_formats import Receipt, ReceiptBatch
from accord.exchange._stanag4778 import BindingDocument, BoundItem, read_binding, write_binding
from accord.exchange._witness_formats import CheckpointStatement, Countersignature, Gossip, ProofRequest

__all__ = [
    "BUNDLE_FORMAT",
    "CHECKPOINT_PURPOSE",
    "FORMAT_VERSION",
    "HOLDING_STATUSES",
    "UNSIGNED",
    "AgreementSignature",
    "AttachmentManifest",
    "BindingDocument",
    "BlobMember",
    "BoundItem",
    "Bundle",
    "CheckpointStatement",
    "CompromiseNotice",
    "CompromiseReport",
    "CompromisedItem",
    "ConsentConditions",
    "ConsentDecision",
    "ConsentReceipt",
    "ConsentRequest",
    "ConsentRevocation",
    "ConsentToken",
    "Countersignature",
    "DestructionCertificate",
    "DisposalRequest",
    "DowngradeNotice",
    "EnvelopeHeader",
    "Gossip",
    "HeldItem",
    "HoldingsSummary",
    "IdentityCard",
    "InclusionProof",
    "ItemPayload",
    "PeerClient",
    "PeerRejected",
    "PeerUnavailable",
    "ProofRequest",
    "Receipt",
    "ReceiptBatch",
    "SignedCheckpoint",
    "SignedNote",
    "Transmission",
    "WireEnvelope",
    "agreement_statement",
    "check_proof",
    "checkpoint_vkeys",
    "compromise_text",
    "cosign_checkpoint",
    "cosigner_vkeys",
    "label_digest",
    "lane_of",
    "new_case_id",
    "new_certificate_id",
    "new_consent_receipt_id",
    "new_notice_id",
    "new_request_id",
    "new_summary_id",
    "new_token_id",
    "note_statement",
    "note_vkeys",
    "read_binding",
    "read_bundle",
    "sign_checkpoint_note",
    "verify_checkpoint_note",
    "verify_cosignature",
    "write_binding",
    "write_bundle",
]

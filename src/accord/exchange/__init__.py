"""Secure exchange between nodes: wire formats, mutual TLS, the peer client, offline bundles.

Infrastructure layer: it knows formats and transport, not the database; the node composes
it with storage into the send / deliver / receive use cases.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accord.lazy import exports_from

if TYPE_CHECKING:
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
    from accord.exchange._identity import IdentityCard, endpoint_address
    from accord.exchange._originator_notices import (
        ConsentRevocation,
        DisposalRequest,
        DowngradeNotice,
        new_notice_id,
    )
    from accord.exchange._receipt_formats import Receipt, ReceiptBatch
    from accord.exchange._stanag4778 import BindingDocument, BoundItem, read_binding, write_binding
    from accord.exchange._witness_formats import CheckpointStatement, Countersignature, Gossip, ProofRequest

# Each public name and its module, imported when first used (PEP 562): a listing needs the
# identity card, agreement, consent and checkpoint formats, not STANAG 4778 (lxml), bundles,
# the peer client, or the compromise and custody formats (issue 14's start-up target).
_EXPORTS = {
    "AgreementSignature": "accord.exchange._agreement_formats",
    "SignedNote": "accord.exchange._agreement_formats",
    "agreement_statement": "accord.exchange._agreement_formats",
    "note_statement": "accord.exchange._agreement_formats",
    "BUNDLE_FORMAT": "accord.exchange._bundle",
    "BlobMember": "accord.exchange._bundle",
    "Bundle": "accord.exchange._bundle",
    "read_bundle": "accord.exchange._bundle",
    "write_bundle": "accord.exchange._bundle",
    "CHECKPOINT_PURPOSE": "accord.exchange._checkpoint_formats",
    "InclusionProof": "accord.exchange._checkpoint_formats",
    "SignedCheckpoint": "accord.exchange._checkpoint_formats",
    "check_proof": "accord.exchange._checkpoint_formats",
    "note_vkeys": "accord.exchange._checkpoint_formats",
    "checkpoint_vkeys": "accord.exchange._checkpoint_notes",
    "cosign_checkpoint": "accord.exchange._checkpoint_notes",
    "cosigner_vkeys": "accord.exchange._checkpoint_notes",
    "sign_checkpoint_note": "accord.exchange._checkpoint_notes",
    "verify_checkpoint_note": "accord.exchange._checkpoint_notes",
    "verify_cosignature": "accord.exchange._checkpoint_notes",
    "PeerClient": "accord.exchange._client",
    "PeerRejected": "accord.exchange._client",
    "PeerUnavailable": "accord.exchange._client",
    "CompromisedItem": "accord.exchange._compromise_formats",
    "CompromiseNotice": "accord.exchange._compromise_formats",
    "CompromiseReport": "accord.exchange._compromise_formats",
    "compromise_text": "accord.exchange._compromise_formats",
    "new_case_id": "accord.exchange._compromise_formats",
    "ConsentConditions": "accord.exchange._consent",
    "ConsentToken": "accord.exchange._consent",
    "new_token_id": "accord.exchange._consent",
    "ConsentDecision": "accord.exchange._consent_requests",
    "ConsentRequest": "accord.exchange._consent_requests",
    "new_request_id": "accord.exchange._consent_requests",
    "ConsentReceipt": "accord.exchange._custody_formats",
    "DestructionCertificate": "accord.exchange._custody_formats",
    "new_certificate_id": "accord.exchange._custody_formats",
    "new_consent_receipt_id": "accord.exchange._custody_formats",
    "UNSIGNED": "accord.exchange._fields",
    "FORMAT_VERSION": "accord.exchange._formats",
    "AttachmentManifest": "accord.exchange._formats",
    "EnvelopeHeader": "accord.exchange._formats",
    "ItemPayload": "accord.exchange._formats",
    "Transmission": "accord.exchange._formats",
    "WireEnvelope": "accord.exchange._formats",
    "label_digest": "accord.exchange._formats",
    "lane_of": "accord.exchange._formats",
    "HOLDING_STATUSES": "accord.exchange._holdings_formats",
    "HeldItem": "accord.exchange._holdings_formats",
    "HoldingsSummary": "accord.exchange._holdings_formats",
    "new_summary_id": "accord.exchange._holdings_formats",
    "IdentityCard": "accord.exchange._identity",
    "endpoint_address": "accord.exchange._identity",
    "ConsentRevocation": "accord.exchange._originator_notices",
    "DisposalRequest": "accord.exchange._originator_notices",
    "DowngradeNotice": "accord.exchange._originator_notices",
    "new_notice_id": "accord.exchange._originator_notices",
    "Receipt": "accord.exchange._receipt_formats",
    "ReceiptBatch": "accord.exchange._receipt_formats",
    "BindingDocument": "accord.exchange._stanag4778",
    "BoundItem": "accord.exchange._stanag4778",
    "read_binding": "accord.exchange._stanag4778",
    "write_binding": "accord.exchange._stanag4778",
    "CheckpointStatement": "accord.exchange._witness_formats",
    "Countersignature": "accord.exchange._witness_formats",
    "Gossip": "accord.exchange._witness_formats",
    "ProofRequest": "accord.exchange._witness_formats",
}

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
    "endpoint_address",
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


__getattr__ = exports_from(__name__, _EXPORTS)

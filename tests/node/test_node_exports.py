"""The public names of accord.node and accord.store, exactly."""

from __future__ import annotations

import accord.node
import accord.store


def test_node_exports() -> None:
    assert accord.node.__all__ == [
        "NO_ITEM",
        "RFC9106_LOW_MEMORY",
        "UNSAFE_FAST_PASSWORD_HASHING",
        "AccountService",
        "AgreementService",
        "AgreementSignature",
        "Clock",
        "ConsentService",
        "ConsentView",
        "DamagedItem",
        "DeliveryResult",
        "DeliveryService",
        "DeliveryWorker",
        "HomeLayout",
        "IdentityCard",
        "InclusionProof",
        "ItemListing",
        "ItemService",
        "ItemView",
        "JournalEntry",
        "JournalFilter",
        "JournalPage",
        "JournalService",
        "LabelRequest",
        "LedgerService",
        "Node",
        "NodeConfig",
        "NodeContext",
        "OutboxEntry",
        "PartyService",
        "PasswordHashing",
        "Role",
        "SignedCheckpoint",
        "SignedNote",
        "TokenInfo",
        "User",
        "UserService",
        "check_proof",
        "note_vkeys",
        "utc_now",
    ]


def test_store_exports() -> None:
    assert accord.store.__all__ == [
        "AccessKeyRow",
        "AgreementRow",
        "AgreementSignatureRow",
        "ApiTokenRow",
        "AttachmentRow",
        "BackgroundBackoffRow",
        "Base",
        "BlobStore",
        "CompromiseCaseRow",
        "CompromiseItemRow",
        "CompromisePartyRow",
        "ConsentRow",
        "CopyRow",
        "Database",
        "DestructionRow",
        "Event",
        "InboxMessageRow",
        "ItemNoticeRow",
        "ItemRow",
        "JournalRow",
        "LedgerCheckpointRow",
        "LedgerNodeRow",
        "NoteRow",
        "OutboxRow",
        "PartyRow",
        "PeerSequenceRow",
        "QuarantineRow",
        "ReceiptBatchRow",
        "ReceiptRow",
        "SealedRow",
        "SqlHashStore",
        "TranslationRow",
        "UserRow",
        "WitnessAlarmAckRow",
        "WitnessAlarmRow",
        "WitnessCountersignatureRow",
        "WitnessDemandRow",
        "WitnessGossipRow",
        "WitnessPublishedRow",
        "WitnessSeenRow",
        "access_keys",
        "append_event",
        "assign_leaves",
        "format_stamp",
        "leaf_data",
        "lock_ledger",
        "pending_leaves",
        "read_events",
        "read_snapshot",
        "remember_access_key",
        "sealed_rows",
        "sqlite_url",
    ]


def test_every_exported_name_exists() -> None:
    for module in (accord.node, accord.store):
        for name in module.__all__:
            assert getattr(module, name) is not None, f"{module.__name__}.{name}"

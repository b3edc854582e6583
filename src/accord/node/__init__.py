"""The node: use cases composing markings, agreements, crypto and storage.

The only layer that holds a database session and keys together. Interfaces (CLI, API)
call these services and never touch storage or keys themselves.
"""

from accord.node._accounts import (
    RFC9106_LOW_MEMORY,
    UNSAFE_FAST_PASSWORD_HASHING,
    AccountService,
    PasswordHashing,
    TokenInfo,
)
from accord.node._agreements import AgreementService, AgreementSignature, SignedNote
from accord.node._consents import ConsentService, ConsentView
from accord.node._context import Clock, NodeContext, utc_now
from accord.node._control import NO_ITEM
from accord.node._delivery import DeliveryResult, DeliveryService, OutboxEntry
from accord.node._home import HomeLayout, NodeConfig
from accord.node._identity import IdentityCard
from accord.node._items import DamagedItem, ItemListing, ItemService, ItemView, LabelRequest
from accord.node._journal import JournalEntry, JournalFilter, JournalPage, JournalService
from accord.node._ledger import InclusionProof, LedgerService, SignedCheckpoint, check_proof, note_vkeys
from accord.node._node import Node
from accord.node._parties import PartyService
from accord.node._users import Role, User, UserService
from accord.node._worker import DeliveryWorker

__all__ = [
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

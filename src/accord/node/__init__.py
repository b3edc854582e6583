"""The node: use cases composing markings, agreements, crypto and storage.

The only layer that holds a database session and keys together. Interfaces (CLI, API)
call these services and never touch storage or keys themselves.

The package is cut into wings, each a sub-package with one concern; a wing imports only
the wings below it (an import-linter contract; docs/adr/0005-node-wings.md):

    demo (``accord demo``) → _federation (:func:`federate`: nodes into one agreement)
    → _node (the composition root) → _worker (the serving loops)
    custody     copies, translations, destruction, register, compromise   Arts. 9–17
    audit       journal, Merkle ledger, witnessing                        Arts. 8, 18
    originator  consents, downgrade notices, disposal requests            Arts. 6, 15
    transfer    outbox, sending, delivery, receiving, bundles, control    Arts. 9–12, 21
    holdings    items, the enforcement point, consents held               Arts. 2, 4, 7
    registry    parties, agreements, users, accounts                      Arts. 4, 7, 21
    core        home, configuration, context, unit of work

``docs/articles.md`` names, for each article of the agreement, the one function that
enforces it.
"""

from accord.exchange import InclusionProof, SignedCheckpoint, check_proof, note_vkeys
from accord.node._federation import example_agreement, federate
from accord.node._node import NewNode, Node
from accord.node._worker import DeliveryWorker
from accord.node.audit import (
    JournalEntry,
    JournalFilter,
    JournalPage,
    JournalService,
    LedgerService,
    OversightRequest,
    OversightService,
)
from accord.node.core import Clock, HomeLayout, NodeConfig, NodeContext, Principal, utc_now
from accord.node.holdings import (
    MAX_SEARCH_LIMIT,
    DamagedItem,
    ImportRef,
    IndexCheck,
    ItemListing,
    ItemService,
    ItemView,
    LabelRequest,
    NewItem,
    NodeSearch,
    PageReading,
    SearchFilters,
    SearchHit,
    SearchPage,
    search_day,
)
from accord.node.originator import ConsentGrant, ConsentService, ConsentView, end_of_day
from accord.node.registry import (
    CONSOLE_LANGUAGES,
    RFC9106_LOW_MEMORY,
    UNSAFE_FAST_PASSWORD_HASHING,
    AccountService,
    AgreementService,
    AgreementSignature,
    ConsoleSession,
    ConsoleSessionService,
    IdentityCard,
    NewUser,
    NoteDraft,
    PartyService,
    PasswordHashing,
    Role,
    SignedNote,
    TokenInfo,
    User,
    UserService,
)
from accord.node.transfer import (
    EXCHANGE_ROLES,
    NO_ITEM,
    Dashboard,
    DeliveryResult,
    DeliveryService,
    ExchangeDesk,
    Figures,
    OutboxEntry,
)

__all__ = [
    "CONSOLE_LANGUAGES",
    "EXCHANGE_ROLES",
    "MAX_SEARCH_LIMIT",
    "NO_ITEM",
    "RFC9106_LOW_MEMORY",
    "UNSAFE_FAST_PASSWORD_HASHING",
    "AccountService",
    "AgreementService",
    "AgreementSignature",
    "Clock",
    "ConsentGrant",
    "ConsentService",
    "ConsentView",
    "ConsoleSession",
    "ConsoleSessionService",
    "DamagedItem",
    "Dashboard",
    "DeliveryResult",
    "DeliveryService",
    "DeliveryWorker",
    "ExchangeDesk",
    "Figures",
    "HomeLayout",
    "IdentityCard",
    "ImportRef",
    "InclusionProof",
    "IndexCheck",
    "ItemListing",
    "ItemService",
    "ItemView",
    "JournalEntry",
    "JournalFilter",
    "JournalPage",
    "JournalService",
    "LabelRequest",
    "LedgerService",
    "NewItem",
    "NewNode",
    "NewUser",
    "Node",
    "NodeConfig",
    "NodeContext",
    "NodeSearch",
    "NoteDraft",
    "OutboxEntry",
    "OversightRequest",
    "OversightService",
    "PageReading",
    "PartyService",
    "PasswordHashing",
    "Principal",
    "Role",
    "SearchFilters",
    "SearchHit",
    "SearchPage",
    "SignedCheckpoint",
    "SignedNote",
    "TokenInfo",
    "User",
    "UserService",
    "check_proof",
    "end_of_day",
    "example_agreement",
    "federate",
    "note_vkeys",
    "search_day",
    "utc_now",
]

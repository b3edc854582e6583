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

from __future__ import annotations

from typing import TYPE_CHECKING

from accord.lazy import exports_from

if TYPE_CHECKING:
    from accord.exchange import InclusionProof, SignedCheckpoint, check_proof, endpoint_address, note_vkeys
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

# Each public name and its module, imported when first used (PEP 562): a command imports
# only the wings it uses (`accord item list`: holdings, registry, core, the journal and
# ledger; not transfer, custody, originator, witnessing). Issue 14's start-up target.
_EXPORTS = {
    "InclusionProof": "accord.exchange",
    "SignedCheckpoint": "accord.exchange",
    "check_proof": "accord.exchange",
    "endpoint_address": "accord.exchange",
    "note_vkeys": "accord.exchange",
    "example_agreement": "accord.node._federation",
    "federate": "accord.node._federation",
    "NewNode": "accord.node._node",
    "Node": "accord.node._node",
    "DeliveryWorker": "accord.node._worker",
    "JournalEntry": "accord.node.audit",
    "JournalFilter": "accord.node.audit",
    "JournalPage": "accord.node.audit",
    "JournalService": "accord.node.audit",
    "LedgerService": "accord.node.audit",
    "OversightRequest": "accord.node.audit",
    "OversightService": "accord.node.audit",
    "Clock": "accord.node.core",
    "HomeLayout": "accord.node.core",
    "NodeConfig": "accord.node.core",
    "NodeContext": "accord.node.core",
    "Principal": "accord.node.core",
    "utc_now": "accord.node.core",
    "MAX_SEARCH_LIMIT": "accord.node.holdings",
    "DamagedItem": "accord.node.holdings",
    "ImportRef": "accord.node.holdings",
    "IndexCheck": "accord.node.holdings",
    "ItemListing": "accord.node.holdings",
    "ItemService": "accord.node.holdings",
    "ItemView": "accord.node.holdings",
    "LabelRequest": "accord.node.holdings",
    "NewItem": "accord.node.holdings",
    "NodeSearch": "accord.node.holdings",
    "PageReading": "accord.node.holdings",
    "SearchFilters": "accord.node.holdings",
    "SearchHit": "accord.node.holdings",
    "SearchPage": "accord.node.holdings",
    "search_day": "accord.node.holdings",
    "ConsentGrant": "accord.node.originator",
    "ConsentService": "accord.node.originator",
    "ConsentView": "accord.node.originator",
    "end_of_day": "accord.node.originator",
    "CONSOLE_LANGUAGES": "accord.node.registry",
    "RFC9106_LOW_MEMORY": "accord.node.registry",
    "UNSAFE_FAST_PASSWORD_HASHING": "accord.node.registry",
    "AccountService": "accord.node.registry",
    "AgreementService": "accord.node.registry",
    "AgreementSignature": "accord.node.registry",
    "ConsoleSession": "accord.node.registry",
    "ConsoleSessionService": "accord.node.registry",
    "IdentityCard": "accord.node.registry",
    "NewUser": "accord.node.registry",
    "NoteDraft": "accord.node.registry",
    "PartyService": "accord.node.registry",
    "PasswordHashing": "accord.node.registry",
    "Role": "accord.node.registry",
    "SignedNote": "accord.node.registry",
    "TokenInfo": "accord.node.registry",
    "User": "accord.node.registry",
    "UserService": "accord.node.registry",
    "EXCHANGE_ROLES": "accord.node.transfer",
    "NO_ITEM": "accord.node.transfer",
    "Dashboard": "accord.node.transfer",
    "DeliveryResult": "accord.node.transfer",
    "DeliveryService": "accord.node.transfer",
    "ExchangeDesk": "accord.node.transfer",
    "Figures": "accord.node.transfer",
    "OutboxEntry": "accord.node.transfer",
}

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
    "endpoint_address",
    "example_agreement",
    "federate",
    "note_vkeys",
    "search_day",
    "utc_now",
]


__getattr__ = exports_from(__name__, _EXPORTS)

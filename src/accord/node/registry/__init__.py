"""Registry: who and what this node deals with — partner nodes, agreements, people.

* :class:`PartyService` — pinned identity cards of partner nodes (:class:`~accord.exchange.IdentityCard`);
* :class:`AgreementService` — agreements signed by every party, diplomatic notes, the
  lifecycle (Art. 21) and :meth:`~AgreementService.covering`, the one answer to "which
  agreement covers us and party X";
* :class:`UserService` — people with their clearance, need to know and purposes (Art. 7);
* :class:`AccountService` — passwords (argon2id) and API tokens;
* :class:`ConsoleSessionService` — the web console's sessions and language setting.

Imports only :mod:`accord.node.core`.
"""

from accord.exchange import AgreementSignature, IdentityCard, SignedNote
from accord.node.registry._accounts import (
    RFC9106_LOW_MEMORY,
    UNSAFE_FAST_PASSWORD_HASHING,
    AccountService,
    PasswordHashing,
    TokenInfo,
)
from accord.node.registry._agreement_notes import NoteDraft
from accord.node.registry._agreements import AgreementService
from accord.node.registry._console_sessions import CONSOLE_LANGUAGES, ConsoleSession, ConsoleSessionService
from accord.node.registry._parties import PartyService
from accord.node.registry._users import NewUser, Role, User, UserService

__all__ = [
    "CONSOLE_LANGUAGES",
    "RFC9106_LOW_MEMORY",
    "UNSAFE_FAST_PASSWORD_HASHING",
    "AccountService",
    "AgreementService",
    "AgreementSignature",
    "ConsoleSession",
    "ConsoleSessionService",
    "IdentityCard",
    "NewUser",
    "NoteDraft",
    "PartyService",
    "PasswordHashing",
    "Role",
    "SignedNote",
    "TokenInfo",
    "User",
    "UserService",
]

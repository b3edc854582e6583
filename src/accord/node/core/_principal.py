"""Who acts: a person, the local authority, a local operator, a peer node, or the node itself.

The journal records every action with its actor as one string (:meth:`Principal.journal_name`):
a person by their user name, the others with a prefix that no user name can take
(user names are lower-case letters, digits, ``.``, ``_``, ``-`` and never one of
:data:`RESERVED_NAMES`), so "who did this" is never ambiguous:

============================  ==============================================================
``kim``                       a person, authenticated (``--as kim``, a token, the console)
``authority``                 the local designated security authority at the CLI (``user add``)
``operator:<login>``          whoever holds the node's home and keys at the CLI, acting for
                              no person (bundle export/import, outbox, ledger seal)
``peer:<node id>``            a partner node, by the signature on what it sent
``system:<task>``             the node's own background work (delivery, sealing, witnessing)
``delivery``, ``ledger``,     the node's own background work as older code journals it, bare
``witness``                   (:data:`SYSTEM_ACTORS`; kept so that old ledgers still verify)
``unknown``                   a caller the node could not identify (a refused login, a
                              malformed console request)
============================  ==============================================================
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

__all__ = ["RESERVED_NAMES", "SYSTEM_ACTORS", "Act", "Principal", "PrincipalKind"]

SYSTEM_ACTORS = frozenset({"delivery", "ledger", "witness", "unknown"})
"""The bare actor names the node's own work is journalled under (delivery, sealing, witnessing)
and the name of a caller it could not identify. Journals and ledger leaves already hold them,
so they stay as they are; no person may take them (tests/node/test_node_users.py scans the
sources for every actor name written as a literal)."""

RESERVED_NAMES = (
    frozenset({"authority", "operator", "peer", "system", "officer", "analyst", "auditor", "node"})
    | SYSTEM_ACTORS
)
"""Names no person may take: they name principals, roles or the node's own work, and the
journal must not confuse them."""


class PrincipalKind(enum.StrEnum):
    """The kinds of actor."""

    USER = "user"
    AUTHORITY = "authority"
    OPERATOR = "operator"
    PEER = "peer"
    SYSTEM = "system"


@dataclass(frozen=True)
class Principal:
    """One actor, as the journal records it."""

    kind: PrincipalKind
    name: str

    @classmethod
    def user(cls, name: str) -> Principal:
        """A person known to this node."""
        return cls(PrincipalKind.USER, name)

    @classmethod
    def local_authority(cls) -> Principal:
        """The designated security authority acting at this node's CLI."""
        return cls(PrincipalKind.AUTHORITY, "authority")

    @classmethod
    def operator(cls, login: str | None = None) -> Principal:
        """Whoever runs a command on the node's home that acts for no person.

        ``login`` defaults to the operating-system account running the command.
        """
        return cls(PrincipalKind.OPERATOR, login or _login())

    @classmethod
    def peer(cls, node_id: str) -> Principal:
        """A partner node (authenticated by its signature)."""
        return cls(PrincipalKind.PEER, node_id)

    @classmethod
    def system(cls, task: str) -> Principal:
        """The node's own background work."""
        return cls(PrincipalKind.SYSTEM, task)

    @property
    def journal_name(self) -> str:
        """The actor string the journal records."""
        if self.kind is PrincipalKind.USER:
            return self.name
        if self.kind is PrincipalKind.AUTHORITY:
            return "authority"
        return f"{self.kind.value}:{self.name}"

    def __str__(self) -> str:
        return self.journal_name


def _login() -> str:
    # Imported here: getpass imports termios, which a command acting for a named user never needs.
    import getpass  # noqa: PLC0415 - see above

    try:
        return getpass.getuser()[:40] or "unknown"
    except (OSError, KeyError):  # no login name in this environment (a container, a service)
        return "unknown"


@dataclass(frozen=True, slots=True)
class Act:
    """Who acts, and the one moment their act happens: the who and when of its journal entries.

    A service reads the clock once per act and passes this down, so every row and entry the
    act writes carries the same time.
    """

    actor: str
    now: datetime

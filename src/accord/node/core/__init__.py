"""Core: what every service of a node shares — its home, configuration and context.

:class:`NodeContext` holds the keys, the database, the blob store and the injected clock;
:meth:`NodeContext.work` is the one unit of work (one transaction with its journal entry;
a refusal rolled back and journalled on its own); :func:`~._journal_done.journal_done` is the
journal entry of an act done (:class:`Act`). Imports no other wing.
"""

from accord.node.core._context import Clock, NodeContext, utc_now
from accord.node.core._home import HomeLayout, NodeConfig
from accord.node.core._principal import RESERVED_NAMES, Act, Principal, PrincipalKind

__all__ = [
    "RESERVED_NAMES",
    "Act",
    "Clock",
    "HomeLayout",
    "NodeConfig",
    "NodeContext",
    "Principal",
    "PrincipalKind",
    "utc_now",
]

"""Audit: the evidence — the journal, its Merkle ledger, and partners witnessing it (Arts. 8, 18).

* :class:`LedgerService` — seal journal rows as RFC 9162 leaves in signed checkpoints,
  inclusion and consistency proofs, C2SP notes, ``verify``;
* :class:`WitnessService` — partners countersign each other's checkpoints and raise
  alarms on a fork, a rollback or a split view;
* :class:`JournalService` — officers and auditors read the journal;
* :class:`OversightService` — the agreement's monthly figures for a legislature, each proven
  from the witnessed ledger (:mod:`accord.oversight` verifies and compares them).

Imports the originator wing and those below it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accord.lazy import exports_from

if TYPE_CHECKING:
    from accord.node.audit._journal import JournalEntry, JournalFilter, JournalPage, JournalService
    from accord.node.audit._ledger import LedgerService
    from accord.node.audit._oversight import OversightRequest, OversightService
    from accord.node.audit._verify_report import VerifyReport
    from accord.node.audit._witness import WitnessService

# Imported when first used (PEP 562): the journal and the ledger do not import the
# witnessing, nor through it the transfer wing.
_EXPORTS = {
    "JournalEntry": "accord.node.audit._journal",
    "JournalFilter": "accord.node.audit._journal",
    "JournalPage": "accord.node.audit._journal",
    "JournalService": "accord.node.audit._journal",
    "LedgerService": "accord.node.audit._ledger",
    "OversightRequest": "accord.node.audit._oversight",
    "OversightService": "accord.node.audit._oversight",
    "VerifyReport": "accord.node.audit._verify_report",
    "WitnessService": "accord.node.audit._witness",
}

__all__ = [
    "JournalEntry",
    "JournalFilter",
    "JournalPage",
    "JournalService",
    "LedgerService",
    "OversightRequest",
    "OversightService",
    "VerifyReport",
    "WitnessService",
]


__getattr__ = exports_from(__name__, _EXPORTS)

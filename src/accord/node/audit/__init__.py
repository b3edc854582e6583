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

from accord.node.audit._journal import JournalEntry, JournalFilter, JournalPage, JournalService
from accord.node.audit._ledger import LedgerService
from accord.node.audit._oversight import OversightRequest, OversightService
from accord.node.audit._verify_report import VerifyReport
from accord.node.audit._witness import WitnessService

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

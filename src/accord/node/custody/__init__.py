"""Custody: accounting for what is held (Arts. 9–17).

* :class:`CustodyService` — numbered copies, translations, destruction with a certificate
  (Arts. 13–16);
* :class:`RegisterService` — holdings register, dissemination record, reconciliation
  (Arts. 6, 11);
* :class:`CompromiseService` — loss or compromise: notice, case, exposure, report (Art. 17).

Imports the audit wing and those below it.
"""

from accord.node.custody._compromise import CaseView, CompromiseService, Exposure
from accord.node.custody._custody import CopyView, CustodyService, Destroyed, TranslationView
from accord.node.custody._register import RegisterService

__all__ = [
    "CaseView",
    "CompromiseService",
    "CopyView",
    "CustodyService",
    "Destroyed",
    "Exposure",
    "RegisterService",
    "TranslationView",
]

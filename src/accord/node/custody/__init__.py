"""Custody: accounting for what is held (Arts. 9–17).

* :class:`CustodyService` — numbered copies, translations, destruction with a certificate
  (Arts. 13–16);
* :class:`RegisterService` — holdings register, dissemination record, reconciliation
  (Arts. 6, 11);
* :class:`CompromiseService` — loss or compromise: notice, case, exposure, report (Art. 17).

Each service is a façade over modules of one concern each: ``_copies``, ``_translations``,
``_destruction`` (custody); ``_holdings_register``, ``_dissemination``, ``_reconciliation``
(register); ``_compromise_notice``, ``_compromise_cases``, ``_exposure`` over
``_compromise_case`` (compromise). ``_provision.provided_to`` is the one answer to "was this
item provided to that node?" that certificates and compromise notices are checked against.

Imports the audit wing and those below it.
"""

from accord.node.custody._compromise import CaseView, CompromiseService, Exposure
from accord.node.custody._custody import CopyView, CustodyService, Destroyed, TranslationView
from accord.node.custody._register import Holding, RegisterService

__all__ = [
    "CaseView",
    "CompromiseService",
    "CopyView",
    "CustodyService",
    "Destroyed",
    "Exposure",
    "Holding",
    "RegisterService",
    "TranslationView",
]

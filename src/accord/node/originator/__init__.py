"""Originator: what the party that provided an item keeps deciding about it (Arts. 6, 15).

* :class:`ConsentService` — release requests, the originator's signed consent and its
  conditions, revocation (Art. 6; the steps in ``_consent_*``);
* :class:`NoticeService` — downgrade and declassification notices to every holder (Art. 6);
* :class:`DisposalService` — requests to return or destroy (Arts. 6, 15);
* :class:`ConsentReceiptService` — third parties' receipts of items passed on under a
  consent, filed in the dissemination record (Art. 6).

What the custody wing above shares with this one lives here too: the decision point's gate
before an action on one item (``_gate``). The journal entry of an act done is core's
(``accord.node.core._journal_done``), which every wing uses.

Imports the transfer wing and those below it.
"""

from accord.node.originator._consents import ConsentGrant, ConsentService, ConsentView, end_of_day
from accord.node.originator._disposal import DisposalRequest, DisposalService
from accord.node.originator._notices import NoticeService
from accord.node.originator._receipts import ConsentReceiptService

__all__ = [
    "ConsentGrant",
    "ConsentReceiptService",
    "ConsentService",
    "ConsentView",
    "DisposalRequest",
    "DisposalService",
    "NoticeService",
    "end_of_day",
]

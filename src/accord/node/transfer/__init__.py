"""Transfer: items and control messages between nodes (Arts. 9–12, 21).

* :class:`SendingService` — seal envelopes into the outbox (the release): checks in
  :mod:`._release`, sealing an :class:`Outgoing` envelope in :mod:`._sealing`;
* :class:`DeliveryService` — the outbox by precedence lane, receipts (:mod:`._receipt_book`),
  back-off (:mod:`._backoff`), and the departure check that holds what may no longer leave
  (:mod:`._departure`);
* :class:`ReceivingService` — verify, decrypt, check and hold what arrives (:mod:`._intake`,
  :mod:`._acceptance`, :mod:`._holding`); quarantine (:mod:`._quarantine`); dispatch control
  messages to their wing's handler (:mod:`._dispatch`, the template in :mod:`._control`);
* :class:`BundleService` — the same across an air gap;
* :class:`ExchangeDesk` — the outbox, receipts and quarantine as an officer signed in to an
  interface sees them (:mod:`._exchange_desk`);
* :class:`Dashboard` — the exchange in figures, as one person may see them (:mod:`._dashboard`).

Imports the holdings, registry and core wings.
"""

from accord.node.transfer._bundles import BundleService, BundleSummary
from accord.node.transfer._control import NO_ITEM
from accord.node.transfer._dashboard import Dashboard, Figures, LatencySeries, PartySeries
from accord.node.transfer._delivery import DeliveryResult, DeliveryService, OutboxEntry
from accord.node.transfer._exchange_desk import EXCHANGE_ROLES, ExchangeDesk
from accord.node.transfer._receiving import ReceivingService
from accord.node.transfer._sealing import Outgoing
from accord.node.transfer._sending import SendingService, Sent

__all__ = [
    "EXCHANGE_ROLES",
    "NO_ITEM",
    "BundleService",
    "BundleSummary",
    "Dashboard",
    "DeliveryResult",
    "DeliveryService",
    "ExchangeDesk",
    "Figures",
    "LatencySeries",
    "OutboxEntry",
    "Outgoing",
    "PartySeries",
    "ReceivingService",
    "SendingService",
    "Sent",
]

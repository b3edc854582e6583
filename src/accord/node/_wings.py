"""The wings of a node that exchange with partners, wired together when first used.

:class:`~accord.node.Node` builds its registry, holdings, journal and ledger when it opens;
the rest — sending, receiving and its control-message handlers, delivery, bundles, consents,
notices, custody, the register, compromise, witnessing, oversight and the dashboards — is
built here, all at once and in this order, the first time one of them is asked for. A command
that only lists or shows items (``accord item list``) then imports none of their modules
(issue 14's start-up target); everything else sees the same services, wired the same way.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from accord.node.audit._oversight import OversightService
from accord.node.audit._witness import WitnessService
from accord.node.custody._compromise import CompromiseService
from accord.node.custody._custody import CustodyService
from accord.node.custody._register import RegisterService
from accord.node.originator._consents import ConsentService
from accord.node.originator._disposal import DisposalService
from accord.node.originator._notices import NoticeService
from accord.node.originator._receipts import ConsentReceiptService
from accord.node.transfer._bundles import BundleService
from accord.node.transfer._dashboard import Dashboard
from accord.node.transfer._delivery import DeliveryService
from accord.node.transfer._exchange_desk import ExchangeDesk
from accord.node.transfer._receiving import ReceivingService
from accord.node.transfer._sending import SendingService
from accord.node.transfer._services import Footing, Services

if TYPE_CHECKING:
    from accord.node._node import Node

__all__ = ["Wings", "wire"]


@dataclass(frozen=True)
class Wings:
    """The services :func:`wire` built for one node."""

    sending: SendingService
    consents: ConsentService
    notices: NoticeService
    receiving: ReceivingService
    consent_receipts: ConsentReceiptService
    custody: CustodyService
    disposal: DisposalService
    register: RegisterService
    delivery: DeliveryService
    bundles: BundleService
    desk: ExchangeDesk
    dashboard: Dashboard
    oversight: OversightService
    compromise: CompromiseService
    witness: WitnessService


def wire(node: Node) -> Wings:
    """The exchange's services over ``node``'s context, registry, holdings and ledger, with
    every control message's handler registered for receiving."""
    ctx = node.ctx
    footing = Footing(
        ctx=ctx,
        parties=node.parties,
        agreements=node.agreements,
        users=node.users,
        items=node.items,
        access=node.access,
    )
    sending = SendingService(footing)
    services = Services.on(footing, sending)
    consents = ConsentService(services)
    notices = NoticeService(services, consents)
    receiving = ReceivingService(services)
    for kind in ("consent-request", "consent-decision", "consent-revocation"):
        receiving.register(kind, consents.incoming)
    receiving.register("downgrade", notices.incoming)
    consent_receipts = ConsentReceiptService(services)
    receiving.register("consent-receipt", consent_receipts.incoming)
    custody = CustodyService(services, consents)
    receiving.register("destruction-certificate", custody.incoming)
    disposal = DisposalService(services, consents)
    receiving.register("disposal-request", disposal.incoming)
    register = RegisterService(services, custody)
    delivery = DeliveryService(ctx, node.parties, node.agreements)
    bundles = BundleService(ctx, node.parties, delivery, receiving)
    desk = ExchangeDesk(services, delivery, receiving)
    dashboard = Dashboard(footing)
    oversight = OversightService(ctx, node.users, node.access, node.agreements)
    compromise = CompromiseService(services, consents, node.ledger)
    for kind in ("compromise-notice", "compromise-report"):
        receiving.register(kind, compromise.incoming)
    witness = WitnessService(services, node.ledger)
    for kind, handler in witness.handlers().items():
        receiving.register(kind, handler)
    return Wings(
        sending=sending,
        consents=consents,
        notices=notices,
        receiving=receiving,
        consent_receipts=consent_receipts,
        custody=custody,
        disposal=disposal,
        register=register,
        delivery=delivery,
        bundles=bundles,
        desk=desk,
        dashboard=dashboard,
        oversight=oversight,
        compromise=compromise,
        witness=witness,
    )

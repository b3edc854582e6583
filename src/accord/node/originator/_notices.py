"""The originator's classification changes: downgrade and declassification (GSOMIA Art. 6).

Only the originator changes an item's classification. ``downgrade`` at the originator
signs a :class:`~accord.exchange.DowngradeNotice` and sends it, PRIORITY, to every node
the dissemination record says holds the item: the nodes it was sent to, and the nodes of
every third party it consented to. Each receiver checks the originator's signature and
that it holds the item as the notice describes it, applies the change to the originator's
label and re-derives its own alternative label through the agreement it was issued under,
journals it and receipts it.

The binding still covers the label as it was created: the stored marking is the current
one, and the chain of stored notices (each verified again when the item is shown) leads
back from it to the bound label. A marking lowered without a notice no longer verifies.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime

from sqlalchemy.orm import Session

from accord.canonical import format_time
from accord.errors import Conflict, IntegrityError, InvalidInput, NotFound, PolicyDenied
from accord.exchange import UNSIGNED, DowngradeNotice, EnvelopeHeader, new_notice_id
from accord.items import FINAL_HOLDING_STATES, ConsentState, HoldingState, Precedence
from accord.markings import Marking, scheme
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.holdings._access_keys import keep_access_key
from accord.node.holdings._search_index import SearchIndex
from accord.node.holdings._stored import stored_marking
from accord.node.originator._consents import ConsentService
from accord.node.originator._gate import ItemGate
from accord.node.transfer._control import (
    Entry,
    Incoming,
    Received,
    Steps,
    handle,
    not_on_record,
    originated_item,
    receipt_of_item,
    same_version,
    signed_by,
)
from accord.node.transfer._sealing import Outgoing
from accord.node.transfer._services import Services
from accord.policy import Action
from accord.store import (
    ConsentRepository,
    ItemNoticeRow,
    ItemRepository,
    ItemRow,
    OutboxRepository,
    format_stamp,
)

__all__ = ["NoticeService"]


class NoticeService(ItemGate):
    """Downgrade and declassification at the originator; their application at every holder."""

    def __init__(self, services: Services, consents: ConsentService) -> None:
        """Serve the node behind ``services.ctx``."""
        super().__init__(services)
        self._consents = consents

    def downgrade(
        self, item_id: str, *, to: str | None, declassify: bool = False, reason: str, actor: str
    ) -> list[str]:
        """Lower an item's classification (or declassify it) and tell every holder.

        Returns:
            The node ids the notice was sent to.

        Raises:
            NotFound: no such item (or it is withheld from ``actor``).
            PolicyDenied: not the originator, or ``actor`` may not downgrade.
            InvalidInput: neither or both of ``to`` and ``declassify``, or ``to`` is not lower.
            Conflict: the item is already declassified.
        """
        if (to is None) == (not declassify):
            raise InvalidInput("give a lower level (--to LEVEL) or --declassify, not both")
        with self._ctx.work(actor, "item.downgrade", item_id=item_id, detail={"to": to}) as session:
            now = self._ctx.now()
            row = self.allowed(session, item_id, Action.DOWNGRADE, actor, now)
            if row.originator_node != self._ctx.config.node_id:  # the party's other nodes neither
                raise PolicyDenied(
                    f"only the originating node {row.originator_node} changes item {item_id}'s classification"
                )
            if row.status == HoldingState.DECLASSIFIED:
                raise Conflict(f"item {item_id} is already declassified")
            view = self._items.view_in(session, row)
            current = view.marking.originator
            new = None
            if to is not None:
                new = scheme(current.policy).level(to)
                if new.rank >= current.level.rank:
                    raise InvalidInput(f"{new.native} is not lower than {current.classification}")
            notice = DowngradeNotice(
                notice_id=new_notice_id(),
                item_id=item_id,
                originator_node=self._ctx.config.node_id,
                originator_party=self._ctx.config.party,
                content_sha384=row.content_sha384,
                previous_classification=current.classification,
                new_classification=new.native if new is not None else None,
                declassified=declassify,
                reason=reason,
                issued_at=format_time(now),
                signature=UNSIGNED,
            ).signed_with(self._ctx.keys)
            self._apply(session, row, notice, None, now)
            told = self._tell_holders(session, row, notice, actor, now)
            journal_done(
                session,
                Act(actor, now),
                "item.downgrade",
                item_id=item_id,
                detail={**_change(notice), "told": told},
            )
            return told

    def incoming(
        self, session: Session, header: EnvelopeHeader, plaintext: bytes, sender_party: str, now: datetime
    ) -> Incoming:
        """Check a notice from ``header.sender`` in the receiver's snapshot.

        Raises:
            InvalidInput: malformed.
            VerificationFailed: not signed by the originator, or for another version.
            NotFound: the item is not held here.
            Conflict: already applied, or out of order.
        """

        def locate(notice: DowngradeNotice) -> ItemRow:
            missing = f"a classification notice for item {notice.item_id}, which is not held here"
            return originated_item(session, notice.item_id, header.sender, missing)

        def apply(session: Session, notice: DowngradeNotice, _: ItemRow, now: datetime) -> Entry:
            target = ItemRepository(session).require(notice.item_id)
            self._apply(session, target, notice, header.sender, now)
            return Entry(item_id=notice.item_id, detail=_change(notice))

        return handle(
            header,
            plaintext,
            Steps(
                parse=DowngradeNotice.parse,
                authenticate=signed_by(
                    Received(session, header, sender_party),
                    self._parties.signer,
                    lambda n: (n.originator_node, None),
                    "only the originator changes an item's classification (Art. 6)",
                ),
                locate=locate,
                check=lambda notice, row: _check_incoming(session, notice, row),
                apply=apply,
                journal="item.downgrade.received",
                receipt=receipt_of_item(self._ctx.config.scheme),
            ),
        )

    # --- helpers ------------------------------------------------------------------------

    def _apply(
        self, session: Session, row: ItemRow, notice: DowngradeNotice, sender: str | None, now: datetime
    ) -> None:
        """Store the notice and the changed marking (originator's label, our alternative)."""
        marking = stored_marking(row)
        counted_as = (row.access_key or "", row.originator_party)  # the search counts' class
        final = row.status in FINAL_HOLDING_STATES  # a destroyed or returned holding stays so
        if notice.declassified:
            if not final:
                row.status = HoldingState.DECLASSIFIED
        else:
            if notice.new_classification is None:  # excluded by the notice's own checks
                raise IntegrityError(f"notice {notice.notice_id} names no new classification")
            originator = dataclasses.replace(marking.originator, classification=notice.new_classification)
            alternatives = []
            for alt in marking.alternatives:
                if alt.agreement is None:
                    raise IntegrityError(f"item {row.id}: an alternative label names no agreement")
                agreement = self._agreements.get_in(session, alt.agreement)
                level = agreement.translate(originator, alt.policy)
                alternatives.append(dataclasses.replace(alt, classification=level.native))
            changed = Marking(originator, tuple(alternatives))
            row.marking_json = changed.canonical_bytes().decode("utf-8")
            row.access_key = keep_access_key(session, changed)
            row.status = (
                HoldingState.DOWNGRADED if row.status == HoldingState.HELD and not final else row.status
            )
        SearchIndex(self._ctx).relabel(session, row, counted_as)
        ConsentRepository(session).add_notice(
            ItemNoticeRow(
                id=notice.notice_id,
                item_id=row.id,
                notice_json=notice.to_bytes().decode("utf-8"),
                issued_at=notice.issued_at,
                applied_at=format_stamp(now),
                received_from=sender,
            )
        )
        session.flush()

    def _tell_holders(
        self, session: Session, row: ItemRow, notice: DowngradeNotice, actor: str, now: datetime
    ) -> list[str]:
        """Send the notice to every node the dissemination record names."""
        told: list[str] = []
        targets: dict[str, str] = dict(OutboxRepository(session).receipted_destinations(row.id))
        # Third parties the originator consented to may hold it too.
        for consent in ConsentRepository(session).given(row.id, ConsentState.APPROVED):
            try:
                agreement = self._agreements.any_in_force_with(session, consent.third_party, now).id
                cards = self._sending.peers_in(session, consent.third_party)
            except NotFound:
                continue
            for card in cards:
                targets.setdefault(card.node_id, agreement)
        for peer, agreement_id in sorted(targets.items()):
            card = self._parties.card(session, peer)
            self._sending.enqueue(
                session,
                Outgoing(
                    kind="downgrade",
                    card=card,
                    agreement=self._agreements.get_in(session, agreement_id),
                    precedence=Precedence.PRIORITY,
                    item_id=row.id,
                    payload=notice.to_bytes(),
                ),
                Act(actor, now),
            )
            told.append(peer)
        return told


def _change(notice: DowngradeNotice) -> dict[str, object]:
    """What a notice changes, as its journal entries show it (at the originator and at each holder)."""
    return {
        "notice_id": notice.notice_id,
        "from": notice.previous_classification,
        "to": notice.new_classification,
        "declassified": notice.declassified,
    }


def _check_incoming(session: Session, notice: DowngradeNotice, row: ItemRow) -> None:
    """Check an incoming notice: the version held here, not yet applied, changing the level held here.

    Raises:
        VerificationFailed: for another version of the item.
        Conflict: already applied, or out of order.
    """
    refusal = f"a classification notice for another version of item {notice.item_id}"
    same_version(row, notice.content_sha384, refusal)
    not_on_record(
        ConsentRepository(session).notice(notice.notice_id),
        f"notice {notice.notice_id} was already applied",
    )
    marking = stored_marking(row)
    if (
        row.status == HoldingState.DECLASSIFIED
        or marking.originator.classification != notice.previous_classification
    ):
        raise Conflict(
            f"notice {notice.notice_id} changes {notice.previous_classification}; "
            f"the item is {marking.originator.classification} ({row.status}) here"
        )

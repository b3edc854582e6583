"""The holdings register, the dissemination record, and their reconciliation (GSOMIA Art. 6).

Art. 6 asks each party for the "identification, location, inventory and control" of the
CMI it holds. Three views, read from what the node already keeps:

* **holdings** — every item held here that the person may read: whose it is, where it came
  from and when, its status (held, downgraded, declassified, consent-revoked, destroyed…),
  its numbered copies, its translations, its destruction certificate (``holding``: one
  item's line, each line carrying its marking for an interface's page banner);
* **dissemination** — for one item: every envelope sent about it (the item itself, and the
  consent, notice and certificate messages) with its receipt, every consent asked or given
  for an onward release, every third party's signed receipt of the item passed on to it
  under such a consent, and every destruction certificate holders returned;
* **reconciliation** — the holder makes a :class:`~accord.exchange.HoldingsSummary` of one
  originating party's items, signed by its node, and hands it over (as a file); the
  originator verifies it with the holder's pinned keys and compares it with its record of
  what that node received: what it provided to it (the outbox), and what a holder passed on
  to it under the originator's consent (the third party's consent receipts). Each
  difference is reported in words: held but not recorded, recorded but not held, destroyed
  at one side only, another version, a missing receipt.

A person sees only items the decision point lets them read: the register and the summary
leave the others out (the journal counts them), and a reconciliation names a difference
about such an item only by its kind.

:class:`RegisterService` is the façade (the CLI, both APIs and the tests call it); the
register's lines live in :mod:`._holdings_register`, the dissemination record in
:mod:`._dissemination`, the comparison and its six kinds of difference in
:mod:`._reconciliation`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from sqlalchemy.orm import Session

from accord.canonical import format_time
from accord.errors import IntegrityError, InvalidInput, VerificationFailed
from accord.exchange import UNSIGNED, HeldItem, HoldingsSummary, new_summary_id
from accord.items import HoldingState
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.custody._copies import copies_of
from accord.node.custody._custody import CustodyService
from accord.node.custody._dissemination import Dissemination, dissemination_record
from accord.node.custody._holdings_register import Holding, destroy_by_dates, holding_line
from accord.node.custody._reconciliation import Difference, Reconciliation, differences, holder_record
from accord.node.holdings._resources import Consented
from accord.node.originator._gate import ItemGate
from accord.node.registry._users import User
from accord.node.transfer._services import Services
from accord.policy import Resource
from accord.store import InboxRepository, ItemRepository, ItemRow

__all__ = ["Difference", "Dissemination", "Holding", "Reconciliation", "RegisterService"]


class RegisterService(ItemGate):
    """Holdings register, dissemination record, holdings summaries and reconciliation."""

    def __init__(self, services: Services, custody: CustodyService) -> None:
        """Serve the node behind ``services.ctx``."""
        super().__init__(services)
        self._custody = custody

    def holdings(self, *, actor: str, overdue_only: bool = False) -> list[Holding]:
        """Every item held here that ``actor`` may read, newest first.

        An item received under a consent that asks for its destruction by a date carries
        that date, and is *overdue* once it has passed while the item is still held here
        (Art. 6: the conditions of the originator's approval bind the third party).
        ``overdue_only`` lists only those.

        Raises:
            NotFound: no such user.
        """
        with self._ctx.work(actor, "register.holdings") as session:
            now = self._ctx.now()
            user = self._users.get_in(session, actor)
            rows = ItemRepository(session).newest_first()
            readable, withheld = self._readable(session, user, rows)
            deadlines = destroy_by_dates(session, self._ctx.config.party)
            own = self._ctx.config
            out = [
                holding_line(session, own, row, deadlines.get(row.id), now)
                for row in rows
                if row.id in readable
            ]
            if overdue_only:
                out = [h for h in out if h.overdue]
            overdue = sum(h.overdue for h in out)
            journal_done(
                session,
                Act(actor, now),
                "register.holdings",
                detail={"shown": len(out), "withheld": withheld, "overdue": overdue},
            )
            return out

    def holding(self, item_id: str, *, actor: str) -> Holding:
        """The register's line for one item ``actor`` may read (destroyed or not: its record stays).

        Raises:
            NotFound: no such item or user (or the item is withheld from ``actor``).
        """
        with self._ctx.work(actor, "register.holding", item_id=item_id[:64]) as session:
            now = self._ctx.now()
            row = self.readable(session, item_id, actor, now, accounting=True)
            deadline = destroy_by_dates(session, self._ctx.config.party).get(row.id)
            line = holding_line(session, self._ctx.config, row, deadline, now)
            journal_done(
                session, Act(actor, now), "register.holding", item_id=item_id, detail={"status": line.status}
            )
            return line

    def dissemination(self, item_id: str, *, actor: str) -> Dissemination:
        """Every envelope sent about ``item_id``, its receipts, consents and certificates.

        At the originator, also every third party's signed receipt of the item passed on to
        it under a consent given here (Art. 6).

        Raises:
            NotFound: no such item or user (or the item is withheld from ``actor``).
        """
        with self._ctx.work(actor, "register.dissemination", item_id=item_id) as session:
            now = self._ctx.now()
            row = self.readable(session, item_id, actor, now, accounting=True)
            originated_here = row.originator_node == self._ctx.config.node_id
            record = dissemination_record(session, item_id, originated_here=originated_here)
            journal_done(
                session,
                Act(actor, now),
                "register.dissemination",
                item_id=item_id,
                detail={
                    "sends": len(record.sends),
                    "consents": len(record.consents),
                    "third_party_receipts": len(record.third_party_receipts),
                },
            )
            return record

    def summary(self, for_party: str, *, actor: str) -> HoldingsSummary:
        """A signed summary of every item ``for_party`` originated that this node holds.

        Items ``actor`` may not read are left out (the journal counts them): the officer who
        makes the summary should be cleared for all of that party's CMI held here.

        Raises:
            InvalidInput: ``for_party`` is this node's own party.
            PolicyDenied: ``actor`` is not a registry / security officer.
            NotFound: no such user.
        """
        for_party = for_party.strip().upper()
        own = self._ctx.config
        with self._ctx.work(actor, "register.summary", detail={"for": for_party}) as session:
            now = self._ctx.now()
            user = self._officer(session, actor)
            if for_party == own.party:
                raise InvalidInput(
                    f"{for_party} is this node's own party: a summary is made for an originator"
                )
            rows = ItemRepository(session).originated_by(for_party)
            readable, withheld = self._readable(session, user, rows)
            entries = []
            for row in rows:
                if row.id not in readable:
                    continue
                copies = [c for c in copies_of(session, row.id) if c.status == HoldingState.HELD]
                messages = InboxRepository(session).message_ids_about(row.id)
                entries.append(HeldItem(row.id, row.content_sha384, row.status, len(copies), tuple(messages)))
            summary = HoldingsSummary(
                summary_id=new_summary_id(),
                holder_party=own.party,
                holder_node=own.node_id,
                for_party=for_party,
                made_by=actor,
                made_at=format_time(now),
                items=tuple(entries),
                signature=UNSIGNED,
            ).signed_with(self._ctx.keys)
            journal_done(
                session,
                Act(actor, now),
                "register.summary",
                detail={
                    "for": for_party,
                    "summary_id": summary.summary_id,
                    "items": len(entries),
                    "withheld": withheld,
                },
            )
            return summary

    def reconcile(self, party: str, summary: bytes | str, *, actor: str) -> Reconciliation:
        """Compare a holder's signed summary with this node's dissemination record to it.

        Raises:
            InvalidInput: the summary is malformed, not for this party or not from ``party``.
            NotFound: the holder node is not pinned here, or no such user.
            VerificationFailed: the summary is not signed by the holder node it names.
            PolicyDenied: ``actor`` is not a registry / security officer.
        """
        party = party.strip().upper()
        own = self._ctx.config
        with self._ctx.work(actor, "register.reconcile", detail={"party": party}) as session:
            now = self._ctx.now()
            user = self._officer(session, actor)
            parsed = HoldingsSummary.parse(summary)
            if parsed.for_party != own.party:
                raise InvalidInput(f"that summary is for {parsed.for_party}, not for {own.party}")
            if parsed.holder_party != party:
                raise InvalidInput(f"that summary was made by {parsed.holder_party}, not by {party}")
            signer_party, keys = self._parties.signer(session, parsed.holder_node)
            if signer_party != party:
                raise VerificationFailed(f"node {parsed.holder_node} is not a node of {party}")
            parsed.verify(keys)
            differences, hidden, compared = self._compare(session, user, parsed)
            counts = Counter(d.kind for d in differences)
            if hidden:
                counts.update(hidden)
                for kind, n in sorted(hidden.items()):
                    differences.append(
                        Difference(kind, None, f"{n} difference(s) of this kind about items you may not read")
                    )
            journal_done(
                session,
                Act(actor, now),
                "register.reconcile",
                detail={
                    "party": party,
                    "holder_node": parsed.holder_node,
                    "summary_id": parsed.summary_id,
                    "compared": compared,
                    "differences": dict(sorted(counts.items())),
                },
            )
            return Reconciliation(parsed.summary_id, parsed.holder_node, compared, differences)

    # --- helpers ------------------------------------------------------------------------

    def _compare(
        self, session: Session, user: User, summary: HoldingsSummary
    ) -> tuple[list[Difference], Counter[str], int]:
        """The differences ``user`` may see, a count per kind of the others, and how many items were compared.

        A difference about an item this node originated that ``user`` may not read is only
        counted: its kind is shown, not the item (nor its words).
        """
        record = holder_record(session, summary, self._ctx.config.node_id)
        readable, _ = self._readable(session, user, list(record.ours.values()))
        shown: list[Difference] = []
        hidden: Counter[str] = Counter()
        for difference in differences(record):
            if difference.item_id in record.ours and difference.item_id not in readable:
                hidden[difference.kind] += 1
            else:
                shown.append(difference)
        return shown, hidden, len(record.item_ids)

    def _readable(self, session: Session, user: User, rows: Sequence[ItemRow]) -> tuple[set[str], int]:
        """The ids of ``rows`` that ``user`` may account for, and how many were withheld or unreadable.

        Decided on each holding as it was received, so one whose consent was revoked stays
        in the register and the summary, though nobody may read it (Arts. 6, 16; ``ItemGate``).
        """
        try:
            consented: Consented | None = self._items.consented_among(session, None, accounting=True)
        except IntegrityError:
            # One stored consent no longer parses: read them item by item, so that only its
            # item counts as damaged and the rest of the register stands.
            consented = None
        resources: list[Resource] = []
        damaged = 0
        for row in rows:
            try:
                held = (
                    consented
                    if consented is not None
                    else self._items.consented_among(session, [row.id], accounting=True)
                )
                resources.append(self._items.resource_of(row, held))
            except IntegrityError:
                damaged += 1
        permitted, withheld = self._access.readable(session, user, resources, self._ctx.now())
        return {r.item_id for r in permitted}, len(withheld) + damaged

    def _officer(self, session: Session, actor: str) -> User:
        return self._users.officer_in(
            session,
            actor,
            lambda role: (
                f"the {role.value} role may not make or reconcile holdings summaries; "
                "a registry / security officer does (docs/policy.md, role table; Art. 6)"
            ),
        )

"""The holdings register, the dissemination record, and their reconciliation (GSOMIA Art. 6).

Art. 6 asks each party for the "identification, location, inventory and control" of the
CMI it holds. Three views, read from what the node already keeps:

* **holdings** — every item held here that the person may read: whose it is, where it came
  from and when, its status (held, downgraded, declassified, consent-revoked, destroyed…),
  its numbered copies, its translations, its destruction certificate;
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
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from accord.canonical import format_time, parse_time
from accord.errors import IntegrityError, InvalidInput, NotFound, PolicyDenied, VerificationFailed
from accord.exchange import (
    ConsentToken,
    DestructionCertificate,
    HeldItem,
    HoldingsSummary,
    new_summary_id,
)
from accord.markings import banner, received_banner
from accord.node.core._context import NodeContext
from accord.node.custody._custody import CopyView, CustodyService
from accord.node.holdings._access import AccessService
from accord.node.holdings._items import FINAL_STATUSES, ItemService, originated_at, stored_marking
from accord.node.registry._parties import PartyService
from accord.node.registry._users import Role, User, UserService
from accord.policy import Resource
from accord.store import (
    ConsentReceiptRow,
    ConsentRow,
    DestructionRow,
    InboxMessageRow,
    ItemRow,
    OutboxRow,
    append_event,
)

__all__ = ["Difference", "Dissemination", "Holding", "Reconciliation", "RegisterService"]


@dataclass(frozen=True)
class Holding:
    """One line of the holdings register."""

    item_id: str
    originator_party: str
    originator_node: str
    banner: str
    status: str
    location: str
    received_from: str | None
    received_at: str | None
    created_at: str
    copies: tuple[CopyView, ...]
    translations: tuple[tuple[str, str, str], ...]
    certificate_id: str | None
    destroy_by: str | None = None
    overdue: bool = False

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "item_id": self.item_id,
            "originator_party": self.originator_party,
            "originator_node": self.originator_node,
            "banner": self.banner,
            "status": self.status,
            "location": self.location,
            "received_from": self.received_from,
            "received_at": self.received_at,
            "created_at": self.created_at,
            "copies": [c.to_dict() for c in self.copies],
            "translations": [{"id": i, "lang": lang, "status": s} for i, lang, s in self.translations],
            "certificate_id": self.certificate_id,
            "destroy_by": self.destroy_by,
            "overdue": self.overdue,
        }


@dataclass(frozen=True)
class Dissemination:
    """Where one item went from here, and what came back."""

    item_id: str
    originated_here: bool
    sends: list[dict[str, object]] = field(default_factory=list)
    consents: list[dict[str, object]] = field(default_factory=list)
    third_party_receipts: list[dict[str, object]] = field(default_factory=list)
    certificates: list[dict[str, object]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "item_id": self.item_id,
            "originated_here": self.originated_here,
            "sends": self.sends,
            "consents": self.consents,
            "third_party_receipts": self.third_party_receipts,
            "certificates": self.certificates,
        }


@dataclass(frozen=True)
class Difference:
    """One disagreement between the holder's summary and the originator's record."""

    kind: str
    item_id: str | None
    detail: str

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {"kind": self.kind, "item_id": self.item_id, "detail": self.detail}


@dataclass(frozen=True)
class Reconciliation:
    """The outcome of comparing a holder's signed summary with this node's record."""

    summary_id: str
    holder_node: str
    items_compared: int
    differences: list[Difference]

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "summary_id": self.summary_id,
            "holder_node": self.holder_node,
            "items_compared": self.items_compared,
            "differences": [d.to_dict() for d in self.differences],
        }


class RegisterService:
    """Holdings register, dissemination record, holdings summaries and reconciliation."""

    def __init__(
        self,
        ctx: NodeContext,
        parties: PartyService,
        users: UserService,
        items: ItemService,
        access: AccessService,
        custody: CustodyService,
    ) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx
        self._parties = parties
        self._users = users
        self._items = items
        self._access = access
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
            rows = session.scalars(select(ItemRow).order_by(ItemRow.created_at.desc(), ItemRow.id)).all()
            readable, withheld = self._readable(session, user, rows)
            deadlines = self._destroy_by(session)
            out = [
                self._holding(session, row, deadlines.get(row.id), now) for row in rows if row.id in readable
            ]
            if overdue_only:
                out = [h for h in out if h.overdue]
            overdue = sum(h.overdue for h in out)
            append_event(
                session,
                at=now,
                actor=actor,
                action="register.holdings",
                outcome="ok",
                detail={"shown": len(out), "withheld": withheld, "overdue": overdue},
            )
            return out

    def _destroy_by(self, session: Session) -> dict[str, str]:
        """Per item received here under consent: the earliest destroy-by its consents set."""
        out: dict[str, str] = {}
        for item_id, token_json in session.execute(
            select(ConsentRow.item_id, ConsentRow.token_json).where(
                ConsentRow.direction == "held",
                ConsentRow.third_party == self._ctx.config.party,
            )
        ):
            if token_json is None:
                continue
            limit = ConsentToken.parse(token_json).limits.destroy_by
            if limit is not None and (item_id not in out or parse_time(limit) < parse_time(out[item_id])):
                out[item_id] = limit
        return out

    def dissemination(self, item_id: str, *, actor: str) -> Dissemination:
        """Every envelope sent about ``item_id``, its receipts, consents and certificates.

        At the originator, also every third party's signed receipt of the item passed on to
        it under a consent given here (Art. 6).

        Raises:
            NotFound: no such item or user (or the item is withheld from ``actor``).
        """
        with self._ctx.work(actor, "register.dissemination", item_id=item_id) as session:
            now = self._ctx.now()
            user = self._users.get_in(session, actor)
            row = session.get(ItemRow, item_id)
            if row is None:
                raise NotFound(f"no item {item_id!r} at this node")
            self._access.require_read(session, user, self._items.resource_of(row), now)
            record = Dissemination(item_id, row.originator_node == self._ctx.config.node_id)
            for sent in session.scalars(
                select(OutboxRow).where(OutboxRow.item_id == item_id).order_by(OutboxRow.created_at)
            ):
                record.sends.append(
                    {
                        "message_id": sent.message_id,
                        "kind": sent.kind,
                        "to": sent.peer,
                        "party": sent.peer_party,
                        "agreement": sent.agreement_id,
                        "sent_by": sent.sent_by,
                        "created_at": sent.created_at,
                        "status": sent.status,
                        "receipted_at": sent.receipted_at,
                    }
                )
            for consent in session.scalars(
                select(ConsentRow).where(ConsentRow.item_id == item_id).order_by(ConsentRow.requested_at)
            ):
                record.consents.append(
                    {
                        "request_id": consent.id,
                        "direction": consent.direction,
                        "holder": consent.holder_party,
                        "third_party": consent.third_party,
                        "purpose": consent.purpose,
                        "status": consent.status,
                        "token_id": consent.token_id,
                        "expires_at": consent.expires_at,
                    }
                )
            for received in session.scalars(
                select(ConsentReceiptRow)
                .where(ConsentReceiptRow.item_id == item_id)
                .order_by(ConsentReceiptRow.received_at, ConsentReceiptRow.id)
            ):
                record.third_party_receipts.append(
                    {
                        "receipt_id": received.id,
                        "token_id": received.token_id,
                        "third_party": received.third_party,
                        "node": received.third_party_node,
                        "from": received.holder_node,
                        "message_id": received.message_id,
                        "agreement": received.agreement_id,
                        "received_at": received.received_at,
                    }
                )
            for cert in session.scalars(
                select(DestructionRow)
                .where(DestructionRow.item_id == item_id)
                .order_by(DestructionRow.destroyed_at)
            ):
                parsed = DestructionCertificate.parse(cert.certificate_json)
                record.certificates.append(
                    {
                        "certificate_id": cert.id,
                        "direction": cert.direction,
                        "holder": cert.holder_node,
                        "destroyed_at": cert.destroyed_at,
                        "method": parsed.method,
                        "witness": parsed.witness,
                        "copies": parsed.copies,
                    }
                )
            append_event(
                session,
                at=now,
                actor=actor,
                action="register.dissemination",
                outcome="ok",
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
            rows = session.scalars(
                select(ItemRow).where(ItemRow.originator_party == for_party).order_by(ItemRow.id)
            ).all()
            readable, withheld = self._readable(session, user, rows)
            entries = []
            for row in rows:
                if row.id not in readable:
                    continue
                copies = [c for c in self._custody.copies(session, row.id) if c.status == "held"]
                messages = session.scalars(
                    select(InboxMessageRow.message_id).where(InboxMessageRow.item_id == row.id)
                ).all()
                entries.append(HeldItem(row.id, row.content_sha384, row.status, len(copies), tuple(messages)))
            summary = HoldingsSummary.make(
                self._ctx.keys,
                summary_id=new_summary_id(),
                holder_party=own.party,
                holder_node=own.node_id,
                for_party=for_party,
                made_by=actor,
                made_at=format_time(now),
                items=tuple(entries),
            )
            append_event(
                session,
                at=now,
                actor=actor,
                action="register.summary",
                outcome="ok",
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
            append_event(
                session,
                at=now,
                actor=actor,
                action="register.reconcile",
                outcome="ok",
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
        node = summary.holder_node
        party = summary.holder_party
        own = self._ctx.config
        record: dict[str, list[OutboxRow]] = {}
        for sent in session.scalars(
            select(OutboxRow)
            .where(OutboxRow.peer == node, OutboxRow.kind == "item")
            .order_by(OutboxRow.created_at)
        ):
            record.setdefault(sent.item_id, []).append(sent)
        # What a holder passed on to that node under our consent: its signed receipts are
        # our record of it, as the outbox is of what we provided ourselves (Art. 6).
        consented: dict[str, list[ConsentReceiptRow]] = {}
        for received in session.scalars(
            select(ConsentReceiptRow)
            .where(ConsentReceiptRow.third_party_node == node, ConsentReceiptRow.third_party == party)
            .order_by(ConsentReceiptRow.received_at, ConsentReceiptRow.id)
        ):
            consented.setdefault(received.item_id, []).append(received)
        certified = {
            c.item_id: c.id
            for c in session.scalars(
                select(DestructionRow).where(
                    DestructionRow.direction == "received", DestructionRow.holder_node == node
                )
            )
        }
        theirs = {entry.item_id: entry for entry in summary.items}
        ours = {
            row.id: row
            for row in session.scalars(
                select(ItemRow).where(ItemRow.id.in_(set(record) | set(consented) | set(theirs)))
            )
            if row.originator_node == own.node_id
        }
        readable, _ = self._readable(session, user, list(ours.values()))
        differences: list[Difference] = []
        hidden: Counter[str] = Counter()

        def report(kind: str, item_id: str, detail: str) -> None:
            if item_id in ours and item_id not in readable:
                hidden[kind] += 1
            else:
                differences.append(Difference(kind, item_id, detail))

        for item_id in sorted(set(theirs) | set(record) | set(consented)):
            entry, sends = theirs.get(item_id), record.get(item_id, [])
            receipts = consented.get(item_id, [])
            row = ours.get(item_id)
            if entry is not None and not sends and not receipts:
                where = (
                    "this node did not originate" if row is None else "our record does not show as provided"
                )
                report(
                    "held-not-recorded",
                    item_id,
                    f"{party} reports holding {item_id}, which {where} to {node}",
                )
                continue
            if entry is None:
                kept = f"; we hold certificate {certified[item_id]}" if item_id in certified else ""
                how = (
                    f"was provided to {node} (message {sends[0].message_id})"
                    if sends
                    else f"was received by {node} from {receipts[0].holder_node} under our consent "
                    f"{receipts[0].token_id} (its signed receipt {receipts[0].id})"
                )
                report("recorded-not-held", item_id, f"{item_id} {how}, but {party} does not report it{kept}")
            else:
                if row is not None and entry.content_sha384 != row.content_sha384:
                    report(
                        "other-version",
                        item_id,
                        f"{party} holds another version of {item_id} (digest differs)",
                    )
                if entry.status == "destroyed" and item_id not in certified:
                    report(
                        "destroyed-without-certificate",
                        item_id,
                        f"{party} reports {item_id} destroyed; "
                        f"no destruction certificate from {node} is on record",
                    )
                if entry.status != "destroyed" and item_id in certified:
                    report(
                        "certified-but-held",
                        item_id,
                        f"{node} certified the destruction of {item_id} ({certified[item_id]}), "
                        f"but {party} reports it {entry.status}",
                    )
            for sent in sends:
                if sent.status != "receipted":
                    seen = entry is not None and sent.message_id in entry.message_ids
                    also = f", though {party} reports receiving it" if seen else ""
                    report(
                        "missing-receipt",
                        item_id,
                        f"message {sent.message_id} carrying {item_id} to {node} has no signed receipt "
                        f"({sent.status}){also}",
                    )
        return differences, hidden, len(set(theirs) | set(record) | set(consented))

    def _readable(self, session: Session, user: User, rows: Sequence[ItemRow]) -> tuple[set[str], int]:
        """The ids of ``rows`` that ``user`` may read, and how many were withheld or unreadable."""
        resources: list[Resource] = []
        damaged = 0
        for row in rows:
            try:
                resources.append(self._items.resource_of(row))
            except IntegrityError:
                damaged += 1
        permitted, withheld = self._access.readable(session, user, resources, self._ctx.now())
        return {r.item_id for r in permitted}, len(withheld) + damaged

    def _officer(self, session: Session, actor: str) -> User:
        user = self._users.get_in(session, actor)
        if user.role is not Role.OFFICER:
            raise PolicyDenied(
                f"the {user.role.value} role may not make or reconcile holdings summaries; "
                "a registry / security officer does (DESIGN.md §2; Art. 6)"
            )
        return user

    def _holding(self, session: Session, row: ItemRow, destroy_by: str | None, now: datetime) -> Holding:
        own = self._ctx.config
        marking = stored_marking(row)
        shown = (
            received_banner(marking, own.scheme)
            if marking.originator.policy != own.scheme
            else banner(marking.originator)
        )
        translations = tuple((t.id, t.lang, t.status) for t in self._custody.translations(session, row.id))
        certificate = session.scalar(
            select(DestructionRow.id).where(
                DestructionRow.item_id == row.id, DestructionRow.direction == "issued"
            )
        )
        return Holding(
            item_id=row.id,
            originator_party=row.originator_party,
            originator_node=row.originator_node,
            banner=shown,
            status=row.status,
            location=own.node_id,
            received_from=row.received_from,
            received_at=row.received_at,
            created_at=originated_at(row, marking),
            copies=tuple(self._custody.copies(session, row.id)),
            translations=translations,
            certificate_id=certificate,
            destroy_by=destroy_by,
            overdue=(
                destroy_by is not None and row.status not in FINAL_STATUSES and now >= parse_time(destroy_by)
            ),
        )

"""Reading one item: show it, stream an attachment, its equivalents at partners (GSOMIA Arts. 4, 7).

The decision point is asked before anything is decrypted or verified; an item the person
may not read is answered exactly as a missing one (the journal keeps why). What is shown
was verified against its binding (:mod:`._verifying`), and every read is journalled.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from sqlalchemy.orm import Session

from accord.errors import (
    AccordError,
    IntegrityError,
    NotFound,
    TranslationRefused,
    VerificationFailed,
    Withheld,
)
from accord.items import AttachmentRef, HoldingState, Precedence
from accord.limits import MAX_NUMBER, bounded_number
from accord.markings import Issuance, derive_alternative, received_banner
from accord.node.core._context import NodeContext
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.holdings._item_types import DamagedItem, Equivalent, ItemView
from accord.node.holdings._stored import destroyed_message
from accord.node.holdings._tamper import alarm_damaged
from accord.node.holdings._units import ItemUnit
from accord.node.holdings._vault import unwrap_blob_key
from accord.node.holdings._verifying import item_key, label_fault, verified_plaintext, verified_view
from accord.node.registry._users import User
from accord.policy import Decision
from accord.store import ItemRepository, ItemRow

__all__ = ["ItemReader"]


@contextmanager
def _alarmed(ctx: NodeContext, actor: str, action: str) -> Iterator[list[DamagedItem]]:
    """A list to add the damaged items met to; each is kept as an alarm when the block ends."""
    met: list[DamagedItem] = []
    try:
        yield met
    finally:
        alarm_damaged(ctx, actor, action, met)


class ItemReader(ItemUnit):
    """Shows one item, or one of its attachments, to a person the decision point lets read it."""

    def show(self, item_id: str, *, actor: str) -> ItemView:
        """An item with verified binding and decrypted content, if ``actor`` may read it.

        Raises:
            NotFound: no such item, or :class:`~accord.errors.Withheld` — the policy denies it.
            IntegrityError: the stored label, content or digests no longer match the binding.
        """
        # The alarm is raised once the read's transaction (and its refusal's entry) is over.
        with (
            _alarmed(self._ctx, actor, "item.read") as met,
            self._ctx.work(actor, "item.read", item_id=item_id) as session,
        ):
            row = ItemRepository(session).get(item_id)
            user = self._users.get_in(session, actor)
            if row is None:
                raise NotFound(f"no item {item_id!r} at this node")
            now = self._ctx.now()
            decision, view = self._opened(session, user, row, now, met)
            journal_done(
                session,
                Act(actor, now),
                "item.read",
                item_id=item_id,
                detail={"obligations": list(decision.obligations)},
            )
            return view

    def attachment(self, item_id: str, position: int, *, actor: str) -> tuple[AttachmentRef, Iterator[bytes]]:
        """An attachment's reference and a stream of its verified plaintext.

        Raises:
            NotFound: no such item or attachment, or the policy withholds the item.
            InvalidInput: ``position`` is beyond ±:data:`~accord.limits.MAX_NUMBER`.
            IntegrityError: the item's binding does not verify, or the attachment's key
                no longer unwraps.
        """
        action = "item.attachment"
        with (
            _alarmed(self._ctx, actor, action) as met,
            self._ctx.work(actor, action, item_id=item_id) as session,
        ):
            # Bounded before SQL (64-bit integers); a negative one is simply not there.
            bounded_number(position, "an attachment's position", least=-MAX_NUMBER)
            items = ItemRepository(session)
            row = items.get(item_id)
            att = items.attachment(item_id, position)
            user = self._users.get_in(session, actor)
            if row is None:
                raise NotFound(f"no attachment {position} of item {item_id!r}")
            _, view = self._opened(session, user, row, self._ctx.now(), met)
            if att is None:
                raise NotFound(f"no attachment {position} of item {item_id!r}")
            try:
                blob_key = unwrap_blob_key(item_key(self._ctx, row), att.wrapped_key, item_id, position)
            except VerificationFailed as exc:
                raise IntegrityError(
                    f"item {item_id}: the key of attachment {position} no longer unwraps (altered)"
                ) from exc
            ref = view.attachments[position]
            journal_done(
                session,
                Act(actor, self._ctx.now()),
                "item.attachment",
                item_id=item_id,
                detail={"position": position, "name": ref.name},
            )
        stream = verified_plaintext(self._ctx, att, blob_key, ref)
        return ref, self._journalled(stream, actor, item_id, position)

    def _opened(
        self, session: Session, user: User, row: ItemRow, now: datetime, met: list[DamagedItem]
    ) -> tuple[Decision, ItemView]:
        """The decision letting ``user`` read ``row``, and its verified view.

        Damage the person is not told of is added to ``met`` (what they are told of is their
        integrity error, journalled as a refusal).

        Raises:
            Withheld: the decision point denies the read (the person is told the item does not
                exist). Its label is still checked against the binding, without opening the
                content: a label altered to deny everyone must not hide the damage (Art. 11).
            NotFound: the item was destroyed (told only to those the decision lets read it).
            IntegrityError: the stored label, content or digests no longer match the binding.
        """
        try:
            decision = self._access.require_read(session, user, self._resources.resource_of(row), now)
        except Withheld:
            reason = label_fault(self._parties, session, row)
            if reason is not None:
                met.append(DamagedItem(row.id, Precedence(row.precedence), reason))
            raise
        if row.status == HoldingState.DESTROYED:
            raise NotFound(destroyed_message(row.id, None))
        return decision, verified_view(self._ctx, self._parties, session, row)

    def _journalled(
        self, stream: Iterator[bytes], actor: str, item_id: str, position: int
    ) -> Iterator[bytes]:
        # The stream fails after the read was journalled as begun: record that failure too.
        try:
            yield from stream
        except AccordError as exc:
            self._ctx.journal_refusal(
                actor, "item.attachment", exc, item_id=item_id, detail={"position": position}
            )
            raise

    def equivalents(self, view: ItemView) -> list[Equivalent]:
        """The alternative marking each partner would apply, under every agreement held here (Art. 4).

        Only items originated here are translated; a refusal (level out of scope, scheme not
        in the agreement) is reported, not raised.
        """
        own = self._ctx.config
        label = view.marking.originator
        out: list[Equivalent] = []
        for agreement in self._agreements.all():
            if label.policy != own.scheme or own.party not in agreement.party_codes:
                continue
            for party in agreement.parties:
                if party.code == own.party:
                    continue
                try:
                    level = agreement.translate(label, party.scheme)
                except TranslationRefused as exc:
                    out.append(Equivalent(agreement.id, party.code, None, None, str(exc)))
                    continue
                alternative = derive_alternative(
                    label,
                    level,
                    provided_by=own.party,
                    issued=Issuance(party.code, self._ctx.now(), agreement.id),
                )
                marking = view.marking.with_alternative(alternative)
                out.append(
                    Equivalent(
                        agreement.id, party.code, level.native, received_banner(marking, party.scheme), None
                    )
                )
        return out

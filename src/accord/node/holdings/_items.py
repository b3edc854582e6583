"""Items at a node: create (validate, bind, seal at rest), list, show, verify, attachments.

Creating an item (GSOMIA Art. 2, 4; STANAG 4774/4778):

1. the label is built in this node's own scheme and validated (level, categories, and —
   when the item is made under an agreement — level in the agreement's scope, releasable
   parties in the agreement, topics in its topic scope);
2. the content (kind, title, body, typed fields, purpose) is sealed under a fresh item key
   that the node's data key wraps; each attachment is streamed through the STREAM AEAD
   under its own key (wrapped by the item key) into the blob store, so memory stays
   bounded whatever the size;
3. the binding signs the canonical label with the SHA-384 digests of content and
   attachments, with both signature schemes;
4. item, attachments and journal entry are written in one transaction.

Reading verifies the binding again: an altered label, content or digest is an
:class:`~accord.errors.IntegrityError`, journalled.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import mimetypes
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

from sqlalchemy import and_, func, or_, select, tuple_
from sqlalchemy.orm import Session, object_session

from accord.canonical import canonical_json
from accord.crypto import (
    Binding,
    Sha384Stream,
    bind,
    new_data_key,
    verify_binding,
)
from accord.errors import (
    AccordError,
    IntegrityError,
    InvalidInput,
    ItemError,
    NotFound,
    PolicyDenied,
    TranslationRefused,
    VerificationFailed,
)
from accord.exchange import ConsentToken, DowngradeNotice
from accord.items import AttachmentRef, ItemContent, Precedence, binding_statement
from accord.markings import (
    NEED_TO_KNOW,
    ORIGINATOR_CONTROL,
    RELEASABLE_TO,
    Category,
    CategoryType,
    ConfidentialityLabel,
    Marking,
    banner,
    derive_alternative,
    received_banner,
)
from accord.node.core._context import NodeContext
from accord.node.holdings._access import AccessService, Decided, consent_terms, journal_detail, require_scope
from accord.node.holdings._vault import (
    decrypt_blob,
    encrypt_blob,
    open_content,
    seal_content,
    unwrap_blob_key,
    unwrap_item_key,
    wrap_blob_key,
    wrap_item_key,
)
from accord.node.registry._agreements import AgreementService
from accord.node.registry._parties import PartyService
from accord.node.registry._users import User, UserService
from accord.policy import Action, ConsentTerms, Resource, may_mark
from accord.store import (
    AttachmentRow,
    ConsentRow,
    ItemNoticeRow,
    ItemRow,
    access_keys,
    append_event,
    format_stamp,
    remember_access_key,
)

__all__ = ["DamagedItem", "Equivalent", "ItemListing", "ItemService", "ItemView", "LabelRequest", "Progress"]

Progress = Callable[[int], None]
_READ = 1024 * 1024
_PURPOSE_LIMITED = "PURPOSE-LIMITED"


@dataclass(frozen=True)
class LabelRequest:
    """What the originator asks for; the node makes the label from it."""

    classification: str
    releasable_to: Sequence[str] = ()
    need_to_know: Sequence[str] = ()
    originator_controls: Sequence[str] = ()
    privacy_mark: str | None = None
    review_time: datetime | None = None
    agreement: str | None = None


@dataclass(frozen=True)
class ItemView:
    """An item as shown to a person: marking, banners, verified content."""

    id: str
    precedence: Precedence
    marking: Marking
    content: ItemContent
    attachments: tuple[AttachmentRef, ...]
    originator_party: str
    originator_node: str
    created_by: str
    created_at: str  # the originator's creation time (received_at: when this node received it)
    status: str
    binding: Binding
    banners: tuple[str, ...] = field(default=())
    received_from: str | None = None
    received_at: str | None = None

    def summary(self) -> dict[str, object]:
        """The listing form (inbox, item list, user API): no body, no fields."""
        return {
            "id": self.id,
            "precedence": self.precedence.value,
            "kind": self.content.kind.value,
            "title": self.content.title,
            "banners": list(self.banners),
            "from": self.received_from,
            "received_at": self.received_at,
            "created_at": self.created_at,
        }

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view (content included)."""
        return {
            "id": self.id,
            "precedence": self.precedence.value,
            "banners": list(self.banners),
            "marking": self.marking.to_dict(),
            "content": self.content.to_dict(),
            "attachments": [a.to_dict() for a in self.attachments],
            "originator_party": self.originator_party,
            "originator_node": self.originator_node,
            "created_by": self.created_by,
            "created_at": self.created_at,
            "status": self.status,
            "binding": {"signer": self.binding.signer, "verified": True},
            "received_from": self.received_from,
            "received_at": self.received_at,
        }


@dataclass(frozen=True)
class Equivalent:
    """The marking an item would carry at a partner under one agreement (Art. 4)."""

    agreement_id: str
    party: str
    level: str | None
    banner: str | None
    refusal: str | None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "agreement_id": self.agreement_id,
            "party": self.party,
            "level": self.level,
            "banner": self.banner,
            "refusal": self.refusal,
        }


@dataclass(frozen=True)
class DamagedItem:
    """An item whose stored record no longer verifies."""

    id: str
    precedence: Precedence
    reason: str


@dataclass(frozen=True)
class ItemListing:
    """Items that verify, and those that do not."""

    views: list[ItemView]
    damaged: list[DamagedItem]


class ItemService:
    """Items originated at or held by this node."""

    def __init__(
        self,
        ctx: NodeContext,
        parties: PartyService,
        agreements: AgreementService,
        users: UserService,
        access: AccessService,
    ) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx
        self._parties = parties
        self._agreements = agreements
        self._users = users
        self._access = access

    # --- create -------------------------------------------------------------------------

    def create(
        self,
        *,
        actor: str,
        content: ItemContent,
        label: LabelRequest,
        precedence: Precedence,
        attachments: Sequence[Path] = (),
        progress: Progress | None = None,
    ) -> ItemView:
        """Create, bind and store an item originated at this node.

        Raises:
            NotFound: the user, the agreement or an attachment file does not exist.
            PolicyDenied: the user may not create items, or holds too low a clearance.
            LabelError: the label is invalid in this node's scheme.
            TranslationRefused: the level is out of the agreement's scope.
            AgreementStateError: the agreement is not in force (draft or terminated).
            ItemError: the content or an attachment is invalid.
        """
        item_id = f"{self._ctx.config.party.lower()}-{uuid.uuid4().hex}"
        written: list[str] = []
        try:
            # 1. Check, in a short transaction: who, which label, which agreement.
            with self._ctx.db.transaction(read_only=True) as session:
                now = self._ctx.now()
                made = self._check_creation(session, actor, item_id, label, content.purpose, now)
            # 2. Seal the attachments outside any transaction (they may be gigabytes; the
            #    database must stay available to the peer API and delivery meanwhile).
            paths = [self._check_file(p) for p in attachments]
            item_key = new_data_key()
            refs: list[AttachmentRef] = []
            rows: list[AttachmentRow] = []
            for position, path in enumerate(paths):
                ref, row = self._store_attachment(item_id, position, path, item_key, progress)
                written.append(row.blob_id)
                refs.append(ref)
                rows.append(row)
            content_sha = content.sha384()
            statement = binding_statement(
                item_id=item_id,
                originator_node=self._ctx.config.node_id,
                label=made,
                content_sha384=content_sha,
                attachments=refs,
            )
            binding = bind(self._ctx.keys, self._ctx.config.node_id, statement)
            # 3. Write item, attachments and journal entry in one transaction.
            with self._ctx.db.transaction() as session:
                session.add(
                    ItemRow(
                        id=item_id,
                        kind=content.kind.value,
                        originator_party=self._ctx.config.party,
                        originator_node=self._ctx.config.node_id,
                        precedence=precedence.value,
                        marking_json=Marking(made).canonical_bytes().decode("utf-8"),
                        access_key=keep_access_key(session, Marking(made)),
                        content_sealed=seal_content(item_key, content.canonical_bytes(), item_id),
                        wrapped_key=wrap_item_key(self._ctx.data_key, item_key, item_id),
                        content_sha384=content_sha,
                        binding_json=json.dumps(binding.to_dict(), sort_keys=True),
                        created_by=actor,
                        created_at=format_stamp(now),
                        status="held",
                    )
                )
                session.flush()
                session.add_all(rows)
                append_event(
                    session,
                    at=now,
                    actor=actor,
                    action="item.create",
                    outcome="ok",
                    item_id=item_id,
                    detail={
                        "kind": content.kind.value,
                        "classification": made.classification,
                        "precedence": precedence.value,
                        "content_sha384": content_sha,
                        "attachments": len(refs),
                    },
                )
                return self._view(session, session.get_one(ItemRow, item_id))
        except BaseException as exc:
            # Any failure, Ctrl-C included, leaves no sealed blob without its item.
            for blob_id in written:
                self._ctx.blobs.delete(blob_id)
            if isinstance(exc, AccordError):
                self._ctx.journal_refusal(actor, "item.create", exc, item_id=item_id)
            raise

    def _check_creation(
        self, session: Session, actor: str, item_id: str, label: LabelRequest, purpose: str, now: datetime
    ) -> ConfidentialityLabel:
        user = self._users.get_in(session, actor)
        made = self._label(label, now)
        if self._ctx.config.scheme != made.policy:
            raise PolicyDenied("labels are made in this node's own scheme")
        # The decision point decides a creation as any other action: role, clearance for the
        # level, need-to-know of every topic, the purpose (Arts. 6, 7).
        resource = self._access.resource(
            item_id=item_id, marking=Marking(made), purpose=purpose, originator_party=self._ctx.config.party
        )
        self._access.require_new(session, user, Action.CREATE, resource, now)
        if label.agreement is not None:
            agreement = self._agreements.get_in(session, label.agreement)
            require_scope(may_mark(made, agreement, self._agreements.status_in(session, agreement.id, now)))
        return made

    def _label(self, request: LabelRequest, now: datetime) -> ConfidentialityLabel:
        party = self._ctx.config.party
        rel = sorted({p.strip().upper() for p in request.releasable_to if p.strip()} | {party})
        categories = [Category(RELEASABLE_TO, CategoryType.PERMISSIVE, tuple(rel))]
        topics = [t.strip().upper() for t in request.need_to_know if t.strip()]
        if topics:
            categories.append(Category(NEED_TO_KNOW, CategoryType.RESTRICTIVE, tuple(topics)))
        controls = [c.strip().upper() for c in request.originator_controls if c.strip()]
        if controls:
            categories.append(Category(ORIGINATOR_CONTROL, CategoryType.RESTRICTIVE, tuple(controls)))
        return ConfidentialityLabel(
            policy=self._ctx.config.scheme,
            classification=request.classification,
            originator_id=self._ctx.config.node_id,
            creation_time=now,
            categories=tuple(categories),
            privacy_mark=request.privacy_mark,
            review_time=request.review_time,
            agreement=request.agreement,
        )

    @staticmethod
    def _check_file(path: Path) -> Path:
        if not path.is_file():
            raise NotFound(f"attachment {path} does not exist or is not a file")
        return path

    def _store_attachment(
        self, item_id: str, position: int, path: Path, item_key: bytes, progress: Progress | None
    ) -> tuple[AttachmentRef, AttachmentRow]:
        blob_key = new_data_key()
        digest = Sha384Stream()
        size = 0

        def plaintext() -> Iterator[bytes]:
            nonlocal size
            # Reading errors are the input's fault, not the blob store's: raise them as
            # ItemError here, or BlobStore.put would report them as a storage failure.
            try:
                with path.open("rb") as handle:
                    while piece := handle.read(_READ):
                        digest.update(piece)
                        size += len(piece)
                        if progress is not None:
                            progress(len(piece))
                        yield piece
            except OSError as exc:
                raise ItemError(f"cannot read attachment {path}: {exc.strerror}") from exc

        blob_id, _ = self._ctx.blobs.put(encrypt_blob(blob_key, item_id, position, plaintext()))
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        ref = AttachmentRef(name=path.name, media_type=media_type, size=size, sha384=digest.hexdigest())
        row = AttachmentRow(
            item_id=item_id,
            position=position,
            name=ref.name,
            media_type=media_type,
            size=size,
            sha384=ref.sha384,
            blob_id=blob_id,
            wrapped_key=wrap_blob_key(item_key, blob_key, item_id, position),
        )
        return ref, row

    # --- read ---------------------------------------------------------------------------

    def show(self, item_id: str, *, actor: str) -> ItemView:
        """An item with verified binding and decrypted content, if ``actor`` may read it.

        The decision point is asked before anything is decrypted or verified. An item the
        person may not read is answered exactly as a missing one (the journal keeps why).

        Raises:
            NotFound: no such item, or :class:`~accord.errors.Withheld` — the policy denies it.
            IntegrityError: the stored label, content or digests no longer match the binding.
        """
        with self._ctx.work(actor, "item.read", item_id=item_id) as session:
            row = session.get(ItemRow, item_id)
            user = self._users.get_in(session, actor)
            if row is None:
                raise NotFound(f"no item {item_id!r} at this node")
            now = self._ctx.now()
            decision = self._access.require_read(session, user, self.resource_of(row), now)
            if row.status == "destroyed":  # told only to those the decision lets read it
                raise NotFound(destroyed_message(row.id, None))
            view = self._view(session, row)
            append_event(
                session,
                at=now,
                actor=actor,
                action="item.read",
                outcome="ok",
                item_id=item_id,
                detail={"obligations": list(decision.obligations)},
            )
            return view

    def resource_of(self, row: ItemRow) -> Resource:
        """The decision point's view of a stored item, read from its columns.

        Only an item marked PURPOSE-LIMITED has its content opened (for the purpose of
        provision, Art. 6); nothing is verified here — the binding is checked when the item
        is shown, after the decision.

        Raises:
            IntegrityError: the stored marking or sealed content cannot be read.
        """
        session = object_session(row)
        consented = self._consented(session, row.id) if session is not None else {}
        return self._resource(row.id, None, row.originator_party, lambda: row, consented)

    def _consented(self, session: Session, item_id: str | None = None) -> dict[str, tuple[ConsentTerms, ...]]:
        """Items held here with the originator's consent to this node's party, not revoked (Art. 6).

        Each with the terms of its consents (verified when the item arrived with them), whose
        conditions bind the holding here.
        """
        query = select(ConsentRow.item_id, ConsentRow.token_json).where(
            ConsentRow.direction == "held",
            ConsentRow.status == "approved",
            ConsentRow.third_party == self._ctx.config.party,
        )
        if item_id is not None:
            query = query.where(ConsentRow.item_id == item_id)
        out: dict[str, tuple[ConsentTerms, ...]] = {}
        for held, token_json in session.execute(query.order_by(ConsentRow.requested_at)):
            if token_json is None:
                continue
            try:
                terms = consent_terms(ConsentToken.parse(token_json))
            except InvalidInput as exc:
                raise IntegrityError(f"item {held}: the stored consent no longer parses") from exc
            out[held] = (*out.get(held, ()), terms)
        return out

    def _resource(
        self,
        item_id: str,
        shape: tuple[Marking, bool] | None,
        originator_party: str,
        load: Callable[[], ItemRow],
        consented: dict[str, tuple[ConsentTerms, ...]],
    ) -> Resource:
        """The decision point's view: from the stored access shape when given, else the full marking."""
        try:
            if shape is not None:
                marking, limited = shape
            else:
                marking = Marking.from_dict(json.loads(load().marking_json))
                labels = (marking.originator, *marking.alternatives)
                limited = any(_PURPOSE_LIMITED in label.originator_controls for label in labels)
            purpose = ""
            if limited and (row := load()).status != "destroyed":
                content = open_content(self._item_key(row), row.content_sealed, row.id)
                purpose = ItemContent.from_dict(json.loads(content)).purpose
        except (AccordError, ValueError) as exc:
            raise IntegrityError(
                f"item {item_id}: the binding no longer verifies — its stored marking or content was altered"
            ) from exc
        return self._access.resource(
            item_id=item_id,
            marking=marking,
            purpose=purpose,
            originator_party=originator_party,
            consents=consented.get(item_id, ()),
        )

    def _reads_stored(self, session: Session, user: User, row: ItemRow, now: datetime) -> bool:
        """Whether the decision point lets ``user`` read ``row`` by its full stored marking."""
        try:
            resource = self.resource_of(row)
        except IntegrityError:
            return False
        return self._access.permits_read(session, user, resource, now)

    def _resources(self, session: Session, heads: Sequence[Any]) -> tuple[list[Resource], list[DamagedItem]]:
        """Resources for rows given as (id, access_key, originator_party, precedence), and the damaged."""
        consented = self._consented(session)
        shapes = access_views(session, {h.access_key for h in heads if h.access_key is not None})
        resources: list[Resource] = []
        damaged: list[DamagedItem] = []
        for head in heads:
            try:
                # A missing or altered access key falls back to the full stored marking: the
                # decision must not depend on the shortcut being intact.
                shape = shapes.get(head.access_key) if head.access_key is not None else None
                load = partial(session.get_one, ItemRow, head.id)
                resources.append(self._resource(head.id, shape, head.originator_party, load, consented))
            except IntegrityError as exc:
                damaged.append(DamagedItem(head.id, Precedence(head.precedence), str(exc)))
        return resources, damaged

    def equivalents(self, view: ItemView) -> list[Equivalent]:
        """The alternative marking each partner would apply, under every agreement held here.

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
                    creation_time=self._ctx.now(),
                    originator_id=party.code,
                    agreement=agreement.id,
                )
                marking = view.marking.with_alternative(alternative)
                out.append(
                    Equivalent(
                        agreement.id, party.code, level.native, received_banner(marking, party.scheme), None
                    )
                )
        return out

    def listing(
        self, *, actor: str | None = None, received_only: bool = False, limit: int | None = None
    ) -> ItemListing:
        """Items ``actor`` may read, FLASH first then newest first, each binding verified.

        The decision point filters on the stored columns first; only the items it permits
        are opened and verified, so a person never learns that a withheld item exists (nor
        that it is damaged) and a large register costs one pass over its markings. The
        decisions are journalled as one event (batched).

        ``actor=None`` is the node's own view (the operator holding its keys, tests and
        benchmarks): every item, no decision. No CLI command or API route calls it so.

        An item that fails its integrity check does not hide the others: it is listed
        under ``damaged`` with the reason, and the failure is journalled.

        Raises:
            NotFound: no such user.
            InvalidInput: ``limit`` is not positive.
        """
        if limit is not None and limit < 1:
            raise InvalidInput("a listing's limit must be at least 1")
        views: list[ItemView] = []
        damaged: list[DamagedItem] = []
        withheld: list[Decided] = []
        now = self._ctx.now()
        with self._ctx.db.transaction(read_only=True) as session:
            # Destroyed items stay in the holdings register (accord holdings), not in listings.
            scope = [ItemRow.status != "destroyed"]
            if received_only:
                scope.append(ItemRow.received_from.is_not(None))
            shapes_withheld: list[dict[str, object]] = []
            if actor is None:
                ids = self._page(session, scope, limit)
            else:
                user = self._users.get_in(session, actor)
                ids, withheld, shapes_withheld, damaged = self._readable_page(
                    session, user, scope, limit, now
                )
            # Damage among the items decided one by one is journalled, never shown: an item
            # whose marking cannot be read cannot be decided for this person.
            unseen = damaged
            damaged = []
            for item_id in ids:
                row = session.get_one(ItemRow, item_id)
                try:
                    views.append(self._view(session, row))
                except IntegrityError as exc:
                    bad = DamagedItem(row.id, Precedence(row.precedence), str(exc))
                    # Reported only to someone the full stored marking lets read the item (a
                    # tampered shortcut must not reveal it to anyone else).
                    if actor is None or self._reads_stored(session, user, row, now):
                        damaged.append(bad)
                    else:
                        unseen.append(bad)
        who = actor or "system"
        action = "item.inbox" if received_only else "item.list"
        for bad in (*damaged, *unseen):
            self._ctx.journal_refusal(who, action, IntegrityError(bad.reason), item_id=bad.id)
        if actor is not None:
            with self._ctx.db.transaction() as session:
                append_event(
                    session,
                    at=now,
                    actor=actor,
                    action=action,
                    outcome="ok",
                    detail=journal_detail([v.id for v in views], withheld, shapes_withheld),
                )
        return ItemListing(views, damaged)

    def _readable_page(
        self, session: Session, user: User, scope: list[Any], limit: int | None, now: datetime
    ) -> tuple[list[str], list[Decided], list[dict[str, object]], list[DamagedItem]]:
        """The ids ``user`` may read in ``scope``, most urgent and newest first, up to ``limit``.

        Decided once per stored marking shape and originating party (SQL groups the rows),
        then the page is one indexed query. Items that need their own decision — without an
        access key, with a PURPOSE-LIMITED or unreadable shape, held with a consent — are
        decided one by one. Returns the page, the decisions that withheld items (each item
        named), the withheld shapes (each with its decision and item count, for the
        journal) and the damaged among the items decided one by one.
        """
        consented = self._consented(session)
        shapes_withheld: list[dict[str, object]] = []
        groups = [
            (str(digest), str(party))
            for digest, party in session.execute(
                select(ItemRow.access_key, ItemRow.originator_party)
                .where(*scope, ItemRow.access_key.is_not(None))
                .group_by(ItemRow.access_key, ItemRow.originator_party)
            )
        ]
        shapes = access_views(session, {digest for digest, _ in groups})
        pairs: dict[str, tuple[str, str]] = {}
        resources: list[Resource] = []
        single_shapes: set[str] = set()
        for digest, party in groups:
            shape = shapes.get(digest)
            if shape is None or shape[1]:
                single_shapes.add(digest)
                continue
            name = f"{digest}/{party}"  # a group stands for every item of this shape and party
            pairs[name] = (digest, party)
            resources.append(
                self._access.resource(item_id=name, marking=shape[0], purpose="", originator_party=party)
            )
        allowed, refused = self._access.readable(session, user, resources, now)
        allowed_pairs = [pairs[r.item_id] for r in allowed]
        # The items decided one by one.
        single = select(ItemRow.id, ItemRow.access_key, ItemRow.originator_party, ItemRow.precedence).where(
            *scope,
            or_(
                ItemRow.access_key.is_(None),
                ItemRow.access_key.in_(single_shapes),
                ItemRow.id.in_(consented),
            ),
        )
        own_resources, damaged = self._resources(session, session.execute(single).all())
        own_allowed, withheld = self._access.readable(session, user, own_resources, now)
        readable = or_(
            and_(
                tuple_(ItemRow.access_key, ItemRow.originator_party).in_(allowed_pairs),
                ItemRow.id.not_in(consented),
            ),
            ItemRow.id.in_([r.item_id for r in own_allowed]),
        )
        ids = self._page(session, [*scope, readable], limit)
        # The journal names each withheld shape once, with its decision and how many items
        # it withheld (one decision was made for all of them); one-by-one decisions by id.
        for group in refused:
            digest, party = pairs[group.item_id]
            count = session.scalar(
                select(func.count()).where(
                    *scope,
                    ItemRow.access_key == digest,
                    ItemRow.originator_party == party,
                    ItemRow.id.not_in(consented),
                )
            )
            shapes_withheld.append(
                {"shape": digest, "party": party, "rules": list(group.decision.rule_ids), "items": count}
            )
        return ids, withheld, shapes_withheld, damaged

    @staticmethod
    def _page(session: Session, conditions: list[Any], limit: int | None) -> list[str]:
        """Ids meeting ``conditions``: FLASH first, then newest first, up to ``limit``.

        One query per precedence, most urgent first, each in the order of the listing index.
        """
        ids: list[str] = []
        for precedence in sorted(Precedence, key=lambda p: -p.rank):
            left = None if limit is None else limit - len(ids)
            if left == 0:
                break
            query = (
                select(ItemRow.id)
                .where(ItemRow.precedence == precedence.value, *conditions)
                .order_by(ItemRow.created_at.desc(), ItemRow.id.desc())
                .limit(left)
            )
            ids.extend(session.scalars(query))
        return ids

    def readable_ids(self, actor: str, item_ids: Sequence[str]) -> set[str]:
        """Which of ``item_ids`` ``actor`` may read (for views that show item metadata).

        The decisions are journalled as one event, as for a listing. Ids of items not held
        here are simply not in the answer.

        Raises:
            NotFound: no such user.
        """
        wanted = set(item_ids)
        now = self._ctx.now()
        with self._ctx.db.transaction(read_only=True) as session:
            user = self._users.get_in(session, actor)
            query = select(ItemRow.id, ItemRow.access_key, ItemRow.originator_party, ItemRow.precedence)
            resources, _ = self._resources(
                session, session.execute(query.where(ItemRow.id.in_(wanted))).all()
            )
            permitted, withheld = self._access.readable(session, user, resources, now)
        shown = {r.item_id for r in permitted}
        if wanted:
            with self._ctx.db.transaction() as session:
                append_event(
                    session,
                    at=now,
                    actor=actor,
                    action="item.access",
                    outcome="ok",
                    detail=journal_detail(sorted(shown), withheld),
                )
        return shown

    def inbox(self, *, actor: str | None = None, limit: int | None = None) -> ItemListing:
        """Items received from partners that ``actor`` may read (see :meth:`listing`)."""
        return self.listing(actor=actor, received_only=True, limit=limit)

    def all(self) -> list[ItemView]:
        """Every item (the node's own view), FLASH first then newest first, each binding verified.

        Raises:
            IntegrityError: an item no longer verifies (see :meth:`listing` to list the rest).
        """
        listing = self.listing()
        if listing.damaged:
            first = listing.damaged[0]
            raise IntegrityError(
                f"{len(listing.damaged)} item(s) failed integrity checks, e.g. {first.reason}"
            )
        return listing.views

    def attachment(self, item_id: str, position: int, *, actor: str) -> tuple[AttachmentRef, Iterator[bytes]]:
        """An attachment's reference and a stream of its verified plaintext.

        The stream raises :class:`~accord.errors.IntegrityError` if the stored blob was
        altered, truncated or swapped, or if the plaintext no longer has the bound digest.

        Raises:
            NotFound: no such item or attachment.
            NotFound: also when the policy withholds the item (:class:`~accord.errors.Withheld`).
            IntegrityError: the item's binding does not verify, or the attachment's key
                no longer unwraps.
        """
        with self._ctx.work(actor, "item.attachment", item_id=item_id) as session:
            row = session.get(ItemRow, item_id)
            att = session.get(AttachmentRow, (item_id, position))
            user = self._users.get_in(session, actor)
            if row is None:
                raise NotFound(f"no attachment {position} of item {item_id!r}")
            self._access.require_read(session, user, self.resource_of(row), self._ctx.now())
            if row.status == "destroyed":
                raise NotFound(destroyed_message(row.id, None))
            if att is None:
                raise NotFound(f"no attachment {position} of item {item_id!r}")
            view = self._view(session, row)
            item_key = self._item_key(row)
            try:
                blob_key = unwrap_blob_key(item_key, att.wrapped_key, item_id, position)
            except VerificationFailed as exc:
                raise IntegrityError(
                    f"item {item_id}: the key of attachment {position} no longer unwraps (altered)"
                ) from exc
            ref = view.attachments[position]
            append_event(
                session,
                at=self._ctx.now(),
                actor=actor,
                action="item.attachment",
                outcome="ok",
                item_id=item_id,
                detail={"position": position, "name": ref.name},
            )
        stream = self._plaintext(att.blob_id, blob_key, item_id, position, ref)
        return ref, self._journalled(stream, actor, item_id, position)

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

    def _plaintext(
        self, blob_id: str, blob_key: bytes, item_id: str, position: int, ref: AttachmentRef
    ) -> Iterator[bytes]:
        digest = Sha384Stream()
        size = 0
        try:
            for piece in decrypt_blob(blob_key, item_id, position, self._ctx.blobs.read(blob_id)):
                digest.update(piece)
                size += len(piece)
                yield piece
        except VerificationFailed as exc:
            raise IntegrityError(f"attachment {ref.name} was altered at rest: {exc}") from exc
        if size != ref.size or digest.hexdigest() != ref.sha384:
            raise IntegrityError(f"attachment {ref.name} no longer has its bound digest")

    def view_in(self, session: Session, row: ItemRow) -> ItemView:
        """The verified view of a stored item, inside the caller's transaction (no policy check).

        Raises:
            IntegrityError: the stored record no longer matches its binding.
        """
        return self._view(session, row)

    def item_key(self, row: ItemRow) -> bytes:
        """The item's data key, unwrapped with the node's data key.

        Raises:
            IntegrityError: the wrapped key was altered or destroyed.
        """
        return self._item_key(row)

    def _item_key(self, row: ItemRow) -> bytes:
        try:
            return unwrap_item_key(self._ctx.data_key, row.wrapped_key, row.id)
        except VerificationFailed as exc:
            raise IntegrityError(f"item {row.id}: its key no longer unwraps (altered or destroyed)") from exc

    def _view(self, session: Session, row: ItemRow) -> ItemView:
        try:
            marking = Marking.from_dict(json.loads(row.marking_json))
            if row.access_key is not None and row.access_key != access_digest(marking):
                raise VerificationFailed("the stored access key disagrees with the marking")
            binding = Binding.from_dict(json.loads(row.binding_json))
            content = ItemContent.from_dict(
                json.loads(open_content(self._item_key(row), row.content_sealed, row.id))
            )
            if row.content_sha384 != content.sha384():
                raise VerificationFailed("the stored content digest does not match the content")
            att_rows = session.scalars(
                select(AttachmentRow).where(AttachmentRow.item_id == row.id).order_by(AttachmentRow.position)
            ).all()
            refs = tuple(AttachmentRef(a.name, a.media_type, a.size, a.sha384) for a in att_rows)
            # The binding covers the label as created; the originator's signed notices lead
            # from the stored (current) label back to it.
            notices = verified_notices(session, self._parties, row)
            statement = binding_statement(
                item_id=row.id,
                originator_node=row.originator_node,
                label=original_label(marking.originator, notices),
                content_sha384=content.sha384(),
                attachments=refs,
            )
            signer_party, keys = self._parties.signer(session, binding.signer)
            if binding.signer != row.originator_node:
                raise VerificationFailed("binding signed by a node other than the originator")
            # Columns kept beside the binding for queries must agree with what is bound.
            if signer_party != row.originator_party or content.kind.value != row.kind:
                raise VerificationFailed("stored originator or kind disagrees with the bound record")
            verify_binding(binding, keys, statement)
        except (AccordError, ValueError) as exc:
            if isinstance(exc, NotFound):
                raise
            raise IntegrityError(
                f"item {row.id}: the binding no longer verifies — label, content or attachments were altered"
            ) from exc
        own = self._ctx.config.scheme
        # A received item shows our marking first and the originator's own beneath it:
        # the originator's label is never overwritten (Art. 4).
        banners = (
            (received_banner(marking, own), banner(marking.originator))
            if marking.originator.policy != own
            else (banner(marking.originator),)
        )
        if row.status == "declassified":
            banners = (f"DECLASSIFIED by {row.originator_party} (originator's signed notice)", *banners)
        return ItemView(
            id=row.id,
            precedence=Precedence(row.precedence),
            marking=marking,
            content=content,
            attachments=refs,
            originator_party=row.originator_party,
            originator_node=row.originator_node,
            created_by=row.created_by,
            created_at=originated_at(row, marking),
            status=row.status,
            binding=binding,
            banners=banners,
            received_from=row.received_from,
            received_at=row.received_at,
        )


def stored_marking(row: ItemRow) -> Marking:
    """The marking stored with an item (its current one; see :func:`original_label`).

    Raises:
        IntegrityError: the stored marking cannot be read.
    """
    try:
        return Marking.from_dict(json.loads(row.marking_json))
    except (AccordError, ValueError) as exc:
        raise IntegrityError(f"item {row.id}: its stored marking cannot be read") from exc


def originated_at(row: ItemRow, marking: Marking) -> str:
    """When the originator created an item, as a stored time.

    An item made here was stored when it was created; a received item's row was created on
    receipt (``received_at``), so its creation time is the one in the originator's signed
    label (STANAG 4774 creation time, set when the originator created the item).
    """
    if row.received_at is None:
        return row.created_at
    return format_stamp(marking.originator.creation_time)


def verified_notices(session: Session, parties: PartyService, row: ItemRow) -> list[DowngradeNotice]:
    """The stored notices of an item, oldest first, each verified with the originator's keys.

    Raises:
        IntegrityError: a stored notice no longer verifies or is not about this item.
    """
    stored = session.scalars(
        select(ItemNoticeRow).where(ItemNoticeRow.item_id == row.id).order_by(ItemNoticeRow.issued_at)
    ).all()
    notices = []
    for notice_row in stored:
        try:
            notice = DowngradeNotice.parse(notice_row.notice_json)
            _, keys = parties.signer(session, row.originator_node)
            notice.verify(keys)
        except (InvalidInput, VerificationFailed, NotFound) as exc:
            raise IntegrityError(f"item {row.id}: a stored classification notice no longer verifies") from exc
        if notice.item_id != row.id or notice.originator_node != row.originator_node:
            raise IntegrityError(f"item {row.id}: a stored classification notice is about another item")
        notices.append(notice)
    return notices


def original_label(current: ConfidentialityLabel, notices: Sequence[DowngradeNotice]) -> ConfidentialityLabel:
    """The label as created, from the current one and the chain of notices that changed it.

    Raises:
        IntegrityError: the chain does not lead from the current label back to a label.
    """
    if not notices:
        return current
    expected = current.classification
    for notice in reversed(notices):
        if not notice.declassified and notice.new_classification != expected:
            raise IntegrityError("the classification notices do not lead to the stored label")
        expected = notice.previous_classification
    return dataclasses.replace(current, classification=expected)


FINAL_STATUSES = frozenset({"destroyed", "returned"})
"""Holding statuses nothing changes any more (a notice or revocation is recorded, not applied)."""

_ACCESS_DROPPED = ("originator_id", "creation_time", "privacy_mark", "review_time")
_ACCESS_TIME = "2000-01-01T00:00:00Z"
_ACCESS_ISSUER = "access-key"
_ACCESS_CACHE_LIMIT = 20_000
_access_views: dict[str, tuple[Marking, bool]] = {}


def access_key(marking: Marking) -> str:
    """What the decision point reads of a marking, as canonical JSON.

    Every label's scheme, classification, categories and agreement; not its creation time,
    issuer, privacy mark or review time (the policy reads none of them). Items share few
    distinct keys, so a listing decides once per key rather than once per label.
    """

    def kept(label: ConfidentialityLabel) -> dict[str, object]:
        data = label.to_dict()
        for name in _ACCESS_DROPPED:
            data.pop(name, None)
        return data

    document = {"o": kept(marking.originator), "a": [kept(alt) for alt in marking.alternatives]}
    return canonical_json(document).decode("utf-8")


def access_digest(marking: Marking) -> str:
    """The SHA-256 (hex) of :func:`access_key`: what an item row stores."""
    return hashlib.sha256(access_key(marking).encode("utf-8")).hexdigest()


def keep_access_key(session: Session, marking: Marking) -> str:
    """Store the access key of ``marking`` (once per shape) and return its digest for the item row."""
    key = access_key(marking)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    # Always written (an insert that ignores a present row): the parse cache is per process,
    # the table per database.
    remember_access_key(session, digest, key)
    return digest


def access_views(session: Session, digests: set[str]) -> dict[str, tuple[Marking, bool]]:
    """For each digest: a marking with the decision point's view (times and issuers are
    placeholders) and whether it is PURPOSE-LIMITED.

    Parsed once per distinct shape and kept (bounded): equal shapes give the same marking
    object, which the batched decision point answers by identity. A digest whose key is not
    stored, or whose key does not hash to it, is left out (the caller treats the item as
    damaged).
    """
    missing = {d for d in digests if d not in _access_views}
    for digest, key in access_keys(session, missing).items():
        if hashlib.sha256(key.encode("utf-8")).hexdigest() != digest:
            continue
        try:
            document = json.loads(key)

            def label(data: dict[str, object]) -> ConfidentialityLabel:
                return ConfidentialityLabel.from_dict(
                    {**data, "originator_id": _ACCESS_ISSUER, "creation_time": _ACCESS_TIME}
                )

            marking = Marking(label(document["o"]), tuple(label(alt) for alt in document["a"]))
        except (AccordError, ValueError, KeyError, TypeError):
            continue
        limited = any(
            _PURPOSE_LIMITED in item.originator_controls
            for item in (marking.originator, *marking.alternatives)
        )
        if len(_access_views) >= _ACCESS_CACHE_LIMIT:
            _access_views.clear()
        _access_views[digest] = (marking, limited)
    return {d: _access_views[d] for d in digests if d in _access_views}


def destroyed_message(item_id: str, at: str | None) -> str:
    """What a person is told about a destroyed item (only after the decision lets them read it)."""
    when = f" on {at}" if at else ""
    gone = "its content no longer exists; its record remains (accord holdings)"
    return f"item {item_id} was destroyed{when}: {gone}"

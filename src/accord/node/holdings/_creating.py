"""Creating an item: label, seal at rest, bind, store (GSOMIA Arts. 2, 4, 6, 7, 11; STANAG 4774/4778).

1. the label is built in this node's own scheme (:func:`make_label`) and checked: the
   decision point decides the creation (role, clearance for the level, need to know of
   every topic, purpose; Arts. 6, 7) and, when the item is made under an agreement,
   :func:`accord.policy.may_mark` its scope (Art. 4);
2. the content is sealed under a fresh item key that the node's data key wraps; each
   attachment is streamed through the STREAM AEAD under its own key (wrapped by the item
   key) into the blob store, so memory stays bounded whatever the size (Art. 11);
3. the binding signs the canonical label with the SHA-384 digests of content and
   attachments, with both signature schemes (Art. 2);
4. item, attachments and journal entry are written in one transaction; on any failure no
   sealed blob is left without its item.

:meth:`ItemCreation.create_many` does the same for an importer's batch, all written in one
transaction; an imported item's origin (:class:`ImportRef`, :mod:`._origins`) is written with
it, and an origin this node holds an item of already refuses the batch (issue 13).
"""

from __future__ import annotations

import json
import mimetypes
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy.orm import Session

from accord.crypto import Binding, Sha384Stream, bind, new_data_key
from accord.errors import AccordError, ItemError, LabelError, NotFound, PolicyDenied, StorageError
from accord.items import AttachmentRef, HoldingState, ItemContent, Precedence, binding_statement
from accord.markings import (
    NEED_TO_KNOW,
    ORIGINATOR_CONTROL,
    RELEASABLE_TO,
    Category,
    CategoryType,
    ConfidentialityLabel,
    Level,
    Marking,
    scheme,
)
from accord.node.core._context import NodeContext
from accord.node.core._home import NodeConfig
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.holdings._access import require_scope, subject_of
from accord.node.holdings._access_keys import keep_access_key
from accord.node.holdings._item_types import ImportRef, ItemView, LabelRequest, NewItem, Progress
from accord.node.holdings._origins import keep_origins, require_new_origins
from accord.node.holdings._search_index import SearchIndex
from accord.node.holdings._units import ItemUnit
from accord.node.holdings._vault import encrypt_blob, seal_content, wrap_blob_key, wrap_item_key
from accord.node.holdings._verifying import verified_view
from accord.policy import Action, decide, may_mark
from accord.store import AttachmentRow, ItemRepository, ItemRow, format_stamp

__all__ = ["ItemCreation", "make_label"]

_READ = 1024 * 1024


def make_label(config: NodeConfig, request: LabelRequest, now: datetime) -> ConfidentialityLabel:
    """The label this node makes for ``request``, in its own scheme (releasable to its own party too).

    Raises:
        LabelError: the level or a category is not valid in this node's scheme.
    """
    party = config.party
    rel = sorted({p.strip().upper() for p in request.releasable_to if p.strip()} | {party})
    categories = [Category(RELEASABLE_TO, CategoryType.PERMISSIVE, tuple(rel))]
    topics = [t.strip().upper() for t in request.need_to_know if t.strip()]
    if topics:
        categories.append(Category(NEED_TO_KNOW, CategoryType.RESTRICTIVE, tuple(topics)))
    controls = [c.strip().upper() for c in request.originator_controls if c.strip()]
    if controls:
        categories.append(Category(ORIGINATOR_CONTROL, CategoryType.RESTRICTIVE, tuple(controls)))
    return ConfidentialityLabel(
        policy=config.scheme,
        classification=request.classification,
        originator_id=config.node_id,
        creation_time=now,
        categories=tuple(categories),
        privacy_mark=request.privacy_mark,
        review_time=request.review_time,
        agreement=request.agreement,
    )


def _existing_file(path: Path) -> Path:
    if not path.is_file():
        raise NotFound(f"attachment {path} does not exist or is not a file")
    return path


@dataclass
class _Draft:
    """An item being created: checked, its attachments sealed, not yet bound nor stored."""

    item_id: str
    act: Act
    content: ItemContent
    label: ConfidentialityLabel
    precedence: Precedence
    item_key: bytes
    refs: list[AttachmentRef] = field(default_factory=list)
    rows: list[AttachmentRow] = field(default_factory=list)
    origin: ImportRef | None = None

    def seal(self, ctx: NodeContext, path: Path, progress: Progress | None) -> str:
        """Stream the file at ``path`` sealed into the blob store as the next attachment (Art. 11).

        Returns the blob's id; the attachment's reference and row are added to the draft.

        Raises:
            ItemError: the file cannot be read.
            StorageError: the blob store cannot keep it.
        """
        item_id, position = self.item_id, len(self.rows)
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

        blob_id, _ = ctx.blobs.put(encrypt_blob(blob_key, item_id, position, plaintext()))
        media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        ref = AttachmentRef(name=path.name, media_type=media_type, size=size, sha384=digest.hexdigest())
        self.refs.append(ref)
        self.rows.append(
            AttachmentRow(
                item_id=item_id,
                position=position,
                name=ref.name,
                media_type=media_type,
                size=size,
                sha384=ref.sha384,
                blob_id=blob_id,
                wrapped_key=wrap_blob_key(self.item_key, blob_key, item_id, position),
            )
        )
        return blob_id


class ItemCreation(ItemUnit):
    """Creates items originated at this node (Arts. 2, 4, 11)."""

    def create(self, new: NewItem, *, actor: str, progress: Progress | None) -> ItemView:
        """Create, bind and store an item (see :meth:`accord.node.holdings.ItemService.create`).

        Raises:
            AccordError: any refusal, journalled (the kinds are listed on ``ItemService.create``).
        """
        item_id = self._new_id()
        written: list[str] = []
        try:
            # 1. Check, in a short transaction: who, which label, which agreement.
            with self._ctx.db.transaction(read_only=True) as session:
                act = Act(actor, self._ctx.now())
                require_new_origins(session, [new.origin], 1)
                made = self._check(session, act, item_id, new.label, new.content.purpose)
            # 2. Seal the attachments outside any transaction (they may be gigabytes; the
            #    database must stay available to the peer API and delivery meanwhile).
            paths = [_existing_file(p) for p in new.attachments]
            draft = _Draft(item_id, act, new.content, made, new.precedence, new_data_key())
            draft.origin = new.origin
            for path in paths:
                written.append(draft.seal(self._ctx, path, progress))
            # 3. Bind, then write item, attachments and journal entry in one transaction.
            return self._store(draft)
        except BaseException as exc:
            # Any failure, Ctrl-C included, leaves no sealed blob without its item.
            for blob_id in written:
                self._ctx.blobs.delete(blob_id)
            if isinstance(exc, AccordError):
                self._ctx.journal_refusal(actor, "item.create", exc, item_id=item_id)
            raise

    def create_many(self, news: Sequence[NewItem], *, actor: str) -> list[ItemView]:
        """Create several items as ``actor``: each checked, sealed and bound as by :meth:`create`,
        then all stored in one transaction (one journal entry each) — all of them, or none.

        An item's origin (:attr:`NewItem.origin`) is recorded with it; an origin this node
        holds an item of already refuses the batch.

        Raises:
            Conflict: an origin was imported already (the message names its item).
            AccordError: the first refusal (see ``ItemService.create``), journalled; nothing stored.
        """
        origins = [new.origin for new in news]
        item_id: str | None = None
        written: list[str] = []
        try:
            drafts: list[_Draft] = []
            with self._ctx.db.transaction(read_only=True) as session:
                require_new_origins(session, origins, len(news))
                for new in news:
                    # An act (and a clock reading) per item, as if created one after another.
                    act, item_id = Act(actor, self._ctx.now()), self._new_id()
                    made = self._check(session, act, item_id, new.label, new.content.purpose)
                    drafts.append(_Draft(item_id, act, new.content, made, new.precedence, new_data_key()))
                    drafts[-1].origin = new.origin
            for new, draft in zip(news, drafts, strict=True):
                item_id = draft.item_id
                for path in [_existing_file(p) for p in new.attachments]:
                    written.append(draft.seal(self._ctx, path, None))
            item_id = None
            bound = [(draft, *self._bind(draft)) for draft in drafts]
            with self._ctx.db.transaction() as session:
                require_new_origins(session, origins, len(news))  # another import may have won
                return [self._write(session, *each) for each in bound]
        except BaseException as exc:
            for blob_id in written:
                self._ctx.blobs.delete(blob_id)
            if not isinstance(exc, AccordError):
                raise
            refusal = exc
            if isinstance(exc, StorageError):  # say that the whole batch is gone, not only one
                refusal = StorageError(f"none of the {len(news)} item(s) was stored: {exc}")
            detail = {"batch": len(news), "stored": 0}
            self._ctx.journal_refusal(actor, "item.create", refusal, item_id=item_id, detail=detail)
            if refusal is exc:
                raise
            raise refusal from exc

    def creatable_levels(self, actor: str) -> list[Level]:
        """The levels of this node's scheme the decision point lets ``actor`` create an item at.

        Asked as a creation with no need-to-know topic and no control: role and clearance
        decide (Art. 7). A question, not an action: nothing is journalled.

        Raises:
            NotFound: no such user.
        """
        config = self._ctx.config
        with self._ctx.db.transaction(read_only=True) as session:
            now = self._ctx.now()
            subject = subject_of(self._users.get_in(session, actor))
            allowed = []
            for level in scheme(config.scheme).levels:
                marking = Marking(make_label(config, LabelRequest(level.native), now))
                resource = self._access.resource(
                    item_id="new", marking=marking, purpose="", originator_party=config.party
                )
                context = self._access.context(session, marking, now)
                if decide(subject, Action.CREATE, resource, context).permit:
                    allowed.append(level)
            return allowed

    def check(self, *, actor: str, label: LabelRequest, purpose: str) -> None:
        """Run the creation checks of :meth:`create` without creating anything.

        Raises:
            AccordError: the refusal :meth:`create` would raise for this label and purpose.
        """
        item_id = self._new_id()
        with self._ctx.db.transaction(read_only=True) as session:
            self._check(session, Act(actor, self._ctx.now()), item_id, label, purpose)

    def _check(
        self, session: Session, act: Act, item_id: str, label: LabelRequest, purpose: str
    ) -> ConfidentialityLabel:
        user = self._users.get_in(session, act.actor)
        made = make_label(self._ctx.config, label, act.now)
        if self._ctx.config.scheme != made.policy:
            raise PolicyDenied("labels are made in this node's own scheme")
        # The decision point decides a creation as any other action: role, clearance for the
        # level, need-to-know of every topic, the purpose (Arts. 6, 7).
        resource = self._access.resource(
            item_id=item_id, marking=Marking(made), purpose=purpose, originator_party=self._ctx.config.party
        )
        self._access.require_new(session, user, Action.CREATE, resource, act.now)
        if label.agreement is not None:
            agreement = self._agreements.get_in(session, label.agreement)
            status = self._agreements.status_in(session, agreement.id, act.now)
            require_scope(may_mark(made, agreement, status))
        else:
            # Under an agreement, may_mark checks REL TO against its parties; without one, a
            # party code nobody here knows of (a typo, `XYZ`) would still print on the banner.
            unknown = sorted(made.releasable_to - self._agreements.known_parties(session))
            if unknown:
                raise LabelError(
                    f"REL TO {', '.join(unknown)}: not this node's party, a pinned partner's, a party to "
                    "an agreement imported here or one with a built-in scheme"
                )
        return made

    def _new_id(self) -> str:
        return f"{self._ctx.config.party.lower()}-{uuid.uuid4().hex}"

    def _bind(self, draft: _Draft) -> tuple[str, Binding]:
        """The content's digest and the binding of ``draft`` (both signature schemes, Art. 2)."""
        content_sha = draft.content.sha384()
        statement = binding_statement(
            item_id=draft.item_id,
            originator_node=self._ctx.config.node_id,
            label=draft.label,
            content_sha384=content_sha,
            attachments=draft.refs,
        )
        return content_sha, bind(self._ctx.keys, self._ctx.config.node_id, statement)

    def _store(self, draft: _Draft) -> ItemView:
        bound = self._bind(draft)
        with self._ctx.db.transaction() as session:
            return self._write(session, draft, *bound)

    def _write(self, session: Session, draft: _Draft, content_sha: str, binding: Binding) -> ItemView:
        """Item, attachments, search entries and journal entry of ``draft``, in ``session``."""
        content, item_id, made = draft.content, draft.item_id, draft.label
        config = self._ctx.config
        items = ItemRepository(session)
        items.add(
            ItemRow(
                id=item_id,
                kind=content.kind.value,
                originator_party=config.party,
                originator_node=config.node_id,
                precedence=draft.precedence.value,
                marking_json=Marking(made).canonical_bytes().decode("utf-8"),
                access_key=keep_access_key(session, Marking(made)),
                content_sealed=seal_content(draft.item_key, content.canonical_bytes(), item_id),
                wrapped_key=wrap_item_key(self._ctx.data_key, draft.item_key, item_id),
                content_sha384=content_sha,
                binding_json=json.dumps(binding.to_dict(), sort_keys=True),
                created_by=draft.act.actor,
                created_at=format_stamp(draft.act.now),
                status=HoldingState.HELD,
            ),
            draft.rows,
        )
        row = items.require(item_id)
        SearchIndex(self._ctx).index_item(session, row, content, [r.name for r in draft.refs])
        journal_done(
            session,
            draft.act,
            "item.create",
            item_id=item_id,
            detail={
                "kind": content.kind.value,
                "classification": made.classification,
                "precedence": draft.precedence.value,
                "content_sha384": content_sha,
                "attachments": len(draft.refs),
            },
        )
        if draft.origin is not None:  # an import's: one item per origin (the key refuses a race)
            keep_origins(session, [(item_id, draft.act)], [draft.origin])
        return verified_view(self._ctx, self._parties, session, row)

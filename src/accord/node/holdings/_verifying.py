"""A stored item read back and verified against its binding (GSOMIA Arts. 2, 4, 11).

Nothing is shown that does not verify: the item key unwraps with the node's data key
(:func:`item_key`), the content opens and has its stored digest, the originator's signed
notices lead from the current label back to the label as created, and the binding signed
by the originating node covers that label with the digests of content and attachments
(:func:`verified_view`). An attachment's plaintext is checked against its bound digest as
it streams (:func:`verified_plaintext`). Any disagreement is an
:class:`~accord.errors.IntegrityError`.

These functions decide nothing: the caller has asked the decision point first.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from accord.crypto import Binding, Sha384Stream, VerifyKeys, verify_binding
from accord.errors import AccordError, IntegrityError, NotFound, VerificationFailed
from accord.items import AttachmentRef, HoldingState, ItemContent, Precedence, binding_statement
from accord.markings import ConfidentialityLabel, Marking, banner, received_banner
from accord.node.core._context import NodeContext
from accord.node.holdings._access_keys import access_digest
from accord.node.holdings._item_types import ItemView
from accord.node.holdings._stored import original_label, originated_at, verified_notices
from accord.node.holdings._vault import decrypt_blob, open_content, unwrap_item_key
from accord.node.registry._parties import PartyService
from accord.store import AttachmentRow, ConsentRepository, ItemNoticeRow, ItemRepository, ItemRow

__all__ = ["Prefetched", "item_key", "label_fault", "verified_plaintext", "verified_view"]


_PARSED_LIMIT = 1024
"""Stored markings and bindings kept parsed (a listing page is 50 items)."""


@functools.lru_cache(maxsize=_PARSED_LIMIT)
def _marking_of(text: str) -> tuple[Marking, str]:
    """The marking stored as ``text``, and its access digest.

    A pure function of the exact text, parsed once per text (the result is immutable; a
    text that does not parse raises every time — ``lru_cache`` keeps no exceptions): the
    checks against the row's other columns and the binding still run on every read.
    """
    marking = Marking.from_dict(json.loads(text))
    return marking, access_digest(marking)


@functools.lru_cache(maxsize=_PARSED_LIMIT)
def _binding_of(text: str) -> Binding:
    """The binding stored as ``text`` (parsed only; :func:`verify_binding` checks it every time)."""
    return Binding.from_dict(json.loads(text))


@functools.lru_cache(maxsize=_PARSED_LIMIT)
def _statement(
    item_id: str,
    originator_node: str,
    label: ConfidentialityLabel,
    content_sha384: str,
    attachments: tuple[AttachmentRef, ...],
) -> bytes:
    """:func:`binding_statement` of these (immutable) values, encoded once per value.

    A pure function of its arguments (canonical JSON of the label was most of a verification
    after the decryption): the caller still compares the result with the signed statement
    and verifies the signature on every read.
    """
    return binding_statement(
        item_id=item_id,
        originator_node=originator_node,
        label=label,
        content_sha384=content_sha384,
        attachments=attachments,
    )


def item_key(ctx: NodeContext, row: ItemRow) -> bytes:
    """The item's data key, unwrapped with the node's data key (Art. 11).

    Raises:
        IntegrityError: the wrapped key was altered or destroyed.
    """
    try:
        return unwrap_item_key(ctx.data_key, row.wrapped_key, row.id)
    except VerificationFailed as exc:
        raise IntegrityError(f"item {row.id}: its key no longer unwraps (altered or destroyed)") from exc


@dataclass
class Prefetched:
    """What verifying a page of items reads besides their rows, read once for the page.

    Without it each item costs four queries of its own (row, attachments, notices, signer's
    card): most of a listing's time once the page has 50 items (``bench/console.py``).
    """

    parties: PartyService
    attachments: dict[str, list[AttachmentRow]]
    notices: dict[str, list[ItemNoticeRow]]
    signers: dict[str, tuple[str, VerifyKeys]] = field(default_factory=dict)

    @classmethod
    def read(cls, session: Session, parties: PartyService, item_ids: Collection[str]) -> Prefetched:
        """Read the attachments and notices of ``item_ids``, one query each."""
        return cls(
            parties,
            ItemRepository(session).attachments_of(item_ids),
            ConsentRepository(session).notices_of_items(item_ids),
        )

    def signer(self, session: Session, node_id: str) -> tuple[str, VerifyKeys]:
        """:meth:`PartyService.signer`, asked once per node.

        Raises:
            NotFound: the node is neither this node nor pinned.
        """
        if node_id not in self.signers:
            self.signers[node_id] = self.parties.signer(session, node_id)
        return self.signers[node_id]


@dataclass(frozen=True)
class _Verified:
    """What a stored row holds, once its binding verified."""

    marking: Marking
    binding: Binding
    content: ItemContent
    attachments: tuple[AttachmentRef, ...]


def verified_view(
    ctx: NodeContext,
    parties: PartyService,
    session: Session,
    row: ItemRow,
    prefetched: Prefetched | None = None,
) -> ItemView:
    """The view of a stored item, its binding verified (no policy check: the caller decided).

    ``prefetched``: what the caller read for a page of items including this one.

    Raises:
        IntegrityError: the stored label, content or digests no longer match the binding.
        NotFound: the originating node is not known here.
    """
    try:
        verified = _verify(ctx, parties, session, row, prefetched)
    except (AccordError, ValueError) as exc:
        if isinstance(exc, NotFound):
            raise
        raise IntegrityError(f"item {row.id}: {_BROKEN}") from exc
    return ItemView(
        id=row.id,
        precedence=Precedence(row.precedence),
        marking=verified.marking,
        content=verified.content,
        attachments=verified.attachments,
        originator_party=row.originator_party,
        originator_node=row.originator_node,
        created_by=row.created_by,
        created_at=originated_at(row, verified.marking),
        status=row.status,
        binding=verified.binding,
        banners=_banners(verified.marking, ctx.config.scheme, row.status, row.originator_party),
        received_from=row.received_from,
        received_at=row.received_at,
    )


def label_fault(parties: PartyService, session: Session, row: ItemRow) -> str | None:
    """Why the stored label of ``row`` no longer verifies against its binding, or ``None``.

    The label's half of :func:`verified_view`, without opening anything: the stored
    marking, its access key and the originator's notices against the binding signed over
    them with the *stored* digests of content and attachments (the content itself is not
    decrypted: a withheld item is checked without being read). No policy check.
    """
    try:
        binding = _binding_of(row.binding_json)
        _verify_label(parties, session, row, binding, (row.content_sha384, None))
    except NotFound:
        return None  # as verified_view: an originating node not known here is no damage
    except (AccordError, ValueError):
        return f"item {row.id}: {_BROKEN}"
    return None


_BROKEN = "the binding no longer verifies — label, content or attachments were altered"


def _verify(
    ctx: NodeContext, parties: PartyService, session: Session, row: ItemRow, prefetched: Prefetched | None
) -> _Verified:
    binding = _binding_of(row.binding_json)
    content = ItemContent.from_dict(json.loads(open_content(item_key(ctx, row), row.content_sealed, row.id)))
    digest = content.sha384()  # once: canonical JSON of the whole content
    if row.content_sha384 != digest:
        raise VerificationFailed("the stored content digest does not match the content")
    # Columns kept beside the binding for queries must agree with what is bound.
    if content.kind.value != row.kind:
        raise VerificationFailed("stored kind disagrees with the bound record")
    marking, refs = _verify_label(parties, session, row, binding, (digest, prefetched))
    return _Verified(marking, binding, content, refs)


def _verify_label(
    parties: PartyService,
    session: Session,
    row: ItemRow,
    binding: Binding,
    read: tuple[str, Prefetched | None],
) -> tuple[Marking, tuple[AttachmentRef, ...]]:
    """The stored marking and attachments of ``row``, checked against ``binding`` signed over them
    with the content digest ``read[0]`` (``read[1]``: what a page prefetched)."""
    digest, prefetched = read
    marking, digest_of_marking = _marking_of(row.marking_json)
    if row.access_key is not None and row.access_key != digest_of_marking:
        raise VerificationFailed("the stored access key disagrees with the marking")
    if prefetched is None:
        att_rows: Sequence[AttachmentRow] = ItemRepository(session).attachments(row.id)
        notices = verified_notices(session, parties, row)
    else:
        att_rows = prefetched.attachments.get(row.id, [])
        notices = verified_notices(session, parties, row, prefetched.notices.get(row.id, []))
    refs = tuple(AttachmentRef(a.name, a.media_type, a.size, a.sha384) for a in att_rows)
    # The binding covers the label as created; the originator's signed notices lead
    # from the stored (current) label back to it.
    label = original_label(marking.originator, notices)
    statement = _statement(row.id, row.originator_node, label, digest, refs)
    signer = parties.signer if prefetched is None else prefetched.signer
    signer_party, keys = signer(session, binding.signer)
    if binding.signer != row.originator_node:
        raise VerificationFailed("binding signed by a node other than the originator")
    if signer_party != row.originator_party:
        raise VerificationFailed("stored originator disagrees with the bound record")
    verify_binding(binding, keys, statement)
    return marking, refs


@functools.lru_cache(maxsize=_PARSED_LIMIT)
def _banners(marking: Marking, own_scheme: str, status: str, originator_party: str) -> tuple[str, ...]:
    # A pure function of immutable values, rendered once per value.
    # A received item shows our marking first and the originator's own beneath it:
    # the originator's label is never overwritten (Art. 4).
    banners = (
        (received_banner(marking, own_scheme), banner(marking.originator))
        if marking.originator.policy != own_scheme
        else (banner(marking.originator),)
    )
    if status == HoldingState.DECLASSIFIED:
        banners = (f"DECLASSIFIED by {originator_party} (originator's signed notice)", *banners)
    return banners


def verified_plaintext(
    ctx: NodeContext, att: AttachmentRow, blob_key: bytes, ref: AttachmentRef
) -> Iterator[bytes]:
    """The plaintext of the stored attachment ``att``, checked against its bound ``ref`` as it streams.

    ``blob_key`` is its key, unwrapped by the caller.

    Raises:
        IntegrityError: (while streaming) the blob was altered, truncated or swapped, or its
            plaintext no longer has the bound digest.
    """
    digest = Sha384Stream()
    size = 0
    try:
        for piece in decrypt_blob(blob_key, att.item_id, att.position, ctx.blobs.read(att.blob_id)):
            digest.update(piece)
            size += len(piece)
            yield piece
    except VerificationFailed as exc:
        raise IntegrityError(f"attachment {ref.name} was altered at rest: {exc}") from exc
    if size != ref.size or digest.hexdigest() != ref.sha384:
        raise IntegrityError(f"attachment {ref.name} no longer has its bound digest")

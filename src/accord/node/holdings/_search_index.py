"""Keeping the blind search index in step with the holdings (issue 12; GSOMIA Arts. 6, 11, 16).

What is indexed of an item: its title, typed fields, body and attachment names, and the
text of each translation this node made of it — as keyed tokens (:mod:`._search_text`
defines the tokens, :class:`._search_keyed.KeyedTokenizer` makes them keyed with
:func:`accord.crypto.keyed_tokens` under the search index key that :mod:`._vault` derives
from the data key). The index never holds a word: crypto-erasing an
item (Art. 16) leaves nothing readable behind, and its rows are removed in the same
transaction as the erasure.

One call at each place where an item's searchable text appears or changes, inside that
place's transaction:

* creation, receipt — :meth:`SearchIndex.index_item`;
* a translation made here — :meth:`SearchIndex.index_translation`;
* a downgrade or declassification (the level shown and filtered on) — :meth:`SearchIndex.relabel`;
* destruction, return, consent revocation (the item is no longer held for use, Arts. 6, 16)
  — :meth:`SearchIndex.forget`.

:meth:`SearchIndex.rebuild` re-indexes everything (a restored backup, a new data key);
:meth:`SearchIndex.check` compares the index with what the holdings say it should be.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from accord.crypto import keyed_digest
from accord.errors import AccordError
from accord.items import FINAL_HOLDING_STATES, HoldingState, ItemContent
from accord.markings import Marking
from accord.node.core._context import NodeContext
from accord.node.holdings._search_keyed import KeyedTokenizer
from accord.node.holdings._search_rebuild import rebuild_index
from accord.node.holdings._search_text import searchable_text
from accord.node.holdings._vault import index_key, open_content, open_translation, unwrap_translation_key
from accord.node.holdings._verifying import item_key
from accord.store import (
    CopyRepository,
    IndexedChunk,
    IndexSource,
    ItemRepository,
    ItemRow,
    SearchDoc,
    TranslationRow,
    add_search_docs,
    all_item_ids,
    forget_search_item,
    hold_for_indexing,
    index_sources,
    missing_structure,
    relabel_search_item,
    search_count_drift,
    search_digests,
    search_level,
    search_levels,
    search_time_drift,
)

__all__ = ["UNSEARCHED_STATUSES", "IndexCheck", "SearchIndex", "item_text", "own_level"]

UNSEARCHED_STATUSES = FINAL_HOLDING_STATES | {HoldingState.CONSENT_REVOKED}
"""Holdings no longer held for use: not indexed, never found."""


def item_text(content: ItemContent, attachment_names: Iterable[str]) -> str:
    """What is searched of an item: title, typed fields, body, attachment names."""
    values = [v if isinstance(v, str) else json.dumps(v, ensure_ascii=False) for v in content.fields.values()]
    return searchable_text([content.title, *values, content.body, *attachment_names])


def _translation_text(content: ItemContent) -> str:
    return item_text(content, ())


def own_level(marking: Marking, scheme: str) -> str:
    """The item's level in this node's scheme (its alternative label, if it came from a partner)."""
    for label in (marking.originator, *marking.alternatives):
        if label.policy == scheme:
            return label.classification
    return marking.originator.classification


@dataclass
class IndexCheck:
    """How the index disagrees with the holdings (empty lists: it agrees)."""

    checked: int = 0
    missing: list[str] = field(default_factory=list)
    """Items whose index rows are missing or stale (their tokens, their item's level in this
    node's scheme, or its created time)."""
    extra: list[str] = field(default_factory=list)
    """Index rows for items that should not be found (destroyed, returned, unknown)."""
    damaged: list[str] = field(default_factory=list)
    """Items whose text could not be opened to check (``accord items verify`` tells more)."""
    counts: list[str] = field(default_factory=list)
    """Per-token counts (``search_counts``) that disagree with the index rows (keyed tokens only)."""
    structure: list[str] = field(default_factory=list)
    """What the index lacks that a finished rebuild makes (PostgreSQL's text index)."""

    @property
    def agrees(self) -> bool:
        """True when nothing is missing, stale or extra, and every count is exact."""
        return not (self.missing or self.extra or self.counts or self.structure)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "checked": self.checked,
            "agrees": self.agrees,
            "missing_or_stale": self.missing,
            "extra": self.extra,
            "unreadable": self.damaged,
            "counts_off": self.counts,
            "structure": self.structure,
        }


class SearchIndex:
    """The node's blind search index: written with the holdings, rebuilt and checked on demand.

    Cheap to make (one key derivation): each place that changes the holdings makes one.
    """

    def __init__(self, ctx: NodeContext) -> None:
        """Index the holdings of the node behind ``ctx``."""
        self._ctx = ctx
        self._key = index_key(ctx.data_key)
        self._tokenizer = KeyedTokenizer(self._key)

    def key_tokens(self, tokens: Iterable[str]) -> list[str]:
        """The keyed form of plain tokens (a gap stays a gap)."""
        return self._tokenizer.key_tokens(tokens)

    def digest(self, canonical_query: str) -> str:
        """The journal's digest of a query: keyed, so a short query cannot be guessed back."""
        return keyed_digest(self._key, canonical_query)

    def _chunks(self, text: str) -> list[IndexedChunk]:
        return self._tokenizer.chunks(text)

    def level(self, row: ItemRow) -> str:
        """The item's level in this node's scheme, read from its stored marking."""
        return own_level(Marking.from_dict(json.loads(row.marking_json)), self._ctx.config.scheme)

    def index_item(self, session: Session, row: ItemRow, content: ItemContent, names: Iterable[str]) -> None:
        """Index a new holding (created here or received), in the caller's transaction."""
        level = self.level(row)
        add_search_docs(session, [SearchDoc(row.id, row.id, level, self._chunks(item_text(content, names)))])

    def item_doc(
        self, item_id: str, marking: Marking, content: ItemContent, names: Iterable[str]
    ) -> SearchDoc:
        """The index rows of a new holding, made before its write transaction.

        The same rows as :meth:`index_item` writes; :func:`~accord.store.add_search_docs`
        writes those of a whole received batch in one statement per table.
        """
        level = own_level(marking, self._ctx.config.scheme)
        return SearchDoc(item_id, item_id, level, self._chunks(item_text(content, names)))

    def index_translation(self, session: Session, made: TranslationRow, content: ItemContent) -> None:
        """Index a translation this node made, under its source item."""
        hold_for_indexing(session, made.source_id)  # after a rebuild's batch holding it (PostgreSQL)
        level = search_level(session, made.source_id)
        if level is None:
            level = self.level(ItemRepository(session).require(made.source_id))
        chunked = self._chunks(_translation_text(content))
        add_search_docs(session, [SearchDoc(made.source_id, made.id, level, chunked)])

    def relabel(self, session: Session, row: ItemRow, counted_as: tuple[str, str]) -> None:
        """Record the item's new level after a downgrade or declassification notice.

        ``counted_as``: the item's (access key or ``''``, party) before the notice changed its
        marking; its search counts move with a changed access key.
        """
        relabel_search_item(session, row.id, self.level(row), counted_as)

    def forget(self, session: Session, item_id: str) -> None:
        """Remove every index row of the item (destroyed, returned, consent revoked)."""
        forget_search_item(session, item_id)

    def expected(self, source: IndexSource) -> list[tuple[str, list[IndexedChunk]]]:
        """(source id, chunks) the index should hold for an item: itself, then its translations.

        Raises:
            IntegrityError: the item's key no longer unwraps.
            VerificationFailed: its sealed text no longer opens.
        """
        return self._expected(source.row, source.names, source.translations)

    def translation_texts(self, session: Session, item_id: str) -> list[str]:
        """The searched text of each live translation made here of ``item_id`` (a snippet's source
        when the match is in one of them), decrypted; oldest id first, as indexed.

        Raises:
            IntegrityError: a translation's key no longer unwraps.
            VerificationFailed: its sealed text no longer opens.
        """
        made = CopyRepository(session).translations_by_id(item_id)
        return [
            _translation_text(self._open_translation(t)) for t in made if t.status != HoldingState.DESTROYED
        ]

    def _open_translation(self, made: TranslationRow) -> ItemContent:
        key = unwrap_translation_key(self._ctx.data_key, made.wrapped_key, made.id)
        return ItemContent.from_dict(json.loads(open_translation(key, made.content_sealed, made.id)))

    def _expected(
        self, row: ItemRow, names: list[str], made_here: list[TranslationRow]
    ) -> list[tuple[str, list[IndexedChunk]]]:
        if row.status in UNSEARCHED_STATUSES:
            return []
        content = ItemContent.from_dict(
            json.loads(open_content(item_key(self._ctx, row), row.content_sealed, row.id))
        )
        out = [(row.id, self._chunks(item_text(content, names)))]
        for made in made_here:
            out.append((made.id, self._chunks(_translation_text(self._open_translation(made)))))
        return out

    def rebuild(self, progress: Callable[[int, int], None] | None = None, batch: int = 2000) -> int:
        """Re-index every item, in batches of one transaction each; returns how many were indexed.

        ``progress`` is told (done, total) after each batch. An item whose text no longer
        opens is left out (and reported by :meth:`check`). A batch is prepared while the one
        before it is written (:mod:`._search_rebuild`).
        """
        return rebuild_index(self._ctx, self, progress, batch)

    def check(self) -> IndexCheck:
        """Compare the index with the holdings: missing, stale and extra rows."""
        result = IndexCheck()
        with self._ctx.db.transaction(read_only=True) as session:
            stored = search_digests(session)
            levels = search_levels(session)
            ids = all_item_ids(session)
            for start in range(0, len(ids), 500):
                for source in index_sources(session, ids[start : start + 500]):
                    item_id = source.row.id
                    result.checked += 1
                    try:
                        parts = self.expected(source)
                        # A row at another level would be found (or missed) by --classification.
                        level = {self.level(source.row)} if parts else set()
                    except AccordError:
                        result.damaged.append(item_id)
                        stored.pop(item_id, None)
                        continue
                    want = _digests(parts)
                    have = sorted(stored.pop(item_id, []))
                    if want != have or (want and levels.get(item_id, set()) != level):
                        (result.missing if want else result.extra).append(item_id)
            result.counts = search_count_drift(session)
            result.structure = missing_structure(session)
            # Rows that do not hold their item's created time would be left out of a page's window.
            result.missing += [i for i in search_time_drift(session) if i not in result.missing]
        result.extra.extend(sorted(k or "(text index rows without a chunk row)" for k in stored))
        return result


def _digests(parts: list[tuple[str, list[IndexedChunk]]]) -> list[tuple[str, int, str]]:
    rows = [(source, number, c.digest()) for source, made in parts for number, c in enumerate(made)]
    return sorted(rows)

"""Search across the holdings a person may read (issue 12; GSOMIA Art. 7).

A query is parsed and tokenized (:mod:`._search_text`), its tokens keyed
(:class:`~._search_index.SearchIndex`), and matched in the database's text index, one
subquery per term. The decision point's condition (:meth:`ItemListings.readable`, the one
the listings use) is part of the same query *before* its limit and its count, so the total
never counts an item the person may not read. Only the rows shown are opened: each is
verified against its binding and its snippet is cut from the decrypted text. One journal
event per search names who searched, the query's keyed digest (not its words), how many
items were shown and the decisions that withheld items.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy.orm import Session

from accord.errors import AccordError, IntegrityError, InvalidInput
from accord.items import ItemKind, Precedence
from accord.markings import scheme
from accord.node.core._principal import Act
from accord.node.holdings._access import journal_detail
from accord.node.holdings._item_types import DamagedItem, ItemView
from accord.node.holdings._listing import ItemListings, Readable
from accord.node.holdings._search_index import UNSEARCHED_STATUSES, IndexCheck, SearchIndex, item_text
from accord.node.holdings._search_text import Query, normalise, parse_query
from accord.node.holdings._tamper import alarm_damaged
from accord.node.holdings._units import ItemFooting, ItemUnit
from accord.node.holdings._verifying import Prefetched, verified_view
from accord.node.registry._users import User
from accord.store import (
    ItemRepository,
    ItemRow,
    PartyRow,
    classified_items,
    format_stamp,
    matching_items,
    search_ids,
    search_page,
    token_counts,
)

__all__ = ["MAX_SEARCH_LIMIT", "NodeSearch", "SearchFilters", "SearchHit", "SearchPage", "search_day"]

MAX_SEARCH_LIMIT = 200
"""Most results one page may show (each is decrypted and verified)."""
_SNIPPET = 160


def search_day(text: str, option: str, *, days_after: int = 0) -> datetime:
    """The time ``text`` names: the start (UTC) of a day (``2026-11-25``), or of a day after it;
    or a full RFC 3339 time (``2026-11-25T09:30:00+09:00``; without a zone, UTC), exactly.

    The CLI, the console and the user API read ``since``/``until`` with it (``until`` names
    the last day included: ``days_after=1``, which a full time ignores), so all three read a
    bare date as the same day and refuse a bad one in the same words.

    Raises:
        InvalidInput: not a date such as 2026-11-25 nor a time (``option`` names the field).
    """
    text = text.strip()
    bad = InvalidInput(f"{option} wants a date such as 2026-11-25, not {text[:40]!r}")
    # Only the documented forms: Python also reads 2026-W48-3 and 20261125.
    if not _DAY.match(text) or (len(text) > 10 and text[10] not in "Tt "):
        raise bad
    try:
        if len(text) == 10:
            day = date.fromisoformat(text)
            moment = datetime.combine(day + timedelta(days=days_after), datetime.min.time(), UTC)
        else:
            moment = datetime.fromisoformat(text)
            moment = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except ValueError:
        raise bad from None
    except OverflowError:  # 9999-12-31 and its next day, 0001-01-01T00:00+01:00 in UTC
        raise InvalidInput(f"{option} {text[:40]!r} is outside the years a search can name") from None
    # Stored times are compared as text: four-digit years only.
    if not 1000 <= moment.year <= 9999:
        raise InvalidInput(f"{option} {text[:40]!r} is outside the years a search can name")
    return moment


_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
"""How ``since`` and ``until`` begin: a date such as 2026-11-25 (then, maybe, a time)."""


@dataclass(frozen=True)
class SearchFilters:
    """Filters on the stored columns, applied with the match and the decision point."""

    kind: ItemKind | None = None
    precedence: Precedence | None = None
    from_party: str | None = None
    """The originating party (``JPN``, ``KOR``), or a node id of this node or a pinned partner
    (``jpn-mod``, as a result's ``from`` shows it): the items that node originated."""
    from_node: str | None = None
    """The originating node, once :meth:`NodeSearch.filter_refusals` has read a node id in ``from``."""
    since: datetime | None = None
    """Held at or after (inclusive)."""
    until: datetime | None = None
    """Held before (exclusive)."""
    classification: str | None = None
    """The level in this node's own scheme, as its banner shows it."""

    def conditions(self) -> list[Any]:
        """SQL conditions on ``items``."""
        out: list[Any] = []
        if self.kind is not None:
            out.append(ItemRow.kind == self.kind.value)
        if self.precedence is not None:
            out.append(ItemRow.precedence == self.precedence.value)
        if self.from_node:
            out.append(ItemRow.originator_node == self.from_node)
        elif self.from_party:
            out.append(ItemRow.originator_party == self.from_party.strip().upper())
        if self.since is not None:
            out.append(ItemRow.created_at >= format_stamp(self.since))
        if self.until is not None:
            out.append(ItemRow.created_at < format_stamp(self.until))
        if self.classification:
            out.append(classified_items(self.classification.strip()))
        return out


@dataclass(frozen=True)
class SearchHit:
    """One result: the verified item and a snippet of its text around the first match."""

    view: ItemView
    snippet: str
    highlights: tuple[tuple[int, int], ...]
    """(start, end) of each match inside ``snippet``."""

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view: the listing summary, banners first, and the snippet."""
        return {
            **self.view.summary(),
            "snippet": self.snippet,
            "highlights": [list(h) for h in self.highlights],
        }


@dataclass(frozen=True)
class SearchPage:
    """The results shown, newest first, and how many readable items match in all."""

    total: int
    hits: list[SearchHit]
    damaged: list[DamagedItem] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        """JSON-ready view."""
        return {
            "total": self.total,
            "shown": len(self.hits),
            "results": [h.to_dict() for h in self.hits],
            "damaged": [{"id": d.id, "reason": d.reason} for d in self.damaged],
        }


class NodeSearch(ItemUnit):
    """Search the holdings of one node for one person at a time."""

    def __init__(self, footing: ItemFooting, listings: ItemListings) -> None:
        """Search the node behind ``footing.ctx``; enforcement is the listings' (the decision point's)."""
        super().__init__(footing)
        self._listings = listings

    def index(self) -> SearchIndex:
        """The node's search index (for rebuilding and checking)."""
        return SearchIndex(self._ctx)

    def filter_refusals(self, filters: SearchFilters) -> dict[str, str]:
        """Why the node cannot read a filter, by its name (``classification``, ``from``); empty if it can.

        A level must be one of this node's scheme (the index holds every item's level in it);
        a party one this node knows of. A filter matching nothing by a typo would answer "no
        results" for what was never searched (docs/console.md).
        """
        with self._ctx.db.transaction(read_only=True) as session:
            return {name: str(exc) for name, exc in self._read_filters(session, filters)[1].items()}

    def _read_filters(
        self, session: Session, filters: SearchFilters
    ) -> tuple[SearchFilters, dict[str, InvalidInput]]:
        """``filters`` with the level in its native spelling, the party in capitals (or the node
        id ``from`` names), and the refusals of the ones the node cannot read."""
        refusals: dict[str, InvalidInput] = {}
        level, party, node = filters.classification, filters.from_party, filters.from_node
        if level is not None and level.strip():
            try:
                level = scheme(self._ctx.config.scheme).level(level.strip()).native
            except InvalidInput as exc:
                refusals["classification"] = exc
        if party is not None and party.strip() and node is None:
            # A party code first; else the id of this node or of a pinned partner (a result's `from`).
            typed, party = party.strip(), party.strip().upper()
            known = party in self._agreements.known_parties(session)
            if not known:
                node = typed.lower()
                if node != self._ctx.config.node_id and session.get(PartyRow, node) is None:
                    node = None
            if node is None and not known:
                refusals["from"] = InvalidInput(
                    f"unknown party {party[:16]!r}: not this node's party, a pinned partner's, a party to "
                    "an agreement imported here or one with a built-in scheme, nor the id of this node "
                    "or of a pinned partner"
                )
        return replace(filters, classification=level, from_party=party, from_node=node), refusals

    def _readable(self, session: Session, filters: SearchFilters) -> SearchFilters:
        read, refusals = self._read_filters(session, filters)
        for refusal in refusals.values():
            raise refusal
        return read

    def search(self, query: str, *, actor: str, filters: SearchFilters, limit: int = 20) -> SearchPage:
        """The newest ``limit`` items ``actor`` may read that match ``query``, with the total.

        Raises:
            InvalidInput: the query cannot be searched (empty, only punctuation, too long, not
                valid text), ``limit`` is out of range, or a filter cannot be read
                (:meth:`filter_refusals`).
            NotFound: no such user.
        """
        if not 1 <= limit <= MAX_SEARCH_LIMIT:
            raise InvalidInput(f"a search shows 1 to {MAX_SEARCH_LIMIT} results")
        parsed = parse_query(query)
        index = SearchIndex(self._ctx)
        now = self._ctx.now()
        with self._ctx.db.transaction(read_only=True) as session:
            user = self._users.get_in(session, actor)
            filters = self._readable(session, filters)
            ids, total, readable = self._matching(session, user, parsed, filters, limit)
            hits, damaged, unseen = self._shown(session, user, ids, parsed, now)
        if not _counted_by_class(parsed, filters):
            # Counted with the page, through the rows' stored shapes: a damaged item the person
            # may not read came in through an altered shape, and is no more counted than shown.
            # (Totals by class are counted from the shapes the items were indexed under.)
            total -= len(unseen)
        page = SearchPage(total, hits, damaged)
        for bad in (*damaged, *unseen):
            self._ctx.journal_refusal(actor, "item.search", IntegrityError(bad.reason), item_id=bad.id)
        alarm_damaged(self._ctx, actor, "item.search", [*unseen, *readable.unseen])  # told to nobody
        self._journal(Act(actor, now), index.digest(parsed.canonical()), page, readable)
        return page

    def matching_ids(
        self, query: str, *, actor: str, filters: SearchFilters, limit: int
    ) -> tuple[list[str], int]:
        """Ids (newest first, up to ``limit``) and total of what ``actor`` may read that matches.

        The first half of :meth:`search` without opening any item and without journalling
        (for benchmarks and the console's counts; a person's search goes through :meth:`search`).

        Raises:
            InvalidInput: the query cannot be searched, or a filter cannot be read.
            NotFound: no such user.
        """
        parsed = parse_query(query)
        with self._ctx.db.transaction(read_only=True) as session:
            user = self._users.get_in(session, actor)
            filters = self._readable(session, filters)
            ids, total, _ = self._matching(session, user, parsed, filters, limit)
            return ids, total

    def _matching(
        self, session: Session, user: User, parsed: Query, filters: SearchFilters, limit: int
    ) -> tuple[list[str], int, Readable]:
        """Ids (newest first, up to ``limit``) and total of what ``user`` may read that matches.

        A query of one token without filters (a one- or two-character CJK term, one word) is
        counted from ``search_counts`` per read-condition class: the total is the sum over the
        classes the decision point allows (plus the items it allowed one by one), whatever the
        number of matches, and only the page's ids are looked up. Any other query counts its
        readable matches with the page (:func:`~accord.store.search_page`).
        """
        index = SearchIndex(self._ctx)
        now = self._ctx.now()
        base = [ItemRow.status.not_in(UNSEARCHED_STATUSES), *filters.conditions()]
        terms = [index.key_tokens(t.tokens) for t in parsed.terms]
        scope = [*base, *matching_items(session, terms)]
        if not _counted_by_class(parsed, filters):
            readable = self._listings.readable(session, user, scope, now)
            ids, total = search_page(session, [*scope, readable.condition], limit)
            return ids, total, readable
        token = terms[0][0]
        readable = self._listings.readable(session, user, scope, now, token_counts(session, token))
        ids = search_ids(session, token, [*base, readable.condition], limit, readable.shown)
        return ids, readable.shown, readable

    def reindex(self, progress: Callable[[int, int], None] | None = None) -> int:
        """Rebuild the whole index (a restored backup, a new data key); returns items indexed."""
        return SearchIndex(self._ctx).rebuild(progress)

    def check(self) -> IndexCheck:
        """How the index disagrees with the holdings."""
        return SearchIndex(self._ctx).check()

    def _shown(
        self, session: Session, user: User, ids: list[str], parsed: Query, now: datetime
    ) -> tuple[list[SearchHit], list[DamagedItem], list[DamagedItem]]:
        """The page's hits, the damaged items ``user`` may be told of, and those it may not.

        A damaged item is reported only to someone its full stored marking lets read it: an
        altered stored shape must not reveal an item to anyone else.
        """
        hits: list[SearchHit] = []
        damaged: list[DamagedItem] = []
        unseen: list[DamagedItem] = []
        items = ItemRepository(session)
        # One statement loads the page's rows, one its attachments and one its notices (as a
        # listing's page): verified one by one, each item cost two more queries of its own —
        # 40 of a page's 52 statements, a round trip each on PostgreSQL (measured).
        rows = {row.id: row for row in items.among(ids)}
        prefetched = Prefetched.read(session, self._parties, ids)
        for item_id in ids:
            row = rows.get(item_id) or items.require(item_id)
            try:
                view = verified_view(self._ctx, self._parties, session, row, prefetched)
            except IntegrityError as exc:
                bad = DamagedItem(row.id, Precedence(row.precedence), str(exc))
                (damaged if self._resources.reads_stored(session, user, row, now) else unseen).append(bad)
                continue
            hits.append(self._hit(session, view, [t.text for t in parsed.terms]))
        return hits, damaged, unseen

    def _hit(self, session: Session, view: ItemView, terms: list[str]) -> SearchHit:
        """``view`` with the snippet of the text that matched: the item's own, or else the first
        translation made here (decrypted now; its words are in no index) that holds a term."""
        snippet, spans = snippet_of(item_text(view.content, [a.name for a in view.attachments]), terms)
        if not spans:
            try:
                translations = SearchIndex(self._ctx).translation_texts(session, view.id)
            except AccordError:  # a damaged translation: `accord search check` names it
                translations = []
            for text in translations:
                cut, marked = snippet_of(text, terms)
                if marked:
                    return SearchHit(view, cut, marked)
        return SearchHit(view, snippet, spans)

    def _journal(self, act: Act, digest: str, page: SearchPage, readable: Readable) -> None:
        detail = journal_detail([h.view.id for h in page.hits], readable.withheld, readable.shapes_withheld)
        detail.update({"query_digest": digest, "shown": len(page.hits), "total": page.total})
        self._access.journal_decisions(act, "item.search", detail)


def _counted_by_class(parsed: Query, filters: SearchFilters) -> bool:
    """Whether the query's total is counted from ``search_counts`` (one token, no filters)."""
    return filters == SearchFilters() and len(parsed.terms) == 1 and len(parsed.terms[0].tokens) == 1


_FOLDED: dict[str, tuple[str, bool]] = {}
"""Each character's normal form and whether it composes with the one before (:func:`_fold`),
once computed (at most one entry per Unicode character)."""


def _fold(char: str) -> tuple[str, bool]:
    """``char`` normalised, and whether it may compose with the character before it.

    A combining mark (``e`` + U+0301 is ``é``; half-width ``ﾞ`` is U+3099, so ``ﾀﾞ`` is ``ダ``)
    or a Hangul vowel or final jamo (``ᄒ`` + ``ᅡ`` + ``ᆫ`` is ``한``): NFKC composes them, so
    they are normalised with what precedes them, not on their own.
    """
    piece = normalise(char)
    code = ord(char)
    composes = (bool(piece) and unicodedata.combining(piece[0]) != 0) or 0x1160 <= code <= 0x11FF
    _FOLDED[char] = found = (piece, composes or 0xD7B0 <= code <= 0xD7FF)
    return found


def _folded(text: str) -> tuple[str, Sequence[int], Sequence[int]]:
    """``text`` normalised, and where each of its characters came from: (start, end) in ``text``.

    Normalised a cluster at a time (a character and those that compose with it), so the
    offsets map back to the text as written.
    """
    folds = [_FOLDED.get(char) or _fold(char) for char in text]
    flat = "".join(piece for piece, _ in folds)
    if not any(composes or len(piece) != 1 for piece, composes in folds):
        return flat, range(len(text)), range(1, len(text) + 1)  # the common case: one to one
    pieces: list[str] = []
    clusters: list[tuple[int, int]] = []
    for index, (piece, composes) in enumerate(folds):
        if clusters and composes:
            begin = clusters[-1][0]
            clusters[-1] = (begin, index + 1)
            pieces[-1] = normalise(text[begin : index + 1])
        else:
            clusters.append((index, index + 1))
            pieces.append(piece)
    starts = [begin for (begin, _), piece in zip(clusters, pieces, strict=True) for _ in piece]
    ends = [end for (_, end), piece in zip(clusters, pieces, strict=True) for _ in piece]
    return "".join(pieces), starts, ends


def snippet_of(text: str, terms: list[str]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About :data:`_SNIPPET` characters of ``text`` around the first match, and the matches in it.

    Matching is on the normalised text, a cluster of characters at a time (:func:`_folded`),
    so offsets map back to the text as written.
    """
    flat, starts, ends = _folded(text)
    found: list[tuple[int, int]] = []
    for term in terms:
        needle = term.strip('"').strip()
        at = flat.find(needle) if needle else -1
        if at >= 0:
            found.append((starts[at], ends[at + len(needle) - 1]))
    first = min((s for s, _ in found), default=0)
    start = max(0, first - _SNIPPET // 4)
    end = min(len(text), start + _SNIPPET)
    window = text[start:end].replace("\n", " ")
    spans = tuple(sorted((s - start, min(e, end) - start) for s, e in found if start <= s < end))
    prefix = "…" if start > 0 else ""
    suffix = "…" if end < len(text) else ""
    shift = len(prefix)
    return prefix + window + suffix, tuple((s + shift, e + shift) for s, e in spans)

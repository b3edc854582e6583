"""The search page: the header's search box and ``GET /search`` (issues 11 and 12).

The page calls ``node.items.search.search(…, actor=…)``, the service of ``accord search`` and
``GET /api/v1/search``: the decision point filters *before* the limit and the count, so a
person never sees, nor counts, an item they may not read; each search is one journal event.
The filters are read here field by field with the CLI's parsers (``ItemKind.parse``,
``Precedence.parse``, :func:`accord.node.search_day`), so a bad value is refused in the CLI's
words, beside its field; a query the node cannot search (empty, only punctuation, a lone
``"``, too long) is refused in the node's words beside the query.

A snippet is shown as the node cut it; its highlights become ``<mark>`` around text that the
template escapes like every other item text (:func:`marked_parts`): an item's words never
become markup.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field, field_validator

from accord.errors import AccordError
from accord.items import ItemKind, Precedence
from accord.markings import scheme
from accord.node import MAX_SEARCH_LIMIT, ItemView, SearchFilters, SearchPage, search_day
from accord.web._console import Con, Console, Me, Screen

__all__ = ["SearchQuery", "SearchRow", "marked_parts", "router"]

router = APIRouter()
"""The search page."""

PAGE = 20
"""Results on the first page, and how many more each "more" link asks for."""
_MAX_QUERY_CHARS = 4000
"""A longer query string is a malformed request; up to it, the node's own limit (and words) apply."""


class SearchQuery(BaseModel):
    """The search form (a GET form: searching changes nothing but the journal)."""

    q: str = Field("", max_length=_MAX_QUERY_CHARS)
    kind: str = Field("", max_length=64)
    precedence: str = Field("", max_length=64)
    party: str = Field("", alias="from", max_length=64)
    since: str = Field("", max_length=64)
    until: str = Field("", max_length=64)
    classification: str = Field("", max_length=64)
    limit: int = PAGE

    @field_validator("limit", mode="before")
    @classmethod
    def _default_limit(cls, value: object) -> object:
        # A browser sends an emptied (or unreadable) number field as "": the default page.
        return PAGE if value == "" else value

    def link(self, limit: int) -> str:
        """The query string of this search with ``limit`` results (the "more" link)."""
        fields = {
            "q": self.q,
            "kind": self.kind,
            "precedence": self.precedence,
            "from": self.party,
            "since": self.since,
            "until": self.until,
            "classification": self.classification,
        }
        return "?" + urlencode({**{k: v for k, v in fields.items() if v}, "limit": limit})


@dataclass(frozen=True)
class SearchRow:
    """One result: the verified item and its snippet as (text, matched) parts."""

    view: ItemView
    parts: list[tuple[str, bool]]


def marked_parts(snippet: str, highlights: tuple[tuple[int, int], ...]) -> list[tuple[str, bool]]:
    """``snippet`` cut at the node's highlights: (text, matched) in order, overlaps merged.

    The template wraps a matched part in ``<mark>`` and escapes every part: the snippet is item
    text and is never trusted as markup.
    """
    parts: list[tuple[str, bool]] = []
    at = 0
    for low, high in sorted(highlights):
        start, end = max(low, at, 0), min(high, len(snippet))
        if end <= start:
            continue
        if start > at:
            parts.append((snippet[at:start], False))
        parts.append((snippet[start:end], True))
        at = end
    if at < len(snippet):
        parts.append((snippet[at:], False))
    return parts


def _filters(query: SearchQuery, errors: dict[str, str]) -> SearchFilters:
    """The node's filters; each value it cannot read is put in ``errors`` under its field."""

    def day(name: str, text: str, days_after: int) -> datetime | None:
        if not text.strip():
            return None
        try:
            return search_day(text, name, days_after=days_after)
        except AccordError as exc:
            errors[name] = str(exc)
            return None

    kind = precedence = None
    try:
        kind = ItemKind.parse(query.kind) if query.kind.strip() else None
    except AccordError as exc:
        errors["kind"] = str(exc)
    try:
        precedence = Precedence.parse(query.precedence) if query.precedence.strip() else None
    except AccordError as exc:
        errors["precedence"] = str(exc)
    return SearchFilters(
        kind=kind,
        precedence=precedence,
        from_party=query.party.strip() or None,
        since=day("since", query.since, 0),
        until=day("until", query.until, 1),  # as the CLI: the last day included
        classification=query.classification.strip() or None,
    )


def _choices(console: Console) -> dict[str, object]:
    """What the filters offer: kinds, precedences, parties, this node's levels."""
    node = console.node
    parties = sorted({node.config.party, *(card.party for card in node.parties.all())})
    return {
        "kinds": [k.value for k in ItemKind],
        "precedences": [p.value for p in Precedence],
        "parties": parties,
        "levels": scheme(node.config.scheme).levels,
        "max_limit": MAX_SEARCH_LIMIT,
    }


@router.get("/search", response_class=HTMLResponse)
def search(request: Request, console: Con, who: Me, query: Annotated[SearchQuery, Query()]) -> HTMLResponse:
    """Items the person may read that match the query, newest first, each with its snippet."""
    context: dict[str, object] = {
        **_choices(console),
        "query": query,
        "errors": {},
        "rows": [],
        "searched": False,
    }
    if not query.q.strip():
        return console.page(request, who, Screen("search.html", context))  # the form only
    errors: dict[str, str] = {}
    filters = _filters(query, errors)
    # A level or party the node cannot read is refused beside its field, in the CLI's words.
    errors.update(console.node.items.search.filter_refusals(filters))
    page = None
    if not errors:
        try:
            page = console.node.items.search.search(
                query.q, actor=who.name, filters=filters, limit=query.limit
            )
        except AccordError as exc:
            # The node's words, as `accord search` prints them, beside the field they are about.
            errors["q" if 1 <= query.limit <= MAX_SEARCH_LIMIT else "limit"] = str(exc)
    if page is None:
        context["errors"] = errors
        return console.page(request, who, Screen("search.html", context), status_code=400)
    context.update(_results(query, page))
    return console.page(request, who, Screen("search.html", context, [h.view.marking for h in page.hits]))


def _results(query: SearchQuery, page: SearchPage) -> dict[str, object]:
    more = None
    if page.total > query.limit and query.limit < MAX_SEARCH_LIMIT:
        more = query.link(min(query.limit + PAGE, MAX_SEARCH_LIMIT))
    return {
        "searched": True,
        "rows": [SearchRow(h.view, marked_parts(h.snippet, h.highlights)) for h in page.hits],
        "total": page.total,
        "more": more,
        "capped": page.total > query.limit >= MAX_SEARCH_LIMIT,
        "damaged": page.damaged,
    }

"""Holdings: the classified items this node holds and who may see them.

* :class:`ItemService` — create (bound, sealed at rest), show, list, inbox (Arts. 2, 4); its
  units are listed in :mod:`._items` (creating, verifying, reading, listing, access keys);
* :class:`AccessService` — the one enforcement point: every read, release, copy, … asks the
  policy decision point and journals the decision (Art. 7);
* :mod:`._consent_book` — the consents held for items passed on (Art. 6);
* :class:`NodeSearch` — search in Korean, Japanese and English over a blind index, enforced
  before counting (issue 12).

Imports :mod:`accord.node.registry` and :mod:`accord.node.core`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accord.lazy import exports_from

if TYPE_CHECKING:
    from accord.node.holdings._access import AccessService
    from accord.node.holdings._items import (
        DamagedItem,
        ImportRef,
        ItemListing,
        ItemService,
        ItemView,
        LabelRequest,
        NewItem,
    )
    from accord.node.holdings._page_reading import PageReading
    from accord.node.holdings._search import (
        MAX_SEARCH_LIMIT,
        NodeSearch,
        SearchFilters,
        SearchHit,
        SearchPage,
        search_day,
    )
    from accord.node.holdings._search_index import IndexCheck

__all__ = [
    "MAX_SEARCH_LIMIT",
    "AccessService",
    "DamagedItem",
    "ImportRef",
    "IndexCheck",
    "ItemListing",
    "ItemService",
    "ItemView",
    "LabelRequest",
    "NewItem",
    "NodeSearch",
    "PageReading",
    "SearchFilters",
    "SearchHit",
    "SearchPage",
    "search_day",
]

# Exported on first use (PEP 562): a listing needs the items, not the search's text analysis
# and index (accord.lazy).
_EXPORTS = {
    "AccessService": "accord.node.holdings._access",
    "DamagedItem": "accord.node.holdings._items",
    "ImportRef": "accord.node.holdings._items",
    "ItemListing": "accord.node.holdings._items",
    "ItemService": "accord.node.holdings._items",
    "ItemView": "accord.node.holdings._items",
    "LabelRequest": "accord.node.holdings._items",
    "NewItem": "accord.node.holdings._items",
    "PageReading": "accord.node.holdings._page_reading",
    "MAX_SEARCH_LIMIT": "accord.node.holdings._search",
    "NodeSearch": "accord.node.holdings._search",
    "SearchFilters": "accord.node.holdings._search",
    "SearchHit": "accord.node.holdings._search",
    "SearchPage": "accord.node.holdings._search",
    "search_day": "accord.node.holdings._search",
    "IndexCheck": "accord.node.holdings._search_index",
}
__getattr__ = exports_from(__name__, _EXPORTS)

"""The STIX objects of verified items, kept per process so a page does not render them again (issue 13).

:func:`~accord.interop._stix_codec.item_objects` is a pure function of an
:class:`~accord.node.ItemView`; rendering an item (canonical JSON for its deterministic ids,
banners, timestamps) was a third of a TAXII page's CPU. :class:`RenderedItems` remembers the
objects of the items rendered lately, keyed by everything the rendering reads:

* the item id, its originating node and party, its creation time and precedence;
* its current marking (the originator's label as it stands after the originator's signed
  notices, and every alternative, Art. 4) — the marking object itself, compared in full;
* its binding's statement, which holds the SHA-384 of the whole content: a view reaches
  this cache only after :func:`~accord.node.holdings._verifying.verified_view` checked that
  the decrypted content has that digest and that the signed statement covers it.

It is consulted only with a view the caller has just opened as the reader, after the
decision point permitted it — it never decides, and an item it holds is not served unless
the page opened (decided, decrypted and verified) it again. An item that changed (a new
label, precedence or content) has another key, so a stale rendering is never served; a
destroyed item is never opened, so never looked up. The cache holds decrypted content in
the serving process's memory, as the page being served does; it is bounded
(:data:`MAX_RENDERED` items, least recently used dropped first), and what it holds of an
item that changed state (destroyed, downgraded, declassified, to be returned, consent
revoked, compromised) is dropped by :meth:`RenderedItems.forget`:

* at once when the change was made by this process — one of its users' acts, or a partner's
  message it received: the TAXII views subscribe ``forget`` to
  :meth:`~accord.node.Node.on_item_state_changes`, which calls it after the act's commit;
* at the next TAXII request when another process made it: before every request the TAXII
  views ask the node whether any stored item changed state since the last one, in any process
  (:meth:`~accord.node.ItemService.counts`). Until then it stays in memory, never served.

A page whose snapshot predates the change does not put it back (:meth:`RenderedItems.epoch`).
"""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from collections.abc import Collection, Hashable, Mapping, Sequence

from accord.interop._stix_codec import item_objects
from accord.node import ItemView

__all__ = ["MAX_RENDERED", "Rendered", "RenderedItems", "encoded"]

MAX_RENDERED = 10_000
"""Items whose STIX objects are kept (each a few KiB: tens of MiB at most)."""


def _key(view: ItemView) -> tuple[Hashable, ...]:
    """Everything :func:`item_objects` reads from ``view``; the content through its verified digest."""
    return (
        view.id,
        view.originator_node,
        view.originator_party,
        view.created_at,
        view.precedence,
        view.marking,
        view.binding.signer,
        view.binding.statement,
    )


def _item_of(key: tuple[Hashable, ...]) -> str:
    return str(key[0])  # the item id first


Rendered = tuple[Mapping[str, object], str]
"""A STIX object and its JSON text (as a TAXII response carries it)."""


def encoded(obj: Mapping[str, object]) -> str:
    """The JSON text of a STIX object in a TAXII response (UTF-8 kept, not escaped)."""
    return json.dumps(obj, ensure_ascii=False)


class RenderedItems:
    """A bounded, thread-safe memo of :func:`item_objects` for verified views, with each object's JSON."""

    def __init__(self, limit: int = MAX_RENDERED) -> None:
        """Keep the objects of at most ``limit`` items."""
        self._limit = limit
        self._kept: OrderedDict[tuple[Hashable, ...], Sequence[Rendered]] = OrderedDict()
        self._lock = threading.Lock()
        self._epoch = 0
        self._forgotten: dict[str, int] = {}
        """Item id -> the epoch it was last forgotten at (see :meth:`epoch`)."""

    def epoch(self) -> int:
        """How many times items were forgotten so far: a page reads it before its snapshot.

        A page that opened an item in a snapshot older than the item's destruction must not
        put it back after another request forgot it; :meth:`objects` given the page's epoch
        renders such an item without keeping it.
        """
        with self._lock:
            return self._epoch

    def objects(self, view: ItemView, since: int | None = None) -> Sequence[Rendered]:
        """The STIX objects of ``view`` with their JSON (rendered once per key; never to be changed).

        ``since``: the :meth:`epoch` read before the caller's snapshot began; an item forgotten
        after it is rendered for the caller but not kept (its view may predate the change).
        """
        key = _key(view)
        with self._lock:
            found = self._kept.get(key)
            if found is not None:
                self._kept.move_to_end(key)
                return found
        rendered = tuple((obj, encoded(obj)) for obj in item_objects(view))
        with self._lock:
            if since is not None and self._forgotten.get(view.id, 0) > since:
                return rendered
            self._kept[key] = rendered
            self._kept.move_to_end(key)
            while len(self._kept) > self._limit:
                self._kept.popitem(last=False)
        return rendered

    def forget(self, item_ids: Collection[str]) -> None:
        """Drop everything kept of ``item_ids`` (an item destroyed, re-marked or otherwise changed)."""
        with self._lock:
            self._epoch += 1
            for item_id in item_ids:
                self._forgotten[item_id] = self._epoch
            for key in [k for k in self._kept if _item_of(k) in item_ids]:
                del self._kept[key]

    def item_ids(self) -> set[str]:
        """The ids of the items kept."""
        with self._lock:
            return {_item_of(k) for k in self._kept}

    def __len__(self) -> int:
        """How many items are kept."""
        return len(self._kept)

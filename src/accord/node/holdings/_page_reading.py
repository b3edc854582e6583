"""One person reading one page built from several decisions: one snapshot, one journal event.

An interface that pages through its own index of the items (the TAXII collections, issue
13) decides candidates a batch at a time until its page is full, then opens the page's
items. Done as separate calls, that is a transaction and a journal event per batch and
another for the opening. A :class:`PageReading` does it in one read-only snapshot and
records one ``item.list`` event when it closes, naming the items opened and every decision
that withheld one (Art. 7), as a listing's event does.

Invariants:

* Only items this reading's :meth:`PageReading.decide` permitted can be opened; the
  decisions and the opening see the same snapshot, so nothing withdrawn in between is
  shown.
* Destroyed items are never candidates (they stay in the holdings register only).
* The event is written when the reading closes, also after an error, if anything was
  decided.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime

from sqlalchemy.orm import Session

from accord.node.holdings._access import AccessService, Decided
from accord.node.holdings._item_types import DamagedItem, ItemView
from accord.node.holdings._resources import ItemResources
from accord.node.registry._users import User
from accord.store import ItemRepository

__all__ = ["PageReading"]


class PageReading:
    """The decisions and openings of one page as one person, in one snapshot."""

    def __init__(
        self,
        session: Session,
        user: User,
        now: datetime,
        footing: tuple[AccessService, ItemResources],
        opener: Callable[[PageReading, list[str]], list[ItemView]],
    ) -> None:
        """Decide as ``user`` at ``now`` in ``session`` (read-only); ``opener`` opens and verifies."""
        self._session = session
        self.user = user
        self.now = now
        self._access, self._resources = footing
        self._opener = opener
        self._permitted: set[str] = set()
        self._decided: set[str] = set()
        self.withheld: list[Decided] = []
        """Every decision that withheld an item (for the journal)."""
        self.opened: list[ItemView] = []
        self.damaged: list[DamagedItem] = []
        self.unseen: list[DamagedItem] = []

    @property
    def decided_any(self) -> bool:
        """Whether any decision was made (then the reading is journalled)."""
        return bool(self._decided)

    def decide(self, item_ids: Iterable[str]) -> set[str]:
        """Which of ``item_ids`` (held, not destroyed) the person may read; decided once each."""
        wanted = set(item_ids)
        items = ItemRepository(self._session)
        # The heads of the listed (not destroyed) items not decided yet, in one query.
        heads = items.listed_heads_of(wanted - self._decided)
        if heads:
            self._decided |= {str(head.id) for head in heads}
            resources, _ = self._resources.of_heads(self._session, heads)
            permitted, withheld = self._access.readable(self._session, self.user, resources, self.now)
            self._permitted |= {r.item_id for r in permitted}
            self.withheld.extend(withheld)
        return self._permitted & wanted

    def open(self, item_ids: Iterable[str]) -> list[ItemView]:
        """The verified views of those of ``item_ids`` that :meth:`decide` permitted, in order.

        A damaged item is left out (and recorded: told to the person only if the full stored
        marking lets them read it, as in a listing).
        """
        return self._opener(self, self.permitted(item_ids))

    def permitted(self, item_ids: Iterable[str]) -> list[str]:
        """``item_ids`` that :meth:`decide` permitted, in order, once each."""
        return [i for i in dict.fromkeys(item_ids) if i in self._permitted]

    @property
    def session(self) -> Session:
        """The reading's snapshot."""
        return self._session

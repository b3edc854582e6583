"""Acts journalled in this process, told to those who watch for them once their transaction committed.

A part of the process that keeps something derived from the items (the TAXII views keep the
STIX objects they rendered of verified items, issue 13) must drop it when an item changes
state. It learns of changes made by *other* processes by counting journal events before its
next request; those made by *this* process it can learn at once: :meth:`JournalWatchers.add`
registers a listener for some journal actions, and after a write transaction of this process
that appended events of those actions commits, the listener is called with the ids of the
items they name. Nothing is told of a transaction rolled back.

Only :func:`~accord.store.append_event` and :func:`~accord.store.append_events` note what
they append (a dictionary lookup when nobody watches the action), and only within
:meth:`~accord.store.Database.transaction`, the one way a node writes.

Listeners are held weakly when they are bound methods (the object that subscribed owns its
subscription; one dropped is forgotten) and are called in the committing thread, after the
commit: one that raises does not undo or fail the work that committed, and the others are
still called (the failure is logged). Events appended in a savepoint that was rolled back are
still told: a listener drops what it keeps of an item, so telling too much costs only work.
"""

from __future__ import annotations

import logging
import threading
import weakref
from collections.abc import Callable, Collection
from types import MethodType

from sqlalchemy.orm import Session

__all__ = ["JournalWatchers", "Noted", "note_journalled"]

_NOTED = "accord.journal.watched"
_log = logging.getLogger("accord.store")

Listener = Callable[[frozenset[str]], None]
Noted = list[tuple[str, str]]
"""(action, item id) of the watched events a transaction appended."""


def note_journalled(session: Session, action: str, item_id: str | None, outcome: str) -> None:
    """Remember, for the watchers, that ``session``'s transaction journalled ``action`` about ``item_id``.

    A refusal (an act journalled with the outcome ``refused``) changed nothing and is not noted.
    """
    watched = session.info.get(_NOTED)
    if watched is not None and item_id is not None and outcome != "refused" and action in watched[0]:
        watched[1].append((action, item_id))


class JournalWatchers:
    """The listeners of one database, and the actions they watch."""

    def __init__(self) -> None:
        """No listener yet."""
        self._lock = threading.Lock()
        self._listeners: tuple[tuple[frozenset[str], Callable[[], Listener | None]], ...] = ()
        self._actions: frozenset[str] = frozenset()

    def add(self, actions: Collection[str], listener: Listener) -> None:
        """Call ``listener`` with the item ids of ``actions`` each time a transaction of this
        process that journalled any of them has committed (held weakly if a bound method)."""
        held: Callable[[], Listener | None] = (
            weakref.WeakMethod(listener) if isinstance(listener, MethodType) else lambda: listener
        )
        with self._lock:
            live = tuple(entry for entry in self._listeners if entry[1]() is not None)
            self._listeners = (*live, (frozenset(actions), held))
            self._actions = frozenset().union(*(entry[0] for entry in self._listeners))

    def begin(self, session: Session) -> Noted | None:
        """Start noting in ``session`` (a write transaction): the list it fills, or None if nobody watches."""
        if not self._actions:
            return None
        noted: Noted = []
        session.info[_NOTED] = (self._actions, noted)
        return noted

    def committed(self, noted: Noted) -> None:
        """Tell each listener the items of its actions in ``noted`` (the transaction committed)."""
        for actions, held in self._listeners:
            listener = held()
            items = frozenset(item for action, item in noted if action in actions)
            if listener is None or not items:
                continue
            try:
                listener(items)
            except Exception:  # noqa: BLE001 - what committed stands (see the module's docstring)
                _log.exception("a listener of committed journal actions failed")

"""What one person sees of a node as TAXII 2.1 collections: filtered first, then paged (issue 13).

A collection holds the STIX objects of the items whose labels name its agreement (or that
this node originated), and a person sees the part the decision point lets them read. The
node keeps, per collection, an index of (``date_added``, item id, STIX id, type, version),
built on first use from the node's own view and extended with what arrived since
(:meth:`accord.node.ItemService.arrivals`) before a request — when the count of stored
item rows (:meth:`~accord.node.ItemService.counts`, which only grows) changed since
the last refresh. A page is then a walk of the index from ``added_after``/``next``, with
``match[…]`` on the index's columns and the person's decision asked for the walked items a
batch at a time — filtered before ``limit``, so a short page means the end, and counts and
manifests never reveal a withheld object — and only the page's items are opened, in the
same snapshot, the whole page one journal event (:meth:`~accord.node.ItemService.reading`).

Before a request, the same snapshot's count of the changes of stored items' states (only
growing, made in any process: destroyed, downgraded, declassified, returned, consent revoked,
compromised) tells whether any item changed since the last request; if so, everything kept
of the changed items (:class:`~accord.interop._stix_cache.RenderedItems`) is dropped first,
and they are indexed as they now are: a destroyed item leaves the index, and one whose
objects changed (a new marking: new marking-definitions) is added again after the
collection's last object. What this process changes (its users' acts, the partners'
messages it receives) is dropped from the kept renderings earlier, as the act commits
(:meth:`~accord.node.Node.on_item_state_changes`); the index follows at the next request.

``date_added`` is the time the item came to the node (created here or received), or just
after the collection's last object if that is later, made strictly increasing within a
collection by a microsecond step: the same for every person. Objects that carry no item
data — Accord's identity and extension definitions, and the identities of this node and
its pinned partners — are added first, at the collection's start. The ``next`` token is
the ``date_added`` of the page's last object, so it is opaque to the client, stable, and
can be reused.
"""

from __future__ import annotations

import base64
import binascii
import bisect
import threading
import uuid
from collections.abc import Collection as Collected
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from accord.errors import InvalidInput, NotFound
from accord.interop._stix_cache import Rendered, RenderedItems, encoded
from accord.interop._stix_codec import publisher_objects
from accord.node import ItemView, Node, PageReading

__all__ = ["Collection", "Page", "PageRequest", "StoredObject", "TaxiiViews"]

_NAMESPACE = uuid.UUID("7a4e0c1d-3b2f-4e8a-9d6c-5f1e2a3b4c5d")
MAX_PAGE = 1000
"""The most objects one page holds (a larger ``limit`` is lowered to it)."""
_BATCH = 64
"""Items decided at a time while a page fills."""
_LATE = timedelta(minutes=5)
"""How far back the refresh looks for items that arrived out of order (slow transactions)."""
_START = datetime(2016, 11, 23, tzinfo=UTC)


@dataclass(frozen=True)
class Collection:
    """A TAXII collection: an agreement's items, or the node's own."""

    id: str
    title: str
    description: str
    agreement: str | None

    def to_dict(self, *, can_write: bool) -> dict[str, object]:
        """The TAXII collection resource."""
        return {
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "can_read": True,
            "can_write": can_write,
            "media_types": ["application/stix+json;version=2.1"],
        }


@dataclass(frozen=True)
class StoredObject:
    """A STIX object as a collection holds it."""

    obj: Mapping[str, object]
    date_added: datetime
    text: str | None = field(default=None, compare=False, repr=False)
    """``obj`` as JSON, when it was kept encoded (:meth:`json`)."""

    @property
    def id(self) -> str:
        """The STIX id."""
        return str(self.obj["id"])

    @property
    def version(self) -> str:
        """The object's version: ``modified``, else ``created``."""
        return str(self.obj.get("modified", self.obj.get("created", "")))

    def json(self) -> str:
        """The object as JSON text (UTF-8 kept)."""
        return encoded(self.obj) if self.text is None else self.text

    def manifest(self) -> dict[str, object]:
        """The manifest record."""
        return {
            "id": self.id,
            "date_added": taxii_time(self.date_added),
            "version": self.version,
            "media_type": "application/stix+json;version=2.1",
        }


@dataclass(frozen=True)
class Page:
    """One page of a collection, after the person's filter and the request's."""

    objects: list[StoredObject]
    more: bool
    next: str | None


@dataclass(frozen=True)
class PageRequest:
    """What a request asks of a page: its ``added_after``, ``match[…]`` filters, ``limit`` and ``next``."""

    added_after: str | None = None
    match: Mapping[str, str] = field(default_factory=dict)
    limit: int | None = None
    next_token: str | None = None


@dataclass(frozen=True)
class _Entry:
    """One object of a collection's index (``item`` is None for the publisher objects)."""

    date_added: datetime
    item: str | None
    stix_id: str
    type: str
    version: str


@dataclass
class _Index:
    """A collection's objects in ``date_added`` order, for every person alike."""

    entries: list[_Entry] = field(default_factory=list)
    keys: list[datetime] = field(default_factory=list)
    publisher: dict[str, Rendered] = field(default_factory=dict)
    """The objects that carry no item data, by STIX id, as the index was started with."""

    high: datetime | None = None
    """The latest ``date_added`` given (also of an object dropped since): every new one is later."""

    def add(self, moment: datetime, item: str | None, obj: Mapping[str, object]) -> None:
        if self.high is not None and moment <= self.high:
            moment = self.high + timedelta(microseconds=1)
        self.high = moment
        stored = StoredObject(obj, moment)
        self.entries.append(_Entry(moment, item, stored.id, str(obj.get("type")), stored.version))
        self.keys.append(moment)

    def objects_of(self, item_ids: Collected[str]) -> dict[str, set[tuple[str, str]]]:
        """The (STIX id, version) of the objects indexed for each of ``item_ids`` (one pass)."""
        found: dict[str, set[tuple[str, str]]] = {i: set() for i in item_ids}
        for e in self.entries:
            if e.item in found:
                found[e.item].add((e.stix_id, e.version))
        return found

    def drop(self, item_ids: Collected[str]) -> None:
        """Leave out the objects of ``item_ids`` (the others keep their ``date_added``)."""
        kept = [e for e in self.entries if e.item not in item_ids]
        self.entries, self.keys = kept, [e.date_added for e in kept]

    def after(self, moment: datetime | None) -> Iterator[_Entry]:
        # On the list as it is now: another request's drop() replaces it (never edits it in
        # place), so a page walking it is not shortened under its feet.
        entries = self.entries
        start = 0 if moment is None else bisect.bisect_right(entries, moment, key=lambda e: e.date_added)
        for position in range(start, len(entries)):
            yield entries[position]


def taxii_time(moment: datetime) -> str:
    """A TAXII timestamp, to the microsecond."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_taxii_time(text: str, what: str) -> datetime:
    """A timestamp from a query parameter.

    Raises:
        InvalidInput: not an RFC 3339 time with a zone.
    """
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise InvalidInput(f"{what}: not a timestamp") from exc
    if moment.tzinfo is None:
        raise InvalidInput(f"{what}: a timestamp needs a time zone")
    return moment.astimezone(UTC)


def _token(moment: datetime) -> str:
    return base64.urlsafe_b64encode(taxii_time(moment).encode()).decode().rstrip("=")


def _untoken(token: str) -> datetime:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidInput("next: not a token this server gave") from exc
    return parse_taxii_time(text, "next")


class TaxiiViews:
    """The collections of one node, as each person may see them."""

    def __init__(self, node: Node) -> None:
        """Serve ``node``."""
        self._node = node
        self._lock = threading.Lock()
        self._indexes: dict[str, _Index] = {}
        self._indexed: set[str] = set()
        self._seen_until: datetime | None = None
        self._stored = -1
        """How many item rows the node had stored at the last refresh."""
        self._rendered = RenderedItems()
        # An item whose state an act of this process changed is dropped from the memo once the
        # act commits (a holder's incoming notice, a local destruction); _refresh still finds
        # every change, made here or elsewhere, and re-indexes the items.
        node.on_item_state_changes(self._rendered.forget)
        self._changes = -1
        """How many changes of stored items' states the node had made at the last refresh."""
        self._changed: dict[str, int] = {}
        """The changes of each changed item's state, as counted at the last refresh."""

    def collections(self) -> list[Collection]:
        """One collection per agreement held here, and the node's own."""
        own = Collection(
            str(uuid.uuid5(_NAMESPACE, f"own/{self._node.config.node_id}")),
            f"{self._node.config.party} own items",
            f"Items originated at node {self._node.config.node_id}",
            None,
        )
        found = [own]
        for agreement in self._node.agreements.all():
            found.append(
                Collection(
                    str(uuid.uuid5(_NAMESPACE, f"agreement/{agreement.id}")),
                    f"Agreement {agreement.id}",
                    f"Items marked under agreement {agreement.id}",
                    agreement.id,
                )
            )
        return found

    def collection(self, collection_id: str) -> Collection:
        """The collection with this id.

        Raises:
            NotFound: no such collection.
        """
        for found in self.collections():
            if found.id == collection_id:
                return found
        raise NotFound(f"no collection {collection_id}")

    def page(self, collection: Collection, actor: str, request: PageRequest) -> Page:
        """The next page of what ``actor`` may read in ``collection``: filtered, then paged.

        Raises:
            InvalidInput: a malformed timestamp, token, limit or match filter.
            NotFound: no such user.
        """
        size = MAX_PAGE if request.limit is None else min(request.limit, MAX_PAGE)
        if size < 1:
            raise InvalidInput("limit must be a positive whole number")
        after = None if not request.added_after else parse_taxii_time(request.added_after, "added_after")
        if request.next_token:
            resume = _untoken(request.next_token)
            after = resume if after is None else max(after, resume)
        for key in request.match:
            _check_filter(key)
        index = self._index(collection)
        wanted = (e for e in index.after(after) if _matches(e, request.match))
        since = self._rendered.epoch()  # before the snapshot (see RenderedItems.epoch)
        # One snapshot and one journal event for the page's decisions and its opening.
        with self._node.items.reading(actor) as reading:
            shown = self._readable(wanted, reading, size + 1)
            more = len(shown) > size
            objects = self._build(shown[:size], reading, index, since)
        return Page(objects, more, _token(objects[-1].date_added) if more and objects else None)

    def by_id(self, collection: Collection, actor: str, stix_id: str) -> list[StoredObject]:
        """The object ``stix_id`` of ``collection``, if ``actor`` may read it (else empty)."""
        index = self._index(collection)
        wanted = (e for e in index.after(None) if e.stix_id == stix_id)
        since = self._rendered.epoch()  # before the snapshot (see RenderedItems.epoch)
        with self._node.items.reading(actor) as reading:
            return self._build(self._readable(wanted, reading, MAX_PAGE), reading, index, since)

    # --- the index ---------------------------------------------------------------------

    def _index(self, collection: Collection) -> _Index:
        with self._lock:
            if collection.id not in self._indexes:
                # A collection new to this index (first use, or an agreement imported since):
                # every collection is rebuilt from the node's own view, once.
                self._indexes, self._indexed, self._seen_until, self._stored = {}, set(), None, -1
                self._changes, self._changed = -1, {}
                for known in self.collections():
                    self._indexes[known.id] = self._started()
            self._refresh()
            return self._indexes[collection.id]

    def _started(self) -> _Index:
        index = _Index()
        for obj in publisher_objects(self._publisher_nodes()):
            index.add(_START, None, obj)
            index.publisher[str(obj["id"])] = (obj, encoded(obj))
        return index

    def _refresh(self) -> None:
        # Counted before the arrivals are read: what commits in between is counted next time.
        counts = self._node.items.counts(self._changes)
        if counts.changed is not None:
            self._forget_changed(counts.changes, counts.changed)
        if counts.stored == self._stored:
            return  # no item row was added since the last refresh (rows are never deleted)
        self._stored = counts.stored
        since = None if self._seen_until is None else taxii_time(self._seen_until - _LATE)
        arrived = [(i, at) for i, at in self._node.items.arrivals(since=since) if i not in self._indexed]
        if not arrived:
            return
        collections = [c for c in self.collections() if c.id in self._indexes]
        for start in range(0, len(arrived), _BATCH * 4):
            batch = arrived[start : start + _BATCH * 4]
            views = {v.id: v for v in self._node.items.views_of([i for i, _ in batch], actor=None).views}
            for item_id, at in batch:
                self._indexed.add(item_id)
                moment = _parse_stamp(at)
                self._seen_until = moment if self._seen_until is None else max(self._seen_until, moment)
                view = views.get(item_id)
                if view is None:
                    continue  # damaged (journalled by the node): never served
                for collection in collections:
                    if self._holds(collection, view):
                        for obj, _ in self._rendered.objects(view):
                            self._indexes[collection.id].add(moment, item_id, obj)

    def _forget_changed(self, changes: int, counted: dict[str, int]) -> None:
        """Drop what is kept of the items whose state changed since the last refresh, in any
        process (destroyed, re-marked, returned, revoked, compromised), and index them anew."""
        self._changes = changes
        changed = {i for i, n in counted.items() if self._changed.get(i) != n}
        self._changed = counted
        self._rendered.forget(changed)
        self._reindex(changed & self._indexed)

    def _reindex(self, item_ids: set[str]) -> None:
        """Index ``item_ids`` as they now are: an item whose objects changed (a new marking) is
        added again after the collection's last object; a destroyed one (no longer listed) is dropped."""
        if not item_ids:
            return
        ordered = sorted(item_ids)
        views: dict[str, ItemView] = {}
        for start in range(0, len(ordered), _BATCH * 4):  # as many at a time as a refresh opens
            views.update(
                (v.id, v)
                for v in self._node.items.views_of(ordered[start : start + _BATCH * 4], actor=None).views
            )
        for collection in [c for c in self.collections() if c.id in self._indexes]:
            index = self._indexes[collection.id]
            now: dict[str, list[Rendered]] = {}
            for item_id in ordered:
                view = views.get(item_id)
                now[item_id] = []
                if view is not None and self._holds(collection, view):
                    now[item_id] = list(self._rendered.objects(view))
            indexed = index.objects_of(ordered)
            moved = [i for i in ordered if indexed[i] != {_version_of(o) for o, _ in now[i]}]
            index.drop(moved)
            for item_id in moved:
                for obj, _ in now[item_id]:
                    index.add(_START, item_id, obj)  # a microsecond after the last object

    # --- one person's page ----------------------------------------------------------------

    def _readable(self, entries: Iterator[_Entry], reading: PageReading, wanted: int) -> list[_Entry]:
        """The first ``wanted`` entries the reader may read, deciding a batch of items at a time."""
        shown: list[_Entry] = []
        readable: dict[str, bool] = {}
        pending: list[_Entry] = []
        named: set[str | None] = set()
        """The items (and ``None``, for publisher objects) that ``pending`` names."""

        def settle() -> None:
            undecided = {i for i in named if i is not None} - readable.keys()
            if undecided:
                allowed = reading.decide(sorted(undecided))
                readable.update((i, i in allowed) for i in undecided)
            shown.extend(e for e in pending if e.item is None or readable[e.item])
            pending.clear()
            named.clear()

        for entry in entries:
            pending.append(entry)
            named.add(entry.item)
            # Decide once the batch names enough items to fill what the page still lacks.
            if len(named) > min(_BATCH, wanted - len(shown)):
                settle()
                if len(shown) >= wanted:
                    break
        settle()
        return shown[:wanted]

    def _build(
        self, entries: list[_Entry], reading: PageReading, index: _Index, since: int
    ) -> list[StoredObject]:
        """The STIX objects of ``entries``: the page's items opened in one call by the reader."""
        publisher = index.publisher
        wanted = [e.item for e in entries if e.item is not None]
        # Opened in the snapshot they were decided in: only what the reader may read.
        views = {v.id: v for v in reading.open(wanted)} if wanted else {}
        # Rendered once per item and version (the cache never decides: these were just opened).
        objects = {
            v.id: {str(o["id"]): (o, t) for o, t in self._rendered.objects(v, since)} for v in views.values()
        }
        built: list[StoredObject] = []
        for entry in entries:
            source = publisher if entry.item is None else objects.get(entry.item, {})
            if entry.stix_id in source:
                obj, text = source[entry.stix_id]
                built.append(StoredObject(obj, entry.date_added, text))
        return built

    def _publisher_nodes(self) -> list[tuple[str, str]]:
        config = self._node.config
        partners = sorted((c.node_id, c.party) for c in self._node.parties.all())
        return [(config.node_id, config.party), *partners]

    def _holds(self, collection: Collection, view: ItemView) -> bool:
        if collection.agreement is None:
            return view.originator_node == self._node.config.node_id
        labels = (view.marking.originator, *view.marking.alternatives)
        return any(label.agreement == collection.agreement for label in labels)


def _version_of(obj: Mapping[str, object]) -> tuple[str, str]:
    stored = StoredObject(obj, _START)
    return stored.id, stored.version


def _parse_stamp(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)


def _check_filter(key: str) -> None:
    if key not in ("id", "type", "spec_version", "version"):
        raise InvalidInput(f"match[{key}] is not a filter this server knows")


def _matches(stored: _Entry, match: Mapping[str, str]) -> bool:
    for key, raw in match.items():
        wanted = [w.strip() for w in raw.split(",") if w.strip()]
        if key == "id":
            ok = stored.stix_id in wanted
        elif key == "type":
            ok = stored.type in wanted
        elif key == "spec_version":
            ok = "2.1" in wanted
        elif key == "version":
            # One version per object: "first", "last" and "all" are that version.
            ok = any(w in ("first", "last", "all") or w == stored.version for w in wanted)
        else:
            raise InvalidInput(f"match[{key}] is not a filter this server knows")
        if not ok:
            return False
    return True

"""What one person sees of a node as TAXII 2.1 collections: filtered first, then paged (issue 13).

A collection is a view of the items the decision point lets *this* person read
(:meth:`accord.node.ItemService.listing` with the person as actor), as STIX objects: one
collection per agreement held at the node (items whose labels name it) and one for the
node's own items. The person's filter runs before ``added_after``, ``match[…]`` and
``limit``, so a short page means the end, and counts and manifests never reveal a
withheld object.

``date_added`` is the time the item came to the node (created here or received), made
strictly increasing within a collection by a microsecond step where two coincide; the
``next`` token is the ``date_added`` of the page's last object, so it is opaque to the
client, stable, and can be reused.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from accord.errors import InvalidInput, NotFound
from accord.interop._stix_codec import objects_of
from accord.node import ItemView, Node

__all__ = ["Collection", "Page", "StoredObject", "TaxiiViews"]

_NAMESPACE = uuid.UUID("7a4e0c1d-3b2f-4e8a-9d6c-5f1e2a3b4c5d")
MAX_PAGE = 1000
"""The most objects one page holds (a larger ``limit`` is lowered to it)."""


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

    @property
    def id(self) -> str:
        """The STIX id."""
        return str(self.obj["id"])

    @property
    def version(self) -> str:
        """The object's version: ``modified``, else ``created``."""
        return str(self.obj.get("modified", self.obj.get("created", "")))

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


def _arrived(view: ItemView) -> datetime:
    stamp = view.received_at or view.created_at
    return datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(UTC)


class TaxiiViews:
    """The collections of one node, as each person may see them."""

    def __init__(self, node: Node) -> None:
        """Serve ``node``."""
        self._node = node

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

    def objects(self, collection: Collection, actor: str) -> list[StoredObject]:
        """Every object of ``collection`` that ``actor`` may read, in ``date_added`` order."""
        views = sorted(
            (v for v in self._node.items.listing(actor=actor).views if self._holds(collection, v)),
            key=lambda v: (_arrived(v), v.id),
        )
        stored: list[StoredObject] = []
        seen: set[str] = set()
        last: datetime | None = None
        for view in views:
            for obj in objects_of(view):
                if str(obj["id"]) in seen:
                    continue  # identities and extension definitions: once per collection
                seen.add(str(obj["id"]))
                added = _arrived(view)
                if last is not None and added <= last:
                    added = last + timedelta(microseconds=1)
                last = added
                stored.append(StoredObject(obj, added))
        return stored

    def _holds(self, collection: Collection, view: ItemView) -> bool:
        if collection.agreement is None:
            return view.originator_node == self._node.config.node_id
        labels = (view.marking.originator, *view.marking.alternatives)
        return any(label.agreement == collection.agreement for label in labels)

    @staticmethod
    def page(
        objects: Sequence[StoredObject],
        *,
        added_after: str | None,
        match: Mapping[str, str],
        limit: int | None,
        next_token: str | None,
    ) -> Page:
        """Filter, then page.

        Raises:
            InvalidInput: a malformed timestamp, token, limit or match filter.
        """
        chosen = list(objects)
        if added_after:
            after = parse_taxii_time(added_after, "added_after")
            chosen = [o for o in chosen if o.date_added > after]
        if next_token:
            after = _untoken(next_token)
            chosen = [o for o in chosen if o.date_added > after]
        chosen = [o for o in chosen if _matches(o, match)]
        size = MAX_PAGE if limit is None else min(limit, MAX_PAGE)
        if size < 1:
            raise InvalidInput("limit must be a positive whole number")
        shown, more = chosen[:size], len(chosen) > size
        return Page(shown, more, _token(shown[-1].date_added) if more and shown else None)


def _matches(stored: StoredObject, match: Mapping[str, str]) -> bool:
    for key, raw in match.items():
        wanted = [w.strip() for w in raw.split(",") if w.strip()]
        if key == "id":
            ok = stored.id in wanted
        elif key == "type":
            ok = str(stored.obj.get("type")) in wanted
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

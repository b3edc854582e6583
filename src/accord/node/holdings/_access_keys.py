"""Access keys: the part of a marking the decision point reads, stored once per shape (GSOMIA Art. 7).

A register of 100,000 holdings carries few distinct *shapes* of marking once the label
times, issuers, privacy marks and review times are left out (the policy reads none of
them). Each item row stores the SHA-256 of its shape (:func:`keep_access_key`); the shapes
themselves live once each in the ``access_keys`` table. A listing groups the rows by
shape and asks the decision point once per shape and originating party instead of once per
item (``bench/inbox_listing.py``).

:class:`AccessShapes` keeps the parsed shapes of one node, bounded: it is owned by that
node's :class:`~accord.node.holdings.ItemService`, never shared between nodes in one
process (an earlier process-wide cache let one node's listing stand in for another node's
database: ``tests/node/test_node_access_key_cache.py``).
"""

from __future__ import annotations

import hashlib
import json
import threading

from sqlalchemy.orm import Session

from accord.canonical import canonical_json
from accord.errors import AccordError
from accord.markings import ConfidentialityLabel, Marking
from accord.store import access_keys, remember_access_key

__all__ = [
    "PURPOSE_LIMITED",
    "AccessShapes",
    "Shape",
    "access_digest",
    "access_key",
    "keep_access_key",
    "purpose_limited",
]

PURPOSE_LIMITED = "PURPOSE-LIMITED"
"""The originator control that makes the decision read the item's purpose (Art. 6)."""

Shape = tuple[Marking, bool]
"""A marking as the decision point reads it, and whether it is PURPOSE-LIMITED."""

_DROPPED = ("originator_id", "creation_time", "privacy_mark", "review_time")
_PLACEHOLDER_TIME = "2000-01-01T00:00:00Z"
_PLACEHOLDER_ISSUER = "access-key"


def access_key(marking: Marking) -> str:
    """What the decision point reads of a marking, as canonical JSON.

    Every label's scheme, classification, categories and agreement; not its creation time,
    issuer, privacy mark or review time (the policy reads none of them). Items share few
    distinct keys, so a listing decides once per key rather than once per label.
    """

    def kept(label: ConfidentialityLabel) -> dict[str, object]:
        data = label.to_dict()
        for name in _DROPPED:
            data.pop(name, None)
        return data

    document = {"o": kept(marking.originator), "a": [kept(alt) for alt in marking.alternatives]}
    return canonical_json(document).decode("utf-8")


def access_digest(marking: Marking) -> str:
    """The SHA-256 (hex) of :func:`access_key`: what an item row stores."""
    return hashlib.sha256(access_key(marking).encode("utf-8")).hexdigest()


def keep_access_key(session: Session, marking: Marking) -> str:
    """Store the access key of ``marking`` (once per shape) and return its digest for the item row."""
    key = access_key(marking)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    # Always written (an insert that ignores a present row): whatever a node has parsed,
    # the table belongs to the database this session writes to.
    remember_access_key(session, digest, key)
    return digest


def purpose_limited(marking: Marking) -> bool:
    """Whether any label of ``marking`` carries the PURPOSE-LIMITED originator control (Art. 6)."""
    return any(
        PURPOSE_LIMITED in label.originator_controls for label in (marking.originator, *marking.alternatives)
    )


def _parse(key: str) -> Marking:
    """The marking of a stored access key, with placeholder times and issuers."""
    document = json.loads(key)

    def label(data: dict[str, object]) -> ConfidentialityLabel:
        return ConfidentialityLabel.from_dict(
            {**data, "originator_id": _PLACEHOLDER_ISSUER, "creation_time": _PLACEHOLDER_TIME}
        )

    return Marking(label(document["o"]), tuple(label(alt) for alt in document["a"]))


class AccessShapes:
    """The parsed access keys of one node's database, kept in memory (bounded).

    Parsed once per distinct shape: equal shapes give the same marking object, which the
    batched decision point answers by identity. At most :attr:`LIMIT` shapes are kept (a
    few kilobytes each, so a few tens of megabytes at worst); past it the oldest are
    forgotten and parsed again when next needed. Safe to share between the threads of one
    node (the web and peer APIs, the worker).
    """

    LIMIT = 20_000
    """The most shapes kept; a real register has a few hundred."""

    def __init__(self, limit: int = LIMIT) -> None:
        """An empty cache of at most ``limit`` shapes."""
        self._limit = max(1, limit)
        self._shapes: dict[str, Shape] = {}
        self._lock = threading.Lock()

    def __len__(self) -> int:
        """How many shapes are kept now."""
        return len(self._shapes)

    def clear(self) -> None:
        """Forget every shape (they are parsed again from the database when next needed)."""
        with self._lock:
            self._shapes.clear()

    def views(self, session: Session, digests: set[str]) -> dict[str, Shape]:
        """For each digest: its marking as the decision point reads it (times and issuers are
        placeholders) and whether it is PURPOSE-LIMITED.

        A digest whose key is not stored in ``session``'s database, or whose key does not
        hash to it, is left out (the caller decides that item by its full stored marking).
        """
        with self._lock:
            found = {d: self._shapes[d] for d in digests if d in self._shapes}
        for digest, key in access_keys(session, digests - found.keys()).items():
            if hashlib.sha256(key.encode("utf-8")).hexdigest() != digest:
                continue
            try:
                marking = _parse(key)
            except (AccordError, ValueError, KeyError, TypeError):
                continue
            found[digest] = (marking, purpose_limited(marking))
            self._keep(digest, found[digest])
        return found

    def _keep(self, digest: str, shape: Shape) -> None:
        with self._lock:
            while len(self._shapes) >= self._limit:
                del self._shapes[next(iter(self._shapes))]  # the oldest kept
            self._shapes[digest] = shape

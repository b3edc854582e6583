"""MISP event import through a node's public services (issue 13).

:meth:`MispImport.import_events` reads a MISP JSON file (one ``{"Event": …}``, or MISP's
``{"response": [{"Event": …}, …]}``) with a classification map (:mod:`._misp_map`):

1. the file and the map are read bounded (:func:`accord.limits.read_bounded`), the JSON
   bounded in depth and refusing repeated keys (:func:`._stix_check.load_json`);
2. every event is read (:func:`._misp_read.read_event`); the events that are refused are
   *all* listed, each with its reason, in one refusal;
3. the node's creation checks (as for ``accord item create``) run for every event before
   any item is created, so a refused file stores nothing;
4. the items are created in one transaction (:meth:`accord.node.ItemService.create_many`),
   each with its event's uuid: every item is stored and journalled, or none is, and an event
   this node imported already is refused, naming the item it became (``docs/misp.md``).

Every refusal is journalled as ``misp.import`` with its reason. The label comes only from
the map; an event without a mapped classification is refused, never guessed.
"""

from __future__ import annotations

import json
from pathlib import Path

from accord.errors import AccordError, InvalidInput, Withheld
from accord.interop._misp_map import ClassificationMap, load_classification_map
from accord.interop._misp_read import EventDraft, events_of, read_event
from accord.interop._stix_check import MAX_STIX_BYTES, load_json
from accord.limits import MAX_DOCUMENT_BYTES, MAX_MISP_BODY_BYTES, read_bounded
from accord.node import ImportRef, ItemView, NewItem, Node

__all__ = ["MAX_MISP_BYTES", "MispImport"]

MAX_MISP_BYTES = MAX_STIX_BYTES
"""The largest MISP event file read (4 MiB, as a STIX bundle)."""

_ACTION = "misp.import"
_SOURCE = "misp"
_LISTED = 10  # refused events named in one message; a file may hold thousands


def _refused(errors: list[tuple[str, AccordError]], total: int) -> AccordError:
    # One line naming every refused event; the class of the first refusal when they agree,
    # so that the CLI's exit code still says what kind of refusal it was.
    if total == 1:
        return errors[0][1]
    listed = "; ".join(
        str(exc) if str(exc).startswith("MISP event ") else f"MISP event {ref}: {exc}"
        for ref, exc in errors[:_LISTED]
    )
    if len(errors) > _LISTED:
        listed += f"; and {len(errors) - _LISTED} more"
    message = f"{len(errors)} of {total} MISP event(s) refused, nothing imported: {listed}"
    first = type(errors[0][1])
    if all(type(exc) is first for _, exc in errors) and not issubclass(first, Withheld):
        return first(message)
    return AccordError(message)


class MispImport:
    """MISP events into one node's items."""

    def __init__(self, node: Node) -> None:
        """Serve ``node``."""
        self._node = node

    def import_file(self, events: Path, classification_map: Path, *, actor: str) -> list[ItemView]:
        """Read ``events`` and ``classification_map`` (bounded) and import the events as ``actor``.

        Raises:
            InvalidInput: a file is too large, malformed, or an event is refused (see
                :meth:`import_events`).
            NotFound: a file cannot be read.
            AccordError: a creation check refused an event; nothing was stored.
        """
        detail: dict[str, object] = {"file": events.name, "map": classification_map.name}
        try:
            cmap = load_classification_map(
                read_bounded(classification_map, limit=MAX_DOCUMENT_BYTES, what="classification map"),
                str(classification_map.name),
            )
            data = read_bounded(events, limit=MAX_MISP_BYTES, what="MISP event file")
        except AccordError as exc:
            self._node.ctx.journal_refusal(actor, _ACTION, exc, detail=detail)
            raise
        return self.import_events(data, cmap, actor=actor)

    def import_request(self, body: bytes, *, actor: str) -> list[ItemView]:
        """Import the MISP events of an HTTP request as ``actor``: all of them, or none.

        The body is one JSON object with exactly ``classification_map`` (the map file's TOML
        text) and ``events`` (the MISP document, as the file would hold it). A map sent with
        the request gives its sender no more than ``accord item create`` does: every label is
        still made and checked by the node for that person.

        Raises:
            InvalidInput: the body is not such an object, the map is refused, or see
                :meth:`import_events`.
            AccordError: a creation check refused an event; nothing was stored.
        """
        try:
            request = load_json(body, "MISP import request", limit=MAX_MISP_BODY_BYTES)
            if not isinstance(request, dict) or set(request) != {"classification_map", "events"}:
                raise InvalidInput(
                    "MISP import request refused: send one JSON object with exactly "
                    "classification_map (the map's TOML text) and events (the MISP JSON)"
                )
            text = request["classification_map"]
            if not isinstance(text, str):
                raise InvalidInput(
                    "MISP import request refused: classification_map must be the map's TOML text"
                )
            cmap = load_classification_map(text.encode("utf-8", "surrogatepass"), "in the request")
        except AccordError as exc:
            self._node.ctx.journal_refusal(actor, _ACTION, exc, detail={"bytes": len(body)})
            raise
        # Back to the bytes a file would hold, no longer than they were sent (compact UTF-8),
        # so that events within the body's cap fit the file's 4 MiB; a lone surrogate (an
        # escape no UTF-8 can carry) keeps its ASCII escape, as it was sent.
        try:
            events = json.dumps(request["events"], ensure_ascii=False, separators=(",", ":")).encode()
        except UnicodeEncodeError:
            events = json.dumps(request["events"], separators=(",", ":")).encode("ascii")
        return self.import_events(events, cmap, actor=actor)

    def import_events(self, data: bytes, cmap: ClassificationMap, *, actor: str) -> list[ItemView]:
        """Create one item per MISP event of ``data`` as ``actor``; all of them, or none.

        Raises:
            InvalidInput: too large, not UTF-8 JSON, nested too deeply, a list, or an event
                that is malformed, has no mapped classification, an unmapped one of a mapped
                namespace, an attribute of an unknown type, or fields that are not valid.
            Conflict: an event was imported into this node already (the message names the
                item it became); nothing was stored.
            AccordError: a creation check refused an event (out of the agreement's scope,
                clearance, role …), or the database failed; nothing was stored.
        """
        try:
            drafts = self.read(data, cmap)
            errors: list[tuple[str, AccordError]] = []
            for draft in drafts:
                try:
                    self._node.items.check_create(
                        actor=actor, label=draft.classification.request, purpose=draft.content.purpose
                    )
                except AccordError as exc:
                    errors.append((draft.ref, exc))
            if errors:
                refusal = _refused(errors, len(drafts))
                if refusal is errors[0][1]:
                    raise refusal
                raise refusal from errors[0][1]
            news = [
                NewItem(
                    d.content,
                    d.classification.request,
                    cmap.precedence,
                    origin=None if d.uuid is None else ImportRef(_SOURCE, d.uuid),
                )
                for d in drafts
            ]
            return self._node.items.create_many(news, actor=actor)
        except AccordError as exc:
            self._node.ctx.journal_refusal(actor, _ACTION, exc, detail={"bytes": len(data)})
            raise

    def read(self, data: bytes, cmap: ClassificationMap) -> list[EventDraft]:
        """The item drafts of a MISP file, after every check but the node's creation checks.

        Raises:
            InvalidInput: see :meth:`import_events`; every refused event is listed.
        """
        if len(data) > MAX_MISP_BYTES:
            raise InvalidInput(f"MISP event file refused: larger than {MAX_MISP_BYTES // (1024 * 1024)} MiB")
        events = events_of(load_json(data, "MISP event file"))
        drafts: list[EventDraft] = []
        errors: list[tuple[str, AccordError]] = []
        seen: set[str] = set()
        for index, event in enumerate(events):
            try:
                draft = read_event(event, cmap, f"#{index + 1}")
                if draft.ref in seen:
                    # Twice in one file is a mistake (two items of one event), not a wish.
                    raise InvalidInput(f"MISP event {draft.ref} refused: it is in the file more than once")
                seen.add(draft.ref)
                drafts.append(draft)
            except InvalidInput as exc:
                errors.append((f"#{index + 1}", exc))
        if errors:
            raise _refused(errors, len(events))
        return drafts

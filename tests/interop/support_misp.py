"""Support for the MISP tests: the example event and map, and what a refusal must leave behind."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from sqlalchemy import func, select

from accord.interop import ClassificationMap, load_classification_map
from accord.node import JournalFilter, Node
from accord.store import AttachmentRow, ItemRow, JournalRow

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "misp"
EVENT_FILE = EXAMPLES / "dprk-launch-event.json"
MAP_FILE = EXAMPLES / "classification-map.toml"


def example_event() -> dict[str, Any]:
    """The example MISP event (a fresh copy to edit)."""
    return copy.deepcopy(json.loads(EVENT_FILE.read_text(encoding="utf-8")))


def example_map() -> ClassificationMap:
    """The example classification map."""
    return load_classification_map(MAP_FILE.read_bytes(), MAP_FILE.name)


def last_refusal(node: Node) -> tuple[str, str, dict[str, object]]:
    """The last refusal in the journal: action, outcome, detail."""
    events = node.journal.listing(actor="sato", where=JournalFilter(refusals=True), limit=1000).events
    last = events[-1]
    return last.action, last.outcome, dict(last.detail)


def stored(node: Node, action: str) -> tuple[int, int, int]:
    """Items and attachments stored, and refusals of ``action`` journalled (counted in SQL: a
    fuzz test asks after every case, and listing items verifies each one)."""
    with node.ctx.db.transaction() as session:
        items = session.scalar(select(func.count()).select_from(ItemRow)) or 0
        attachments = session.scalar(select(func.count()).select_from(AttachmentRow)) or 0
        refusals = (
            session.scalar(
                select(func.count())
                .select_from(JournalRow)
                .where(JournalRow.action == action, JournalRow.outcome == "refused")
            )
            or 0
        )
    return items, attachments, refusals

"""Support for the MISP tests: the example event and map, and what a refusal must leave behind."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

from accord.interop import ClassificationMap, load_classification_map
from accord.node import JournalFilter, Node

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

"""Fixtures for the interoperability tests: a JPN node with items, under the Japan–ROK GSOMIA."""

from __future__ import annotations

import pytest

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, Node


def make_launch(node: Node, agreement_id: str, *, actor: str = "sato", title: str = "Launch") -> str:
    """A missile-launch report at JPN, 極秘, releasable to KOR, under the agreement."""
    content = ItemContent(
        ItemKind.MISSILE_LAUNCH,
        title,
        "Two SRBMs from Sunan.",
        "Assessment of DPRK missile activity",
        {
            "detection_time": "2026-11-25T06:12:00Z",
            "launch_area": "39.2,125.67",
            "count": 2,
            "apogee_km": 50.5,
        },
    )
    label = LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], ["NO-THIRD-PARTY"], agreement=agreement_id)
    return node.items.create(actor=actor, content=content, label=label, precedence=Precedence.IMMEDIATE).id


@pytest.fixture
def jpn_item(federation: object) -> str:
    """One launch report at JPN."""
    return make_launch(federation.jpn, federation.agreement_id)  # type: ignore[attr-defined]

"""Support for the interoperability tests: federations built once and copied per test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

from accord.items import ItemContent, ItemKind, Precedence
from accord.node import (
    UNSAFE_FAST_PASSWORD_HASHING,
    LabelRequest,
    NewItem,
    NewUser,
    Node,
    example_agreement,
    federate,
)
from support_federation import JPN_KOR_GSOMIA, JPN_KOR_IN_FORCE

Prepare = Callable[[Any], None]


def root_conftest(config: pytest.Config) -> ModuleType:
    """tests/conftest.py as pytest loaded it (its FixedClock, Federation and START, in one place)."""
    root = str(Path(__file__).parents[1] / "conftest.py")
    for plugin in config.pluginmanager.get_plugins():
        if getattr(plugin, "__file__", None) == root:
            return plugin  # type: ignore[no-any-return]
    raise LookupError(root)


def _launch(title: str) -> ItemContent:
    return ItemContent(
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


def make_launch(node: Node, agreement_id: str, *, actor: str = "sato", title: str = "Launch") -> str:
    """A missile-launch report at JPN, 極秘, releasable to KOR, under the agreement."""
    label = LabelRequest("極秘", ["KOR"], ["DPRK-MISSILE"], ["NO-THIRD-PARTY"], agreement=agreement_id)
    return node.items.create(NewItem(_launch(title), label, Precedence.IMMEDIATE), actor=actor).id


def make_kor_launch(kor: Node, agreement_id: str) -> str:
    """A missile-launch report KOR originated (kim), 군사Ⅱ급비밀, releasable to JPN."""
    label = LabelRequest("군사Ⅱ급비밀", ["JPN"], ["DPRK-MISSILE"], agreement=agreement_id)
    return kor.items.create(NewItem(_launch("Launch"), label, Precedence.IMMEDIATE), actor="kim").id


@dataclass(frozen=True)
class FederationTemplate:
    """Two closed node homes under the Japan–ROK GSOMIA, and the time they were left at."""

    root: Path
    support: ModuleType
    agreement_id: str
    agreement_text: str
    now: datetime

    def open(self, into: Path) -> Any:
        """A ``Federation``: both homes copied under ``into``, on a clock at the template's time."""
        clock = self.support.FixedClock(self.now)
        nodes = []
        for name in ("jpn", "kor"):
            shutil.copytree(self.root / name, into / name)
            nodes.append(Node.open(into / name, clock=clock, password_hashing=UNSAFE_FAST_PASSWORD_HASHING))
        return self.support.Federation(nodes[0], nodes[1], self.agreement_id, self.agreement_text, clock)


def build_template(
    root: Path, config: pytest.Config, home_templates: Any, prepare: Prepare | None = None
) -> FederationTemplate:
    """Federate JPN and KOR once (the root ``federation`` fixture's state), run ``prepare``, close."""
    support = root_conftest(config)
    start = support.START
    clock = support.FixedClock(start)
    nodes = []
    for party, node_id in (("JPN", "jpn-mod"), ("KOR", "kor-mnd")):
        shutil.copytree(home_templates.home(party, node_id, start), root / party.lower())
        nodes.append(
            Node.open(root / party.lower(), clock=clock, password_hashing=UNSAFE_FAST_PASSWORD_HASHING)
        )
    jpn, kor = nodes
    try:
        text = example_agreement(JPN_KOR_GSOMIA)
        agreement_id = federate([jpn, kor], text, in_force_on=JPN_KOR_IN_FORCE)
        jpn.users.add(
            NewUser("sato", role="officer", clearance="極秘", ntk=["DPRK-MISSILE"]), actor="authority"
        )
        kor.users.add(
            NewUser("kim", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE"]), actor="authority"
        )
        kor.users.add(NewUser("lee", role="analyst", clearance="대외비", ntk=[]), actor="authority")
        if prepare is not None:
            prepare(support.Federation(jpn, kor, agreement_id, text, clock))
    finally:
        for node in nodes:
            node.close()
    return FederationTemplate(root, support, agreement_id, text, clock.now)

"""A JPN–KOR federation that exchanges a known mix of items over three months, for the oversight tests.

The clock is the federation's: November 2026, December 2026 and January 2027 see items sent
both ways, a copy and a refused send; on 2 February both nodes seal, publish and answer each
other, so each holds a checkpoint made after the period that the other has countersigned.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import UTC, date, datetime
from typing import Protocol

from accord.errors import PolicyDenied, TransportError
from accord.items import ItemContent, ItemKind, Precedence
from accord.node import LabelRequest, NewItem, Node
from accord.oversight import Figure, MonthFigures, OversightReport
from support_federation import Loopback

FIRST_DAY = date(2026, 11, 1)
LAST_DAY = date(2027, 1, 31)
SECRET_ROW = "極秘 / 特定秘密 = 군사Ⅱ급비밀"
CONFIDENTIAL_ROW = "秘 = 군사Ⅲ급비밀"

TITLE = "Launch assessment"
BODY = "Trajectory body text"
PURPOSE = "Assessment purpose"
LAUNCH = {
    "detection_time": "2026-12-10T02:58:00Z",
    "launch_area": "39.0392,125.7625",
    "count": 2,
    "missile_type": "Hwasong-18",
    "impact_area": "Sea east of Hamgyong",
}
"""The typed fields of the December launch report (none may appear in a report)."""
FIELD_VALUES = ("Hwasong-18", "Hamgyong", "125.7625", "39.0392", "02:58")


class _Clock(Protocol):
    now: datetime


class Federated(Protocol):
    """JPN and KOR nodes under the Japan–ROK GSOMIA and their settable clock (``tests/conftest.py``)."""

    jpn: Node
    kor: Node
    clock: _Clock


@dataclass
class Mix:
    """What the federation exchanged: every item id, and the figures each report must show."""

    items: list[str]
    jpn: dict[str, dict[str, int]]
    kor: dict[str, dict[str, int]]


def deliver(*nodes: Node) -> None:
    """Deliver everything pending between ``nodes``, until nothing moves."""
    by_id = {node.config.node_id: node for node in nodes}
    for _ in range(6):
        moved = False
        for sender in nodes:
            for peer, lane in sender.delivery.peers_with_pending():
                try:
                    sender.delivery.deliver_once(peer, lane, Loopback(by_id[peer]))
                except TransportError:
                    continue
                moved = True
        if not moved:
            return


def _item(node: Node, actor: str, label: tuple[str, str], precedence: Precedence, kind: ItemKind) -> str:
    """A new item of ``kind`` marked ``label`` (level, releasable to) at ``precedence``."""
    level, to = label
    fields = LAUNCH if kind is ItemKind.MISSILE_LAUNCH else {}
    new = NewItem(
        ItemContent(kind, f"{TITLE} {level} {precedence.value}", BODY, PURPOSE, fields),
        LabelRequest(level, [to], ["DPRK-MISSILE"], ["NO-THIRD-PARTY"]),
        precedence,
    )
    return node.items.create(new, actor=actor).id


def _send(node: Node, actor: str, item_id: str, to: str) -> None:
    node.sending.send(item_id, to=to, actor=actor)


def exchange_mix(fed: Federated) -> Mix:
    """Run the three months; return the item ids and the known figures (non-zero ones)."""
    jpn, kor, clock = fed.jpn, fed.kor, fed.clock
    items: list[str] = []
    # November 2026 (the clock starts on the 25th).
    a = _item(jpn, "sato", ("秘", "KOR"), Precedence.FLASH, ItemKind.REPORT)
    b = _item(jpn, "sato", ("極秘", "KOR"), Precedence.ROUTINE, ItemKind.SIGINT_SUMMARY)
    _send(jpn, "sato", a, "KOR")
    _send(jpn, "sato", b, "KOR")
    deliver(jpn, kor)
    c = _item(kor, "kim", ("군사Ⅲ급비밀", "JPN"), Precedence.PRIORITY, ItemKind.REPORT)
    _send(kor, "kim", c, "JPN")
    deliver(jpn, kor)
    # December 2026.
    clock.now = datetime(2026, 12, 10, 3, 0, tzinfo=UTC)
    d = _item(jpn, "sato", ("極秘", "KOR"), Precedence.IMMEDIATE, ItemKind.MISSILE_LAUNCH)
    _send(jpn, "sato", d, "KOR")
    deliver(jpn, kor)
    kor.custody.copy(a, count=2, actor="kim")
    # January 2027.
    clock.now = datetime(2027, 1, 15, 12, 0, tzinfo=UTC)
    e = _item(kor, "kim", ("군사Ⅱ급비밀", "JPN"), Precedence.ROUTINE, ItemKind.REPORT)
    f = _item(kor, "kim", ("군사Ⅲ급비밀", "JPN"), Precedence.ROUTINE, ItemKind.REPORT)
    _send(kor, "kim", e, "JPN")
    _send(kor, "kim", f, "JPN")
    deliver(jpn, kor)
    # Not releasable to KOR: refused, and counted as a refusal of a send to KOR.
    g = _item(jpn, "sato", ("秘", "JPN"), Precedence.ROUTINE, ItemKind.REPORT)
    try:
        _send(jpn, "sato", g, "KOR")
    except PolicyDenied:
        pass
    else:  # pragma: no cover - the mix needs the refusal
        raise AssertionError("the send of an item not releasable to KOR was not refused")
    items += [a, b, c, d, e, f, g]
    # 2 February 2027: both seal and publish; each countersigns the other's checkpoint.
    clock.now = datetime(2027, 2, 2, 9, 0, tzinfo=UTC)
    witness(jpn, kor)
    sent = "sent|KOR"
    received = "received|KOR"
    jpn_figures = {
        "2026-11": {
            sent: 2,
            f"{sent}|precedence|FLASH": 1,
            f"{sent}|precedence|ROUTINE": 1,
            f"{sent}|kind|report": 1,
            f"{sent}|kind|sigint-summary": 1,
            f"{sent}|level|{CONFIDENTIAL_ROW}": 1,
            f"{sent}|level|{SECRET_ROW}": 1,
            received: 1,
            f"{received}|precedence|PRIORITY": 1,
            f"{received}|kind|report": 1,
            f"{received}|level|{CONFIDENTIAL_ROW}": 1,
        },
        "2026-12": {
            sent: 1,
            f"{sent}|precedence|IMMEDIATE": 1,
            f"{sent}|kind|missile-launch": 1,
            f"{sent}|level|{SECRET_ROW}": 1,
        },
        "2027-01": {
            received: 2,
            f"{received}|precedence|ROUTINE": 2,
            f"{received}|kind|report": 2,
            f"{received}|level|{CONFIDENTIAL_ROW}": 1,
            f"{received}|level|{SECRET_ROW}": 1,
            "refusals|PolicyDenied": 1,
        },
    }
    kor_figures = {
        month: {
            name.replace("sent|KOR", "received|JPN-")
            .replace("received|KOR", "sent|JPN")
            .replace("received|JPN-", "received|JPN"): count
            for name, count in figures.items()
            if not name.startswith("refusals")
        }
        for month, figures in jpn_figures.items()
    }
    kor_figures["2026-12"]["copies"] = 1
    return Mix(items, jpn_figures, kor_figures)


def witness(jpn: Node, kor: Node) -> None:
    """Both nodes seal and offer their checkpoint; the other countersigns it."""
    for _ in range(2):
        for node in (jpn, kor):
            node.ledger.seal()
            node.witness.publish()
        deliver(jpn, kor)


def leave_out_one_sent(node: Node, report: OversightReport, month: str, partner: str) -> OversightReport:
    """``report`` re-signed by ``node`` without one item it sent to ``partner`` in ``month``.

    What a node that hides an exchange would hand over: it verifies (its figures still add up
    and prove), and only the partner's report shows the item missing.
    """
    figures_of_month = report.month(month)
    assert figures_of_month is not None
    sent = figures_of_month.figure(f"sent|{partner}")
    assert sent is not None
    dropped = sent.leaves[0]
    figures = []
    for figure in figures_of_month.figures:
        leaves = tuple(leaf for leaf in figure.leaves if leaf != dropped)
        if leaves or not figure.name.startswith(f"sent|{partner}|"):
            figures.append(Figure(figure.name, len(leaves), leaves))
    months = tuple(MonthFigures(month, tuple(figures)) if m.month == month else m for m in report.months)
    kept = tuple(leaf for leaf in report.leaves if leaf.index != dropped)
    return replace(report, months=months, leaves=kept).signed_with(node.ctx.keys)

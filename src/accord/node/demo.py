"""The sample federation: two nodes, JPN and KOR, under the Japan–ROK GSOMIA.

Every step goes through the same services the CLI uses; the demo only orchestrates them
and reports what happened. ``run_demo`` returns the steps with their outcome, so
``accord demo --once`` can exit 0 only when every one succeeded.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from accord.canonical import format_time
from accord.errors import AccordError, IntegrityError
from accord.items import ItemContent, ItemKind, Precedence
from accord.node._federation import bring_into_force, example_agreement, federate, pin_each_other
from accord.node._node import NewNode, Node
from accord.node.core._context import Clock, utc_now
from accord.node.holdings._items import LabelRequest, NewItem, Progress
from accord.node.registry._users import NewUser

__all__ = [
    "DemoPlan",
    "DemoResult",
    "DemoStep",
    "Exchange",
    "StepFactory",
    "run_demo",
    "write_sample_image",
]

_AGREEMENT_FILE = "jpn-kor-gsomia-2016.toml"
_ENTRY_INTO_FORCE = date(2016, 11, 23)


class _Stopped(Exception):
    """A step failed; the demo stops there."""


@dataclass
class DemoStep:
    """One step and what it showed."""

    name: str
    ok: bool
    lines: list[str] = field(default_factory=list)


StepFactory = Callable[[str], AbstractContextManager[DemoStep]]
Exchange = Callable[[dict[str, Node], dict[str, str], StepFactory], None]


@dataclass
class DemoResult:
    """All steps, in order."""

    steps: list[DemoStep] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether every step succeeded."""
        return bool(self.steps) and all(s.ok for s in self.steps)


@dataclass(frozen=True)
class DemoPlan:
    """The sample federation to build.

    Attributes:
        directory: Its folder (new or empty); each node's home is a folder in it.
        image_megabytes: The size of the imagery JPN attaches.
        ports: The ports the JPN, KOR and USA nodes are reached on (their endpoints).
        clock: The nodes' clock.
    """

    directory: Path
    image_megabytes: int = 48
    ports: tuple[int, int, int] = (8443, 8444, 8445)
    clock: Clock = utc_now

    def node(self, party: str, node_id: str, port: int) -> Node:
        """Create the node of ``party`` in its folder, its endpoint on ``port`` of 127.0.0.1."""
        return Node.init(
            self.directory / party.lower(),
            NewNode(party=party, node_id=node_id, endpoint=f"https://127.0.0.1:{port}"),
            clock=self.clock,
        )


def write_sample_image(path: Path, megabytes: int) -> int:
    """Write a synthetic greyscale PGM image of about ``megabytes`` MB, row by row.

    The picture is a deterministic pattern (no randomness), generated in bounded memory.
    Returns the file's size.
    """
    width = 4096
    height = max(1, megabytes * 1024 * 1024 // width)
    header = f"P5\n# Accord demo imagery (synthetic)\n{width} {height}\n255\n".encode("ascii")
    base = bytes((x * 7) & 0xFF for x in range(width))
    with path.open("wb") as handle:
        handle.write(header)
        for y in range(height):
            shift = (y * 3) % width
            handle.write(base[shift:] + base[:shift])
    return path.stat().st_size


def run_demo(
    plan: DemoPlan,
    *,
    on_step: Callable[[DemoStep], None] = lambda _s: None,
    progress: Callable[[str, int], Progress] | None = None,
    exchange: Exchange | None = None,
) -> DemoResult:
    """Build the sample federation of ``plan``, step by step.

    ``on_step`` is called after each step; ``progress(label, total_bytes)`` may return a
    callback that receives byte counts while attachments are sealed. ``exchange``, when
    given, runs last with both nodes open, the ids of the two items and the step factory
    (the CLI uses it to serve the nodes on the plan's ports and exchange the items for real).
    """
    result = DemoResult()
    directory, clock = plan.directory, plan.clock
    directory.mkdir(parents=True, exist_ok=True)
    nodes: dict[str, Node] = {}

    @contextmanager
    def step(name: str) -> Iterator[DemoStep]:
        current = DemoStep(name, ok=False)
        result.steps.append(current)
        try:
            yield current
        except AccordError as exc:
            current.lines.append(f"FAILED: {type(exc).__name__}: {exc}")
            on_step(current)
            raise _Stopped from exc
        current.ok = True
        on_step(current)

    try:
        with step("create two nodes") as s:
            for party, node_id, port in (
                ("JPN", "jpn-mod", plan.ports[0]),
                ("KOR", "kor-mnd", plan.ports[1]),
            ):
                node = plan.node(party, node_id, port)
                nodes[party] = node
                s.lines.append(
                    f"{party}: node {node_id} at {directory / party.lower()}, "
                    f"fingerprint {node.parties.own_card().fingerprint}"
                )
        jpn, kor = nodes["JPN"], nodes["KOR"]

        with step("exchange identity cards") as s:
            for here, card in pin_each_other([jpn, kor]):
                s.lines.append(f"{here.config.party} pinned {card.party} node {card.node_id}")

        with step("sign and import the Japan–ROK GSOMIA") as s:
            agreement_id = _gsomia(s, jpn, kor, clock)

        with step("add users") as s:
            for n, name, level in ((jpn, "sato", "極秘"), (kor, "kim", "군사Ⅱ급비밀")):
                user = n.users.add(
                    NewUser(name, role="officer", clearance=level, ntk=["DPRK-MISSILE", "DPRK-IMAGERY"]),
                    actor="authority",
                )
                s.lines.append(f"{n.config.party}: officer {user.name} cleared {user.clearance.native}")

        items: dict[str, str] = {}
        with step("KOR creates a FLASH missile-launch report") as s:
            items["launch"] = _launch_report(s, kor, agreement_id, clock)

        with step(f"JPN creates an imagery item ({plan.image_megabytes} MB)") as s:
            items["imagery"] = _imagery(s, jpn, agreement_id, plan, progress)
        with step("USA joins: the US–Japan GSOMIA (2007) and the US–ROK agreement (1987)") as s:
            nodes["USA"] = _join_usa(s, plan, jpn, kor)
        if exchange is not None:
            exchange(nodes, items, step)
    except _Stopped:
        return result
    finally:
        for node in nodes.values():
            node.close()
    return result


def _gsomia(s: DemoStep, jpn: Node, kor: Node, clock: Clock) -> str:
    """Both sign the Japan–ROK GSOMIA, import it and notify entry into force (Art. 21)."""
    agreement_id = bring_into_force(
        [jpn, kor], example_agreement(_AGREEMENT_FILE), in_force_on=_ENTRY_INTO_FORCE
    )
    for n in (jpn, kor):
        s.lines.append(f"{n.config.party} imported {agreement_id}, signed by both parties")
    status = jpn.agreements.status(agreement_id, clock())
    s.lines.append(f"status today: {status.summary()}")
    if not status.new_exchange_allowed:
        raise IntegrityError("the agreement should be in force after both notifications")
    return agreement_id


def _launch_report(s: DemoStep, kor: Node, agreement_id: str, clock: Clock) -> str:
    launch = kor.items.create(
        NewItem(
            ItemContent(
                ItemKind.MISSILE_LAUNCH,
                "DPRK ballistic missile launch from Sunan area",
                "One ballistic missile launched eastward; fell outside Japan's EEZ.",
                "Early warning and assessment of DPRK missile activity",
                {
                    "detection_time": format_time(clock()),
                    "launch_area": "39.2,125.7",
                    "count": "1",
                    "missile_type": "SRBM",
                    "apogee_km": "50",
                    "range_km": "350",
                    "impact_area": "East Sea, outside Japan's EEZ",
                    "inside_japan_eez": "no",
                },
            ),
            LabelRequest(
                "군사Ⅱ급비밀", ["JPN"], ["DPRK-MISSILE"], ["NO-THIRD-PARTY"], agreement=agreement_id
            ),
            Precedence.FLASH,
        ),
        actor="kim",
    )
    _describe(s, kor, launch.id, "kim")
    return launch.id


def _imagery(
    s: DemoStep, jpn: Node, agreement_id: str, plan: DemoPlan, progress: Callable[[str, int], Progress] | None
) -> str:
    image = plan.directory / "sunan-imagery.pgm"
    size = write_sample_image(image, plan.image_megabytes)
    callback = progress("sealing imagery", size) if progress else None
    imagery = jpn.items.create(
        NewItem(
            ItemContent(
                ItemKind.IMAGERY,
                "Sunan airfield, post-launch imagery",
                "Launch site and support vehicles after the launch.",
                "Assessment of DPRK missile activity",
                {
                    "acquisition_time": format_time(plan.clock()),
                    "sensor": "IGS optical",
                    "footprint": "39.1,125.6;39.1,125.8;39.3,125.8;39.3,125.6",
                },
            ),
            LabelRequest("秘", ["KOR"], ["DPRK-IMAGERY"], [], agreement=agreement_id),
            Precedence.ROUTINE,
            attachments=[image],
        ),
        actor="sato",
        progress=callback,
    )
    _describe(s, jpn, imagery.id, "sato")
    _, stream = jpn.items.attachment(imagery.id, 0, actor="sato")
    restored = sum(len(piece) for piece in stream)
    if restored != size:
        raise IntegrityError("decrypted imagery has the wrong size")
    s.lines.append(f"attachment streamed back: {restored} bytes, SHA-384 verified against the binding")
    return imagery.id


def _describe(s: DemoStep, node: Node, item_id: str, reader: str) -> None:
    view = node.items.show(item_id, actor=reader)
    s.lines.append(f"{view.precedence.value} {view.content.kind.value} {view.id}: {view.content.title}")
    s.lines.append(f"banner at {node.config.party}: {view.banners[0]}")
    for e in node.items.equivalents(view):
        s.lines.append(f"would be marked at {e.party}: {e.banner or 'refused: ' + str(e.refusal)}")


def _join_usa(s: DemoStep, plan: DemoPlan, jpn: Node, kor: Node) -> Node:
    """A USA node, under the US–Japan GSOMIA with JPN and the US–ROK agreement with KOR."""
    usa = plan.node("USA", "usa-dod", plan.ports[2])
    for text, members, since in (
        (example_agreement("usa-jpn-gsomia-2007.toml"), [usa, jpn], date(2007, 8, 10)),
        (example_agreement("usa-kor-1987.toml"), [usa, kor], date(1987, 9, 24)),
    ):
        joined = federate(members, text, in_force_on=since)
        parties = ", ".join(m.config.party for m in members)
        s.lines.append(f"{joined}: signed, imported and in force at {parties}")
    topics = ["DPRK-MISSILE", "DPRK-IMAGERY"]
    user = usa.users.add(NewUser("smith", role="officer", clearance="SECRET", ntk=topics), actor="authority")
    s.lines.append(f"USA: officer {user.name} cleared {user.clearance.native}")
    return usa

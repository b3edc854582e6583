"""``accord demo``: the sample two-party federation, served on 127.0.0.1 from one command."""

from __future__ import annotations

import secrets
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn
from rich.text import Text

from accord.cli._common import console, fail
from accord.cli._serve import UserApiServer, running
from accord.errors import IntegrityError, PolicyDenied, TransportError
from accord.items import ConsentState
from accord.node import NO_ITEM, ConsentGrant, NewUser, Node
from accord.node.demo import DemoPlan, DemoStep, StepFactory, run_demo

__all__ = ["demo", "free_ports"]


def free_ports(count: int) -> list[int]:
    """Ports on 127.0.0.1 that are free right now."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket()
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [s.getsockname()[1] for s in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _exchange(once: bool, ports: list[int]) -> Callable[[dict[str, Node], dict[str, str], StepFactory], None]:
    def exchange(nodes: dict[str, Node], items: dict[str, str], step: StepFactory) -> None:
        jpn, kor, usa = nodes["JPN"], nodes["KOR"], nodes["USA"]
        with (
            running(jpn, "127.0.0.1", ports[0]) as (_, jpn_worker),
            running(kor, "127.0.0.1", ports[1]) as (_, kor_worker),
            running(usa, "127.0.0.1", ports[2]) as (_, usa_worker),
        ):
            workers = (jpn_worker, kor_worker, usa_worker)

            def settle() -> None:
                for worker in workers:
                    worker.wake()
                if not all(worker.wait_until_idle(300) for worker in workers):
                    pending = [e.to_dict() for n in nodes.values() for e in n.delivery.outbox()]
                    raise TransportError(f"envelopes still pending: {pending}")

            with step("serve the three nodes on 127.0.0.1 (mutual TLS, pinned certificates)") as s:
                for node in nodes.values():
                    s.lines.append(f"{node.config.party} peer API: {node.config.endpoint}")
            with step("KOR sends the FLASH report to JPN; JPN sends the imagery to KOR") as s:
                start = time.monotonic()
                kor.sending.send(items["launch"], to="JPN", actor="kim")
                jpn.sending.send(items["imagery"], to="KOR", actor="sato")
                settle()
                s.lines.append(f"both delivered and receipted in {time.monotonic() - start:.2f} s")
            with step("signed receipts came back") as s:
                for node, item in ((kor, items["launch"]), (jpn, items["imagery"])):
                    found = node.delivery.receipts(item)
                    if len(found) != 1:
                        raise IntegrityError(f"expected one receipt for {item}, found {len(found)}")
                    alt = found[0]["alternative_label"]
                    level = alt.get("classification") if isinstance(alt, dict) else None
                    s.lines.append(
                        f"{node.config.party} holds a receipt from {found[0]['peer']}: marked {level}"
                    )
            with step("each inbox shows the received item with both banners") as s:
                # Each as the person who reads it there: an inbox lists what its reader may read.
                for node, item, reader in ((jpn, items["launch"], "sato"), (kor, items["imagery"], "kim")):
                    _show_inbox(s, node, item, reader)
            _consent_flow(nodes, items, step, settle)
            _accountability(nodes, items, step, settle)
            _witnessing(nodes, step, settle)
            with step("every outbox is empty of items") as s:
                # The ledger witnessing goes on in the background (it names no item).
                left = sum(1 for n in nodes.values() for e in n.delivery.outbox() if e.item_id != NO_ITEM)
                if left:
                    raise IntegrityError(f"{left} envelope(s) about items still in the outboxes")
                s.lines.append("nothing about an item is pending")
            if not once:
                _serve_until_interrupted(nodes)
            # Every worker stops before any server does (the witnessing runs in the background).
            for worker in workers:
                worker.stop()

    return exchange


# One demo person per role at each node (the officers exist already); ADR 0006.
_DEMO_PEOPLE = {
    "JPN": {"analyst": "suzuki", "officer": "sato", "authority": "tanaka", "auditor": "ito"},
    "KOR": {"analyst": "choi", "officer": "kim", "authority": "kang", "auditor": "yoon"},
    "USA": {"analyst": "jones", "officer": "smith", "authority": "miller", "auditor": "davis"},
}


def _serve_until_interrupted(nodes: dict[str, Node]) -> None:
    """Keep the nodes and their web consoles up until Ctrl-C."""
    endpoints = ", ".join(f"{n.config.party} at {n.config.endpoint}" for n in nodes.values())
    consoles = _serve_consoles(nodes)
    console.print(f"Serving {endpoints}; Ctrl-C stops.")
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        console.print("Stopping.")
    finally:
        for server in consoles:
            server.stop()


def _serve_consoles(nodes: dict[str, Node]) -> list[UserApiServer]:
    """Serve each node's web console on 127.0.0.1 and print a demo sign-in for every role.

    The demo's passwords are made here at random and printed once: the demo runs on loopback
    only, with nothing of value in it.
    """
    servers = []
    ports = free_ports(len(nodes))
    for (party, node), port in zip(nodes.items(), ports, strict=True):
        password = secrets.token_urlsafe(12)
        officer = node.users.get(_DEMO_PEOPLE[party]["officer"])
        for role, name in _DEMO_PEOPLE[party].items():
            if role != "officer":
                node.users.add(
                    NewUser(
                        name, role=role, clearance=officer.clearance.native, ntk=sorted(officer.need_to_know)
                    ),
                    actor="authority",
                )
            node.accounts.set_password(name, password, actor="authority")
        server = UserApiServer(node, port)
        server.start()
        servers.append(server)
        people = ", ".join(f"{role} {name}" for role, name in _DEMO_PEOPLE[party].items())
        console.print(f"{party} web console: http://127.0.0.1:{port}/  sign in as {people}")
        console.print(f"    password for each of them: {password}", markup=False)
    return servers


def _consent_flow(
    nodes: dict[str, Node], items: dict[str, str], step: StepFactory, settle: Callable[[], None]
) -> None:
    """KOR asks JPN to let it pass the imagery to USA; JPN approves; USA receives it (Art. 6)."""
    jpn, kor, usa = nodes["JPN"], nodes["KOR"], nodes["USA"]
    with step("KOR may not pass JPN's imagery to USA on its own (Art. 6)") as s:
        try:
            kor.sending.send(items["imagery"], to="USA", actor="kim", agreement_id="USA-KOR-1987")
        except PolicyDenied as exc:
            s.lines.append(f"refused: {exc}")
        else:
            raise IntegrityError("KOR passed JPN's imagery on without consent")
    with step("KOR asks JPN's consent; JPN's officer approves; the signed consent comes back") as s:
        asked = kor.consents.request(
            items["imagery"],
            to="USA",
            purpose="Allied assessment of DPRK missile activity",
            actor="kim",
        )
        s.lines.append(f"KOR asked: request {asked.id} (IMMEDIATE envelope to JPN)")
        settle()
        pending = [
            v for v in jpn.consents.listing(actor="sato", status=ConsentState.PENDING) if v.id == asked.id
        ]
        if not pending:
            raise IntegrityError("the consent request did not reach JPN")
        approved = jpn.consents.approve(
            asked.id,
            actor="sato",
            grant=ConsentGrant(days=30, conditions=["No further release without JPN consent"]),
        )
        s.lines.append(f"JPN approved: consent {approved.token_id}, expires {approved.expires_at}")
        settle()
        (back,) = [v for v in kor.consents.listing(actor="kim") if v.id == asked.id]
        s.lines.append(f"KOR holds the consent signed by JPN: {back.status}")
    with step("KOR sends the imagery to USA with JPN's consent; USA verifies it and receives") as s:
        kor.sending.send(items["imagery"], to="USA", actor="kim", agreement_id="USA-KOR-1987")
        settle()
        _show_inbox(s, usa, items["imagery"], "smith")


def _accountability(
    nodes: dict[str, Node], items: dict[str, str], step: StepFactory, settle: Callable[[], None]
) -> None:
    """Copies, a translation, a possible compromise and a destruction, each reaching the originator."""
    jpn, kor = nodes["JPN"], nodes["KOR"]
    imagery = items["imagery"]
    with step("KOR makes two numbered copies and a Korean translation of JPN's imagery report") as s:
        for copy in kor.custody.copy(imagery, count=2, actor="kim"):
            s.lines.append(f"copy {copy.number} of {copy.of}, accounted for in the holdings register")
        with tempfile.TemporaryDirectory(prefix="accord-demo-") as folder:
            text = Path(folder) / "translation-ko.txt"
            text.write_text("순안 비행장, 발사 후 영상: 발사장과 지원 차량.", encoding="utf-8")
            translated = kor.custody.translate(imagery, path=text, lang="ko", actor="kim")
        s.lines.append(f"translation {translated.id} ({translated.lang}), same markings as its source:")
        s.lines.extend(f"    {line}" for line in translated.banners)
    with step("KOR reports a possible compromise; the FLASH notice reaches JPN at once (Art. 17)") as s:
        case = kor.compromise.report(
            [imagery], actual=False, circumstances="A copy was left unattended for ten minutes", actor="kim"
        )
        s.lines.append(f"KOR opened {case.id} (possible) and notified {', '.join(case.originators)}")
        settle()
        seen = [c for c in jpn.compromise.listing(actor="sato") if c.id == case.id]
        if not seen:
            raise IntegrityError("the compromise notice did not reach JPN")
        s.lines.append(f"JPN sees case {seen[0].id}: {seen[0].status}, reported by {seen[0].reporting_party}")
    with step("KOR destroys the imagery (crypto-erase, witnessed); JPN receives the signed certificate") as s:
        kor.users.add(
            NewUser("park", role="officer", clearance="군사Ⅱ급비밀", ntk=["DPRK-MISSILE", "DPRK-IMAGERY"]),
            actor="authority",
        )
        done = kor.custody.destroy(imagery, method="crypto-erase", witness="park", actor="kim")
        s.lines.append(
            f"destroyed at KOR; certificate signed by {done.certificate.destroyed_by}, witness park"
        )
        settle()
        record = jpn.register.dissemination(imagery, actor="sato")
        if not record.certificates:
            raise IntegrityError("the destruction certificate did not reach JPN")
        s.lines.append(
            f"JPN's dissemination record holds {len(record.certificates)} destruction certificate(s)"
        )


def _witnessing(nodes: dict[str, Node], step: StepFactory, settle: Callable[[], None]) -> None:
    """JPN and KOR offer each other their signed checkpoints; each verifies and countersigns."""
    jpn, kor = nodes["JPN"], nodes["KOR"]
    with step("JPN and KOR witness each other's ledger: signed checkpoints, countersigned") as s:
        for node in (jpn, kor):
            node.ledger.seal()
            node.witness.publish()
        settle()
        for node, other in ((jpn, "kor-mnd"), (kor, "jpn-mod")):
            (status,) = [w for w in node.witness.witnesses() if w["node"] == other]
            seen, signed = status["seen"], status["countersigned"]
            if not isinstance(seen, dict) or not isinstance(signed, dict):
                raise IntegrityError(f"{node.config.party} has not witnessed {other}'s ledger")
            s.lines.append(
                f"{node.config.party} verified {other}'s checkpoint (size {seen['size']}, root "
                f"{str(seen['root'])[:16]}…); {other} countersigned ours at size {signed['size']}"
            )


def _show_inbox(s: DemoStep, node: Node, item: str, reader: str) -> None:
    views = [v for v in node.items.inbox(actor=reader).views if v.id == item]
    if len(views) != 1:
        raise IntegrityError(f"{node.config.party} does not hold {item}")
    s.lines.append(f"at {node.config.party} ({reader}): {views[0].content.title}")
    s.lines.extend(f"    {line}" for line in views[0].banners)


def demo(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Folder for the two nodes (default: a new temporary folder).")
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Run the exchange once and exit 0 only if every step succeeded.")
    ] = False,
    image_mb: Annotated[
        int, typer.Option(help="Size of the generated imagery file in MB.", min=1, max=4096)
    ] = 48,
) -> None:
    """JPN, KOR and USA nodes on 127.0.0.1: the Japan–ROK GSOMIA, a FLASH report, imagery, consent to USA."""
    target = directory or Path(tempfile.mkdtemp(prefix="accord-demo-"))
    console.print(f"Accord demo in {target}")

    def on_step(step: DemoStep) -> None:
        mark = ("✓", "green") if step.ok else ("✗", "red")
        console.print(Text.assemble(mark, " ", (step.name, "bold")))
        for line in step.lines:
            console.print(f"    {line}", markup=False)

    ports = free_ports(3)
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        console=console,
        transient=True,
    ) as bar:

        def progress(label: str, total: int) -> Callable[[int], None]:
            task = bar.add_task(label, total=total)
            return lambda n: bar.advance(task, n)

        result = run_demo(
            DemoPlan(target, image_megabytes=image_mb, ports=(ports[0], ports[1], ports[2])),
            on_step=on_step,
            progress=progress,
            exchange=_exchange(once, ports),
        )
    if not result.ok:
        fail("the demo did not complete; see the failed step above", 1)
    console.print(
        Text.assemble(
            (f"All {len(result.steps)} steps succeeded.", "green"),
            f" Nodes: {target / 'jpn'}, {target / 'kor'}, {target / 'usa'}",
        )
    )

"""``accord demo``: the sample two-party federation, served on 127.0.0.1 from one command."""

from __future__ import annotations

import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from accord.cli._common import console, fail
from accord.cli._serve import running
from accord.errors import IntegrityError, TransportError
from accord.node import Node
from accord.node.demo import DemoStep, StepFactory, run_demo

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


def _exchange(once: bool, ports: list[int]) -> Callable[[Node, Node, dict[str, str], StepFactory], None]:
    def exchange(jpn: Node, kor: Node, items: dict[str, str], step: StepFactory) -> None:
        with (
            running(jpn, "127.0.0.1", ports[0]) as (_, jpn_worker),
            running(kor, "127.0.0.1", ports[1]) as (
                _,
                kor_worker,
            ),
        ):
            with step("serve both nodes on 127.0.0.1 (mutual TLS, pinned certificates)") as s:
                s.lines.append(f"JPN peer API: {jpn.config.endpoint}")
                s.lines.append(f"KOR peer API: {kor.config.endpoint}")
            with step("KOR sends the FLASH report to JPN; JPN sends the imagery to KOR") as s:
                start = time.monotonic()
                kor.sending.send(items["launch"], to="JPN", actor="kim")
                jpn.sending.send(items["imagery"], to="KOR", actor="sato")
                kor_worker.wake()
                jpn_worker.wake()
                if not (kor_worker.wait_until_idle(300) and jpn_worker.wait_until_idle(300)):
                    pending = [e.to_dict() for e in [*jpn.delivery.outbox(), *kor.delivery.outbox()]]
                    raise TransportError(f"envelopes still pending: {pending}")
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
                    views = [v for v in node.items.inbox(actor=reader).views if v.id == item]
                    if len(views) != 1:
                        raise IntegrityError(f"{node.config.party} does not hold {item}")
                    s.lines.append(f"at {node.config.party}: {views[0].content.title}")
                    s.lines.extend(f"    {line}" for line in views[0].banners)
            with step("both outboxes are empty") as s:
                left = len(jpn.delivery.outbox()) + len(kor.delivery.outbox())
                if left:
                    raise IntegrityError(f"{left} envelope(s) still in the outboxes")
                s.lines.append("nothing pending")
            if not once:
                console.print(
                    f"Serving JPN at {jpn.config.endpoint} and KOR at {kor.config.endpoint}; Ctrl-C stops."
                )
                try:
                    while True:
                        time.sleep(3600)
                except KeyboardInterrupt:
                    console.print("Stopping.")

    return exchange


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
    """Two nodes, JPN and KOR, on 127.0.0.1: sign the Japan–ROK GSOMIA, exchange a FLASH report, imagery."""
    target = directory or Path(tempfile.mkdtemp(prefix="accord-demo-"))
    console.print(f"Accord demo in {target}")

    def on_step(step: DemoStep) -> None:
        mark = "[green]✓[/]" if step.ok else "[red]✗[/]"
        console.print(f"{mark} [bold]{step.name}[/]")
        for line in step.lines:
            console.print(f"    {line}", markup=False)

    ports = free_ports(2)
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
            target,
            image_megabytes=image_mb,
            on_step=on_step,
            progress=progress,
            ports=(ports[0], ports[1]),
            exchange=_exchange(once, ports),
        )
    if not result.ok:
        fail("the demo did not complete; see the failed step above", 1)
    console.print(
        f"[green]All {len(result.steps)} steps succeeded.[/] Nodes: {target / 'jpn'}, {target / 'kor'}"
    )

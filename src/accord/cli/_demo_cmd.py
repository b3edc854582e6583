"""``accord demo``: the sample two-party federation."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, DownloadColumn, Progress, TextColumn, TransferSpeedColumn

from accord.cli._common import console, fail
from accord.node.demo import DemoStep, run_demo

__all__ = ["demo"]


def demo(
    directory: Annotated[
        Path | None, typer.Option("--dir", help="Folder for the two nodes (default: a new temporary folder).")
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="Run the sample once and exit 0 only if every step succeeded.")
    ] = False,
    image_mb: Annotated[int, typer.Option(help="Size of the generated imagery file in MB.")] = 48,
) -> None:
    """Create JPN and KOR nodes, sign the Japan–ROK GSOMIA, create items, show their markings at each side."""
    target = directory or Path(tempfile.mkdtemp(prefix="accord-demo-"))
    console.print(f"Accord demo in {target}")

    def on_step(step: DemoStep) -> None:
        mark = "[green]✓[/]" if step.ok else "[red]✗[/]"
        console.print(f"{mark} [bold]{step.name}[/]")
        for line in step.lines:
            console.print(f"    {line}", markup=False)

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

        result = run_demo(target, image_megabytes=image_mb, on_step=on_step, progress=progress)
    if not result.ok:
        fail("the demo did not complete; see the failed step above", 1)
    console.print(
        f"[green]All {len(result.steps)} steps succeeded.[/] Nodes: {target / 'jpn'}, {target / 'kor'}"
    )
    if not once:
        console.print("(A served federation arrives with the exchange issue; for now the demo runs once.)")

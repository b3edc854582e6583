"""A progress bar for long checks that count items (``accord ledger verify``, ``accord item verify``)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from accord.cli._common import err_console

__all__ = ["counted_progress"]


@contextmanager
def counted_progress(what: str, *, enabled: bool) -> Iterator[Callable[[int, int], None] | None]:
    """A ``(done, total)`` callback drawing a bar labelled ``what``, or ``None`` when not shown.

    On a terminal only (standard error), so that --json output and pipes stay clean.
    """
    if not enabled or not err_console.is_terminal:
        yield None
        return
    columns = (TextColumn(what), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=err_console, transient=True) as bar:
        task = bar.add_task("verify", total=None)

        def update(done: int, total: int) -> None:
            bar.update(task, completed=done, total=total)

        yield update

"""The ``accord`` command: one Typer app and its sub-commands (the entry point is ``accord.cli._main``).

The commands are imported when used (:mod:`accord.cli._lazy`): ``accord --help`` lists them
all from :data:`COMMANDS` without loading the node (the console script prints it without
Typer: :mod:`accord.cli._root_help`), and ``accord item list`` loads the item commands and
what they need, not the HTTP stack or the interop formats.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from accord.cli._commands import COMMANDS, HOME_HELP, ROOT_HELP
from accord.cli._lazy import LazyGroup

__all__ = ["COMMANDS", "app"]


class _Accord(LazyGroup):
    lazy = COMMANDS


app = typer.Typer(
    name="accord",
    help=ROOT_HELP,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=_Accord,
)


@app.callback()
def _global(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help=HOME_HELP,
            show_default=False,
        ),
    ] = None,
) -> None:
    """Accord: exchange classified military information under a GSOMIA, the agreement enforced in code."""
    # Here, not at the top: the settings module imports the node (see accord.cli._lazy).
    from accord.cli._common import use_settings  # noqa: PLC0415 - see above

    use_settings(ctx.obj)
    # `accord --home DIR COMMAND` works like `accord COMMAND --home DIR`: the commands read
    # ACCORD_HOME when they are not given --home themselves.
    if home is not None:
        os.environ["ACCORD_HOME"] = str(home)

"""Typer's in-process test runner, with each app's click command built once.

``typer.testing.CliRunner.invoke`` rebuilds the click command from the Typer app on every
call: reading the signatures and type hints of ``accord``'s hundred commands costs about
0.14 s of CPU, which was most of what an in-process CLI test spent. The command built once
is the same object Typer would build again; click makes a fresh context for every run.
"""

from __future__ import annotations

import functools
from typing import Any

import typer
import typer.main
import typer.testing

__all__ = ["CliRunner"]


@functools.cache
def _command(app: typer.Typer) -> Any:
    return typer.main.get_command(app)


class CliRunner(typer.testing.CliRunner):
    """:class:`typer.testing.CliRunner`, building each app's command once per test process."""

    def invoke(self, app: typer.Typer, *args: Any, **kwargs: Any) -> typer.testing.Result:
        """As Typer's ``invoke``, with the command built once."""
        built = typer.testing._get_command
        typer.testing._get_command = _command
        try:
            return super().invoke(app, *args, **kwargs)
        finally:
            typer.testing._get_command = built

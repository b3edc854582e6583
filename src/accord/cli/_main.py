"""The ``accord`` console script's entry point, light enough that ``accord --help`` imports no Typer."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main() -> None:
    """Entry point of the ``accord`` console script."""
    # Imported here, each only on its path: `accord --help` is printed without Typer
    # (accord.cli._root_help), every other command is Typer's.
    from accord.cli._root_help import is_root_help  # noqa: PLC0415 - see above

    if is_root_help(sys.argv):
        from accord.cli._root_help import print_root_help  # noqa: PLC0415 - see above

        print_root_help()
        return
    from accord.cli._app import app  # noqa: PLC0415 - see above

    app()

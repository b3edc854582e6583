"""The ``accord`` console script's entry point, light enough that ``accord --help`` imports no Typer."""

from __future__ import annotations

import os
import sys

__all__ = ["is_root_help", "main"]

PROG = "accord"


def is_root_help(argv: list[str]) -> bool:
    """Whether ``argv`` (``sys.argv``) asks for ``accord --help`` under the name ``accord``.

    Click names the program after ``sys.argv[0]`` unless it runs as ``python -m``; any other
    name is left to Typer, which prints it.
    """
    main = sys.modules.get("__main__")
    plain = getattr(main, "__package__", None) in (None, "")
    return argv[1:] == ["--help"] and plain and os.path.basename(argv[0]) == PROG  # noqa: PTH119 - as Click


def main() -> None:
    """Entry point of the ``accord`` console script."""
    # Imported here, each only on its path: `accord --help` is printed without Typer
    # (accord.cli._root_help), every other command is Typer's.
    if is_root_help(sys.argv):
        from accord.cli._root_help import print_root_help  # noqa: PLC0415 - see above

        print_root_help()
        return
    from accord.cli._app import app  # noqa: PLC0415 - see above

    app()

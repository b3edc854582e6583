"""The ``accord`` command-line interface (Typer + Rich).

Every command has ``--help`` and ``--home DIR`` (or ``ACCORD_HOME``) where it acts on a
node, exits 0 on success and non-zero with a one-line reason on refusal (the exit codes
are in :data:`accord.cli._common.EXIT_CODES`), and ``--json`` where a script reads it.
A command that acts for a person takes ``--as USER`` and authenticates USER before anything
else (:func:`accord.cli._auth.login`: ``ACCORD_TOKEN``, ``ACCORD_PASSWORD`` or a prompt).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accord.cli._main import main

if TYPE_CHECKING:
    from accord.cli._app import app

__all__ = ["app", "main"]


def __getattr__(name: str) -> object:
    # `app` (Typer and every command's stand-in) is imported when asked for: the console
    # script's `main` prints `accord --help` without it (accord.cli._root_help).
    if name == "app":
        from accord.cli._app import app  # noqa: PLC0415 - see above

        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")

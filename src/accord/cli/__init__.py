"""The ``accord`` command-line interface (Typer + Rich).

Every command has ``--help`` and ``--home DIR`` (or ``ACCORD_HOME``) where it acts on a
node, exits 0 on success and non-zero with a one-line reason on refusal (the exit codes
are in :data:`accord.cli._common.EXIT_CODES`), and ``--json`` where a script reads it.
A command that acts for a person takes ``--as USER`` and authenticates USER before anything
else (:func:`accord.cli._auth.login`: ``ACCORD_TOKEN``, ``ACCORD_PASSWORD`` or a prompt).
"""

from accord.cli._app import app, main

__all__ = ["app", "main"]

"""The options and arguments many commands declare, defined once: ``--home``, ``--json``,
an item id, ``--as USER``.

Each is a Typer ``Annotated`` alias (or, for ``--as``, the option with the command's own words
about who acts), so a command's signature says only what is its own.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from accord.cli._auth import PASSWORD_ENV, TOKEN_ENV

__all__ = ["HomeOpt", "ItemIdArg", "JsonOpt", "OriginatorOfficerOpt", "as_option"]

HomeOpt = Annotated[
    Path | None,
    typer.Option(
        "--home",
        envvar="ACCORD_HOME",
        help="The node's home folder (or set ACCORD_HOME).",
        show_default=False,
    ),
]
JsonOpt = Annotated[bool, typer.Option("--json", help="Print machine-readable JSON instead of text.")]
ItemIdArg = Annotated[str, typer.Argument(help="Item id.")]


def as_option(who: str) -> Any:
    """The ``--as USER`` option of a command that acts for a person, ``who`` saying which person
    (:func:`accord.cli._auth.login` proves who the person is)."""
    return typer.Option(
        "--as", help=f"{who} Authenticated by {TOKEN_ENV}, {PASSWORD_ENV} or a password prompt."
    )


OriginatorOfficerOpt = Annotated[str, as_option("The originator's officer.")]
"""``--as USER`` of the originator's controls (consent, downgrade, disposal: Art. 6)."""

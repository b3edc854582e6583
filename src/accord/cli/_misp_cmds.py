"""``accord misp import``: MISP events as items, labelled through an explicit map (issue 13)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli._auth import acting
from accord.cli._common import print_created
from accord.cli._options import HomeOpt, JsonOpt, as_option
from accord.interop import MispImport

__all__ = ["misp_app"]

misp_app = typer.Typer(
    help="MISP: import events as items, their classification tags mapped to labels by a map file.",
    no_args_is_help=True,
)


@misp_app.command("import")
def misp_import(
    file: Annotated[
        Path, typer.Argument(help='A MISP event file (JSON: {"Event": …} or {"response": […]}).')
    ],
    as_user: Annotated[str, as_option("The user creating the items (their creation checks apply).")],
    classification_map: Annotated[
        Path,
        typer.Option(
            "--classification-map",
            help="TOML file mapping MISP tags to labels (docs/misp.md); required, never guessed.",
        ),
    ],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import MISP events: one item per event under its mapped label, or none at all.

    An event this node imported already (by its uuid) is refused, naming its item (exit 5).
    """
    with acting(home, as_user) as (node, actor):
        views = MispImport(node).import_file(file, classification_map, actor=actor)
    print_created(views, json_out)

"""``accord stix export`` and ``accord stix import``: items as STIX 2.1 bundles, markings kept (issue 13)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from accord.cli._auth import acting
from accord.cli._common import check_writable, print_created, write_or_echo
from accord.cli._options import HomeOpt, JsonOpt, as_option
from accord.interop import StixExchange

__all__ = ["stix_app"]

stix_app = typer.Typer(
    help="STIX 2.1: export items with their ACS 3.0 and national markings, import bundles.",
    no_args_is_help=True,
)


@stix_app.command("export")
def stix_export(
    items: Annotated[list[str], typer.Argument(help="Item ids.")],
    as_user: Annotated[str, as_option("The user reading the items (each is read as by `item show`).")],
    out: Annotated[
        Path | None, typer.Option(help="Write the bundle here (default: standard output).")
    ] = None,
    home: HomeOpt = None,
) -> None:
    """Export items as one STIX 2.1 bundle, validated by stix2 and stix2-validator."""
    with acting(home, as_user) as (node, actor):
        check_writable(out)
        bundle = StixExchange(node).export(items, actor=actor)
    text = json.dumps(bundle, ensure_ascii=False, indent=2) + "\n"
    write_or_echo(out, text, f"Wrote {len(items)} item(s) as a STIX 2.1 bundle to {out}.")


@stix_app.command("import")
def stix_import(
    file: Annotated[Path, typer.Argument(help="A STIX 2.1 bundle (JSON).")],
    as_user: Annotated[str, as_option("The user creating the items (their creation checks apply).")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import a STIX 2.1 bundle: every item created under its national marking, or none."""
    with acting(home, as_user) as (node, actor):
        views = StixExchange(node).import_file(file, actor=actor)
    print_created(views, json_out)

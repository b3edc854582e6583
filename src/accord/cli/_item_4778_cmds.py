"""``accord item export-4778`` / ``import-4778``: an item as a STANAG 4778 binding (issue 13).

Registered on the ``item`` group by :mod:`accord.cli._item_cmds`. The interop package (with
FastAPI, for its TAXII routes) is imported by these two commands only, not by ``item list``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli._auth import acting
from accord.cli._common import check_writable, console, created_line, emit_json, write_or_echo
from accord.cli._options import HomeOpt, ItemIdArg, JsonOpt, as_option
from accord.limits import MAX_BINDING_XML_BYTES, read_bounded

__all__ = ["item_export_4778", "item_import_4778"]


def item_export_4778(
    item_id: ItemIdArg,
    as_user: Annotated[str, as_option("The user reading the item (as by `item show`).")],
    out: Annotated[
        Path | None, typer.Option(help="Write the binding document here (default: standard output).")
    ] = None,
    home: HomeOpt = None,
) -> None:
    """Export an item as a STANAG 4778 binding: its 4774 labels and data under this node's XML Signature."""
    from accord.interop import Stanag4778Exchange  # noqa: PLC0415 - see the module's docstring

    with acting(home, as_user) as (node, actor):
        check_writable(out)
        document = Stanag4778Exchange(node).export(item_id, actor=actor)
    write_or_echo(out, document.decode("utf-8"), f"Wrote {item_id} as a STANAG 4778 binding to {out}.")


def item_import_4778(
    file: Annotated[
        Path,
        typer.Argument(
            help="A STANAG 4778 binding document (XML) signed by this node or a pinned node of its party."
        ),
    ],
    as_user: Annotated[str, as_option("The user creating the item (their creation checks apply).")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Import a STANAG 4778 binding of this party's own item: verified, created under its label here."""
    from accord.interop import Stanag4778Exchange  # noqa: PLC0415 - see the module's docstring

    with acting(home, as_user) as (node, actor):
        data = read_bounded(file, limit=MAX_BINDING_XML_BYTES, what="STANAG 4778 binding")
        view = Stanag4778Exchange(node).import_binding(data, actor=actor)
    if json_out:
        emit_json(view.summary())
        return
    console.print(created_line(view))

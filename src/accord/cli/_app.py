"""The ``accord`` command: one Typer app, its sub-commands, and ``main``."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Annotated

import typer

from accord.cli._agreement_cmds import agreement_app
from accord.cli._common import use_settings
from accord.cli._compromise_cmds import compromise_app
from accord.cli._consent_cmds import consent_app, downgrade, release_request
from accord.cli._custody_cmds import (
    certificate,
    copy,
    destroy,
    dissemination,
    holdings_app,
    reconcile,
    request_disposal,
    translate,
    translation,
)
from accord.cli._demo_cmd import demo
from accord.cli._exchange_cmds import bundle_app, inbox, outbox, quarantine_app, receipts, send
from accord.cli._item_4778_cmds import item_export_4778, item_import_4778
from accord.cli._item_cmds import item_app, label_app
from accord.cli._journal_cmds import journal_app
from accord.cli._ledger_cmds import ledger_app
from accord.cli._misp_cmds import misp_app
from accord.cli._node_cmds import identity_app, init, party_app, user_app
from accord.cli._oversight_cmds import oversight_app
from accord.cli._search_cmds import search_app
from accord.cli._serve import serve
from accord.cli._stix_cmds import stix_app
from accord.cli._witness_cmds import ack_alarm, alarms, publish, witnesses

__all__ = ["app", "main"]

app = typer.Typer(
    name="accord",
    help="Accord: exchange classified military information under a GSOMIA, the agreement enforced in code.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _global(
    ctx: typer.Context,
    home: Annotated[
        Path | None,
        typer.Option(
            "--home",
            help="The node's home folder, for every command (or set ACCORD_HOME).",
            show_default=False,
        ),
    ] = None,
) -> None:
    """Accord: exchange classified military information under a GSOMIA, the agreement enforced in code."""
    use_settings(ctx.obj)
    # `accord --home DIR COMMAND` works like `accord COMMAND --home DIR`: the commands read
    # ACCORD_HOME when they are not given --home themselves.
    if home is not None:
        os.environ["ACCORD_HOME"] = str(home)


# Commands, then groups, each in the order `accord --help` lists them.
_COMMANDS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("init", init),
    ("serve", serve),
    ("send", send),
    ("outbox", outbox),
    ("inbox", inbox),
    ("receipts", receipts),
    ("release-request", release_request),
    ("downgrade", downgrade),
    ("copy", copy),
    ("translate", translate),
    ("translation", translation),
    ("destroy", destroy),
    ("request-disposal", request_disposal),
    ("certificate", certificate),
    ("dissemination", dissemination),
    ("reconcile", reconcile),
    ("demo", demo),
)
_LEDGER_COMMANDS: tuple[tuple[str, Callable[..., None]], ...] = (
    ("publish", publish),
    ("witnesses", witnesses),
    ("alarms", alarms),
    ("ack-alarm", ack_alarm),
)
_GROUPS: tuple[tuple[str, typer.Typer], ...] = (
    ("identity", identity_app),
    ("party", party_app),
    ("agreement", agreement_app),
    ("user", user_app),
    ("item", item_app),
    ("label", label_app),
    ("search", search_app),
    ("consent", consent_app),
    ("holdings", holdings_app),
    ("compromise", compromise_app),
    ("quarantine", quarantine_app),
    ("bundle", bundle_app),
    ("ledger", ledger_app),
    ("journal", journal_app),
    ("oversight", oversight_app),
    ("stix", stix_app),
    ("misp", misp_app),
)
for name, command in _COMMANDS:
    app.command(name)(command)
for name, command in _LEDGER_COMMANDS:
    ledger_app.command(name)(command)
item_app.command("export-4778")(item_export_4778)  # STANAG 4778 (issue 13), kept in its own module
item_app.command("import-4778")(item_import_4778)
for name, group in _GROUPS:
    app.add_typer(group, name=name)


def main() -> None:
    """Entry point of the ``accord`` console script."""
    app()

"""The ``accord`` command: one Typer app, its sub-commands, and ``main``."""

from __future__ import annotations

import os
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
from accord.cli._item_cmds import item_app, label_app
from accord.cli._journal_cmds import journal_app
from accord.cli._ledger_cmds import ledger_app
from accord.cli._node_cmds import identity_app, init, party_app, user_app
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


app.command("init")(init)
app.add_typer(identity_app, name="identity")
app.add_typer(party_app, name="party")
app.add_typer(agreement_app, name="agreement")
app.add_typer(user_app, name="user")
app.add_typer(item_app, name="item")
app.add_typer(label_app, name="label")
app.add_typer(search_app, name="search")
app.command("serve")(serve)
app.command("send")(send)
app.command("outbox")(outbox)
app.command("inbox")(inbox)
app.command("receipts")(receipts)
app.command("release-request")(release_request)
app.add_typer(consent_app, name="consent")
app.command("downgrade")(downgrade)
app.command("copy")(copy)
app.command("translate")(translate)
app.command("translation")(translation)
app.command("destroy")(destroy)
app.command("request-disposal")(request_disposal)
app.command("certificate")(certificate)
app.add_typer(holdings_app, name="holdings")
app.command("dissemination")(dissemination)
app.command("reconcile")(reconcile)
app.add_typer(compromise_app, name="compromise")
app.add_typer(quarantine_app, name="quarantine")
app.add_typer(bundle_app, name="bundle")
ledger_app.command("publish")(publish)
ledger_app.command("witnesses")(witnesses)
ledger_app.command("alarms")(alarms)
ledger_app.command("ack-alarm")(ack_alarm)
app.add_typer(ledger_app, name="ledger")
app.add_typer(journal_app, name="journal")
app.add_typer(stix_app, name="stix")
app.command("demo")(demo)


def main() -> None:
    """Entry point of the ``accord`` console script."""
    app()

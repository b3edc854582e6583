"""The ``accord`` command: one Typer app, its sub-commands, and ``main``."""

from __future__ import annotations

import typer

from accord.cli._agreement_cmds import agreement_app
from accord.cli._demo_cmd import demo
from accord.cli._exchange_cmds import inbox, outbox, quarantine_app, receipts, send
from accord.cli._item_cmds import item_app, label_app
from accord.cli._node_cmds import identity_app, init, party_app, user_app
from accord.cli._serve import serve

__all__ = ["app", "main"]

app = typer.Typer(
    name="accord",
    help="Accord: exchange classified military information under a GSOMIA, the agreement enforced in code.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.command("init")(init)
app.add_typer(identity_app, name="identity")
app.add_typer(party_app, name="party")
app.add_typer(agreement_app, name="agreement")
app.add_typer(user_app, name="user")
app.add_typer(item_app, name="item")
app.add_typer(label_app, name="label")
app.command("serve")(serve)
app.command("send")(send)
app.command("outbox")(outbox)
app.command("inbox")(inbox)
app.command("receipts")(receipts)
app.add_typer(quarantine_app, name="quarantine")
app.command("demo")(demo)


def main() -> None:
    """Entry point of the ``accord`` console script."""
    app()

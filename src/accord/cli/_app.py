"""The ``accord`` command: one Typer app, its sub-commands, and ``main``.

The commands are imported when used (:mod:`accord.cli._lazy`): ``accord --help`` lists them
all from :data:`COMMANDS` without loading the node, and ``accord item list`` loads the item
commands and what they need, not the HTTP stack or the interop formats.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from accord.cli._lazy import LazyCommand, LazyGroup

__all__ = ["COMMANDS", "app", "main"]

# Commands, then groups, in the order `accord --help` lists them; each with the first
# paragraph of its help (tests/cli/test_cli_lazy.py checks it against the command's own).
COMMANDS: tuple[LazyCommand, ...] = (
    LazyCommand(
        "init",
        "accord.cli._node_cmds:init",
        "Create a node: signing keys (Ed25519 + ML-DSA-65), HPKE key, TLS certificate, data key, database.",
    ),
    LazyCommand(
        "serve",
        "accord.cli._serve:serve",
        "Run the node: the peer API over mutual TLS, the user API and web console, the delivery worker.",
    ),
    LazyCommand(
        "send",
        "accord.cli._exchange_cmds:send",
        "Release an item to a partner: check agreement, scope and markings; queue a sealed envelope.",
    ),
    LazyCommand(
        "outbox",
        "accord.cli._exchange_cmds:outbox",
        "Envelopes waiting for a receipt, most urgent first, with age against the precedence objective.",
    ),
    LazyCommand(
        "inbox",
        "accord.cli._exchange_cmds:inbox",
        "Items received from partners that a user may read, FLASH first, with both banners.",
    ),
    LazyCommand(
        "receipts",
        "accord.cli._exchange_cmds:receipts",
        "Signed receipts partners returned for an item.",
    ),
    LazyCommand(
        "release-request",
        "accord.cli._consent_cmds:release_request",
        "Ask the originator's consent to pass an item on; the request travels as an IMMEDIATE envelope.",
    ),
    LazyCommand(
        "downgrade",
        "accord.cli._consent_cmds:downgrade",
        "Lower an item's classification (or declassify it); a signed notice goes to every holder.",
    ),
    LazyCommand(
        "copy",
        "accord.cli._custody_cmds:copy",
        "Make numbered copies of an item (copy 1 of N…), each accounted for in the register.",
    ),
    LazyCommand(
        "translate",
        "accord.cli._custody_cmds:translate",
        "Record a translation: a derived item with the source's markings, linked to it.",
    ),
    LazyCommand(
        "translation",
        "accord.cli._custody_cmds:translation",
        "Show a translation, under its source's markings and access decision.",
    ),
    LazyCommand(
        "destroy",
        "accord.cli._custody_cmds:destroy",
        "Destroy an item's content (crypto-erase); keep its record; sign a destruction certificate.",
    ),
    LazyCommand(
        "request-disposal",
        "accord.cli._custody_cmds:request_disposal",
        "Ask a holder to return or destroy what this node provided (Art. 21: also after termination).",
    ),
    LazyCommand(
        "certificate",
        "accord.cli._custody_cmds:certificate",
        "Print (or write) the signed destruction certificate this node issued for an item.",
    ),
    LazyCommand(
        "dissemination",
        "accord.cli._custody_cmds:dissemination",
        "Where an item went from here: sends and receipts, consents, third parties' receipts, certificates.",
    ),
    LazyCommand(
        "reconcile",
        "accord.cli._custody_cmds:reconcile",
        "Compare a partner's signed holdings summary with what we provided to it; report every difference.",
    ),
    LazyCommand(
        "demo",
        "accord.cli._demo_cmd:demo",
        "JPN, KOR and USA nodes on 127.0.0.1: the Japan–ROK GSOMIA, a FLASH report, imagery, consent to USA.",
    ),
    LazyCommand(
        "identity",
        "accord.cli._node_cmds:identity_app",
        "This node's identity card.",
    ),
    LazyCommand(
        "party",
        "accord.cli._node_cmds:party_app",
        "Partner nodes pinned from their identity cards.",
    ),
    LazyCommand(
        "agreement",
        "accord.cli._agreement_cmds:agreement_app",
        "Agreements (GSOMIA): sign, import, status, diplomatic notes.",
    ),
    LazyCommand(
        "user",
        "accord.cli._node_cmds:user_app",
        "People at this node: role, clearance, need-to-know.",
    ),
    LazyCommand(
        "item",
        "accord.cli._item_cmds:item_app",
        "Items: create, list, show, attachments.",
    ),
    LazyCommand(
        "label",
        "accord.cli._item_cmds:label_app",
        "Confidentiality labels: check and convert (JSON ↔ STANAG 4774 XML).",
    ),
    LazyCommand(
        "search",
        "accord.cli._search_cmds:search_app",
        "Search the items a user may read (Korean, Japanese, English); rebuild or check the index.",
    ),
    LazyCommand(
        "consent",
        "accord.cli._consent_cmds:consent_app",
        "The originator's prior written consent to pass an item on (Art. 6).",
    ),
    LazyCommand(
        "holdings",
        "accord.cli._custody_cmds:holdings_app",
        "The holdings register: what this node holds, and signed summaries for originators (Art. 6).",
    ),
    LazyCommand(
        "compromise",
        "accord.cli._compromise_cmds:compromise_app",
        "Loss or compromise of CMI: notify the originator at once, investigate, report (Art. 17).",
    ),
    LazyCommand(
        "quarantine",
        "accord.cli._exchange_cmds:quarantine_app",
        "What partners sent that was refused, with the precise reasons.",
    ),
    LazyCommand(
        "bundle",
        "accord.cli._exchange_cmds:bundle_app",
        "Offline bundles for an air-gapped link (the diplomatic pouch).",
    ),
    LazyCommand(
        "ledger",
        "accord.cli._ledger_cmds:ledger_app",
        "The tamper-evident ledger: every journal event a leaf of a signed Merkle tree (RFC 9162).",
    ),
    LazyCommand(
        "journal",
        "accord.cli._journal_cmds:journal_app",
        "The journal: who did what, when, to which item, and why a refusal was refused.",
    ),
    LazyCommand(
        "oversight",
        "accord.cli._oversight_cmds:oversight_app",
        "Oversight reports: the agreement's monthly figures, checkable with the parties' cards alone.",
    ),
    LazyCommand(
        "stix",
        "accord.cli._stix_cmds:stix_app",
        "STIX 2.1: export items with their ACS 3.0 and national markings, import bundles.",
    ),
    LazyCommand(
        "misp",
        "accord.cli._misp_cmds:misp_app",
        "MISP: import events as items, their classification tags mapped to labels by a map file.",
    ),
)


class _Accord(LazyGroup):
    lazy = COMMANDS


app = typer.Typer(
    name="accord",
    help="Accord: exchange classified military information under a GSOMIA, the agreement enforced in code.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
    cls=_Accord,
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
    # Here, not at the top: the settings module imports the node (see accord.cli._lazy).
    from accord.cli._common import use_settings  # noqa: PLC0415 - see above

    use_settings(ctx.obj)
    # `accord --home DIR COMMAND` works like `accord COMMAND --home DIR`: the commands read
    # ACCORD_HOME when they are not given --home themselves.
    if home is not None:
        os.environ["ACCORD_HOME"] = str(home)


def main() -> None:
    """Entry point of the ``accord`` console script."""
    app()

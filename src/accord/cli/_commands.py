"""What ``accord --help`` lists, known without importing Typer or any command module.

:data:`COMMANDS` names each command, where it is and its one-line help; :data:`ROOT_HELP` and
:data:`HOME_HELP` are the root command's own texts. :mod:`accord.cli._app` builds the Typer
app from them and :mod:`accord.cli._root_help` prints the root help from them alone.
:func:`starting_up` is how a command's modules are loaded (by :meth:`LazyCommand.load`, and by
:mod:`accord.cli._list_argv` for the listing it reads without Typer).
"""

from __future__ import annotations

import contextlib
import gc
import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

__all__ = ["COMMANDS", "HOME_HELP", "ROOT_HELP", "LazyCommand", "starting_up"]

ROOT_HELP = "Accord: exchange classified military information under a GSOMIA, the agreement enforced in code."
"""The help of ``accord`` itself (one paragraph)."""
HOME_HELP = "The node's home folder, for every command (or set ACCORD_HOME)."
"""The help of the root option ``--home``."""

_STARTUP_GEN0 = 50_000


@contextlib.contextmanager
def starting_up() -> Iterator[None]:
    """The cyclic garbage collector's first generation, 70 times larger for the block; then as it was.

    Importing a command's module and building the servers allocate hundreds of thousands of
    objects that live as long as the process (modules, classes, the ORM's tables, the routes);
    with the default threshold (700) the collector passes over them hundreds of times for
    nothing to collect: about a tenth of ``accord serve``'s 1.2 s of CPU to start. Nothing is
    left uncollected: the next collections after the block see everything.
    """
    threshold = gc.get_threshold()
    gc.set_threshold(max(threshold[0], _STARTUP_GEN0), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)


@dataclass(frozen=True)
class LazyCommand:
    """A command of a :class:`~accord.cli._lazy.LazyGroup`: its name, where it is, and what the
    group's help says of it."""

    name: str
    target: str
    """``module:attribute``: a :class:`typer.Typer` (a group) or a command function."""
    summary: str
    """The first paragraph of the command's help, as the group's help lists it."""

    def load(self) -> Any:
        """Import the command's module and build its Click command (a group for a Typer app)."""
        # Typer here, not at the top: `accord --help` prints the list without it.
        import typer.main  # noqa: PLC0415 - see above

        module, _, attribute = self.target.partition(":")
        with starting_up():
            found = getattr(importlib.import_module(module), attribute)
        if isinstance(found, typer.Typer):
            command: Any = typer.main.get_group(found)
        else:
            # A one-command Typer app builds to that command, as `app.command(name)` registers it.
            single = typer.Typer(add_completion=False)
            single.command(self.name)(found)
            command = typer.main.get_command(single)
        command.name = self.name
        return command


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

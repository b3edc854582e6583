"""Commands for the node itself, its identity, partners and users."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from accord.cli._common import (
    HomeOpt,
    JsonOpt,
    check_writable,
    console,
    emit_json,
    make_table,
    node_at,
    read_text,
    refusals,
    write_text,
)
from accord.node import Node

__all__ = ["identity_app", "init", "party_app", "user_app"]

identity_app = typer.Typer(help="This node's identity card.", no_args_is_help=True)
party_app = typer.Typer(help="Partner nodes pinned from their identity cards.", no_args_is_help=True)
user_app = typer.Typer(help="People at this node: role, clearance, need-to-know.", no_args_is_help=True)


def init(
    directory: Annotated[Path, typer.Argument(help="Folder for the new node's home (must be new or empty).")],
    party: Annotated[str, typer.Option(help="The party this node belongs to (ISO 3166 alpha-3, e.g. JPN).")],
    node_id: Annotated[str | None, typer.Option(help="Node id (default: derived from the party).")] = None,
    scheme: Annotated[str | None, typer.Option(help="Classification scheme (default: the party's).")] = None,
    endpoint: Annotated[
        str, typer.Option(help="URL partners use to reach the peer API.")
    ] = "https://127.0.0.1:8443",
    database_url: Annotated[
        str | None, typer.Option(help="SQLAlchemy URL (default: SQLite accord.db in the home).")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Create a node: signing keys (Ed25519 + ML-DSA-65), HPKE key, TLS certificate, data key, database."""
    with refusals():
        node = Node.init(
            directory,
            party=party,
            node_id=node_id,
            scheme=scheme,
            endpoint=endpoint,
            database_url=database_url,
        )
        try:
            card = node.parties.own_card()
        finally:
            node.close()
    if json_out:
        emit_json(
            {
                "home": str(directory.resolve()),
                "node_id": card.node_id,
                "party": card.party,
                "fingerprint": card.fingerprint,
                "tls_fingerprint": card.tls_fingerprint,
            }
        )
        return
    console.print(f"Created node [bold]{card.node_id}[/] for {card.party} at {directory.resolve()}")
    console.print(f"signing-key fingerprint: {card.fingerprint}")
    console.print(f"TLS certificate fingerprint: {card.tls_fingerprint}")
    console.print(
        f"Next: export ACCORD_HOME={directory.resolve()}; accord identity export --out {card.party}.card.json"
    )


@identity_app.command("export")
def identity_export(
    home: HomeOpt = None,
    out: Annotated[
        Path | None, typer.Option(help="Write the card to this file instead of standard output.")
    ] = None,
) -> None:
    """Print (or write) this node's self-signed identity card as JSON."""
    with refusals():
        if out is not None:
            check_writable(out)
        with node_at(home) as node:
            card = node.parties.own_card()
        if out is not None:
            write_text(out, card.to_json() + "\n")
    if out is None:
        typer.echo(card.to_json())
    else:
        console.print(f"Wrote {card.party} card of {card.node_id} to {out} (fingerprint {card.fingerprint})")


@party_app.command("add")
def party_add(
    card: Annotated[Path, typer.Argument(help="A partner's identity card (JSON).")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Pin a partner node from its identity card (check the fingerprint with them out of band)."""
    with refusals(), node_at(home) as node:
        parsed, new = node.parties.add(read_text(card), actor="authority")
    if json_out:
        emit_json(
            {"node_id": parsed.node_id, "party": parsed.party, "fingerprint": parsed.fingerprint, "new": new}
        )
        return
    verb = "Pinned" if new else "Already pinned:"
    console.print(f"{verb} {parsed.party} node {parsed.node_id}, fingerprint {parsed.fingerprint}")


@party_app.command("list")
def party_list(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """List pinned partner nodes."""
    with refusals(), node_at(home) as node:
        cards = node.parties.all()
    if json_out:
        emit_json(
            [
                {"node_id": c.node_id, "party": c.party, "endpoint": c.endpoint, "fingerprint": c.fingerprint}
                for c in cards
            ]
        )
        return
    table = make_table("party", "node", "endpoint", "fingerprint")
    for c in cards:
        table.add_row(c.party, c.node_id, c.endpoint, c.fingerprint)
    console.print(table)


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="User name (lower case).")],
    role: Annotated[str, typer.Option(help="analyst, officer, authority or auditor.")],
    clearance: Annotated[str, typer.Option(help="Clearance level in this node's scheme, e.g. 秘 or hi.")],
    ntk: Annotated[str, typer.Option(help="Need-to-know topics, comma-separated.")] = "",
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a person with a personnel security clearance and need-to-know topics (Art. 7)."""
    with refusals(), node_at(home) as node:
        user = node.users.add(name, role=role, clearance=clearance, ntk=ntk.split(","), actor="authority")
    if json_out:
        emit_json(user.to_dict())
        return
    topics = ", ".join(sorted(user.need_to_know)) or "none"
    console.print(
        f"Added {user.role.value} {user.name} ({user.nationality}), cleared {user.clearance.native} "
        f"({user.clearance.family.value}), need-to-know: {topics}"
    )


@user_app.command("list")
def user_list(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """List users with role, clearance and need-to-know."""
    with refusals(), node_at(home) as node:
        users = node.users.all()
    if json_out:
        emit_json([u.to_dict() for u in users])
        return
    table = make_table("name", "role", "clearance", "need-to-know")
    for u in users:
        table.add_row(
            u.name,
            u.role.value,
            f"{u.clearance.native} ({u.clearance.family.value})",
            ", ".join(sorted(u.need_to_know)),
        )
    console.print(table)

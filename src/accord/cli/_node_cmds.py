"""Commands for the node itself, its identity, partners and users."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.text import Text

from accord.cli._auth import PASSWORD_ENV, prompt_password
from accord.cli._common import (
    console,
    emit_json,
    err_console,
    node_at,
    node_writing,
    password_hashing,
    print_listing,
    read_text,
    refusals,
    write_or_echo,
)
from accord.cli._options import HomeOpt, JsonOpt
from accord.limits import MAX_DOCUMENT_BYTES
from accord.node import NewNode, NewUser, Node

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
            NewNode(
                party=party, node_id=node_id, scheme=scheme, endpoint=endpoint, database_url=database_url
            ),
            password_hashing=password_hashing(),
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
    console.print(
        Text.assemble("Created node ", (card.node_id, "bold"), f" for {card.party} at {directory.resolve()}")
    )
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
    with node_writing(home, out) as node:
        card = node.parties.exported_card()
    wrote = f"Wrote {card.party} card of {card.node_id} to {out} (fingerprint {card.fingerprint})"
    write_or_echo(out, card.to_json() + "\n", wrote)


@party_app.command("add")
def party_add(
    card: Annotated[Path, typer.Argument(help="A partner's identity card (JSON).")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Pin a partner node from its identity card (check the fingerprint with them out of band)."""
    with refusals(), node_at(home) as node:
        parsed, new = node.parties.add(
            read_text(card, limit=MAX_DOCUMENT_BYTES, what="identity card"), actor="authority"
        )
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
    print_listing(
        json_out,
        [
            {"node_id": c.node_id, "party": c.party, "endpoint": c.endpoint, "fingerprint": c.fingerprint}
            for c in cards
        ],
        ("party", "node", "endpoint", "fingerprint"),
        ((c.party, c.node_id, c.endpoint, c.fingerprint) for c in cards),
        empty="No partner node pinned (accord party add).",
    )


@user_app.command("add")
def user_add(
    name: Annotated[str, typer.Argument(help="User name (lower case).")],
    role: Annotated[str, typer.Option(help="analyst, officer, authority or auditor.")],
    clearance: Annotated[str, typer.Option(help="Clearance level in this node's scheme, e.g. 秘 or hi.")],
    ntk: Annotated[str, typer.Option(help="Need-to-know topics, comma-separated.")] = "",
    purpose: Annotated[
        list[str] | None,
        typer.Option(help="A purpose of provision the person works for (repeatable; Art. 6)."),
    ] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Add a person with a personnel security clearance, need-to-know topics (Art. 7) and purposes."""
    with refusals(), node_at(home) as node:
        user = node.users.add(
            NewUser(name, role=role, clearance=clearance, ntk=ntk.split(","), purposes=purpose or []),
            actor="authority",
        )
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
    print_listing(
        json_out,
        [u.to_dict() for u in users],
        ("name", "role", "clearance", "need-to-know"),
        (
            (
                u.name,
                u.role.value,
                f"{u.clearance.native} ({u.clearance.family.value})",
                ", ".join(sorted(u.need_to_know)),
            )
            for u in users
        ),
    )


def _new_password() -> str:
    # Scripts give the password in the environment, never on the command line (where `ps` and
    # the shell history would show it).
    given = os.environ.get(PASSWORD_ENV)
    if given is not None:
        return given
    return prompt_password(
        "New password",
        refusal=f"cannot read a new password: set {PASSWORD_ENV}, or run in a terminal",
        err=False,
        confirm=True,
    )


@user_app.command("passwd")
def user_passwd(
    name: Annotated[str, typer.Argument(help="User whose password is set.")],
    home: HomeOpt = None,
) -> None:
    """Set a user's password (prompted twice, hidden; or from ACCORD_PASSWORD), at least 12 characters.

    Hashed with argon2id; clears failed attempts and any lockout. Done as the local authority.
    """
    with refusals(), node_at(home) as node:
        node.accounts.set_password(name, _new_password(), actor="authority")
    console.print(f"Password of {name} set.")


@user_app.command("token")
def user_token(
    name: Annotated[str, typer.Argument(help="User the token acts for.")],
    days: Annotated[int, typer.Option(help="Days until the token expires (1–365).")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Issue an API token for scripts; its secret is printed once and never stored."""
    with refusals(), node_at(home) as node:
        info, secret = node.accounts.issue_token(name, days=days, actor="authority")
    err_console.print(
        "warning: this secret will not be shown again; store it now (only its hash is kept).", markup=False
    )
    if json_out:
        emit_json({**info.to_dict(), "secret": secret})
        return
    console.print(f"Token {info.id} for {info.user}, expires {info.expires_at}:")
    typer.echo(secret)


def _minute(stamp: str | None) -> str:
    return stamp[:16].replace("T", " ") if stamp else "never"


@user_app.command("tokens")
def user_tokens(
    name: Annotated[str | None, typer.Argument(help="Only this user's tokens (default: everyone's).")] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """List API tokens (never their secrets)."""
    with refusals(), node_at(home) as node:
        tokens = node.accounts.tokens(name)
    # Times to the minute keep the table within 80 columns, so the ids are not folded
    # (they must stay copyable); --json gives the full stamps.
    print_listing(
        json_out,
        [t.to_dict() for t in tokens],
        ("id", "user", "expires (UTC)", "revoked", "last used"),
        (
            (t.id, t.user, _minute(t.expires_at), "yes" if t.revoked else "no", _minute(t.last_used_at))
            for t in tokens
        ),
        empty="No API token.",
    )


@user_app.command("revoke-token")
def user_revoke_token(
    token_id: Annotated[str, typer.Argument(metavar="ID", help="Token id (from `accord user tokens`).")],
    home: HomeOpt = None,
) -> None:
    """Revoke an API token at once."""
    with refusals(), node_at(home) as node:
        node.accounts.revoke_token(token_id, actor="authority")
    console.print(f"Token {token_id} revoked.")


@user_app.command("clearance")
def user_clearance(
    name: Annotated[str, typer.Argument(help="User name.")],
    level: Annotated[str, typer.Option(help="New clearance in this node's scheme, e.g. 極秘 or gokuhi.")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Change a user's clearance, as the designated security authority (nobody changes their own)."""
    with refusals(), node_at(home) as node:
        user = node.users.set_clearance(name, level, actor="authority")
    if json_out:
        emit_json(user.to_dict())
        return
    console.print(f"{user.name} is now cleared {user.clearance.native} ({user.clearance.family.value}).")

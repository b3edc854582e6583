"""Who is asking: a command that acts for a person proves who the person is first.

``--as USER`` names the person; :func:`login` checks it (GSOMIA Art. 7: access only by people
with a clearance and a need to know, so the node must know who is asking). In this order:

1. ``ACCORD_TOKEN`` — an API token from ``accord user token``; it must be USER's own. The way
   for scripts: it expires, can be revoked, and no password is tried, so a misconfigured
   script never locks its owner out.
2. ``ACCORD_PASSWORD`` — USER's password (argon2id, five failures lock the account).
3. a prompt for USER's password with hidden input, when standard input is a terminal.

Otherwise the command is refused (exit code 7) with the three ways to authenticate. An empty
variable counts as unset. The password and the token are never printed or journalled; they
are read from the environment, never from the command line, where ``ps`` and the shell history
would show them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from accord.cli._common import check_writable, node_at, refusals
from accord.errors import PolicyDenied
from accord.node import Node

__all__ = [
    "HOW_TO_LOGIN",
    "PASSWORD_ENV",
    "TOKEN_ENV",
    "acting",
    "login",
    "prompt_password",
    "stdin_is_terminal",
]

TOKEN_ENV = "ACCORD_TOKEN"  # noqa: S105 - the name of a variable, not a token
PASSWORD_ENV = "ACCORD_PASSWORD"  # noqa: S105 - the name of a variable, not a password
HOW_TO_LOGIN = f"set {TOKEN_ENV} or {PASSWORD_ENV}, or run in a terminal"


def stdin_is_terminal() -> bool:
    """Whether standard input is a terminal someone can type a password into.

    :func:`login` looks this up at each call, so a test can replace it to drive the prompt
    through Typer's ``CliRunner`` input.
    """
    return sys.stdin.isatty()


def login(node: Node, name: str) -> str:
    """Authenticate the person ``--as`` names; return their user name.

    Raises:
        PolicyDenied: the token is invalid, expired, revoked or another user's; the password
            is wrong or the account locked; or no credentials were given and there is no
            terminal to prompt on.
    """
    token = os.environ.get(TOKEN_ENV)
    if token:
        user = node.accounts.authenticate_token(token)
        if user.name != name:
            refusal = PolicyDenied(f"the token in {TOKEN_ENV} is not {name[:64]}'s: it acts for {user.name}")
            # The owner tried to act as somebody else: worth a line for the auditor (never the secret).
            node.ctx.journal_refusal(user.name, "user.token.auth", refusal, detail={"as": name[:64]})
            raise refusal
        return user.name
    password = os.environ.get(PASSWORD_ENV)
    if not password:
        # To standard error, so that the prompt never mixes with --json output.
        password = prompt_password(
            f"Password for {name[:64]}", refusal=f"cannot authenticate {name[:64]}: {HOW_TO_LOGIN}", err=True
        )
    return node.accounts.authenticate(name, password).name


def prompt_password(label: str, *, refusal: str, err: bool, confirm: bool = False) -> str:
    """Ask for a password with hidden input, on a terminal only (every password prompt comes here).

    Without a terminal, the hidden prompt could not hide what is typed (``getpass`` warns that
    input may be echoed) and an empty standard input would only abort: the command is refused
    in one line instead.

    Raises:
        PolicyDenied: standard input is not a terminal (the message is ``refusal``).
    """
    if not stdin_is_terminal():
        raise PolicyDenied(refusal)
    import typer  # noqa: PLC0415 - only to prompt: a listing's own parser never comes here

    return str(typer.prompt(label, hide_input=True, err=err, confirmation_prompt=confirm))


@contextmanager
def acting(home: Path | None, as_user: str, *, out: Path | None = None) -> Iterator[tuple[Node, str]]:
    """The node at ``home`` and ``as_user`` authenticated there (:func:`login`), for one command.

    ``out``, a file the command writes, has its folder checked before anyone is asked for a
    password. A refusal inside ends the command with its message and exit code, as in every
    command (:func:`~accord.cli._common.refusals`).
    """
    with refusals(), node_at(home) as node:
        check_writable(out)
        yield node, login(node, as_user)

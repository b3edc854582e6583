"""``accord item list`` read by the console script itself, without Typer, for the usual argument lists.

Typer costs a listing's process about a sixth of its CPU before the command starts (Typer and
its vendored Click, pydantic to coerce each parameter, the command tree built from the
functions' signatures: bench/RESULTS.md, "Start-up", session 16). :func:`parse` recognises
``accord [--home DIR] item list`` followed by ``--as``, ``--home``, ``--json``, ``--limit``,
``--offset`` and ``--all``, in any order, as ``--opt VALUE`` or ``--opt=VALUE``, the last of a
repeated option winning, as Typer reads them; :func:`run` then calls the same
:func:`~accord.cli._item_list.list_items` as Typer's command and ends as Typer's main would.

Anything else is left to Typer (``None``): ``--help``, an unknown or misplaced token, a missing
``--as``, a value that is empty, starts with ``-`` or is not a plain decimal number, a
``--limit`` below 1, ``--limit`` with ``--all``, a home that Typer's path check would refuse
(it exists but cannot be read), no ``ACCORD_TOKEN`` nor ``ACCORD_PASSWORD`` (the password
prompt is Typer's), and a shell-completion request. So every usage error and its exit code is
Typer's own; ``tests/cli/test_cli_list_argv.py`` runs argument lists both ways and compares
the output, the errors and the exit codes.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from accord.cli._commands import starting_up

__all__ = ["ListArgs", "parse", "run"]

_VALUED = ("--as", "--home", "--limit", "--offset")
_FLAGS = ("--json", "--all")
_CREDENTIALS = ("ACCORD_TOKEN", "ACCORD_PASSWORD")


@dataclass(frozen=True)
class ListArgs:
    """What ``accord item list`` was asked, as Typer would pass it to the command."""

    as_user: str
    home: Path | None
    """The command's ``--home``, else the root's (``accord --home DIR item list``), else
    ``ACCORD_HOME``."""
    json_out: bool = False
    limit: int | None = None
    offset: int = 0
    show_all: bool = False


class _LeaveToTyper(Exception):
    """The argument list is one :func:`parse` leaves to Typer."""


def parse(argv: Sequence[str], environ: Mapping[str, str]) -> ListArgs | None:
    """``argv`` (``sys.argv``) as the ``accord item list`` Typer would run; ``None``: Typer's to read."""
    if not any(environ.get(name) for name in _CREDENTIALS):
        return None
    if any(name.startswith("_") and name.endswith("_COMPLETE") for name in environ):
        return None
    try:
        return _parse(list(argv[1:]), environ)
    except _LeaveToTyper:
        return None


def _parse(args: list[str], environ: Mapping[str, str]) -> ListArgs:
    root = _take_options(args, ("--home",), ())
    if args[:2] != ["item", "list"]:
        raise _LeaveToTyper
    del args[:2]
    given = _take_options(args, _VALUED, _FLAGS)
    if args or "--as" not in given:
        raise _LeaveToTyper
    limit = _number(given["--limit"], 1) if "--limit" in given else None
    if "--all" in given and limit is not None:
        raise _LeaveToTyper
    if "--home" in root:
        _path(root["--home"])  # checked by Typer even when the command's own --home wins
    home = given.get("--home") or root.get("--home") or environ.get("ACCORD_HOME")
    return ListArgs(
        as_user=given["--as"],
        home=_path(home) if home else None,
        json_out="--json" in given,
        limit=limit,
        offset=_number(given.get("--offset", "0"), 0),
        show_all="--all" in given,
    )


def _take_options(args: list[str], valued: tuple[str, ...], flags: tuple[str, ...]) -> dict[str, str]:
    """The leading options of ``args`` among ``valued`` and ``flags`` (taken out of ``args``), the
    last of each winning.

    Raises:
        _LeaveToTyper: one is unknown or malformed, or its value is one Typer might refuse.
    """
    found: dict[str, str] = {}
    while args and args[0].startswith("-"):
        token = args.pop(0)
        name, equals, value = token.partition("=")
        if name in flags and not equals:
            found[name] = ""
            continue
        if name not in valued:
            raise _LeaveToTyper
        if not equals:
            if not args:
                raise _LeaveToTyper
            value = args.pop(0)
        if not value or value.startswith("-"):
            raise _LeaveToTyper
        found[name] = value
    return found


def _number(text: str, least: int) -> int:
    """``text`` as Typer's integer option reads it.

    Raises:
        _LeaveToTyper: it is not plainly a decimal number (no sign, space or leading zero), or
            it is below ``least``.
    """
    if not (text.isascii() and text.isdigit()) or str(int(text)) != text or int(text) < least:
        raise _LeaveToTyper
    return int(text)


def _path(text: str) -> Path:
    """``text`` as Typer's path option reads it.

    Raises:
        _LeaveToTyper: the path exists but cannot be read, which Typer refuses.
    """
    try:
        os.stat(text)  # noqa: PTH116 - as Typer's path check does
    except OSError:
        return Path(text)
    except ValueError as exc:  # an embedded NUL: Typer's to report
        raise _LeaveToTyper from exc
    if not os.access(text, os.R_OK):
        raise _LeaveToTyper
    return Path(text)


def run(args: ListArgs) -> NoReturn:
    """List as :func:`accord.cli._item_cmds.item_list` does under Typer, and end the same way:
    exit 0, a refusal's exit code, 130 on an interrupt, 1 on a broken pipe (nothing printed)."""
    try:
        with starting_up():
            _list(args)
    except KeyboardInterrupt:
        sys.exit(130)  # Typer's main turns it into this exit
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        _end_on_broken_pipe()
    except RuntimeError as exc:  # Typer's exit is one
        _end_as_typer(exc)
    sys.exit(0)


def _list(args: ListArgs) -> None:
    from accord.cli._common import use_settings  # noqa: PLC0415 - the node's modules: after parsing
    from accord.cli._item_list import list_items  # noqa: PLC0415 - see above

    use_settings(None)  # what Typer's root callback does: the defaults
    list_items(
        args.as_user,
        args.home,
        json_out=args.json_out,
        limit=args.limit,
        offset=args.offset,
        show_all=args.show_all,
    )


def _end_as_typer(exc: RuntimeError) -> NoReturn:
    """End as Typer's main does after the command raised ``exc``: its exit code for Typer's
    exit (a refusal's, :func:`~accord.cli._common.fail`); anything else is raised again."""
    import typer  # noqa: PLC0415 - only on this path: fail() imported it already

    if isinstance(exc, typer.Exit):
        sys.exit(exc.exit_code)
    raise exc


def _end_on_broken_pipe() -> NoReturn:
    """Exit 1 quietly when standard output was closed under the listing, as Typer's main does."""
    from typer._click.utils import PacifyFlushWrapper  # noqa: PLC0415 - Typer's own, on this path

    sys.stdout = PacifyFlushWrapper(sys.stdout)
    sys.stderr = PacifyFlushWrapper(sys.stderr)
    sys.exit(1)

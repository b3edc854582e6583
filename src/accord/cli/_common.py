"""What every command shares: opening the node, one error-to-exit-code map, reading and writing files,
printing (the options they declare are :mod:`accord.cli._options`)."""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterable, Iterator, Sequence, Sized
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions, RenderableType
from rich.measure import Measurement
from rich.segment import Segment
from rich.table import Column, Table
from rich.text import Text

from accord.errors import (
    AccordError,
    AgreementStateError,
    Conflict,
    IntegrityError,
    InvalidInput,
    NotFound,
    PolicyDenied,
    StorageError,
    TransportError,
    VerificationFailed,
)
from accord.limits import read_bounded
from accord.node import RFC9106_LOW_MEMORY, Clock, ItemView, Node, PasswordHashing, utc_now
from accord.private_files import replace_private

__all__ = [
    "EXIT_CODES",
    "CliSettings",
    "check_writable",
    "console",
    "created_line",
    "emit_json",
    "err_console",
    "exit_code",
    "fail",
    "fail_if_damaged",
    "make_table",
    "node_at",
    "node_writing",
    "open_node",
    "password_hashing",
    "print_created",
    "print_listing",
    "print_table",
    "printable",
    "read_text",
    "refusals",
    "use_settings",
    "write_bytes",
    "write_or_echo",
    "write_text",
]

# What a terminal must never receive raw from stored or partner-supplied text: C0 controls but
# tab and newline (ESC starts cursor movements that can overwrite a classification banner), DEL,
# the C1 controls (U+009B is CSI on some terminals), and the bidirectional controls that make
# text read otherwise than it was signed (as docs/compromise.md refuses them in compromise text).
_BIDI = "\u200e\u200f\u061c\u202a-\u202e\u2066-\u2069"
_UNSAFE = re.compile(f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_ONE_LINE = re.compile(f"[\x00-\x08\x0a-\x1f\x7f-\x9f{_BIDI}]")
_UNSAFE_IN_JSON = re.compile(f"[\x7f-\x9f{_BIDI}]")  # json.dumps escapes C0 itself


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def printable(text: str, *, one_line: bool = False) -> str:
    """``text`` with every control and bidirectional control shown as a visible escape
    (``\\x1b``, ``\\u202e``), so that what an officer reads is what was stored or signed.

    Tab and newline stay (a body's lines), unless ``one_line`` (a table cell, a title in a
    line): then a newline is ``\\x0a`` too. The CLI's consoles apply this to everything they
    print (:class:`_SafeConsole`); a command need not call it.
    """
    if one_line:
        return _UNSAFE_ONE_LINE.sub(_escape, text)
    # A CRLF line end (a Windows --body-file, STIX or MISP text) is a line end, not "\x0d".
    return _UNSAFE.sub(_escape, text.replace("\r\n", "\n"))


def _printable_text(text: Text) -> Text:
    """A Rich ``Text`` escaped as :func:`printable`, its styles (e.g. a snippet's highlights) kept."""
    found = [m.start() for m in _UNSAFE.finditer(text.plain)]
    if not found:
        return text
    cuts = sorted({n for at in found for n in (at, at + 1)})
    parts = text.divide(cuts)
    escaped = Text("", end=text.end, justify=text.justify, overflow=text.overflow, no_wrap=text.no_wrap)
    for part in parts:
        if _UNSAFE.fullmatch(part.plain):  # one control character: its escape, in its styles
            shown = Text(printable(part.plain), style=part.style)
            for span in part.spans:
                shown.stylize(span.style)
            part = shown  # noqa: PLW2901 - the part as it is shown
        escaped.append_text(part)
    return escaped


class _SafeConsole(Console):
    """A console that escapes controls in whatever text it renders (:func:`printable`): a string
    or a ``Text``, printed alone or in a table's cell, so that no command can forget it."""

    def render_str(self, text: str, **kwargs: Any) -> Text:
        return super().render_str(printable(text), **kwargs)

    def render(self, renderable: RenderableType, options: ConsoleOptions | None = None) -> Iterable[Segment]:
        shown = _printable_text(renderable) if isinstance(renderable, Text) else renderable
        yield from super().render(shown, options)


# No markup: a string printed or put in a cell is shown as it is. A title such as "Launch
# site [/] update" was read as markup (MarkupError: a partner's item broke every reader's
# listing), "[redacted]" vanished, "[link=…]" wrote an escape sequence (found by review).
# Styles are given as Text (Text.assemble, Text(…, style=…)) where the CLI means them.
console: Console = _SafeConsole(highlight=False, soft_wrap=True, markup=False)
_UNBOUNDED = 100_000
"""Columns a piped table may take (its cells' own width decides)."""
err_console: Console = _SafeConsole(stderr=True, highlight=False, soft_wrap=True, markup=False)

# One place maps error families to exit codes (most specific first). 0 is success,
# 1 an unexpected failure, 2 a usage error from the command-line parser itself.
EXIT_CODES: tuple[tuple[type[AccordError], int], ...] = (
    (InvalidInput, 3),
    (NotFound, 4),
    (Conflict, 5),
    (VerificationFailed, 6),
    (PolicyDenied, 7),
    (AgreementStateError, 8),
    (IntegrityError, 9),
    (StorageError, 10),
    (TransportError, 11),
    (AccordError, 1),
)


def exit_code(error: AccordError) -> int:
    """The exit code of an error family."""
    for family, code in EXIT_CODES:
        if isinstance(error, family):
            return code
    return 1


def fail(message: str, code: int = 3) -> NoReturn:
    """Print one line to standard error and exit with ``code``."""
    err_console.print(f"error: {message}", markup=False)
    # Typer's exit, which its parser turns into the exit status (and accord.cli._list_argv
    # too); imported on this path only, so that a listing without errors needs no Typer.
    import typer  # noqa: PLC0415 - see above

    raise typer.Exit(code)


def fail_if_damaged(damaged: Sized) -> None:
    """After the output: exit as an integrity failure when items failed their checks (journalled)."""
    if damaged:
        fail(f"{len(damaged)} item(s) failed integrity checks (journalled)", exit_code(IntegrityError("")))


@contextmanager
def refusals() -> Iterator[None]:
    """Turn an AccordError into its one-line reason and exit code."""
    try:
        yield
    except AccordError as exc:
        fail(str(exc).splitlines()[0] if str(exc) else type(exc).__name__, exit_code(exc))


@dataclass(frozen=True)
class CliSettings:
    """What a program that embeds the CLI in-process may set: ``app(args, obj=CliSettings(...))``.

    Nothing here is reachable from the command line or the environment; ``accord`` itself
    always runs with the defaults.
    """

    password_hashing: PasswordHashing = RFC9106_LOW_MEMORY
    clock: Clock = utc_now
    """The nodes' clock (tests run commands at fixed times, e.g. an oversight report's months)."""


_SETTINGS: ContextVar[CliSettings | None] = ContextVar("accord_cli_settings", default=None)


def use_settings(obj: object) -> None:
    """Take the run's settings from the ``obj`` the program passed (the root callback calls this).

    Anything but a :class:`CliSettings` (``accord`` itself passes nothing) means the defaults.
    """
    _SETTINGS.set(obj if isinstance(obj, CliSettings) else CliSettings())


def password_hashing() -> PasswordHashing:
    """The argon2id parameters of this run (RFC 9106 unless an embedding program set others)."""
    return (_SETTINGS.get() or CliSettings()).password_hashing


def open_node(home: Path | None) -> Node:
    """Open the node at ``home``.

    Raises:
        NotFound: no home given or no node there.
    """
    if home is None:
        raise NotFound("no node selected: give --home DIR or set ACCORD_HOME")
    settings = _SETTINGS.get() or CliSettings()
    return Node.open(home, clock=settings.clock, password_hashing=settings.password_hashing)


@contextmanager
def node_at(home: Path | None) -> Iterator[Node]:
    """Open the node at ``home`` for one command and close it however the command ends.

    Raises:
        NotFound: no home given or no node there.
    """
    node = open_node(home)
    try:
        yield node
    finally:
        node.close()


@contextmanager
def node_writing(home: Path | None, out: Path | None) -> Iterator[Node]:
    """The node at ``home`` for a command that writes the file ``out`` (None: standard output).

    The file's folder is checked before the node is opened, so that nothing is done toward a
    file that cannot be written; a refusal inside ends the command with its message and exit
    code (:func:`refusals`).
    """
    with refusals():
        check_writable(out)
        with node_at(home) as node:
            yield node


# Columns that hold ids, sequence numbers or digests: a person copies or compares them whole, so
# when a table must shrink, the prose columns (titles, banners, snippets, reasons) wrap first and
# these are folded only if the terminal is narrower than the id itself.
ID_COLUMNS = frozenset(
    {"id", "item", "message", "message_id", "request", "seq", "root", "size", "content SHA-384",
     "consent / reason", "certificate", "case", "peer"}
)  # fmt: skip


_PROSE_ROOM = 12
"""The least width a prose column keeps beside whole ids (narrower, the ids fold too)."""


def make_table(*headers: str) -> Table:
    """A table whose cells wrap instead of being cut: ids must stay copyable."""
    return Table(*(Column(h, overflow="fold") for h in headers))


def print_table(headers: Sequence[str], rows: Iterable[Sequence[RenderableType]]) -> None:
    """Print one table of ``rows`` (their cells in the order of ``headers``) to standard output."""
    table = make_table(*headers)
    widest = [cell_len(h) for h in headers]
    for cells in rows:
        # A cell is one line: a newline in a stored title is shown escaped, never as a new row.
        # A Text cell is escaped here too, before the table measures it (its width then is right).
        shown = [_cell(c) for c in cells]
        table.add_row(*shown)
        for n, c in enumerate(shown):
            widest[n] = max(widest[n], c.cell_len if isinstance(c, Text) else cell_len(str(c)))
    # The width to fit: COLUMNS as it is now (the module's console read it once, at import),
    # else the terminal's; piped or redirected (Rich would assume 80 columns), the table's own,
    # one line a row, so that an id is never folded across two lines for grep, cut or a script.
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit() and int(columns) > 0:
        width = int(columns)
    elif console.is_terminal:
        width = Console().width
    else:
        width = Measurement.get(console, console.options.update_width(_UNBOUNDED), table).maximum
    # An id column takes its widest cell's width, so that Rich wraps the prose columns to fit,
    # when that leaves each prose column room for a word (_PROSE_ROOM); else all fold as before.
    ids = [n for n, column in enumerate(table.columns) if column.header in ID_COLUMNS]
    borders = 3 * len(widest) + 1
    prose_room = _PROSE_ROOM * (len(widest) - len(ids))
    if sum(widest[n] for n in ids) + borders + prose_room <= width:
        for n in ids:
            table.columns[n].width = widest[n]
    shown_on = _SafeConsole(
        highlight=False, soft_wrap=True, markup=False, width=max(width, 1), force_terminal=console.is_terminal
    )
    shown_on.print(table)


def _cell(cell: RenderableType) -> RenderableType:
    if isinstance(cell, str):
        return printable(cell, one_line=True)
    if isinstance(cell, Text):
        return _printable_text(Text("\\x0a").join(cell.split("\n")) if "\n" in cell.plain else cell)
    return cell


def print_listing(
    json_out: bool,
    data: object,
    headers: Sequence[str],
    rows: Iterable[Sequence[RenderableType]],
    *,
    empty: str | None = None,
) -> None:
    """What a listing command prints: ``data`` as JSON with ``--json``, else the table of ``rows``
    (or, when ``data`` is empty, only the line ``empty`` if given: not a table of headers).

    ``rows`` is read only for the table, so it may be a generator over the listed objects.
    """
    if json_out:
        emit_json(data)
        return
    if empty is not None and not data:
        console.print(empty)
        return
    print_table(headers, rows)


def print_created(views: Sequence[ItemView], json_out: bool) -> None:
    """What an import command prints of the items it created: their summaries as JSON with
    ``--json``, else one line each (id, first banner, title)."""
    if json_out:
        emit_json([v.summary() for v in views])
        return
    for view in views:
        console.print(created_line(view))


def created_line(view: ItemView) -> str:
    """How an import command names an item it created: its id, its first banner, its title."""
    title = printable(view.content.title, one_line=True)
    return f"Created {view.id}  {view.banners[0] if view.banners else ''}  {title}"


def emit_json(value: object) -> None:
    """Print JSON to standard output (UTF-8, not escaped but for controls).

    json.dumps escapes C0 controls; DEL, C1 and bidirectional controls are written as ``\\uXXXX``
    too, which is the same JSON (a consumer parses the very characters) but never reaches a
    terminal raw.
    """
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=True)
    sys.stdout.write(_UNSAFE_IN_JSON.sub(lambda m: f"\\u{ord(m.group()):04x}", text) + "\n")


def read_text(path: Path, *, limit: int, what: str) -> str:
    """Read a UTF-8 file given on the command line, refusing it unread above ``limit`` bytes.

    Args:
        path: The file.
        limit: Its largest accepted size (one of the ``accord.limits.MAX_*`` sizes).
        what: What it is, for messages, e.g. ``"label file"``.

    Raises:
        NotFound: it cannot be read.
        InvalidInput: it is larger than ``limit``, or not UTF-8 text.
    """
    data = read_bounded(path, limit=limit, what=f"{what} {path}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"{path} is not UTF-8 text") from exc


def check_writable(path: Path | None) -> None:
    """Refuse an output path whose folder does not exist, or that is a folder, before any work is done.

    ``None`` is standard output (an ``--out`` not given), always writable.

    Raises:
        NotFound: the folder is missing.
        InvalidInput: the path is a folder (the file's name is missing): a usage mistake, not
            the database's failure that StorageError (exit 10) is kept for.
    """
    if path is not None and not path.parent.is_dir():
        raise NotFound(f"cannot write {path}: the folder {path.parent} does not exist")
    if path is not None and path.is_dir():
        raise InvalidInput(f"cannot write {path}: it is a folder; give the name of a file to write")
    if path is not None and (path.is_symlink() or (path.exists() and not path.is_file())):
        # Files of plain content are made 0600 and renamed into place (accord.private_files):
        # never through a link, nor over a device or a pipe such as /dev/stdout.
        raise InvalidInput(
            f"cannot write {path}: it is not a regular file (a link, a device or a pipe); "
            "give the name of a file to write, or leave out --out for standard output"
        )


def write_text(path: Path, text: str) -> None:
    """Write a UTF-8 file named on the command line: whole, or not at all.

    Raises:
        StorageError: it cannot be written.
    """
    write_bytes(path, text.encode("utf-8"))


def write_bytes(path: Path, data: bytes) -> None:
    """Write a file named on the command line: whole, or not at all, and 0600 from its creation
    whatever the umask (it holds item content or accountability records: :mod:`accord.private_files`).

    Raises:
        StorageError: it cannot be written.
    """
    try:
        replace_private(path, data)
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror}") from exc


def write_or_echo(out: Path | None, text: str, wrote: str) -> None:
    """A document asked for with ``--out``: written whole to ``out`` (then ``wrote`` is said), or
    printed on standard output as it is. A write failure is the one-line StorageError."""
    if out is None:
        import typer  # noqa: PLC0415 - Typer's echo, imported where used (see fail)

        typer.echo(text, nl=False)
        return
    with refusals():
        write_text(out, text)
    console.print(wrote)

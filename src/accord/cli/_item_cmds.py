"""Commands for items and labels: create, list, show, attachment, label show/export."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from accord.canonical import parse_time
from accord.cli._auth import acting, login
from accord.cli._common import (
    check_writable,
    console,
    emit_json,
    err_console,
    node_at,
    printable,
    read_text,
    refusals,
)
from accord.cli._item_4778_cmds import item_export_4778, item_import_4778
from accord.cli._item_list import LIST_PAGE, list_items
from accord.cli._options import HomeOpt, ItemIdArg, JsonOpt, as_option
from accord.cli._progress import counted_progress
from accord.errors import Conflict, InvalidInput, LabelError, StorageError
from accord.items import ItemContent, ItemKind, Precedence
from accord.limits import MAX_DOCUMENT_BYTES, MAX_TEXT_BYTES
from accord.markings import ConfidentialityLabel, banner, from_xml, to_xml
from accord.node import LabelRequest, NewItem
from accord.private_files import private_file

__all__ = ["item_app", "label_app"]

# The journal's actor for the check of every item: checking the holdings is the auditor's part
# (DESIGN.md §2), as `accord ledger verify` is.
_AUDITOR = "auditor"

item_app = typer.Typer(help="Items: create, list, show, attachments.", no_args_is_help=True)
label_app = typer.Typer(
    help="Confidentiality labels: check and convert (JSON ↔ STANAG 4774 XML).", no_args_is_help=True
)


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _fields(pairs: list[str]) -> dict[str, object]:
    out: dict[str, object] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise InvalidInput(f"--field wants NAME=VALUE, not {pair!r}")
        if key.strip() in out:
            # The last one silently won: `--field count=1 --field count=2` stored 2 (a new user).
            raise InvalidInput(f"--field {key.strip()!r} is given twice; give each field once")
        out[key.strip()] = value
    return out


@contextmanager
def _progress(total: int, enabled: bool) -> Iterator[Progress | None]:
    # Only on a terminal: elsewhere the bar's last refresh would put a stray blank line on
    # standard output, even when the command is refused.
    if not enabled or total == 0 or not console.is_terminal:
        yield None
        return
    columns = (
        TextColumn("sealing attachments"),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        TimeRemainingColumn(),
    )
    with Progress(*columns, console=console, transient=True) as bar:
        yield bar


@item_app.command("create")
def item_create(
    as_user: Annotated[str, as_option("The user creating the item (analyst or officer).")],
    kind: Annotated[str, typer.Option(help="report, missile-launch, imagery or sigint-summary.")],
    title: Annotated[str, typer.Option(help="Title.")],
    classification: Annotated[
        str, typer.Option(help="Level in this node's scheme, e.g. 秘, hi or CONFIDENTIAL.")
    ],
    purpose: Annotated[str, typer.Option(help="Purpose of provision (Art. 6).")],
    body: Annotated[str, typer.Option(help="Body text.")] = "",
    body_file: Annotated[Path | None, typer.Option(help="Read the body from this UTF-8 file.")] = None,
    rel: Annotated[str, typer.Option(help="Releasable to: party codes, comma-separated.")] = "",
    ntk: Annotated[str, typer.Option(help="Need-to-know topics, comma-separated.")] = "",
    control: Annotated[str, typer.Option(help="Originator controls: NO-THIRD-PARTY, PURPOSE-LIMITED.")] = "",
    precedence: Annotated[str, typer.Option(help="FLASH, IMMEDIATE, PRIORITY or ROUTINE.")] = "ROUTINE",
    field: Annotated[list[str] | None, typer.Option(help="Typed field NAME=VALUE; repeat.")] = None,
    attach: Annotated[list[Path] | None, typer.Option(help="Attachment file; repeat.")] = None,
    agreement: Annotated[
        str | None, typer.Option(help="Agreement the item is made under (checks scope).")
    ] = None,
    privacy_mark: Annotated[str | None, typer.Option(help="Privacy mark, e.g. a caveat in words.")] = None,
    review: Annotated[str | None, typer.Option(help="Review time (RFC 3339).")] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Create an item: validate its label, bind label and content, seal it at rest."""
    with refusals():
        text = read_text(body_file, limit=MAX_TEXT_BYTES, what="body file") if body_file is not None else body
        content = ItemContent(ItemKind.parse(kind), title, text, purpose, _fields(field or []))
        request = LabelRequest(
            classification=classification,
            releasable_to=_split(rel),
            need_to_know=_split(ntk),
            originator_controls=_split(control),
            privacy_mark=privacy_mark,
            review_time=parse_time(review) if review else None,
            agreement=agreement,
        )
        files = attach or []
        total = sum(p.stat().st_size for p in files if p.is_file())
        with node_at(home) as node:
            actor = login(node, as_user)
            with _progress(total, not json_out) as bar:
                task = bar.add_task("seal", total=total) if bar is not None else None

                def advance(n: int) -> None:
                    if bar is not None and task is not None:
                        bar.advance(task, n)

                view = node.items.create(
                    NewItem(content, request, Precedence.parse(precedence), attachments=files),
                    actor=actor,
                    progress=advance,
                )
    if json_out:
        emit_json(view.to_dict())
        return
    console.print(view.banners[0], markup=False, style="bold")
    console.print(
        f"Created {view.precedence.value} {view.content.kind.value} {view.id}: {view.content.title}"
    )


@item_app.command("list")
def item_list(
    as_user: Annotated[str, as_option("The user listing: only the items they may read are listed.")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
    limit: Annotated[
        int | None,
        typer.Option(
            "--limit",
            min=1,
            show_default=False,
            help=f"How many items to show ({LIST_PAGE} unless given; each one is opened and verified).",
        ),
    ] = None,
    offset: Annotated[
        int, typer.Option("--offset", min=0, help="Skip this many items first (the next page).")
    ] = 0,
    show_all: Annotated[
        bool, typer.Option("--all", help="Show every item the user may read (not with --limit).")
    ] = False,
) -> None:
    """List the items a user may read, FLASH first then newest, with their banners; damaged items are flagged.

    One page of --limit items (50) at a time, then a line saying which of how many readable
    items were shown: only the listed items are opened and their bindings verified, so a
    register of 10,000 items is read page by page (--offset) or with --all. The total counts
    only the items the user may read; --json gives it as "total".
    """
    if show_all and limit is not None:
        raise typer.BadParameter("--limit and --all cannot be used together", param_hint="'--limit'")
    list_items(as_user, home, json_out=json_out, limit=limit, offset=offset, show_all=show_all)


@item_app.command("show")
def item_show(
    item_id: ItemIdArg,
    as_user: Annotated[str, as_option("The user reading the item.")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Show an item after verifying its binding; with the equivalent markings at partners."""
    with acting(home, as_user) as (node, actor):
        view = node.items.show(item_id, actor=actor)
        equivalents = node.items.equivalents(view)
    if json_out:
        emit_json({**view.to_dict(), "equivalents": [e.to_dict() for e in equivalents]})
        return
    for line in view.banners:
        console.print(line, markup=False, style="bold")
    c = view.content
    console.print(f"{view.precedence.value} ({view.precedence.prosign}) {c.kind.value} {view.id}")
    # One line each (a newline in a stored title is shown escaped); the body keeps its lines.
    console.print(f"title: {printable(c.title, one_line=True)}", markup=False)
    console.print(f"purpose: {printable(c.purpose, one_line=True)}", markup=False)
    for name, value in c.fields.items():
        console.print(f"  {name}: {printable(str(value), one_line=True)}", markup=False)
    if c.body:
        console.print(c.body, markup=False)
    for i, a in enumerate(view.attachments):
        name = printable(a.name, one_line=True)
        console.print(
            f"attachment {i}: {name} ({a.media_type}, {a.size} bytes, SHA-384 {a.sha384[:16]}…)", markup=False
        )
    console.print(f"binding: verified, signed by {view.binding.signer}")
    for e in equivalents:
        marking = e.banner if e.banner else f"refused: {e.refusal}"
        console.print(f"at {e.party} under {e.agreement_id}: {marking}", markup=False)
    for line in view.banners:
        console.print(line, markup=False, style="bold")


@item_app.command("attachment")
def item_attachment(
    item_id: ItemIdArg,
    position: Annotated[int, typer.Argument(help="Attachment number (0 is the first).")],
    as_user: Annotated[str, as_option("The user reading the attachment.")],
    out: Annotated[Path, typer.Option(help="Where to write the decrypted attachment.")],
    force: Annotated[bool, typer.Option("--force", help="Replace OUT if it exists.")] = False,
    home: HomeOpt = None,
) -> None:
    """Decrypt an attachment to a file, verifying it against the item's binding."""
    with refusals():
        check_writable(out)
        if out.exists() and not force:
            raise Conflict(f"{out} exists; give --force to replace it")
        with node_at(home) as node:
            actor = login(node, as_user)
            node.items.show(item_id, actor=actor)
            ref, stream = node.items.attachment(item_id, position, actor=actor)
            # Written 0600 to a side file and renamed only once the whole stream has verified,
            # so a tampered attachment never leaves a partial plaintext at ``out``.
            try:
                with private_file(out) as handle:
                    for piece in stream:
                        handle.write(piece)
            except OSError as exc:
                raise StorageError(f"cannot write {out}: {exc.strerror}") from exc
    console.print(f"Wrote {ref.name} ({ref.size} bytes, SHA-384 verified) to {out}")


@item_app.command("label")
def item_label(
    item_id: ItemIdArg,
    as_user: Annotated[str, as_option("The user reading the item.")],
    xml: Annotated[bool, typer.Option("--xml", help="STANAG 4774 XML instead of canonical JSON.")] = False,
    home: HomeOpt = None,
) -> None:
    """Print the originator's label of an item (canonical JSON or STANAG 4774 XML)."""
    with acting(home, as_user) as (node, actor):
        view = node.items.show(item_id, actor=actor)
    label = view.marking.originator
    typer.echo(to_xml(label) if xml else label.canonical_bytes().decode("utf-8"))


@label_app.command("show")
def label_show(
    file: Annotated[Path, typer.Argument(help="A label: canonical JSON or STANAG 4774 XML.")],
    xml: Annotated[bool, typer.Option("--xml", help="Print it as STANAG 4774 XML.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Check a label file (JSON or XML) and print its banner, or convert it."""
    with refusals():
        text = read_text(file, limit=MAX_DOCUMENT_BYTES, what="label file")
        label = _parse_label(text)
    if xml:
        typer.echo(to_xml(label))
    elif json_out:
        typer.echo(label.canonical_bytes().decode("utf-8"))
    else:
        console.print(banner(label), markup=False, style="bold")


def _parse_label(text: str) -> ConfidentialityLabel:
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return from_xml(text)
    if stripped.startswith("{"):
        return ConfidentialityLabel.from_json(text)
    raise LabelError("a label file must hold canonical JSON or STANAG 4774 XML")


@item_app.command("verify")
def item_verify(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Verify every stored item against its binding, whoever may read it; exit 9 and name the damaged.

    Label, notices, content, attachment digests and both signatures, item by item (a destroyed
    item's label against its stored digests). An auditor's check of the holdings: it finds a
    label altered to withhold an item from everyone, which no reader is told of. Each damaged
    item is journalled and kept as an alarm (`accord ledger alarms`).
    """
    bar = counted_progress("verifying the items", enabled=not json_out)
    with refusals(), node_at(home) as node, bar as progress:
        report = node.items.verify_all(actor=_AUDITOR, progress=progress)
    if json_out:
        emit_json(report.to_dict())
    else:
        for bad in report.damaged:
            err_console.print(f"damaged: {bad.reason}", markup=False)
        if report.ok:
            console.print(f"Holdings intact: {report.checked} item(s) verified against their bindings")
    if not report.ok:
        with refusals():
            report.check()


# STANAG 4778 (issue 13), kept in its own module; listed after the commands above.
item_app.command("export-4778")(item_export_4778)
item_app.command("import-4778")(item_import_4778)

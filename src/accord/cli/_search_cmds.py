"""``accord search``: search what a person may read; rebuild and check the index (issue 12).

``accord search QUERY --as USER`` is ``accord search query QUERY --as USER``: a first
argument that is not a sub-command is the query (to search for the word ``reindex``
itself, write ``accord search query reindex``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text
from typer.core import TyperGroup

from accord.cli._auth import login
from accord.cli._common import (
    console,
    emit_json,
    exit_code,
    fail,
    fail_if_damaged,
    node_at,
    print_table,
    refusals,
)
from accord.cli._options import HomeOpt, JsonOpt, as_option
from accord.errors import IntegrityError
from accord.items import ItemKind, Precedence
from accord.node import SearchFilters, SearchHit, search_day

__all__ = ["search_app"]


class _QueryFirst(TyperGroup):
    """A group whose first argument, when it names no sub-command, is the query."""

    # ctx: Typer's own (vendored) click Context, whose module is private.
    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["query", *args]
        return super().parse_args(ctx, args)


search_app = typer.Typer(
    cls=_QueryFirst,
    help="Search the items a user may read (Korean, Japanese, English); rebuild or check the index.",
    no_args_is_help=True,
)


def _midnight(text: str | None, option: str, *, days_after: int = 0) -> datetime | None:
    """The start (UTC) of the day ``text`` names, or of a day after it; a full time exactly (the
    console and the API read it alike: :func:`~accord.node.search_day`).

    Raises:
        InvalidInput: not a date such as 2026-11-25 nor a time.
    """
    return None if text is None else search_day(text, option, days_after=days_after)


@search_app.command("query")
def search_query(
    query: Annotated[str, typer.Argument(help='Terms (ANDed), "a phrase", word* for a prefix.')],
    as_user: Annotated[str, as_option("The user searching: only the items they may read are searched.")],
    kind: Annotated[str | None, typer.Option("--kind", help="Only items of this kind.")] = None,
    precedence: Annotated[
        str | None, typer.Option("--precedence", help="Only items of this precedence.")
    ] = None,
    party: Annotated[
        str | None,
        typer.Option(
            "--from", help="Only items originated by this party, or by this node (its id, as 'from' shows)."
        ),
    ] = None,
    since: Annotated[
        str | None, typer.Option("--since", help="Only items held on or after this date (or RFC 3339 time).")
    ] = None,
    until: Annotated[
        str | None,
        typer.Option("--until", help="Only items held on or before this date, included (or before a time)."),
    ] = None,
    level: Annotated[
        str | None, typer.Option("--classification", help="Only items at this level (this node's scheme).")
    ] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many results to show (1-200).")] = 20,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Search the items a user may read, newest first, with a snippet of each and the total."""
    with refusals(), node_at(home) as node:
        # --until is the last day included
        after, before = _midnight(since, "--since"), _midnight(until, "--until", days_after=1)
        filters = SearchFilters(
            kind=ItemKind.parse(kind) if kind else None,
            precedence=Precedence.parse(precedence) if precedence else None,
            from_party=party,
            since=after,
            until=before,
            classification=level,
        )
        page = node.items.search.search(query, actor=login(node, as_user), filters=filters, limit=limit)
    if json_out:
        emit_json(page.to_dict())
    elif page.hits:  # no match: the line below alone, as an empty listing prints its line
        print_table(
            ("id", "banner", "title", "snippet"),
            (
                (hit.view.id, hit.view.banners[0], Text(hit.view.content.title), _snippet(hit))
                for hit in page.hits
            ),
        )
    if not json_out:
        console.print(f"{len(page.hits)} shown of {page.total} matching")
    fail_if_damaged(page.damaged)


def _snippet(hit: SearchHit) -> Text:
    snippet = Text(hit.snippet)
    for start, end in hit.highlights:
        snippet.stylize("bold reverse", start, end)
    return snippet


@search_app.command("reindex")
def search_reindex(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Rebuild the search index from the holdings (after restoring a backup or a new data key)."""
    with refusals(), node_at(home) as node:
        if console.is_terminal and not json_out:
            columns: Any = (TextColumn("indexing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
            with Progress(*columns, console=console, transient=True) as bar:
                task = bar.add_task("indexing", total=None)
                done = node.items.search.reindex(lambda n, total: bar.update(task, completed=n, total=total))
        else:
            done = node.items.search.reindex()
    if json_out:
        emit_json({"indexed": done})
    else:
        console.print(f"indexed {done} item(s)")


@search_app.command("check")
def search_check(home: HomeOpt = None, json_out: JsonOpt = False) -> None:
    """Check that the search index agrees with the holdings (exit code 9 when it does not)."""
    with refusals(), node_at(home) as node:
        result = node.items.search.check()
    if json_out:
        emit_json(result.to_dict())
    else:
        console.print(f"checked {result.checked} item(s)")
        for item_id in result.missing:
            console.print(f"missing or stale: {item_id}", markup=False)
        for item_id in result.extra:
            console.print(f"indexed but not held for use: {item_id}", markup=False)
        for item_id in result.damaged:
            console.print(f"unreadable (see accord item show): {item_id}", markup=False)
        for line in result.counts:
            console.print(f"count off: {line}", markup=False)
        for line in result.structure:
            console.print(f"index structure: {line}", markup=False)
    if not result.agrees:
        fail(
            "the search index disagrees with the holdings: run `accord search reindex`",
            exit_code(IntegrityError("")),
        )

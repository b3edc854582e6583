"""``accord item list``: what the command does once its options are read, without Typer.

Typer's command (:func:`accord.cli._item_cmds.item_list`) and the console script's own
parser (:mod:`accord.cli._list_argv`, for the common argument lists) both call
:func:`list_items`; the listing itself is the node's (:meth:`accord.node.Holdings.listing`:
the decision point, the verification of each shown item, the journal event).
"""

from __future__ import annotations

from pathlib import Path

from rich.text import Text

from accord.cli._auth import acting
from accord.cli._common import console, fail_if_damaged, print_listing
from accord.cli._main import end_without_teardown
from accord.node import ItemListing

__all__ = ["LIST_PAGE", "list_items"]

LIST_PAGE = 50
"""Items ``accord item list`` shows at a time, as the console's inbox pages them."""


def list_items(
    as_user: str, home: Path | None, *, json_out: bool, limit: int | None, offset: int, show_all: bool
) -> None:
    """List what ``as_user`` may read at ``home``: one page (``limit``, else :data:`LIST_PAGE`)
    from ``offset``, or every item with ``show_all``; as a table, or JSON with ``json_out``.

    Ends the command with its exit code on a refusal (:func:`~accord.cli._common.refusals`)
    or when an item failed its checks (:func:`~accord.cli._common.fail_if_damaged`).
    """
    page = None if show_all else (limit or LIST_PAGE)
    with acting(home, as_user) as (node, actor):
        listing = node.items.listing(actor=actor, limit=page, offset=offset)
    print_listing(
        json_out,
        {**listing.to_dict(), "offset": offset, "limit": page},
        ("precedence", "id", "kind", "banner", "title"),
        [
            *(
                (v.precedence.value, v.id, v.content.kind.value, v.banners[0], v.content.title)
                for v in listing.views
            ),
            *(
                (d.precedence.value, d.id, "?", Text("INTEGRITY FAILURE", style="red"), d.reason)
                for d in listing.damaged
            ),
        ],
    )
    if not json_out:
        console.print(_shown(listing, offset, page), markup=False)
    fail_if_damaged(listing.damaged)
    # The node is closed and the listing's journal event committed: nothing is left to do
    # but end the process (accord.cli._main: its teardown cost a third of the CPU).
    end_without_teardown()


def _shown(listing: ItemListing, offset: int, page: int | None) -> str:
    """The line under a listing: which items of how many readable it shows, and how to see more."""
    count = len(listing.views) + len(listing.damaged)
    total = listing.total if listing.total is not None else offset + count
    if count == 0:
        where = f"showing none of {total:,} readable"
        return where if offset == 0 else f"{where} (--offset {offset} is past the last)"
    line = f"showing {offset + 1:,}–{offset + count:,} of {total:,} readable"
    if listing.more and page is not None:
        # A full page was taken (an item that fails its check and may not be told about
        # takes its place unseen): the next page starts after it.
        line += f"; --all or --offset {offset + page} for more"
    return line

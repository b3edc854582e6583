"""Where imported items came from: one item per origin at a node (issue 13).

An importer says, for each item it creates (:attr:`NewItem.origin`, through
:meth:`accord.node.ItemService.create_many` or ``create``), which system and which id there it
came from (:class:`ImportRef`: ``misp`` and a MISP event's uuid). :func:`require_new_origins`
refuses a batch with an origin this node holds an item of already, naming that item;
:func:`keep_origins` records a new item's origin in the transaction that stores it, where the
table's primary key refuses an origin that a concurrent import recorded first.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import exc as sql
from sqlalchemy.orm import Session

from accord.errors import Conflict
from accord.node.core._principal import Act
from accord.node.holdings._item_types import ImportRef
from accord.store import ItemImportRepository, ItemImportRow, format_stamp

__all__ = ["keep_origins", "require_new_origins"]

_LISTED = 10


def require_new_origins(session: Session, origins: Sequence[ImportRef | None], total: int) -> None:
    """Refuse a batch of ``total`` items when this node holds an item of one of its origins.

    Raises:
        Conflict: the message names each origin held (the first ten) and its item.
    """
    known = [o for o in origins if o is not None]
    found = {}
    for source in sorted({o.source for o in known}):
        held = ItemImportRepository(session).found(source, {o.ref for o in known if o.source == source})
        found.update({(source, ref): row for ref, row in held.items()})
    if not found:
        return
    names = {(o.source, o.ref): o.name or o.ref for o in known}
    listed = "; ".join(
        f"{source.upper()} {names[source, ref]} is item {row.item_id} (imported {row.imported_at})"
        for (source, ref), row in sorted(found.items())[:_LISTED]
    )
    more = f"; and {len(found) - _LISTED} more" if len(found) > _LISTED else ""
    raise Conflict(f"{len(found)} of {total} imported already, nothing imported: {listed}{more}")


def keep_origins(
    session: Session, made: Sequence[tuple[str, Act]], origins: Sequence[ImportRef | None]
) -> None:
    """Record the origin of each new item (``made``: its id and the act that made it).

    Raises:
        Conflict: another import recorded one of these origins first (the transaction must
            then be rolled back: nothing of the batch is stored).
    """
    repository = ItemImportRepository(session)
    for (item_id, act), origin in zip(made, origins, strict=False):
        if origin is not None:
            repository.add(
                ItemImportRow(
                    source=origin.source,
                    ref=origin.ref,
                    item_id=item_id,
                    imported_by=act.actor,
                    imported_at=format_stamp(act.now),
                )
            )
    try:
        session.flush()
    except sql.IntegrityError as exc:
        refs = ", ".join(f"{o.source.upper()} {o.name or o.ref}" for o in origins[:_LISTED] if o is not None)
        message = f"imported already by another import at the same time, nothing imported: {refs}"
        raise Conflict(message) from exc

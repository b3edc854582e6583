"""The journal entry of an act done: who did what, when, about which item, with what detail.

An action of a node's services ends, inside its unit of work, with one entry of outcome
``ok`` whose actor and time are the act's (:class:`Act`: the clock is read once per act);
a refused action is journalled by ``NodeContext.work`` instead. It lives in core, the
lowest wing, so that every wing uses it (ADR 0005).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy.orm import Session

from accord.node.core._principal import Act
from accord.store import NewEvent, append_event

__all__ = ["journal_done"]


def journal_done(
    session: Session, act: Act, action: str, *, item_id: str | None = None, detail: Mapping[str, object]
) -> None:
    """Journal ``action`` as done by ``act`` (outcome ``ok``), in the act's transaction."""
    append_event(
        session,
        NewEvent(at=act.now, actor=act.actor, action=action, outcome="ok", item_id=item_id, detail=detail),
    )

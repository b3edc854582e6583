"""How an officer sees a consent request and what became of it (Art. 6)."""

from __future__ import annotations

from dataclasses import dataclass

from accord.exchange import ConsentToken
from accord.json_view import JsonView
from accord.store import ConsentRow

__all__ = ["ConsentView", "view_of"]


@dataclass(frozen=True)
class ConsentView(JsonView):
    """A consent request and what became of it, as an officer sees it."""

    id: str
    direction: str
    item_id: str
    originator_node: str
    holder_party: str
    third_party: str
    purpose: str
    requested_by: str
    requested_at: str
    status: str
    decided_by: str | None
    decided_at: str | None
    reason: str | None
    token_id: str | None
    expires_at: str | None
    revoked_at: str | None
    limits: dict[str, object] | None = None  # the enforced conditions of the token, if any


def view_of(row: ConsentRow) -> ConsentView:
    """The officer's view of a ``consents`` row."""
    return ConsentView(
        id=row.id,
        direction=row.direction,
        item_id=row.item_id,
        originator_node=row.originator_node,
        holder_party=row.holder_party,
        third_party=row.third_party,
        purpose=row.purpose,
        requested_by=row.requested_by,
        requested_at=row.requested_at,
        status=row.status,
        decided_by=row.decided_by,
        decided_at=row.decided_at,
        reason=row.reason,
        token_id=row.token_id,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
        limits=_limits(row.token_json),
    )


def _limits(token_json: str | None) -> dict[str, object] | None:
    if token_json is None:
        return None
    limits = ConsentToken.parse(token_json).limits
    return limits.to_dict() if limits else None

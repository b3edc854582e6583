"""The consents this node holds for items it passes on or received (GSOMIA Art. 6).

The consent questions the exchange asks below the originator's workflow
(:mod:`accord.node.originator`), answered from :class:`~accord.store.ConsentRepository`:
the holder finds a valid token before it sends an item to a third party
(:func:`usable_consent`), the third party keeps the token an item arrived with
(:func:`record_held`) and checks whether it was revoked (:func:`revoked`). Rows:
``direction`` ``out`` at the holder that asked, ``in`` at the originator, ``held`` at a
third party that received an item with its token.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from accord.errors import NotFound, PolicyDenied, VerificationFailed
from accord.exchange import ConsentToken
from accord.items import ConsentState, Direction
from accord.node.registry._parties import PartyService
from accord.store import ConsentRepository, ConsentRow

__all__ = ["PassingOn", "record_held", "revoked", "usable_consent"]


@dataclass(frozen=True)
class PassingOn:
    """A release of another party's item that needs its originator's prior consent (Art. 6).

    Attributes:
        item_id: The item passed on.
        content_sha384: Its content digest as it is now (a consent is for that content).
        originator_party: The party that provided it.
        holder_party: This node's party, which passes it on.
        third_party: The party it is passed on to.
    """

    item_id: str
    content_sha384: str
    originator_party: str
    holder_party: str
    third_party: str


def usable_consent(
    session: Session, parties: PartyService, passing: PassingOn, now: datetime
) -> ConsentToken:
    """The originator's valid consent for this node to make the release ``passing``.

    Each stored token is verified again with the originator's pinned keys and checked
    against the item as it is now and the clock.

    Raises:
        PolicyDenied: no consent, or none that is approved, unrevoked, unexpired and for
            this item, with the reason (Art. 6).
    """
    item_id, originator_party, third_party = passing.item_id, passing.originator_party, passing.third_party
    rows = ConsentRepository(session).asked(item_id, third_party)
    needs = (
        f"item {item_id} was provided by {originator_party}; passing it on to {third_party} needs "
        f"{originator_party}'s prior written consent (Art. 6)"
    )
    if not rows:
        raise PolicyDenied(
            f"{needs}: ask for it on the item's page in the console, or with "
            f"accord release-request {item_id} --to {third_party} "
            f'--purpose "WHY IT IS NEEDED" --as OFFICER'
        )
    problems: list[str] = []
    for row in rows:
        found = _usable(session, parties, row, passing, now)
        if isinstance(found, ConsentToken):
            return found
        if found is not None:
            problems.append(found)
    raise PolicyDenied(f"{needs}: " + "; ".join(problems))


def _usable(
    session: Session,
    parties: PartyService,
    row: ConsentRow,
    passing: PassingOn,
    now: datetime,
) -> ConsentToken | str | None:
    """The row's token if it is usable now, else why not (``None``: an approved row without a token)."""
    if row.status == ConsentState.PENDING:
        return f"request {row.id} is still pending"
    if row.status == ConsentState.DENIED:
        return f"request {row.id} was denied: {row.reason}"
    if row.status == ConsentState.REVOKED:
        return f"consent {row.token_id} was revoked at {row.revoked_at}: {row.reason}"
    if row.token_json is None:
        return None
    token = ConsentToken.parse(row.token_json)
    try:
        _, keys = parties.signer(session, token.originator_node)
        token.verify(keys)
        token.check(
            item_id=row.item_id,
            content_sha384=passing.content_sha384,
            holder_party=passing.holder_party,
            third_party=row.third_party,
            now=now,
        )
    except (VerificationFailed, NotFound) as exc:
        return str(exc)
    return token


def record_held(session: Session, token: ConsentToken, sender: str) -> None:
    """Keep the token an item arrived with (direction ``held``), so a revocation finds it.

    The request itself never reaches the third party and the signed token does not name
    the holder's officer who asked, only the originator's who approved: the row says what
    is known, that the holder's node ``sender`` asked (no later than the approval) and
    who decided, rather than a name it cannot know (``docs/consent.md``).
    """
    consents = ConsentRepository(session)
    if consents.get(token.request_id) is not None:
        return
    consents.add(
        ConsentRow(
            id=token.request_id,
            direction=Direction.HELD,
            item_id=token.item_id,
            content_sha384=token.content_sha384,
            originator_node=token.originator_node,
            holder_party=token.holder_party,
            holder_node=sender,
            third_party=token.third_party,
            purpose=token.purpose,
            request_json="{}",
            requested_by=sender,  # the holder's node: the token does not name its officer
            requested_at=token.issued_at,  # the request's own time is not in the token either
            status=ConsentState.APPROVED,
            decided_by=token.approved_by,
            decided_at=token.issued_at,
            token_id=token.token_id,
            token_json=token.to_bytes().decode("utf-8"),
            expires_at=token.expires_at,
        )
    )


def revoked(session: Session, token_id: str) -> bool:
    """Whether this node has learnt that the consent ``token_id`` was revoked."""
    return ConsentRepository(session).is_revoked(token_id)

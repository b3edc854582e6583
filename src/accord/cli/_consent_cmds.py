"""The originator's controls (GSOMIA Art. 6): release-request, consent list|approve|deny|revoke, downgrade."""

from __future__ import annotations

from typing import Annotated

import typer

from accord.cli._auth import acting
from accord.cli._common import console, emit_json, print_listing
from accord.cli._options import HomeOpt, JsonOpt, OriginatorOfficerOpt, as_option
from accord.items import Direction
from accord.node import ConsentGrant, ConsentView, end_of_day

__all__ = ["consent_app", "downgrade", "release_request"]

consent_app = typer.Typer(
    help="The originator's prior written consent to pass an item on (Art. 6).", no_args_is_help=True
)


RequestIdArg = Annotated[str, typer.Argument(help="The request (accord consent list).")]

_DIRECTIONS: dict[str, str] = {
    Direction.IN: "asked of us",
    Direction.OUT: "we asked",
    Direction.HELD: "received with item",
}


def _say(view: ConsentView, json_out: bool, what: str) -> None:
    if json_out:
        emit_json(view.to_dict())
        return
    console.print(
        f"{what}: {view.id} — item {view.item_id}, {view.holder_party} → {view.third_party}, {view.status}"
    )
    if view.token_id:
        console.print(f"  consent {view.token_id}, expires {view.expires_at}")
    if view.limits:
        console.print(f"  enforced conditions: {_limits_text(view.limits)}")
    if view.reason:
        console.print(f"  reason: {view.reason}")


def release_request(
    item_id: Annotated[str, typer.Argument(help="An item a partner provided.")],
    to: Annotated[str, typer.Option(help="The third party to pass it on to (e.g. USA).")],
    purpose: Annotated[str, typer.Option(help="Why, in words the originator's officer will weigh.")],
    as_user: Annotated[str, as_option("The officer asking.")],
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Ask the originator's consent to pass an item on; the request travels as an IMMEDIATE envelope."""
    with acting(home, as_user) as (node, actor):
        view = node.consents.request(item_id, to=to, purpose=purpose, actor=actor)
    _say(view, json_out, "Asked")
    if not json_out:
        console.print("`accord serve` delivers the request; the answer arrives the same way.")


@consent_app.command("list")
def list_(
    as_user: Annotated[str, as_option("The officer looking.")],
    status: Annotated[str | None, typer.Option(help="Only pending, approved, denied or revoked.")] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Consent requests asked here and of us, about items you may read, newest first."""
    with acting(home, as_user) as (node, actor):
        views = node.consents.listing(actor=actor, status=status)
    print_listing(
        json_out,
        [v.to_dict() for v in views],
        ("request", "direction", "item", "holder → third", "purpose", "status", "consent / reason"),
        (
            (
                v.id,
                _DIRECTIONS.get(v.direction, v.direction),
                v.item_id,
                f"{v.holder_party} → {v.third_party}",
                v.purpose,
                v.status,
                v.token_id or v.reason or "",
            )
            for v in views
        ),
        empty="No consent request.",
    )


@consent_app.command("approve")
def approve(
    request_id: RequestIdArg,
    as_user: OriginatorOfficerOpt,
    days: Annotated[int, typer.Option(help="How long the consent lasts (1-365 days).")] = 30,
    condition: Annotated[
        list[str] | None, typer.Option(help="A condition the holder must keep (repeatable).")
    ] = None,
    purpose_only: Annotated[
        bool,
        typer.Option("--purpose-only", help="The third party may use it for the request's purpose only."),
    ] = False,
    no_onward_release: Annotated[
        bool, typer.Option("--no-onward-release", help="The third party may not pass it on.")
    ] = False,
    destroy_by: Annotated[
        str | None,
        typer.Option(help="The third party destroys it by the end of this day (YYYY-MM-DD, UTC)."),
    ] = None,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Consent: sign a token for the holder (item, digest, third party, purpose, expiry, conditions)."""
    with acting(home, as_user) as (node, actor):
        view = node.consents.approve(
            request_id,
            actor=actor,
            grant=ConsentGrant(
                days=days,
                conditions=condition or [],
                purpose_only=purpose_only,
                no_onward_release=no_onward_release,
                destroy_by=end_of_day(destroy_by) if destroy_by is not None else None,
            ),
        )
    _say(view, json_out, "Approved")


def _limits_text(limits: dict[str, object]) -> str:
    said = []
    if limits.get("purpose_only"):
        said.append("for its purpose only")
    if limits.get("no_onward_release"):
        said.append("no onward release")
    if limits.get("destroy_by"):
        said.append(f"destroy before {limits['destroy_by']}")
    return "; ".join(said)


@consent_app.command("deny")
def deny(
    request_id: RequestIdArg,
    reason: Annotated[str, typer.Option(help="Why; the holder is told.")],
    as_user: OriginatorOfficerOpt,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Refuse consent, saying why; the holder is told."""
    with acting(home, as_user) as (node, actor):
        view = node.consents.deny(request_id, reason=reason, actor=actor)
    _say(view, json_out, "Denied")


@consent_app.command("revoke")
def revoke(
    token_id: Annotated[str, typer.Argument(help="The consent (its token id).")],
    reason: Annotated[str, typer.Option(help="Why; the holder and the third party are told.")],
    as_user: OriginatorOfficerOpt,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Withdraw a consent; the holder and the third party's nodes are told."""
    with acting(home, as_user) as (node, actor):
        view = node.consents.revoke(token_id, reason=reason, actor=actor)
    _say(view, json_out, "Revoked")


def downgrade(
    item_id: Annotated[str, typer.Argument(help="An item originated at this node.")],
    reason: Annotated[str, typer.Option(help="Why; every holder is told.")],
    as_user: OriginatorOfficerOpt,
    to: Annotated[str | None, typer.Option(help="The new, lower level in this node's scheme.")] = None,
    declassify: Annotated[bool, typer.Option("--declassify", help="Declassify the item.")] = False,
    home: HomeOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Lower an item's classification (or declassify it); a signed notice goes to every holder."""
    with acting(home, as_user) as (node, actor):
        told = node.notices.downgrade(item_id, to=to, declassify=declassify, reason=reason, actor=actor)
    if json_out:
        emit_json({"item_id": item_id, "to": to, "declassified": declassify, "told": told})
        return
    change = "declassified" if declassify else f"downgraded to {to}"
    console.print(f"Item {item_id} {change}; notice queued for {', '.join(told) or 'no other node'}.")

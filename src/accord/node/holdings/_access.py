"""The policy enforcement point: every read, listing and release asks :mod:`accord.policy`.

The decision point is pure; this module builds its inputs from what the node holds (the
user, the item's marking and purpose, the agreement and its status today), turns a denial
into an error and journals every decision.

Probing (issue 4, "bad input"): a person who may not *read* an item is answered exactly as
if it did not exist (:class:`~accord.errors.Withheld`, a :class:`~accord.errors.NotFound`),
and listings and counts leave it out, so nobody learns what exists from the answers. The
real reasons — which rule, which article — go to the journal, where officers and auditors
see them. Every other denial (release, copy, downgrade of an item the person can read)
reveals nothing new and states its reasons to the person.

Journalling is batched: a listing is one journal event carrying every decision it made
(the ids permitted and, for each one withheld, the ids of the rules that denied it), so a
busy inbox costs one write, not one per item.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy.orm import Session

from accord.agreements import Agreement, Status
from accord.errors import AgreementStateError, NotFound, PolicyDenied, TranslationRefused, Withheld
from accord.exchange import ConsentToken
from accord.markings import Marking
from accord.node.core._context import NodeContext
from accord.node.core._journal_done import journal_done
from accord.node.core._principal import Act
from accord.node.registry._agreements import AgreementService
from accord.node.registry._users import User
from accord.policy import (
    Action,
    ConsentTerms,
    Context,
    Decider,
    Decision,
    Duty,
    Resource,
    Subject,
    decide,
    decide_duty,
)

__all__ = [
    "AccessService",
    "Decided",
    "Release",
    "consent_terms",
    "journal_detail",
    "require_scope",
    "subject_of",
]


def subject_of(user: User) -> Subject:
    """The decision point's view of a person (Art. 7: clearance, need to know, role)."""
    return Subject(
        name=user.name,
        role=user.role.value,
        nationality=user.nationality,
        clearance=user.clearance,
        need_to_know=user.need_to_know,
        purposes=user.purposes,
    )


def consent_terms(token: ConsentToken) -> ConsentTerms:
    """The decision point's view of a consent token this node verified (Art. 6).

    The caller has checked the originator's signature: on receipt for a token a holding
    arrived with, just now for a token about to be attached to a release.
    """
    return ConsentTerms(
        token_id=token.token_id,
        originator_party=token.originator_party,
        third_party=token.third_party,
        purpose=token.purpose,
        purpose_only=token.limits.purpose_only,
        onward_release=not token.limits.no_onward_release,
    )


@dataclass(frozen=True, slots=True)
class Release:
    """A release the enforcement point is asked to permit: under which agreement, to whom (Arts. 6, 21).

    Attributes:
        agreement: The agreement that governs the release (the decision point checks it is in force).
        to: The receiving party.
        consent: The terms of the originator's verified consent to this release (Art. 6),
            when there is one.
        status: The agreement's status at the moment of the release, when the caller read it
            already in the same transaction (a send of many items reads it once).
    """

    agreement: Agreement
    to: str
    consent: ConsentTerms | None = None
    status: Status | None = None


@dataclass(frozen=True)
class Decided:
    """One decision about one item, as a listing journals it."""

    item_id: str
    decision: Decision


class AccessService:
    """Builds requests for the decision point, enforces its answers, journals them."""

    def __init__(self, ctx: NodeContext, agreements: AgreementService) -> None:
        """Serve the node behind ``ctx``."""
        self._ctx = ctx
        self._agreements = agreements

    # --- inputs -------------------------------------------------------------------------

    def resource(
        self,
        *,
        item_id: str,
        marking: Marking,
        purpose: str,
        originator_party: str,
        consents: tuple[ConsentTerms, ...] = (),
    ) -> Resource:
        """The decision point's view of an item held here (with the consents it arrived under)."""
        return Resource(
            item_id=item_id,
            marking=marking,
            purpose=purpose,
            originator_party=originator_party,
            held_party=self._ctx.config.party,
            consents=consents,
        )

    def context(
        self, session: Session, marking: Marking, now: datetime, release: Release | None = None
    ) -> Context:
        """The context of a request: the agreement that governs it and its status on ``now``.

        For a release the caller names the agreement (in ``release``); otherwise it is the one
        the label in this node's scheme was issued or received under, when that is imported
        here (only needed to translate a level that has no label in the reader's scheme, Art. 4).
        """
        agreement = release.agreement if release is not None else self._label_agreement(session, marking)
        status = release.status if release is not None else None
        if agreement is not None and status is None:
            status = self._agreements.status_in(session, agreement.id, now)
        context = Context(now=now, agreement=agreement, agreement_status=status)
        if release is None:
            return context
        return replace(context, target_party=release.to, consent=release.consent)

    def _label_agreement(self, session: Session, marking: Marking) -> Agreement | None:
        wanted = marking.agreement_in(self._ctx.config.scheme)
        if wanted is None:
            return None
        try:
            return self._agreements.get_in(session, wanted)
        except NotFound:
            return None

    # --- enforcement --------------------------------------------------------------------

    def require_read(
        self, session: Session, user: User, resource: Resource, now: datetime, *, action: Action = Action.READ
    ) -> Decision:
        """Permit ``action`` (a read, or another action that shows the item) or withhold the item.

        Raises:
            Withheld: the decision point denies it; the person is told the item does not
                exist, the journal gets the reasons.
        """
        decision = decide(subject_of(user), action, resource, self.context(session, resource.marking, now))
        if not decision.permit:
            raise Withheld(
                f"no item {resource.item_id!r} at this node",
                reason=_denial(action, resource, decision),
            )
        return decision

    def permits_read(self, session: Session, user: User, resource: Resource, now: datetime) -> bool:
        """Whether ``user`` may read ``resource`` (no journal entry, no error)."""
        return decide(
            subject_of(user), Action.READ, resource, self.context(session, resource.marking, now)
        ).permit

    def require(
        self, session: Session, user: User, action: Action, resource: Resource, now: datetime
    ) -> Decision:
        """Permit ``action`` on an item the person may read, or say every reason why not.

        Raises:
            Withheld: the person may not even read the item (answered as not found).
            PolicyDenied: the action is denied; the message lists every failing rule.
        """
        self.require_read(session, user, resource, now)
        return _enforce(user, action, resource, self.context(session, resource.marking, now))

    def require_release(
        self, session: Session, user: User, resource: Resource, now: datetime, release: Release
    ) -> Decision:
        """Permit ``release`` of an item the person may read, or say every reason why not.

        Raises:
            Withheld: the person may not even read the item (answered as not found).
            PolicyDenied: the release is denied; the message lists every failing rule.
        """
        self.require_read(session, user, resource, now)
        context = self.context(session, resource.marking, now, release)
        return _enforce(user, Action.RELEASE, resource, context)

    def require_new(
        self, session: Session, user: User, action: Action, resource: Resource, now: datetime
    ) -> Decision:
        """Permit an action that brings an item into being (a creation), or say every reason why not.

        Raises:
            PolicyDenied: the decision point denies it; the message lists every failing rule.
        """
        return _enforce(user, action, resource, self.context(session, resource.marking, now))

    def require_duty(self, user: User, duty: Duty) -> Decision:
        """Permit a duty about the node's own records (the journal, ledger alarms), or say why not.

        Raises:
            PolicyDenied: the decision point denies it (the role rule); the message says which
                roles may.
        """
        decision = decide_duty(subject_of(user), duty)
        if not decision.permit:
            raise PolicyDenied(f"{duty.value} denied: " + "; ".join(decision.reasons))
        return decision

    def journal_decisions(self, act: Act, action: str, detail: dict[str, object]) -> None:
        """Journal one batched decision event (a listing, a search) in a transaction of its own.

        ``detail`` is usually :func:`journal_detail`'s, with what the action adds.
        """
        with self._ctx.db.transaction() as session:
            journal_done(session, act, action, detail=detail)

    def readable(
        self, session: Session, user: User, resources: Sequence[Resource], now: datetime
    ) -> tuple[list[Resource], list[Decided]]:
        """Split ``resources`` into those ``user`` may read and the decisions withholding the rest."""
        subject = subject_of(user)
        # Grouped by the agreement that gives the context, then one batched decider per
        # group: it answers repeated markings (and equal questions) at once.
        groups: dict[str | None, list[Resource]] = {}
        keys: dict[int, str | None] = {}
        scheme = self._ctx.config.scheme
        for resource in resources:
            marking = resource.marking
            if id(marking) in keys:
                key = keys[id(marking)]
            else:  # the agreement context() finds for it (_label_agreement)
                key = keys[id(marking)] = marking.agreement_in(scheme)
            groups.setdefault(key, []).append(resource)
        permitted: list[Resource] = []
        withheld: list[Decided] = []
        for group in groups.values():
            context = self.context(session, group[0].marking, now)
            decisions = Decider(subject, Action.READ, context).decide_many(group)
            for resource, decision in zip(group, decisions, strict=True):
                if decision.permit:
                    permitted.append(resource)
                else:
                    withheld.append(Decided(resource.item_id, decision))
        return permitted, withheld


def require_scope(decision: Decision) -> None:
    """Enforce a scope decision (:func:`accord.policy.may_mark` / :func:`~accord.policy.may_travel`).

    Raises:
        AgreementStateError: the agreement is not in force (Art. 21).
        TranslationRefused: the level has no equivalent under the agreement (Art. 4).
        PolicyDenied: any other scope rule, with its reason (Arts. 4, 6).
    """
    if decision.permit:
        return
    rule, reason = decision.rule_ids[0], decision.reasons[0]
    if rule == "in-force":
        raise AgreementStateError(reason)
    if rule == "equivalent":
        raise TranslationRefused(reason)
    raise PolicyDenied(reason)


def _enforce(user: User, action: Action, resource: Resource, context: Context) -> Decision:
    decision = decide(subject_of(user), action, resource, context)
    if not decision.permit:
        raise PolicyDenied(_denial(action, resource, decision))
    return decision


def _denial(action: Action, resource: Resource, decision: Decision) -> str:
    # A refused creation names no item: its id was only drawn, nothing was made under it.
    what = "create" if action is Action.CREATE else f"{action.value} of item {resource.item_id}"
    return f"{what} denied: " + "; ".join(decision.reasons)


def journal_detail(
    permitted: Sequence[str], withheld: Sequence[Decided], shapes: Sequence[dict[str, object]] = ()
) -> dict[str, object]:
    """The detail of one batched decision event (a listing): what was shown, what was not and why.

    ``withheld`` are items decided one by one (by id, with the rules that withheld each);
    ``shapes`` are decisions made once for every item of a stored marking shape and
    originating party (the shape's digest, the party, the rules, how many items).
    """
    detail: dict[str, object] = {
        "permitted": list(permitted),
        "withheld": {d.item_id: list(d.decision.rule_ids) for d in withheld},
    }
    if shapes:
        detail["withheld_shapes"] = list(shapes)
    return detail

"""The rules of the policy decision point and :func:`decide`.

Each rule has a stable id (see :data:`RULES`) and cites the article of the Japan–ROK
GSOMIA it enforces. :func:`decide` evaluates every rule and collects the reasons of all
that fail, so an officer sees at once everything that stands in the way.

Invariants:
    * pure: no I/O, no clock, no global state that changes; the same inputs give the same
      decision;
    * never raises for a well-typed request: a level with no equivalent, a missing
      agreement or an unknown role is a denial with a reason, not an exception (STYLE.md:
      only the enforcement point raises);
    * a permit carries no reasons; a denial carries no obligations;
    * reading what is held is governed by the same rules after termination (Art. 21:
      protection survives), only new releases need the agreement in force.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final, NamedTuple

from accord.errors import TranslationRefused
from accord.markings import (
    NEED_TO_KNOW,
    ORIGINATOR_CONTROL,
    RELEASABLE_TO,
    SCHEMES,
    ConfidentialityLabel,
    Level,
)
from accord.policy._model import Action, Context, Decision, Duty, Resource, Subject

__all__ = ["OBLIGATIONS", "ROLE_ACTIONS", "ROLE_DUTIES", "RULES", "decide", "decide_duty"]

_ALL = frozenset(Action)

ROLE_ACTIONS: Mapping[str, frozenset[Action]] = MappingProxyType(
    {
        # DESIGN.md §2: analysts write reports and read the inbox.
        "analyst": frozenset({Action.READ, Action.CREATE}),
        # The registry / security officer releases, copies, translates, destroys, downgrades.
        "officer": _ALL,
        # The designated security authority manages the node; it reads under the same rules.
        "authority": frozenset({Action.READ}),
        # The auditor verifies the ledger, proofs and receipts: metadata, never content.
        "auditor": frozenset(),
    }
)
"""The actions each role may ask for; any other role may ask for nothing."""

ROLE_DUTIES: Mapping[str, frozenset[Duty]] = MappingProxyType(
    {
        # Analysts write and read reports; the journal and the ledger's alarms are not theirs.
        "analyst": frozenset(),
        # The officer handles refusals, compromise and the ledger's alarms (Arts. 6, 17).
        # An oversight report states how the agreement was used (issue 15): officers and the
        # authority answer for it; auditors verify reports, with the parties' cards alone.
        "officer": frozenset({Duty.READ_JOURNAL, Duty.ACKNOWLEDGE_ALARM, Duty.REPORT_TO_OVERSIGHT}),
        # The designated security authority answers for the node's protection (Arts. 8, 18)
        # and alone administers its people, clearances, partners, agreements and keys (Art. 7).
        "authority": frozenset(Duty),
        # The auditor verifies the record (DESIGN.md §2): reads it, decides nothing.
        "auditor": frozenset({Duty.READ_JOURNAL}),
    }
)
"""The duties about the node's own records each role may ask for; any other role, none."""

_DUTY_VERBS: Mapping[Duty, str] = MappingProxyType(
    {
        Duty.READ_JOURNAL: "read the journal",
        Duty.ACKNOWLEDGE_ALARM: "acknowledge a ledger alarm",
        Duty.REPORT_TO_OVERSIGHT: "make an oversight report",
        Duty.ADMINISTER: "administer the node's people, partners, agreements and keys",
    }
)


def _holders(duty: Duty) -> str:
    roles = [role for role, duties in ROLE_DUTIES.items() if duty in duties]
    return roles[0] if len(roles) == 1 else f"{', '.join(roles[:-1])} and {roles[-1]}"


# Where a refusal sends the person refused: a document users have (the role table of the
# decision point's documentation), not the design notes kept with the source.
ROLE_TABLE: Final = "docs/policy.md, role table"

_DUTY_HOLDERS: Mapping[Duty, str] = MappingProxyType({duty: _holders(duty) for duty in Duty})
_DUTY_PERMIT = Decision(True, (), (), ())

RULES: Mapping[str, str] = MappingProxyType(
    {
        "role": f"{ROLE_TABLE}; Art. 7 (no access by position alone)",
        "equivalence": "Art. 4 (equivalent classification in the reader's scheme)",
        "clearance": "Art. 7 (personnel security clearance)",
        "nationality": "Art. 6 (Releasable To; no third country)",
        "need-to-know": "Art. 7 (official need)",
        "purpose": "Art. 6 (no use beyond the purpose of provision)",
        "originator-only": "Arts. 2, 6 (only the originator marks and changes classification)",
        "release-target": "Art. 6 (a release names its receiving party)",
        "third-party": "Art. 6 (prior written approval for a third party)",
        "consent-purpose": "Art. 6 (use only for the purpose the originator approved)",
        "onward-release": "Art. 6 (the originator's approval forbids passing the item on)",
        "agreement-in-force": "Art. 21 (new exchange only while in force)",
    }
)
"""Rule id -> the article it enforces."""

OBLIGATIONS: Mapping[Action, tuple[str, ...]] = MappingProxyType(
    {
        Action.READ: ("show-banner",),
        Action.CREATE: ("bind-label",),
        # Arts. 9–16: copies and translations carry the same markings and control.
        Action.COPY: ("show-banner", "number-copy"),
        Action.TRANSLATE: ("show-banner", "carry-markings"),
        # Art. 6: identification, location, inventory and control of CMI.
        Action.RELEASE: ("record-dissemination",),
        Action.EXPORT: ("record-dissemination",),
        Action.DESTROY: ("destruction-certificate",),
        # Art. 6: the originator's classification changes are applied by every receiver.
        Action.DOWNGRADE: ("notify-holders",),
    }
)
"""What the enforcement point must do when an action is permitted."""

_RELEASES = frozenset({Action.RELEASE, Action.EXPORT})
_ORIGINATOR_ACTIONS = frozenset({Action.CREATE, Action.DOWNGRADE})
_NO_THIRD_PARTY = "NO-THIRD-PARTY"
_PURPOSE_LIMITED = "PURPOSE-LIMITED"


class _Plan(NamedTuple):
    """What :func:`decide` needs to know about an action, looked up once per call."""

    verb: str
    roles: frozenset[str]
    release: bool
    originator_only: bool
    permit: Decision
    permit_with_consent: Decision


def _plan(action: Action) -> _Plan:
    obligations = OBLIGATIONS[action]
    return _Plan(
        verb=action.value,
        roles=frozenset(role for role, actions in ROLE_ACTIONS.items() if action in actions),
        release=action in _RELEASES,
        originator_only=action in _ORIGINATOR_ACTIONS,
        # Decisions are immutable, so every permit of an action can be the same object.
        permit=Decision(True, (), obligations, ()),
        permit_with_consent=Decision(True, (), (*obligations, "attach-consent"), ()),
    )


_PLANS: Mapping[Action, _Plan] = {action: _plan(action) for action in Action}
"""Per action: its verb, the roles that may ask for it, its rule sets and its permits.

A plain dict built once at import and never changed (one enum hash per decision instead
of four: the enum's ``__hash__`` is written in Python)."""

_LEVELS: Mapping[tuple[str, str], Level] = {
    (lvl.scheme, lvl.native): lvl for each in SCHEMES.values() for lvl in each.levels
}
"""The built-in levels by (scheme, native spelling), which is what a label holds once built."""


_Bound = tuple[ConfidentialityLabel, tuple[str, ...], tuple[str, ...], tuple[str, ...]]
"""A label that binds the reader, with its Releasable To, Need To Know and controls."""


def _bound(label: ConfidentialityLabel) -> _Bound:
    """Reads Releasable To, Need To Know and the controls in one pass over the categories.

    A label holds one category per tag (checked on construction) and a category's values
    are sorted and unique, so this gives what ``releasable_to`` & co. give, as tuples (a
    plain tuple: a named one costs a Python-level ``__new__`` per label).
    """
    rel: tuple[str, ...] = ()
    ntk: tuple[str, ...] = ()
    ctl: tuple[str, ...] = ()
    for category in label.categories:
        tag = category.tag_name
        if tag == RELEASABLE_TO:
            rel = category.values
        elif tag == NEED_TO_KNOW:
            ntk = category.values
        elif tag == ORIGINATOR_CONTROL:
            ctl = category.values
    return label, rel, ntk, ctl


def _level(label: ConfidentialityLabel) -> Level:
    """``label.level`` without re-parsing the spelling (the label holds the native one)."""
    found = _LEVELS.get((label.policy, label.classification))
    return label.level if found is None else found


def _named(label: ConfidentialityLabel) -> str:
    return f"{label.policy} {label.classification}"


def _listed(values: frozenset[str]) -> str:
    return ", ".join(sorted(values)) if values else "none"


def _reader_level(
    reader: str, own: ConfidentialityLabel | None, original: ConfidentialityLabel, context: Context
) -> tuple[Level | None, str]:
    """The item's level in the reader's scheme (Art. 4), or the reason there is none.

    Args:
        reader: The reader's scheme.
        own: The marking's own label in the reader's scheme, if any.
        original: The originator's label.
        context: Gives the agreement that translates ``original`` when ``own`` is None.

    Returns:
        ``(level, "")``, or ``(None, reason)``.
    """
    if own is not None:
        return _level(own), ""
    if context.agreement is None:
        return (
            None,
            f"{_named(original)} has no equivalent in {reader}: no agreement to translate it (Art. 4)",
        )
    try:
        return context.agreement.translate(original, reader), ""
    except TranslationRefused as exc:
        # The agreement's refusal already names its article (Art. 4).
        return None, f"{_named(original)} cannot be read in the {reader} scheme: {exc}"


def _check_release(
    plan: _Plan, resource: Resource, context: Context, bound: tuple[_Bound, ...]
) -> tuple[bool, list[str], list[str]]:
    """Checks a RELEASE or EXPORT (Arts. 6, 21).

    Returns whether a consent is relied on, and the ids and reasons of the rules it breaks.
    """
    ids: list[str] = []
    reasons: list[str] = []
    with_consent = False
    target = context.target_party
    if target is None:
        ids.append("release-target")
        reasons.append(f"a {plan.verb} must name the receiving party (Art. 6)")
    elif target != resource.originator_party:
        # Art. 6: a party outside Releasable To is a third party; it needs the
        # originator's prior written approval, with or without NO-THIRD-PARTY.
        outside = [rel for _, rel, _, _ in bound if target not in rel]
        consent = context.consent
        if outside:
            # Only a consent to this very party counts (the enforcement point verified it).
            if consent is not None and consent.third_party == target:
                with_consent = True
            else:
                named = any(_NO_THIRD_PARTY in ctl for _, _, _, ctl in bound)
                control = f"; {_NO_THIRD_PARTY}" if named else ""
                listed = _listed(frozenset().union(*outside))
                ids.append("third-party")
                reasons.append(
                    f"{target} is a third party for this item (Releasable To: {listed}{control}): "
                    f"needs the originator {resource.originator_party}'s prior written approval (Art. 6)"
                )
    # Art. 6: a holding received under a consent that forbids passing it on goes nowhere
    # but back to its originator, whatever else would allow it.
    if target is not None and target != resource.originator_party:
        for terms in resource.consents:
            if not terms.onward_release:
                ids.append("onward-release")
                reasons.append(
                    f"{terms.originator_party} consented to {terms.third_party} holding this item on "
                    f"condition that it is not passed on (consent {terms.token_id}): "
                    f"no {plan.verb} to {target} (Art. 6)"
                )
    # Art. 21: new exchange only while the agreement is in force; what is held stays
    # protected after termination, so READ and the other actions do not check it.
    agreement, status = context.agreement, context.agreement_status
    if agreement is None or status is None:
        ids.append("agreement-in-force")
        reasons.append(f"no agreement in force governs this {plan.verb} (Art. 21)")
    else:
        if not status.new_exchange_allowed:
            ids.append("agreement-in-force")
            reasons.append(f"{agreement.id} is {status.state.value}: no new {plan.verb} (Art. 21)")
        if target is not None and target not in agreement.party_codes:
            ids.append("agreement-in-force")
            reasons.append(f"{target} is not a party to {agreement.id} (Art. 21)")
    return with_consent, ids, reasons


def decide(subject: Subject, action: Action, resource: Resource, context: Context) -> Decision:
    """Decides whether ``subject`` may do ``action`` on ``resource``.

    The labels that bind the reader are the originator's label and, when the marking has
    one, the alternative label in the reader's scheme (Art. 4: both stay on the item).

    Args:
        subject: Who asks.
        action: What they ask to do.
        resource: The item.
        context: The time, the agreement and its status, the target party and consent.

    Returns:
        The decision: permit with obligations, or deny with every failing rule's reason
        and id. Never raises: a denial is a value, the enforcement point raises.
    """
    plan = _PLANS[action]
    ids: list[str] = []
    reasons: list[str] = []

    # Role (DESIGN.md §2; Art. 7: access follows the official duty, not rank or position).
    role = subject.role
    if role not in plan.roles:
        ids.append("role")
        if role in ROLE_ACTIONS:
            reasons.append(f"the {role} role may not {plan.verb} items ({ROLE_TABLE}; Art. 7)")
        else:
            reasons.append(f"the role {role!r} is not known and may do nothing (Art. 7)")

    # Clearance in the reader's own scheme, through the equivalence table (Arts. 4, 7).
    clearance = subject.clearance
    reader = clearance.scheme
    marking = resource.marking
    original = marking.originator
    own = marking.for_scheme(reader)
    level, missing = _reader_level(reader, own, original, context)
    if level is None:
        ids.append("equivalence")
        reasons.append(missing)
    elif clearance.rank < level.rank:
        ids.append("clearance")
        reasons.append(
            f"needs clearance {level.native} or higher for {_named(original)}; "
            f"you hold {clearance.native} (Art. 7)"
        )

    bound = (_bound(original),) if own is None or own is original else (_bound(original), _bound(own))

    # Releasable To is permissive: any listed party; the originator's own nationals always (Art. 6).
    nationality = subject.nationality
    # The originator's prior written consent to a third party counts as its release (Art. 6).
    consents = resource.consents
    if nationality != resource.originator_party and not any(c.third_party == nationality for c in consents):
        for label, rel, _, _ in bound:
            if nationality not in rel:
                ids.append("nationality")
                reasons.append(
                    f"{_named(label)} is not releasable to {nationality} nationals "
                    f"(Releasable To: {_listed(frozenset(rel))}) (Art. 6)"
                )

    # Need To Know is restrictive: every topic of every binding label (Art. 7).
    held = subject.need_to_know
    lacking = [topic for _, _, ntk, _ in bound for topic in ntk if topic not in held]
    if lacking:
        ids.append("need-to-know")
        reasons.append(f"needs need-to-know {_listed(frozenset(lacking))}; you lack it (Art. 7)")

    # Art. 6: no use beyond the purpose of provision.
    if resource.purpose not in subject.purposes and any(_PURPOSE_LIMITED in ctl for _, _, _, ctl in bound):
        ids.append("purpose")
        reasons.append(
            f"the item is {_PURPOSE_LIMITED} to {resource.purpose!r}; "
            f"you work for {_listed(subject.purposes)} (Art. 6)"
        )

    # Art. 6: the originator approved the release to a third party for one purpose only;
    # what it approved binds every use of the holding there.
    for terms in consents:
        if terms.purpose_only and terms.purpose not in subject.purposes:
            ids.append("consent-purpose")
            reasons.append(
                f"{terms.originator_party} consented to {terms.third_party} holding this item for "
                f"{terms.purpose!r} only (consent {terms.token_id}); you work for "
                f"{_listed(subject.purposes)} (Art. 6)"
            )

    # Arts. 2, 6: only the originating party marks an item or changes its classification.
    if plan.originator_only and resource.held_party != resource.originator_party:
        ids.append("originator-only")
        reasons.append(
            f"only the originator {resource.originator_party} may {plan.verb} this item; "
            f"this node is {resource.held_party} (Art. 6)"
        )

    with_consent = False
    if plan.release:
        with_consent, release_ids, release_reasons = _check_release(plan, resource, context, bound)
        ids += release_ids
        reasons += release_reasons

    if ids:
        return Decision(False, tuple(reasons), (), tuple(ids))
    return plan.permit_with_consent if with_consent else plan.permit


def decide_duty(subject: Subject, duty: Duty) -> Decision:
    """Decides whether ``subject`` may do ``duty``, a task about the node's own records.

    Only the ``role`` rule applies (:data:`ROLE_DUTIES`): no item is involved. The journal
    is the node's record of Arts. 6 and 8–18 (identification and control of CMI, receipts,
    copies, destruction, compromise), kept for those who answer for them and for auditors.

    Args:
        subject: Who asks.
        duty: What they ask to do.

    Returns:
        A permit without obligations, or a denial by the ``role`` rule with its reason.
        Never raises: the enforcement point raises.
    """
    role = subject.role
    if duty in ROLE_DUTIES.get(role, frozenset()):
        return _DUTY_PERMIT
    holders = _DUTY_HOLDERS[duty]
    if role in ROLE_DUTIES:
        reason = (
            f"the {role} role may not {_DUTY_VERBS[duty]}: only the {holders} roles may "
            f"({ROLE_TABLE}; Art. 7)"
        )
    else:
        reason = f"the role {role!r} is not known and may do nothing (Art. 7)"
    return Decision(False, (reason,), (), ("role",))

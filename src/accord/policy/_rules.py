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

from collections.abc import Callable, Mapping
from types import MappingProxyType

from accord.errors import TranslationRefused
from accord.markings import ConfidentialityLabel, Level
from accord.policy._model import Action, Context, Decision, Resource, Subject

__all__ = ["OBLIGATIONS", "ROLE_ACTIONS", "RULES", "decide"]

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

RULES: Mapping[str, str] = MappingProxyType(
    {
        "role": "DESIGN.md §2; Art. 7 (no access by position alone)",
        "equivalence": "Art. 4 (equivalent classification in the reader's scheme)",
        "clearance": "Art. 7 (personnel security clearance)",
        "nationality": "Art. 6 (Releasable To; no third country)",
        "need-to-know": "Art. 7 (official need)",
        "purpose": "Art. 6 (no use beyond the purpose of provision)",
        "originator-only": "Arts. 2, 6 (only the originator marks and changes classification)",
        "release-target": "Art. 6 (a release names its receiving party)",
        "third-party": "Art. 6 (prior written approval for a third party)",
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


def _named(label: ConfidentialityLabel) -> str:
    return f"{label.policy} {label.classification}"


def _listed(values: frozenset[str]) -> str:
    return ", ".join(sorted(values)) if values else "none"


def _reader_level(
    subject: Subject, resource: Resource, context: Context
) -> tuple[Level | None, str | None, ConfidentialityLabel | None]:
    """The item's level in the reader's scheme (Art. 4), or the reason there is none.

    Returns:
        ``(level, None, label)`` where ``label`` is the marking's own label in the reader's
        scheme (None when the level was translated), or ``(None, reason, None)``.
    """
    reader = subject.clearance.scheme
    marking = resource.marking
    own = marking.for_scheme(reader)
    if own is not None:
        return own.level, None, own
    original = marking.originator
    if context.agreement is None:
        reason = f"{_named(original)} has no equivalent in {reader}: no agreement to translate it (Art. 4)"
        return None, reason, None
    try:
        return context.agreement.translate(original, reader), None, None
    except TranslationRefused as exc:
        return None, f"{_named(original)} cannot be read in the {reader} scheme: {exc} (Art. 4)", None


def _check_release(
    action: Action,
    resource: Resource,
    context: Context,
    labels: tuple[ConfidentialityLabel, ...],
    controls: frozenset[str],
    obligations: tuple[str, ...],
    fail: Callable[[str, str], None],
) -> tuple[str, ...]:
    """Checks a RELEASE or EXPORT (Arts. 6, 21); returns the obligations on permit."""
    target = context.target_party
    if target is None:
        fail("release-target", f"a {action.value} must name the receiving party (Art. 6)")
    else:
        # Art. 6: a party outside Releasable To is a third party; it needs the
        # originator's prior written approval, with or without NO-THIRD-PARTY.
        outside = [
            label
            for label in labels
            if target != resource.originator_party and target not in label.releasable_to
        ]
        if outside:
            if context.consent:
                obligations = (*obligations, "attach-consent")
            else:
                control = f"; {_NO_THIRD_PARTY}" if _NO_THIRD_PARTY in controls else ""
                listed = _listed(frozenset().union(*(label.releasable_to for label in outside)))
                fail(
                    "third-party",
                    f"{target} is a third party for this item (Releasable To: {listed}{control}): "
                    f"needs the originator {resource.originator_party}'s prior written approval (Art. 6)",
                )
    # Art. 21: new exchange only while the agreement is in force; what is held stays
    # protected after termination, so READ and the other actions do not check it.
    agreement, status = context.agreement, context.agreement_status
    if agreement is None or status is None:
        fail("agreement-in-force", f"no agreement in force governs this {action.value} (Art. 21)")
    else:
        if not status.new_exchange_allowed:
            fail(
                "agreement-in-force",
                f"{agreement.id} is {status.state.value}: no new {action.value} (Art. 21)",
            )
        if target is not None and target not in agreement.party_codes:
            fail(
                "agreement-in-force",
                f"{target} is not a party to {agreement.id} (Art. 21)",
            )
    return obligations


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
    reasons: list[str] = []
    ids: list[str] = []

    def fail(rule: str, reason: str) -> None:
        ids.append(rule)
        reasons.append(reason)

    # Role (DESIGN.md §2; Art. 7: access follows the official duty, not rank or position).
    allowed = ROLE_ACTIONS.get(subject.role)
    if allowed is None:
        fail("role", f"the role {subject.role!r} is not known and may do nothing (Art. 7)")
    elif action not in allowed:
        fail("role", f"the {subject.role} role may not {action.value} items (DESIGN.md §2; Art. 7)")

    # Clearance in the reader's own scheme, through the equivalence table (Arts. 4, 7).
    level, missing, reader_label = _reader_level(subject, resource, context)
    original = resource.marking.originator
    if level is None:
        fail("equivalence", missing or "")
    elif subject.clearance.rank < level.rank:
        fail(
            "clearance",
            f"needs clearance {level.native} or higher for {_named(original)}; "
            f"you hold {subject.clearance.native} (Art. 7)",
        )

    labels = (original,) if reader_label is None or reader_label is original else (original, reader_label)

    # Releasable To is permissive: any listed party; the originator's own nationals always (Art. 6).
    nationality = subject.nationality
    for label in labels:
        rel = label.releasable_to
        if nationality != resource.originator_party and nationality not in rel:
            fail(
                "nationality",
                f"{_named(label)} is not releasable to {nationality} nationals "
                f"(Releasable To: {_listed(rel)}) (Art. 6)",
            )

    # Need To Know is restrictive: every topic of every binding label (Art. 7).
    topics = frozenset().union(*(label.need_to_know for label in labels))
    lacking = topics - subject.need_to_know
    if lacking:
        fail("need-to-know", f"needs need-to-know {_listed(lacking)}; you lack it (Art. 7)")

    controls = frozenset().union(*(label.originator_controls for label in labels))
    # Art. 6: no use beyond the purpose of provision.
    if _PURPOSE_LIMITED in controls and resource.purpose not in subject.purposes:
        fail(
            "purpose",
            f"the item is {_PURPOSE_LIMITED} to {resource.purpose!r}; "
            f"you work for {_listed(subject.purposes)} (Art. 6)",
        )

    # Arts. 2, 6: only the originating party marks an item or changes its classification.
    if action in _ORIGINATOR_ACTIONS and resource.held_party != resource.originator_party:
        fail(
            "originator-only",
            f"only the originator {resource.originator_party} may {action.value} this item; "
            f"this node is {resource.held_party} (Art. 6)",
        )

    obligations = OBLIGATIONS[action]
    if action in _RELEASES:
        obligations = _check_release(action, resource, context, labels, controls, obligations, fail)

    if ids:
        return Decision(False, tuple(reasons), (), tuple(ids))
    return Decision(True, (), obligations, ())

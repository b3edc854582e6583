"""A request to Accord's decision point as the reference engines see it (Cedar and Rego).

Cedar and Rego know no national classification schemes, so this precomputes only what the
agreement's equivalence table gives (GSOMIA Art. 4): the item's rank in the reader's
scheme (or that it has none) and which alternative label is in the reader's scheme. Every
rule -- the ordering of ranks, Releasable To membership, Need To Know containment, the
originator controls, the role table, the target party, consent and the agreement in
force -- is written independently in ``accord.cedar`` and ``accord.rego``.

Used by ``test_policy_cedar.py``, ``test_policy_rego.py`` and ``bench/policy.py``; it
imports neither engine, only Accord's types.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from accord.errors import TranslationRefused
from accord.policy import Action, Context, Duty, Resource, Subject

HERE = Path(__file__).parent
CEDAR_POLICY = HERE / "accord.cedar"
REGO_POLICY = HERE / "accord.rego"
REGO_PACKAGE = "accord"


def user_attrs(subject: Subject) -> dict[str, Any]:
    """The ``User`` entity's attributes (Cedar) and ``input.principal`` (Rego)."""
    return {
        "role": subject.role,
        "nationality": subject.nationality,
        "clearance_rank": subject.clearance.rank,
        "ntk": sorted(subject.need_to_know),
        "purposes": sorted(subject.purposes),
    }


def item_attrs(subject: Subject, resource: Resource, context: Context) -> dict[str, Any]:
    """The ``Item`` entity's attributes (Cedar) and ``input.resource`` (Rego).

    The only precomputed part is the translation (Art. 4): ``rank_in_reader_scheme`` and
    ``no_equivalent``, and the choice of the alternative in the reader's scheme (``alt_*``).
    """
    reader = subject.clearance.scheme
    marking = resource.marking
    original = marking.originator
    own = marking.for_scheme(reader)
    rank, no_equivalent = 0, False
    if own is not None:
        rank = own.level.rank
    elif context.agreement is None:
        no_equivalent = True
    else:
        try:
            rank = context.agreement.translate(original, reader).rank
        except TranslationRefused:
            no_equivalent = True
    alt = own if own is not None and own is not original else None
    return {
        "originator_party": resource.originator_party,
        "held_party": resource.held_party,
        "purpose": resource.purpose,
        "no_equivalent": no_equivalent,
        "rank_in_reader_scheme": rank,
        "orig_rel": sorted(original.releasable_to),
        "orig_ntk": sorted(original.need_to_know),
        "orig_controls": sorted(original.originator_controls),
        "has_alt": alt is not None,
        "alt_rel": sorted(alt.releasable_to) if alt else [],
        "alt_ntk": sorted(alt.need_to_know) if alt else [],
        "alt_controls": sorted(alt.originator_controls) if alt else [],
        # The consents the holding arrived with (Art. 6), as plain data: the parties they
        # name, the purposes the purpose-only ones approve, whether one forbids passing it on.
        "consented": sorted({c.third_party for c in resource.consents}),
        "consent_purposes": sorted({c.purpose for c in resource.consents if c.purpose_only}),
        "onward_forbidden": any(not c.onward_release for c in resource.consents),
    }


def context_attrs(context: Context) -> dict[str, Any]:
    """The request's context, for both engines."""
    agreement, status = context.agreement, context.agreement_status
    has_agreement = agreement is not None and status is not None
    return {
        "has_target": context.target_party is not None,
        "target": context.target_party or "",
        "has_consent": context.consent is not None,
        "consent_party": context.consent.third_party if context.consent is not None else "",
        "has_agreement": has_agreement,
        "agreement_in_force": status is not None and has_agreement and status.new_exchange_allowed,
        "agreement_parties": list(agreement.party_codes) if agreement else [],
    }


def cedar_entity(kind: str, uid: str, attrs: dict[str, Any]) -> dict[str, Any]:
    """A Cedar entity (no parents)."""
    return {"uid": {"type": kind, "id": uid}, "attrs": attrs, "parents": []}


def cedar_request(user: str, action: Action, item: str, context: dict[str, Any]) -> dict[str, Any]:
    """A Cedar request naming the ``User`` and ``Item`` entities by id."""
    return {
        "principal": f'User::"{user}"',
        "action": f'Action::"{action.value}"',
        "resource": f'Item::"{item}"',
        "context": context,
    }


def cedar_inputs(
    subject: Subject, action: Action, resource: Resource, context: Context, n: int
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The Cedar request and its two entities (``User::"u<n>"``, ``Item::"i<n>"``)."""
    user = cedar_entity("User", f"u{n}", user_attrs(subject))
    item = cedar_entity("Item", f"i{n}", item_attrs(subject, resource, context))
    return cedar_request(f"u{n}", action, f"i{n}", context_attrs(context)), [user, item]


def rego_input(subject: Subject, action: Action, resource: Resource, context: Context) -> dict[str, Any]:
    """The Rego ``input`` document: the same attributes as Cedar's entities and context."""
    return {
        "principal": user_attrs(subject),
        "action": action.value,
        "resource": item_attrs(subject, resource, context),
        "context": context_attrs(context),
    }


def cedar_duty_inputs(subject: Subject, duty: Duty, n: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The Cedar request for a duty about the node's own records (``Node::"records"``)."""
    user = cedar_entity("User", f"u{n}", user_attrs(subject))
    records = cedar_entity("Node", "records", {})
    request = {
        "principal": f'User::"u{n}"',
        "action": f'Action::"{duty.value}"',
        "resource": 'Node::"records"',
        "context": {},
    }
    return request, [user, records]


def rego_duty_input(subject: Subject, duty: Duty) -> dict[str, Any]:
    """The Rego ``input`` of a duty: no item, only the person and what they ask."""
    return {
        "principal": user_attrs(subject),
        "action": duty.value,
        "resource": {"records": True},
        "context": {},
    }

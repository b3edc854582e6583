"""Differential test: Accord's decide() against the same rules written in Cedar (cedarpy).

Cedar knows no national classification schemes, so the harness precomputes only what
the agreement's equivalence table gives (Art. 4): the item's rank in the reader's scheme
(or that it has none) and which alternative label is in the reader's scheme. Every rule
-- the ordering of ranks, Releasable To membership, Need To Know containment, the
originator controls, the role table, the target party, consent and the agreement in force
-- is encoded independently in ``accord.cedar``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import cedarpy
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import accord.agreements
from accord.agreements import Agreement, Note, NoteKind, Status, load_agreement, status
from accord.errors import TranslationRefused
from accord.markings import (
    NEED_TO_KNOW,
    ORIGINATOR_CONTROL,
    PROVIDED_BY,
    RELEASABLE_TO,
    SCHEMES,
    Category,
    CategoryType,
    ConfidentialityLabel,
    Marking,
)
from accord.policy import Action, Context, Decision, Resource, Subject, decide

POLICY = cedarpy.PolicySet.from_str((Path(__file__).parent / "accord.cedar").read_text(encoding="utf-8"))
EXAMPLES = Path(accord.agreements.__file__).parent / "examples"
NOW = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
CREATED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)

PARTIES = ("JPN", "KOR", "USA", "GBR")
ITEM_SCHEMES = ("JPN", "KOR", "USA")
READER_SCHEMES = ("JPN", "KOR", "USA", "NATO")
TOPICS = ("DPRK-MISSILE", "DPRK-NUCLEAR", "MARITIME")
PURPOSES = ("BMD", "ASW", "SAR")
CONTROLS = ("NO-THIRD-PARTY", "PURPOSE-LIMITED")
ROLES = ("analyst", "officer", "officer", "officer", "authority", "auditor", "intern")

BATCH = 20
BATCHES = 520  # 10,400 cases in all


def _agreements() -> tuple[tuple[Agreement, Status, Status], ...]:
    out = []
    for name in sorted(EXAMPLES.glob("*.toml")):
        agreement = load_agreement(name.read_text(encoding="utf-8"))
        eif = [
            Note(agreement.id, NoteKind.ENTRY_INTO_FORCE, p, agreement.signed_on)
            for p in agreement.party_codes
        ]
        notice = Note(
            agreement.id, NoteKind.TERMINATION_NOTICE, agreement.party_codes[0], dt.date(2019, 1, 2)
        )
        in_force = status(agreement, eif, dt.date(2018, 6, 1))
        ended = status(agreement, [*eif, notice], dt.date(2021, 1, 1))
        assert in_force.new_exchange_allowed
        assert not ended.new_exchange_allowed
        out.append((agreement, in_force, ended))
    return tuple(out)


AGREEMENTS = _agreements()


@dataclass(frozen=True)
class Case:
    """One request, in Accord's own types."""

    subject: Subject
    action: Action
    resource: Resource
    context: Context


def _label(
    scheme: str, native: str, rel: frozenset[str], ntk: frozenset[str], ctl: frozenset[str], by: str | None
) -> ConfidentialityLabel:
    cats = []
    if rel:
        cats.append(Category(RELEASABLE_TO, CategoryType.PERMISSIVE, tuple(sorted(rel))))
    if ntk:
        cats.append(Category(NEED_TO_KNOW, CategoryType.RESTRICTIVE, tuple(sorted(ntk))))
    if ctl:
        cats.append(Category(ORIGINATOR_CONTROL, CategoryType.RESTRICTIVE, tuple(sorted(ctl))))
    if by is not None:
        cats.append(Category(PROVIDED_BY, CategoryType.INFORMATIVE, (by,)))
    return ConfidentialityLabel(scheme, native, f"node-{scheme.lower()}", CREATED, tuple(cats))


def _subsets(values: tuple[str, ...]) -> st.SearchStrategy[frozenset[str]]:
    return st.frozensets(st.sampled_from(values))


def _native(scheme: str) -> st.SearchStrategy[str]:
    return st.sampled_from([lvl.native for lvl in SCHEMES[scheme].levels])


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A subject, an action, an item (with alternatives) and a context."""
    origin = draw(st.sampled_from(ITEM_SCHEMES))
    rel, ntk, ctl = draw(_subsets(PARTIES)), draw(_subsets(TOPICS)), draw(_subsets(CONTROLS))
    original = _label(origin, draw(_native(origin)), rel, ntk, ctl, None)
    alternatives = []
    for other in ITEM_SCHEMES:
        if other == origin or not draw(st.booleans()):
            continue
        # Mostly a faithful copy (derive_alternative), sometimes a diverging one.
        copy = draw(st.booleans())
        alternatives.append(
            _label(
                other,
                draw(_native(other)),
                rel if copy else draw(_subsets(PARTIES)),
                ntk if copy else draw(_subsets(TOPICS)),
                ctl if copy else draw(_subsets(CONTROLS)),
                origin,
            )
        )
    # Often a reader in a scheme the item is marked in, of a nationality it allows, so
    # that the rules further down decide alone.
    marked = (origin, *(alt.policy for alt in alternatives))
    reader = draw(st.one_of(st.sampled_from(marked), st.sampled_from(READER_SCHEMES)))
    subject = Subject(
        name="u",
        role=draw(st.sampled_from(ROLES)),
        nationality=draw(st.one_of(st.sampled_from(sorted({origin, *rel})), st.sampled_from(PARTIES))),
        clearance=SCHEMES[reader].level(draw(_native(reader))),
        # Often everything, so that the other rules decide alone.
        need_to_know=draw(st.one_of(st.just(frozenset(TOPICS)), _subsets(TOPICS))),
        purposes=draw(st.one_of(st.just(frozenset(PURPOSES)), _subsets(PURPOSES))),
    )
    resource = Resource(
        item_id="i",
        marking=Marking(original, tuple(alternatives)),
        purpose=draw(st.sampled_from(PURPOSES)),
        originator_party=origin,
        held_party=draw(st.sampled_from((origin, *PARTIES))),
    )
    which = draw(st.integers(0, len(AGREEMENTS)))
    agreement: Agreement | None = None
    agreement_status: Status | None = None
    if which < len(AGREEMENTS):
        agreement, in_force, ended = AGREEMENTS[which]
        agreement_status = draw(st.sampled_from((in_force, in_force, ended, None)))
    context = Context(
        now=NOW,
        agreement=agreement,
        agreement_status=agreement_status,
        target_party=draw(
            st.one_of(st.none(), st.sampled_from(PARTIES), st.sampled_from(sorted({origin, *rel})))
        ),
        consent=draw(st.booleans()),
    )
    return Case(subject, draw(st.sampled_from(list(Action))), resource, context)


def _cedar_inputs(case: Case, n: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The Cedar request and entities for a case; only the translation is precomputed."""
    subject, resource, context = case.subject, case.resource, case.context
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
    user = {
        "uid": {"type": "User", "id": f"u{n}"},
        "attrs": {
            "role": subject.role,
            "nationality": subject.nationality,
            "clearance_rank": subject.clearance.rank,
            "ntk": sorted(subject.need_to_know),
            "purposes": sorted(subject.purposes),
        },
        "parents": [],
    }
    item = {
        "uid": {"type": "Item", "id": f"i{n}"},
        "attrs": {
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
        },
        "parents": [],
    }
    has_agreement = context.agreement is not None and context.agreement_status is not None
    request = {
        "principal": f'User::"u{n}"',
        "action": f'Action::"{case.action.value}"',
        "resource": f'Item::"i{n}"',
        "context": {
            "has_target": context.target_party is not None,
            "target": context.target_party or "",
            "consent": context.consent,
            "has_agreement": has_agreement,
            "agreement_in_force": bool(has_agreement and context.agreement_status.new_exchange_allowed),  # type: ignore[union-attr]
            "agreement_parties": list(context.agreement.party_codes) if context.agreement else [],
        },
    }
    return request, [user, item]


def _cedar(batch: list[Case]) -> list[bool]:
    requests, entities = [], []
    for n, case in enumerate(batch):
        request, ents = _cedar_inputs(case, n)
        requests.append(request)
        entities.extend(ents)
    results = cedarpy.is_authorized_batch(requests, POLICY, entities)
    for result in results:
        assert not result.diagnostics.errors, result.diagnostics.errors
    return [result.allowed for result in results]


def _explained(case: Case, ours: Decision, theirs: bool) -> str:
    return f"accord={ours.permit} cedar={theirs} rules={ours.rule_ids} reasons={ours.reasons} case={case}"


def test_accord_agrees_with_cedar_on_10000_generated_requests() -> None:
    seen: list[Decision] = []

    @settings(
        max_examples=BATCHES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(cases(), min_size=BATCH, max_size=BATCH))
    def check(batch: list[Case]) -> None:
        ours = [decide(c.subject, c.action, c.resource, c.context) for c in batch]
        theirs = _cedar(batch)
        for case, mine, reference in zip(batch, ours, theirs, strict=True):
            assert mine.permit == reference, _explained(case, mine, reference)
            # A permit has no reasons; a denial says why, rule by rule.
            assert mine.permit == (not mine.reasons)
            assert len(mine.reasons) == len(mine.rule_ids)
        seen.extend(ours)

    check()
    assert len(seen) >= 10_000
    permits = sum(d.permit for d in seen)
    # Both outcomes are well represented, so agreement is not agreement on "deny".
    assert permits >= len(seen) // 50, permits
    assert len(seen) - permits >= len(seen) // 2

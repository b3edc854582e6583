"""Hypothesis strategies for requests to the policy decision point.

Shared by the differential tests against Cedar and Rego (:func:`cases`: one request
each) and by the batch test (:func:`batches`: one subject, action and context, many
items, with markings repeated, copied and distinct).

Items are marked in the JPN, KOR or USA scheme, with 0–2 alternatives that are mostly
faithful copies (as ``derive_alternative`` makes them) and sometimes diverge; readers are
often in a scheme the item is marked in, of a nationality it allows, with every topic
and purpose, so that the rules further down decide alone. The four example agreements
come in force, terminated, without a status or absent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from hypothesis import strategies as st

import accord.agreements
from accord.agreements import Agreement, Note, NoteKind, Status, load_agreement, status
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
from accord.policy import Action, ConsentTerms, Context, Resource, Subject

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
"""Each example agreement with its status in force (2018) and after termination (2021)."""


@dataclass(frozen=True)
class Case:
    """One request, in Accord's own types."""

    subject: Subject
    action: Action
    resource: Resource
    context: Context


@dataclass(frozen=True)
class Batch:
    """Many items asked about by one subject, for one action, under one context."""

    subject: Subject
    action: Action
    resources: tuple[Resource, ...]
    context: Context


@dataclass(frozen=True)
class Tags:
    """What a label's categories say: Releasable To, Need To Know, Originator Control."""

    rel: frozenset[str] = frozenset()
    ntk: frozenset[str] = frozenset()
    ctl: frozenset[str] = frozenset()


def label(
    scheme: str, native: str, tags: Tags, by: str | None = None, created: dt.datetime = CREATED
) -> ConfidentialityLabel:
    """A label with the given categories (each omitted when empty), *Provided By* ``by``."""
    cats = []
    if tags.rel:
        cats.append(Category(RELEASABLE_TO, CategoryType.PERMISSIVE, tuple(sorted(tags.rel))))
    if tags.ntk:
        cats.append(Category(NEED_TO_KNOW, CategoryType.RESTRICTIVE, tuple(sorted(tags.ntk))))
    if tags.ctl:
        cats.append(Category(ORIGINATOR_CONTROL, CategoryType.RESTRICTIVE, tuple(sorted(tags.ctl))))
    if by is not None:
        cats.append(Category(PROVIDED_BY, CategoryType.INFORMATIVE, (by,)))
    return ConfidentialityLabel(scheme, native, f"node-{scheme.lower()}", created, tuple(cats))


# Every strategy is built once, here: a strategy built inside a draw is validated again on
# every draw, which cost these tests most of their time (60 s of CPU a Cedar shard).
_SUBSETS = {
    values: st.frozensets(st.sampled_from(values)) for values in (PARTIES, TOPICS, CONTROLS, PURPOSES)
}
_NATIVE = {
    scheme: st.sampled_from([lvl.native for lvl in SCHEMES[scheme].levels]) for scheme in READER_SCHEMES
}
_BOOLEANS = st.booleans()
_ROLE = st.sampled_from(ROLES)
_PARTY = st.sampled_from(PARTIES)
_PURPOSE = st.sampled_from(PURPOSES)
_ITEM_SCHEME = st.sampled_from(ITEM_SCHEMES)
_ACTION = st.sampled_from(list(Action))
_EVERY_TOPIC_OR_SOME = st.one_of(st.just(frozenset(TOPICS)), _SUBSETS[TOPICS])
_EVERY_PURPOSE_OR_SOME = st.one_of(st.just(frozenset(PURPOSES)), _SUBSETS[PURPOSES])


def _subsets(values: tuple[str, ...]) -> st.SearchStrategy[frozenset[str]]:
    return _SUBSETS[values]


def _native(scheme: str) -> st.SearchStrategy[str]:
    return _NATIVE[scheme]


def _one(draw: st.DrawFn, values: tuple[str, ...]) -> str:
    """One of ``values`` (which vary per draw, so they get no strategy of their own)."""
    return values[draw(st.integers(0, len(values) - 1))]


def _one_of(draw: st.DrawFn, first: tuple[str, ...], second: tuple[str, ...]) -> str:
    """As ``one_of(sampled_from(first), sampled_from(second))``: a branch, then a value."""
    return _one(draw, first if draw(_BOOLEANS) else second)


@dataclass(frozen=True)
class _Item:
    origin: str
    rel: frozenset[str]
    marking: Marking


def _draw_item(draw: st.DrawFn) -> _Item:
    origin = draw(_ITEM_SCHEME)
    tags = _draw_tags(draw)
    original = label(origin, draw(_native(origin)), tags)
    return _Item(origin, tags.rel, Marking(original, _draw_alternatives(draw, origin, tags)))


def _draw_tags(draw: st.DrawFn) -> Tags:
    return Tags(draw(_subsets(PARTIES)), draw(_subsets(TOPICS)), draw(_subsets(CONTROLS)))


def _draw_alternatives(draw: st.DrawFn, origin: str, tags: Tags) -> tuple[ConfidentialityLabel, ...]:
    alternatives = []
    for other in ITEM_SCHEMES:
        if other == origin or not draw(_BOOLEANS):
            continue
        # Mostly a faithful copy (derive_alternative), sometimes a diverging one.
        copy = draw(_BOOLEANS)
        native = draw(_native(other))
        alternatives.append(label(other, native, tags if copy else _draw_tags(draw), origin))
    return tuple(alternatives)


def _draw_sibling(draw: st.DrawFn, item: _Item) -> _Item:
    """The same originator's label object with other alternatives (a receiver's own choice)."""
    original = item.marking.originator
    tags = Tags(item.rel, original.need_to_know, original.originator_controls)
    alternatives = _draw_alternatives(draw, item.origin, tags)
    return _Item(item.origin, item.rel, Marking(original, alternatives))


def _draw_subject(draw: st.DrawFn, item: _Item) -> Subject:
    # Often a reader in a scheme the item is marked in, of a nationality it allows, so
    # that the rules further down decide alone.
    marked = (item.origin, *(alt.policy for alt in item.marking.alternatives))
    reader = _one_of(draw, marked, READER_SCHEMES)
    return Subject(
        name="u",
        role=draw(_ROLE),
        nationality=_one_of(draw, tuple(sorted({item.origin, *item.rel})), PARTIES),
        clearance=SCHEMES[reader].level(draw(_native(reader))),
        # Often everything, so that the other rules decide alone.
        need_to_know=draw(_EVERY_TOPIC_OR_SOME),
        purposes=draw(_EVERY_PURPOSE_OR_SOME),
    )


def subjects(role: str) -> list[Subject]:
    """People of ``role`` across schemes, clearances and nationalities (for the duties, which
    the role alone decides: every other attribute varies and must not matter)."""
    out = []
    for n, scheme in enumerate(READER_SCHEMES):
        levels = SCHEMES[scheme].levels
        for level in (levels[0], levels[-1]):
            out.append(
                Subject(
                    name=f"{role}-{scheme}-{level.rank}",
                    role=role,
                    nationality=PARTIES[n % len(PARTIES)],
                    clearance=level,
                    need_to_know=frozenset(TOPICS[: n % 3]),
                    purposes=frozenset(PURPOSES[: n % 2]),
                )
            )
    return out


def _draw_terms(draw: st.DrawFn, origin: str, third_party: str | None = None) -> ConsentTerms:
    """The terms of an originator's consent (Art. 6), with or without its conditions."""
    return ConsentTerms(
        token_id="consent-" + "0" * 32,
        originator_party=origin,
        third_party=third_party or draw(_PARTY),
        purpose=draw(_PURPOSE),
        purpose_only=draw(_BOOLEANS),
        onward_release=draw(_BOOLEANS),
    )


def _draw_consents(draw: st.DrawFn, origin: str) -> tuple[ConsentTerms, ...]:
    """Mostly none: the consents a holding arrived with."""
    if draw(st.integers(0, 3)):
        return ()
    return tuple(_draw_terms(draw, origin) for _ in range(draw(st.integers(1, 2))))


def _draw_resource(draw: st.DrawFn, item: _Item, item_id: str = "i") -> Resource:
    return Resource(
        item_id=item_id,
        marking=item.marking,
        purpose=draw(_PURPOSE),
        originator_party=item.origin,
        held_party=_one(draw, (item.origin, *PARTIES)),
        consents=_draw_consents(draw, item.origin),
    )


def _draw_context(draw: st.DrawFn, item: _Item) -> Context:
    which = draw(st.integers(0, len(AGREEMENTS)))
    agreement: Agreement | None = None
    agreement_status: Status | None = None
    if which < len(AGREEMENTS):
        agreement, in_force, ended = AGREEMENTS[which]
        agreement_status = (in_force, in_force, ended, None)[draw(st.integers(0, 3))]
    branch = draw(st.integers(0, 2))
    target = (
        None
        if branch == 0
        else _one(draw, PARTIES if branch == 1 else tuple(sorted({item.origin, *item.rel})))
    )
    # A verified consent, most often to the target, sometimes to another party (it must not count).
    consent = None
    if draw(_BOOLEANS):
        consent = _draw_terms(draw, item.origin, target if draw(_BOOLEANS) else draw(_PARTY))
    return Context(
        now=NOW,
        agreement=agreement,
        agreement_status=agreement_status,
        target_party=target,
        consent=consent,
    )


@st.composite
def cases(draw: st.DrawFn) -> Case:
    """A subject, an action, an item (with alternatives) and a context."""
    item = _draw_item(draw)
    subject = _draw_subject(draw, item)
    resource = _draw_resource(draw, item)
    context = _draw_context(draw, item)
    return Case(subject, draw(_ACTION), resource, context)


def relabelled(marking: Marking, created: dt.datetime) -> Marking:
    """An equal-in-substance copy of ``marking``: new label objects, another creation time."""

    def again(old: ConfidentialityLabel) -> ConfidentialityLabel:
        return ConfidentialityLabel(
            old.policy,
            old.classification,
            f"{old.originator_id}-copy",
            created,
            old.categories,
            privacy_mark=old.privacy_mark,
            agreement=old.agreement,
        )

    return Marking(again(marking.originator), tuple(again(alt) for alt in marking.alternatives))


@st.composite
def batches(draw: st.DrawFn) -> Batch:
    """One subject, action and context; 1–40 items drawn from a pool of 1–6 distinct markings.

    Some markings of the pool share the originator's label and differ in the
    alternatives. Each item reuses a pool marking object as is (a listing of shared
    labels), or an equal copy with new label objects and another creation time (a listing
    built from rows), with its own purpose, holding party and consented parties; so a
    batch mixes repeated and distinct markings, and the same marking under different
    purposes, parties and consents.
    """
    pool = [_draw_item(draw)]
    for _ in range(draw(st.integers(0, 5))):
        # Some share the originator's label with an earlier one and differ in the
        # alternatives only, which the memo key must tell apart.
        if draw(_BOOLEANS):
            pool.append(_draw_sibling(draw, pool[draw(st.integers(0, len(pool) - 1))]))
        else:
            pool.append(_draw_item(draw))
    subject = _draw_subject(draw, pool[0])
    context = _draw_context(draw, pool[0])
    action = draw(_ACTION)
    resources = []
    for n in range(draw(st.integers(1, 40))):
        item = pool[draw(st.integers(0, len(pool) - 1))]
        if draw(_BOOLEANS):
            created = CREATED + dt.timedelta(seconds=draw(st.integers(1, 10**6)))
            item = _Item(item.origin, item.rel, relabelled(item.marking, created))
        resource = _draw_resource(draw, item, item_id=f"i{n}")
        # Sometimes the holding arrived with the originator's consents, with their conditions.
        resources.append(dataclasses.replace(resource, consents=_draw_consents(draw, item.origin)))
    return Batch(subject, action, tuple(resources), context)

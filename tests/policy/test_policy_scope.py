"""The one scope answer: may a label be marked, or travel, under an agreement (Arts. 4, 6, 21)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import accord.agreements
from accord.agreements import Agreement, Note, NoteKind, Status, load_agreement, status
from accord.markings import (
    NEED_TO_KNOW,
    RELEASABLE_TO,
    SCHEMES,
    Category,
    CategoryType,
    ConfidentialityLabel,
)
from accord.policy import SCOPE_RULES, Passage, may_mark, may_travel

EXAMPLES = Path(accord.agreements.__file__).parent / "examples"
CREATED = dt.datetime(2024, 5, 1, 9, 0, tzinfo=dt.UTC)


def _agreement(name: str) -> Agreement:
    return load_agreement((EXAMPLES / name).read_text(encoding="utf-8"))


JPN_KOR = _agreement("jpn-kor-gsomia-2016.toml")
TISA = _agreement("tisa-2014.toml")


def _status(agreement: Agreement, *, in_force: bool) -> Status:
    notes = [
        Note(
            agreement_id=agreement.id,
            kind=NoteKind.ENTRY_INTO_FORCE,
            party=code,
            date=dt.date(2016, 11, 23),
            refers_to=(),
            amendment_digest=None,
        )
        for code in agreement.party_codes
    ]
    return status(agreement, notes if in_force else [], dt.date(2024, 5, 1))


def label(
    policy: str, level: str, rel: tuple[str, ...], topics: tuple[str, ...] = ("DPRK-MISSILE",)
) -> ConfidentialityLabel:
    categories = [Category(RELEASABLE_TO, CategoryType.PERMISSIVE, tuple(sorted({policy, *rel})))]
    if topics:
        categories.append(Category(NEED_TO_KNOW, CategoryType.RESTRICTIVE, topics))
    return ConfidentialityLabel(
        policy=policy,
        classification=level,
        originator_id=f"{policy.lower()}-mod",
        creation_time=CREATED,
        categories=tuple(categories),
    )


DRAFT = (
    "JPN-KOR-GSOMIA-2016 is draft on 2024-05-01 in Asia/Seoul: nothing new may be provided under it (Art. 21)"
)
IN_FORCE = _status(JPN_KOR, in_force=True)
NOT_IN_FORCE = _status(JPN_KOR, in_force=False)


@pytest.mark.parametrize(
    ("item", "passage", "status", "rules", "first_reason"),
    [
        pytest.param(
            label("JPN", "秘", ("KOR",)), Passage("KOR", direct=True), IN_FORCE, (), None, id="permitted"
        ),
        pytest.param(
            label("JPN", "秘", ("KOR",)),
            Passage("KOR", direct=True),
            NOT_IN_FORCE,
            ("in-force",),
            DRAFT,
            id="not in force",
        ),
        pytest.param(
            label("JPN", "機密", ("KOR",)),
            Passage("KOR", direct=True),
            IN_FORCE,
            ("equivalent",),
            "機密 (TOP SECRET) is outside the scope of JPN-KOR-GSOMIA-2016: no equivalent in KOR (Art. 4)",
            id="no equivalent",
        ),
        pytest.param(
            label("JPN", "秘", ()),
            Passage("KOR", direct=True),
            IN_FORCE,
            ("releasable",),
            "the item is not releasable to KOR (REL TO JPN) (Art. 6)",
            id="not releasable",
        ),
        pytest.param(
            label("JPN", "秘", ()),
            Passage("KOR", direct=False),
            IN_FORCE,
            (),
            None,
            id="passed on under consent: REL TO not asked",
        ),
        pytest.param(
            label("JPN", "秘", ("USA",)),
            Passage("USA", direct=True),
            IN_FORCE,
            ("parties",),
            "USA is not a party to JPN-KOR-GSOMIA-2016 (Art. 6)",
            id="not a party",
        ),
        pytest.param(
            label("JPN", "機密", ()),
            Passage("KOR", direct=True),
            NOT_IN_FORCE,
            ("in-force", "equivalent", "releasable"),
            DRAFT,
            id="every failing rule is named, the agreement's state first",
        ),
    ],
)
def test_may_travel(
    item: ConfidentialityLabel,
    passage: Passage,
    status: Status,
    rules: tuple[str, ...],
    first_reason: str | None,
) -> None:
    decision = may_travel(item, JPN_KOR, status, passage)
    assert decision.permit is (not rules)
    assert decision.rule_ids == rules
    assert len(decision.reasons) == len(rules)
    if first_reason is not None:
        assert decision.reasons[0] == first_reason
    assert all(reason.endswith(")") and "(Art. " in reason for reason in decision.reasons)


def test_a_topic_limited_arrangement_refuses_other_topics() -> None:
    in_force = _status(TISA, in_force=True)
    outside = label("JPN", "秘", ("KOR", "USA"), topics=("CHN-NAVY",))
    decision = may_travel(outside, TISA, in_force, Passage(to="KOR", direct=True))
    assert decision.rule_ids == ("topics",)
    assert decision.reasons == (
        "TISA-2014 covers only the topics DPRK-MISSILE, DPRK-NUCLEAR; the item's are outside it (Art. 4)",
    )
    inside = label("JPN", "秘", ("KOR", "USA"))
    assert may_travel(inside, TISA, in_force, Passage(to="KOR", direct=True)).permit


def test_a_relay_translates_from_the_label_it_holds_or_under_another_table() -> None:
    # KOR passes a JPN item on to USA under an agreement that knows no JPN scheme: the
    # holder's own label is translated (source), or the third party's table applies.
    kor_usa = _agreement("usa-kor-1987.toml")
    in_force = _status(kor_usa, in_force=True)
    original = label("JPN", "秘", ("KOR",))
    held = label("KOR", "군사Ⅲ급비밀", ("KOR",))
    assert may_travel(original, kor_usa, in_force, Passage(to="USA", direct=False)).rule_ids == (
        "equivalent",
    )
    assert may_travel(original, kor_usa, in_force, Passage(to="USA", direct=False, source=held)).permit
    us_jpn = _agreement("usa-jpn-gsomia-2007.toml")
    relayed = may_travel(original, kor_usa, in_force, Passage(to="USA", direct=False, translate_under=us_jpn))
    assert relayed.permit


@pytest.mark.parametrize(
    ("item", "status", "rules"),
    [
        pytest.param(label("JPN", "極秘", ("KOR",)), IN_FORCE, (), id="permitted"),
        pytest.param(label("JPN", "極秘", ("KOR",)), NOT_IN_FORCE, ("in-force",), id="not in force"),
        pytest.param(label("JPN", "機密", ("KOR",)), IN_FORCE, ("equivalent",), id="no equivalent for KOR"),
        pytest.param(label("JPN", "極秘", ("KOR", "USA")), IN_FORCE, ("parties",), id="REL TO a non-party"),
    ],
)
def test_may_mark(item: ConfidentialityLabel, status: Status, rules: tuple[str, ...]) -> None:
    decision = may_mark(item, JPN_KOR, status)
    assert decision.rule_ids == rules
    assert decision.permit is (not rules)


@given(
    level=st.sampled_from([level.native for level in SCHEMES["JPN"].levels]),
    rel=st.sets(st.sampled_from(["KOR", "USA", "GBR"])),
    to=st.sampled_from(["KOR", "USA"]),
    in_force=st.booleans(),
    direct=st.booleans(),
)
def test_may_travel_agrees_with_a_reference_of_the_rules(
    level: str, rel: set[str], to: str, in_force: bool, direct: bool
) -> None:
    item = label("JPN", level, tuple(sorted(rel)))
    decision = may_travel(
        item, JPN_KOR, IN_FORCE if in_force else NOT_IN_FORCE, Passage(to=to, direct=direct)
    )
    expected = []
    if not in_force:
        expected.append("in-force")
    if to not in JPN_KOR.party_codes:
        expected.append("parties")
    elif level == "機密":  # the only JPN level without a KOR equivalent (Art. 4)
        expected.append("equivalent")
    if direct and to not in item.releasable_to:
        expected.append("releasable")
    assert decision.rule_ids == tuple(expected)
    assert set(decision.rule_ids) <= set(SCOPE_RULES)

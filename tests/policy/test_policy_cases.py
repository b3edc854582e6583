"""Named cases of the policy decision point (GSOMIA Arts. 4, 6, 7, 21)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest

import accord.agreements
from accord.agreements import Agreement, Note, NoteKind, Status, load_agreement, status
from accord.markings import (
    NEED_TO_KNOW,
    ORIGINATOR_CONTROL,
    RELEASABLE_TO,
    Category,
    CategoryType,
    ConfidentialityLabel,
    Issuance,
    Marking,
    derive_alternative,
    parse_level,
)
from accord.policy import (
    Action,
    ConsentTerms,
    Context,
    Decision,
    Duty,
    Resource,
    Subject,
    decide,
    decide_duty,
)

EXAMPLES = Path(accord.agreements.__file__).parent / "examples"
NOW = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
CREATED = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)


def _load(name: str) -> Agreement:
    return load_agreement((EXAMPLES / name).read_text(encoding="utf-8"))


JPN_KOR = _load("jpn-kor-gsomia-2016.toml")
USA_KOR = _load("usa-kor-1987.toml")
USA_JPN = _load("usa-jpn-gsomia-2007.toml")


def _status(agreement: Agreement, at: str, *, terminated: bool = False) -> Status:
    notes = [
        Note(agreement.id, NoteKind.ENTRY_INTO_FORCE, p, agreement.signed_on) for p in agreement.party_codes
    ]
    if terminated:
        notes.append(Note(agreement.id, NoteKind.TERMINATION_NOTICE, "KOR", dt.date(2019, 8, 23)))
    return status(agreement, notes, dt.date.fromisoformat(at))


IN_FORCE = _status(JPN_KOR, "2024-06-01")
TERMINATED = _status(JPN_KOR, "2020-01-01", terminated=True)
USA_KOR_IN_FORCE = _status(USA_KOR, "2024-06-01")


def jpn_item(
    level: str = "秘",
    *,
    rel: tuple[str, ...] = ("JPN", "KOR"),
    ntk: tuple[str, ...] = ("DPRK-MISSILE",),
    controls: tuple[str, ...] = (),
    alternative: bool = True,
) -> Resource:
    """A JPN item for BMD as the KOR node holds it: the originator's label plus the KOR alternative."""
    cats = [Category(RELEASABLE_TO, CategoryType.PERMISSIVE, rel)]
    if ntk:
        cats.append(Category(NEED_TO_KNOW, CategoryType.RESTRICTIVE, ntk))
    if controls:
        cats.append(Category(ORIGINATOR_CONTROL, CategoryType.RESTRICTIVE, controls))
    original = ConfidentialityLabel("JPN", level, "node-jpn", CREATED, tuple(cats), agreement=JPN_KOR.id)
    marking = Marking(original)
    if alternative:
        alt = derive_alternative(
            original,
            JPN_KOR.translate(original, "KOR"),
            provided_by="JPN",
            issued=Issuance("node-kor", CREATED, JPN_KOR.id),
        )
        marking = marking.with_alternative(alt)
    return Resource("item-1", marking, "BMD", "JPN", "KOR")


def at_jpn(item: Resource) -> Resource:
    """The same item held at its originator's node."""
    return dataclasses.replace(item, held_party="JPN")


def kor_user(
    role: str = "analyst",
    clearance: str = "KOR:군사Ⅲ급비밀",
    *,
    nationality: str = "KOR",
    ntk: tuple[str, ...] = ("DPRK-MISSILE",),
    purposes: tuple[str, ...] = ("BMD",),
) -> Subject:
    return Subject("kim", role, nationality, parse_level(clearance), frozenset(ntk), frozenset(purposes))


def terms(
    third_party: str = "USA", *, purpose: str = "BMD", purpose_only: bool = False, onward_release: bool = True
) -> ConsentTerms:
    """The terms of a verified JPN consent (Art. 6)."""
    return ConsentTerms("consent-" + "0" * 32, "JPN", third_party, purpose, purpose_only, onward_release)


def at_usa(*consents: ConsentTerms) -> Resource:
    """A JPN item (REL JPN, KOR) held at the USA node under the given consents, with its USA label."""
    item = dataclasses.replace(jpn_item(alternative=False), held_party="USA")
    original = item.marking.originator
    alt = derive_alternative(
        original,
        USA_JPN.translate(original, "USA"),
        provided_by="JPN",
        issued=Issuance("node-usa", CREATED, USA_JPN.id),
    )
    return dataclasses.replace(item, marking=item.marking.with_alternative(alt), consents=consents)


def usa_user(role: str = "analyst", *, purposes: tuple[str, ...] = ("BMD",)) -> Subject:
    return Subject(
        "smith", role, "USA", parse_level("USA:SECRET"), frozenset({"DPRK-MISSILE"}), frozenset(purposes)
    )


def ctx(
    agreement: Agreement | None = JPN_KOR,
    state: Status | None = IN_FORCE,
    target: str | None = None,
    *,
    consent: bool = False,
    consent_to: str | None = None,
) -> Context:
    """A context; ``consent`` gives a verified consent to ``target`` (or to ``consent_to``)."""
    given = terms(consent_to or target or "USA") if consent or consent_to else None
    return Context(NOW, agreement, state, target, given)


CASES = [
    # id, subject, action, resource, context, expected rule ids (empty = permit)
    ("kor-III-reads-jpn-hi", kor_user(), Action.READ, jpn_item("秘"), ctx(), ()),
    ("kor-III-denied-jpn-gokuhi", kor_user(), Action.READ, jpn_item("極秘"), ctx(), ("clearance",)),
    (
        "kor-II-reads-jpn-gokuhi",
        kor_user(clearance="KOR:군사Ⅱ급비밀"),
        Action.READ,
        jpn_item("極秘"),
        ctx(),
        (),
    ),
    (
        "kor-III-denied-tokutei-himitsu-translated",
        kor_user(),
        Action.READ,
        jpn_item("特定秘密", alternative=False),
        ctx(),
        ("clearance",),
    ),
    ("translated-without-alternative", kor_user(), Action.READ, jpn_item("秘", alternative=False), ctx(), ()),
    (
        "no-agreement-no-equivalent",
        kor_user(),
        Action.READ,
        jpn_item("秘", alternative=False),
        ctx(None, None),
        ("equivalence",),
    ),
    (
        "top-secret-out-of-scope",
        kor_user(clearance="KOR:군사Ⅰ급비밀"),
        Action.READ,
        jpn_item("機密", alternative=False),
        ctx(),
        ("equivalence",),
    ),
    (
        "jpn-national-reads-own-item",
        kor_user(nationality="JPN"),
        Action.READ,
        jpn_item(rel=("KOR",)),
        ctx(),
        (),
    ),
    (
        "usa-national-not-releasable",
        kor_user(nationality="USA"),
        Action.READ,
        jpn_item(),
        ctx(),
        ("nationality", "nationality"),
    ),
    (
        "need-to-know-every-topic",
        kor_user(ntk=("DPRK-MISSILE",)),
        Action.READ,
        jpn_item(ntk=("DPRK-MISSILE", "DPRK-NUCLEAR")),
        ctx(),
        ("need-to-know",),
    ),
    (
        "purpose-limited-within-purpose",
        kor_user(),
        Action.READ,
        jpn_item(controls=("PURPOSE-LIMITED",)),
        ctx(),
        (),
    ),
    (
        "purpose-limited-other-purpose",
        kor_user(purposes=("ASW",)),
        Action.READ,
        jpn_item(controls=("PURPOSE-LIMITED",)),
        ctx(),
        ("purpose",),
    ),
    (
        "purpose-limited-no-purposes",
        kor_user(purposes=()),
        Action.READ,
        jpn_item(controls=("PURPOSE-LIMITED",)),
        ctx(),
        ("purpose",),
    ),
    ("purposes-ignored-without-control", kor_user(purposes=()), Action.READ, jpn_item(), ctx(), ()),
    (
        "no-third-party-release-without-consent",
        kor_user("officer"),
        Action.RELEASE,
        jpn_item(controls=("NO-THIRD-PARTY",)),
        ctx(USA_KOR, USA_KOR_IN_FORCE, "USA"),
        ("third-party",),
    ),
    (
        "no-third-party-release-with-consent",
        kor_user("officer"),
        Action.RELEASE,
        jpn_item(controls=("NO-THIRD-PARTY",)),
        ctx(USA_KOR, USA_KOR_IN_FORCE, "USA", consent=True),
        (),
    ),
    (
        "a-consent-to-another-party-does-not-count",
        kor_user("officer"),
        Action.RELEASE,
        jpn_item(controls=("NO-THIRD-PARTY",)),
        ctx(USA_KOR, USA_KOR_IN_FORCE, "USA", consent_to="GBR"),
        ("third-party",),
    ),
    ("read-under-consent", usa_user(purposes=()), Action.READ, at_usa(terms()), ctx(), ()),
    (
        "read-under-purpose-only-consent-for-its-purpose",
        usa_user(purposes=("BMD",)),
        Action.READ,
        at_usa(terms(purpose_only=True)),
        ctx(),
        (),
    ),
    (
        "read-under-purpose-only-consent-for-another-purpose",
        usa_user(purposes=("ASW",)),
        Action.READ,
        at_usa(terms(purpose_only=True)),
        ctx(),
        ("consent-purpose",),
    ),
    (
        "onward-release-forbidden-by-the-consent",
        usa_user("officer"),
        Action.RELEASE,
        at_usa(terms(onward_release=False)),
        ctx(USA_KOR, USA_KOR_IN_FORCE, "KOR"),
        ("onward-release",),
    ),
    (
        "onward-release-allowed-by-the-consent",
        usa_user("officer"),
        Action.RELEASE,
        at_usa(terms()),
        ctx(USA_KOR, USA_KOR_IN_FORCE, "KOR"),
        (),
    ),
    (
        "release-to-party-in-releasable-to",
        kor_user("officer", nationality="JPN"),
        Action.RELEASE,
        at_jpn(jpn_item()),
        ctx(target="KOR"),
        (),
    ),
    ("release-names-no-target", kor_user("officer"), Action.RELEASE, jpn_item(), ctx(), ("release-target",)),
    (
        "release-to-non-party",
        kor_user("officer", nationality="JPN"),
        Action.EXPORT,
        at_jpn(jpn_item(rel=("JPN", "KOR", "USA"))),
        ctx(target="USA"),
        ("agreement-in-force",),
    ),
    ("terminated-read-still-permitted", kor_user(), Action.READ, jpn_item(), ctx(state=TERMINATED), ()),
    (
        "terminated-release-denied",
        kor_user("officer", nationality="JPN"),
        Action.RELEASE,
        at_jpn(jpn_item()),
        ctx(state=TERMINATED, target="KOR"),
        ("agreement-in-force",),
    ),
    ("analyst-may-not-release", kor_user(), Action.RELEASE, jpn_item(), ctx(target="KOR"), ("role",)),
    ("auditor-may-not-read-content", kor_user("auditor"), Action.READ, jpn_item(), ctx(), ("role",)),
    ("unknown-role-may-do-nothing", kor_user("intern"), Action.READ, jpn_item(), ctx(), ("role",)),
    ("officer-copies", kor_user("officer"), Action.COPY, jpn_item(), ctx(), ()),
    (
        "downgrade-only-at-originator",
        kor_user("officer"),
        Action.DOWNGRADE,
        jpn_item(),
        ctx(),
        ("originator-only",),
    ),
    ("create-at-originator", kor_user(nationality="JPN"), Action.CREATE, at_jpn(jpn_item()), ctx(), ()),
    (
        "every-failing-rule-is-reported",
        kor_user(nationality="USA", ntk=(), purposes=()),
        Action.RELEASE,
        jpn_item("極秘", controls=("PURPOSE-LIMITED", "NO-THIRD-PARTY")),
        ctx(state=TERMINATED, target="GBR"),
        (
            "role",
            "clearance",
            "nationality",
            "nationality",
            "need-to-know",
            "purpose",
            "third-party",
            "agreement-in-force",
            "agreement-in-force",
        ),
    ),
]


@pytest.mark.parametrize(
    ("subject", "action", "resource", "context", "expected"),
    [pytest.param(*case[1:], id=case[0]) for case in CASES],
)
def test_named_case(
    subject: Subject, action: Action, resource: Resource, context: Context, expected: tuple[str, ...]
) -> None:
    decision = decide(subject, action, resource, context)
    assert decision.rule_ids == expected, decision.reasons
    assert decision.permit == (not expected)
    assert len(decision.reasons) == len(decision.rule_ids)
    if decision.permit:
        assert decision.obligations
    else:
        assert decision.obligations == ()


def test_the_issue_example_reason_is_in_words_an_officer_understands() -> None:
    decision = decide(kor_user(), Action.READ, jpn_item("極秘"), ctx())
    assert decision.reasons == (
        "needs clearance 군사Ⅱ급비밀 or higher for JPN 極秘; you hold 군사Ⅲ급비밀 (Art. 7)",
    )


def test_out_of_scope_reason_names_the_article_once() -> None:
    decision = decide(
        kor_user(clearance="KOR:군사Ⅰ급비밀"), Action.READ, jpn_item("機密", alternative=False), ctx()
    )
    assert decision.reasons == (
        "JPN 機密 cannot be read in the KOR scheme: 機密 (TOP SECRET) is outside the scope of "
        "JPN-KOR-GSOMIA-2016: no equivalent in KOR (Art. 4)",
    )


def test_read_obliges_the_banner() -> None:
    assert decide(kor_user(), Action.READ, jpn_item(), ctx()).obligations == ("show-banner",)


def test_consent_release_obliges_attaching_the_consent() -> None:
    decision = decide(
        kor_user("officer"),
        Action.RELEASE,
        jpn_item(controls=("NO-THIRD-PARTY",)),
        ctx(USA_KOR, USA_KOR_IN_FORCE, "USA", consent=True),
    )
    assert decision == Decision(True, (), ("record-dissemination", "attach-consent"), ())


def test_consent_condition_reasons_cite_the_consent_and_article_6() -> None:
    limited = decide(usa_user(purposes=("ASW",)), Action.READ, at_usa(terms(purpose_only=True)), ctx())
    assert limited.reasons == (
        f"JPN consented to USA holding this item for 'BMD' only (consent consent-{'0' * 32}); "
        "you work for ASW (Art. 6)",
    )
    onward = decide(
        usa_user("officer"),
        Action.RELEASE,
        at_usa(terms(onward_release=False)),
        ctx(USA_KOR, USA_KOR_IN_FORCE, "KOR"),
    )
    assert onward.reasons == (
        f"JPN consented to USA holding this item on condition that it is not passed on "
        f"(consent consent-{'0' * 32}): no release to KOR (Art. 6)",
    )


def test_third_party_reason_names_the_control_and_the_originator() -> None:
    decision = decide(
        kor_user("officer"),
        Action.RELEASE,
        jpn_item(controls=("NO-THIRD-PARTY",)),
        ctx(USA_KOR, USA_KOR_IN_FORCE, "USA"),
    )
    assert "NO-THIRD-PARTY" in decision.reasons[0]
    assert "JPN's prior written approval (Art. 6)" in decision.reasons[0]


def test_the_alternative_label_binds_too() -> None:
    # The KOR alternative is narrower than the originator's label: both must allow the reader.
    resource = jpn_item(rel=("JPN", "KOR", "USA"))
    alt = resource.marking.alternatives[0]
    narrower = dataclasses.replace(
        alt,
        categories=tuple(
            Category(RELEASABLE_TO, CategoryType.PERMISSIVE, ("KOR",)) if c.tag_name == RELEASABLE_TO else c
            for c in alt.categories
        ),
    )
    resource = dataclasses.replace(resource, marking=Marking(resource.marking.originator, (narrower,)))
    decision = decide(kor_user(nationality="USA"), Action.READ, resource, ctx())
    assert decision.rule_ids == ("nationality",)
    assert "KOR 군사Ⅲ급비밀 is not releasable to USA" in decision.reasons[0]


def test_decide_is_pure() -> None:
    args = (kor_user(), Action.READ, jpn_item("極秘"), ctx())
    assert decide(*args) == decide(*args)


@pytest.mark.parametrize(
    ("role", "duty", "permit"),
    [
        ("officer", Duty.READ_JOURNAL, True),
        ("authority", Duty.READ_JOURNAL, True),
        ("auditor", Duty.READ_JOURNAL, True),
        ("analyst", Duty.READ_JOURNAL, False),
        ("intern", Duty.READ_JOURNAL, False),
        ("officer", Duty.ACKNOWLEDGE_ALARM, True),
        ("authority", Duty.ACKNOWLEDGE_ALARM, True),
        ("auditor", Duty.ACKNOWLEDGE_ALARM, False),
        ("analyst", Duty.ACKNOWLEDGE_ALARM, False),
        ("officer", Duty.REPORT_TO_OVERSIGHT, True),
        ("authority", Duty.REPORT_TO_OVERSIGHT, True),
        ("auditor", Duty.REPORT_TO_OVERSIGHT, False),
        ("analyst", Duty.REPORT_TO_OVERSIGHT, False),
        ("authority", Duty.ADMINISTER, True),
        ("officer", Duty.ADMINISTER, False),
        ("auditor", Duty.ADMINISTER, False),
        ("analyst", Duty.ADMINISTER, False),
    ],
    ids=lambda v: v.value if isinstance(v, Duty) else str(v),
)
def test_duty_is_decided_by_the_role_alone(role: str, duty: Duty, permit: bool) -> None:
    # A clearance of the lowest level and no need to know: only the role decides a duty.
    decision = decide_duty(kor_user(role, "KOR:대외비", ntk=(), purposes=()), duty)
    assert decision.permit is permit
    assert decision.rule_ids == (() if permit else ("role",))
    assert decision.obligations == ()


def test_a_duty_denial_says_who_may_and_cites_the_rule() -> None:
    decision = decide_duty(kor_user("analyst"), Duty.READ_JOURNAL)
    assert decision.reasons == (
        "the analyst role may not read the journal: only the officer, authority and auditor roles "
        "may (docs/policy.md, role table; Art. 7)",
    )

"""The agreement loader: the examples load, and every malformed file is refused clearly."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable

import pytest

from accord.agreements import Agreement, RelayRule, agreement_digest, load_agreement
from accord.errors import AgreementFormatError
from accord.markings import scheme

BASE = """\
id = "JPN-KOR-TEST"
title = "Test agreement"
signed_on = 2016-11-23
term_years = 1
automatic_renewal = true
notice_period_days = 90
protection_survives_termination = true
demonstration = true
source = "test"

[[parties]]
code = "JPN"
name = "Japan"
competent_authority = "Ministry of Defense"
scheme = "JPN"

[[parties]]
code = "KOR"
name = "Republic of Korea"
competent_authority = "Ministry of National Defense"
scheme = "KOR"

[[equivalence]]
JPN = ["極秘", "特定秘密"]
KOR = ["군사Ⅱ급비밀"]

[[equivalence]]
JPN = ["秘"]
KOR = ["군사Ⅲ급비밀"]
"""

KOR_PARTY = """[[parties]]
code = "KOR"
name = "Republic of Korea"
competent_authority = "Ministry of National Defense"
scheme = "KOR"
"""

SECOND_ROW = """[[equivalence]]
JPN = ["秘"]
KOR = ["군사Ⅲ급비밀"]
"""


def replaced(old: str, new: str) -> str:
    assert old in BASE, old
    return BASE.replace(old, new, 1)


# (file text, the key path and problem the message must contain)
MALFORMED = [
    pytest.param("id = ", "not valid TOML", id="malformed TOML"),
    pytest.param('colour = "red"\n' + BASE, "colour: unknown key", id="unknown top-level key"),
    pytest.param(replaced('source = "test"\n', ""), "source: missing key", id="missing top-level key"),
    pytest.param(replaced('id = "JPN-KOR-TEST"', 'id = "JPN KOR"'), "id: ", id="id with a space"),
    pytest.param(replaced('title = "Test agreement"', 'title = ""'), "title: must be", id="empty title"),
    pytest.param(
        replaced("signed_on = 2016-11-23", 'signed_on = "2016-11-23"'),
        "signed_on: must be",
        id="date as string",
    ),
    pytest.param(
        replaced("signed_on = 2016-11-23", "signed_on = 2016-11-23T10:00:00"),
        "signed_on: must be",
        id="date-time instead of date",
    ),
    pytest.param(replaced("term_years = 1", "term_years = 0"), "term_years: must be between", id="zero term"),
    pytest.param(replaced("term_years = 1", "term_years = -1"), "term_years:", id="negative term"),
    pytest.param(
        replaced("term_years = 1", "term_years = 1.5"), "term_years: must be an integer", id="float term"
    ),
    pytest.param(
        replaced("term_years = 1", "term_years = true"), "term_years: must be an integer", id="bool term"
    ),
    pytest.param(
        replaced("notice_period_days = 90", "notice_period_days = -1"),
        "notice_period_days: must be between",
        id="negative notice",
    ),
    pytest.param(
        replaced("notice_period_days = 90", "notice_period_days = 365"),
        "notice_period_days: must be between 0 and 364",
        id="notice as long as the term",
    ),
    pytest.param(
        replaced("automatic_renewal = true", 'automatic_renewal = "yes"'),
        "automatic_renewal: must be true or false",
        id="renewal not a boolean",
    ),
    pytest.param(
        replaced("demonstration = true", "demonstration = 1"),
        "demonstration: must be true or false",
        id="flag as int",
    ),
    pytest.param(
        replaced(KOR_PARTY, "").replace(SECOND_ROW, "").replace('KOR = ["군사Ⅱ급비밀"]\n', ""),
        "parties: an agreement needs at least two parties",
        id="fewer than two parties",
    ),
    pytest.param(
        replaced(KOR_PARTY, KOR_PARTY + "\n" + KOR_PARTY),
        "parties[2].code: party KOR is listed twice",
        id="duplicate party",
    ),
    pytest.param(
        replaced('code = "KOR"', 'code = "kor"'),
        "parties[1].code: 'kor' is not a party code",
        id="bad party code",
    ),
    pytest.param(
        replaced('scheme = "KOR"', 'scheme = "XYZ"'),
        "parties[1].scheme: unknown classification scheme 'XYZ'",
        id="unknown scheme",
    ),
    pytest.param(
        replaced('competent_authority = "Ministry of Defense"\n', ""),
        "parties[0].competent_authority: missing key",
        id="party without competent authority",
    ),
    pytest.param(
        replaced('scheme = "JPN"\n', 'scheme = "JPN"\nrank = 1\n'),
        "parties[0].rank: unknown key",
        id="unknown party key",
    ),
    pytest.param(
        BASE[: BASE.index("[[parties]]")]
        + 'parties = ["JPN", "KOR"]\n'
        + BASE[BASE.index("[[equivalence]]") :],
        "parties: must be an array of tables",
        id="parties not an array of tables",
    ),
    pytest.param(
        replaced('KOR = ["군사Ⅲ급비밀"]', 'KOR = ["군사Ⅳ급비밀"]'),
        "equivalence[1].KOR[0]: '군사Ⅳ급비밀' is not a level of scheme KOR",
        id="unknown level",
    ),
    pytest.param(
        replaced('KOR = ["군사Ⅲ급비밀"]', 'KOR = ["군사Ⅲ급비밀"]\nUSA = ["CONFIDENTIAL"]'),
        "equivalence[1].USA: scheme USA is not used by any party",
        id="row mentions a scheme no party uses",
    ),
    pytest.param(
        replaced('JPN = ["秘"]', 'JPN = ["秘", "極秘"]'),
        "equivalence[1].JPN: 極秘 already appears in equivalence[0]: the table maps one level to two",
        id="an equivalence table that maps one level to two",
    ),
    pytest.param(
        replaced('KOR = ["군사Ⅲ급비밀"]', 'KOR = ["군사Ⅱ급비밀"]'),
        "equivalence[1].KOR: 군사Ⅱ급비밀 already appears in equivalence[0]: the table maps one level to two",
        id="a level on the other side mapped twice",
    ),
    pytest.param(
        replaced('JPN = ["秘"]', 'JPN = ["秘", "hi"]'),
        "equivalence[1].JPN[1]: hi is listed twice",
        id="one level listed twice in a row by two spellings",
    ),
    pytest.param(
        replaced('JPN = ["極秘", "特定秘密"]', 'JPN = ["特定秘密", "極秘"]'),
        "equivalence[0].JPN[0]: 特定秘密 is a designation and cannot be the primary level",
        id="designation listed first",
    ),
    pytest.param(
        replaced('KOR = ["군사Ⅲ급비밀"]\n', ""),
        "equivalence[1]: a row must give equivalent levels in at least two schemes",
        id="row with one scheme",
    ),
    pytest.param(
        replaced('JPN = ["秘"]', "JPN = []"),
        "equivalence[1].JPN: must be a non-empty array",
        id="empty level list",
    ),
    pytest.param(
        replaced('JPN = ["秘"]', 'JPN = "秘"'),
        "equivalence[1].JPN: must be a non-empty array",
        id="level not a list",
    ),
    pytest.param(
        BASE.replace(
            "[[equivalence]]\n" + 'JPN = ["極秘", "特定秘密"]\nKOR = ["군사Ⅱ급비밀"]\n\n', ""
        ).replace(SECOND_ROW, ""),
        "equivalence: missing key",
        id="no equivalence table",
    ),
    pytest.param(
        "equivalence = []\n" + BASE[: BASE.index("[[equivalence]]")],
        "equivalence: the equivalence table (Art. 4) needs at least one row",
        id="empty equivalence table",
    ),
    pytest.param(
        BASE + '[[relays]]\nvia = "JPN"\nbetween = ["KOR"]\nrequires_originator_consent = true\n',
        "relays[0].between: a relay is between at least two parties",
        id="relay between one party",
    ),
    pytest.param(
        BASE + "[scope]\ntopics = []\n", "scope.topics: must be a non-empty array", id="empty topic scope"
    ),
    pytest.param(
        BASE + '[scope]\ntopics = ["A B"]\n', "scope.topics[0]: 'A B' is not a topic", id="topic with a space"
    ),
    pytest.param(
        BASE + '[scope]\ntopics = ["A", "A"]\n', "scope.topics[1]: A is listed twice", id="duplicate topic"
    ),
    pytest.param(BASE + '[scope]\ntopic = ["A"]\n', "scope.topic: unknown key", id="unknown scope key"),
    pytest.param(
        BASE + '[[relays]]\nvia = "USA"\nbetween = ["JPN", "KOR"]\nrequires_originator_consent = true\n',
        "relays[0].via: USA is not a party",
        id="relay via a non-party",
    ),
    pytest.param(
        BASE + '[[relays]]\nvia = "JPN"\nbetween = ["JPN", "KOR"]\nrequires_originator_consent = true\n',
        "relays[0].between[0]: JPN cannot relay to itself",
        id="relay to itself",
    ),
    pytest.param(
        BASE + '[[relays]]\nvia = "JPN"\nbetween = ["KOR", "USA"]\nrequires_originator_consent = true\n',
        "relays[0].between[1]: USA is not a party",
        id="relay between a non-party",
    ),
    pytest.param(
        BASE + '[[relays]]\nvia = "JPN"\nbetween = ["KOR"]\n',
        "relays[0].requires_originator_consent: missing key",
        id="relay consent not stated",
    ),
    pytest.param(
        'time_zone = "Asia/Nowhere"\n' + BASE, "time_zone: 'Asia/Nowhere' is not", id="unknown zone"
    ),
    pytest.param('time_zone = "asia/seoul"\n' + BASE, "time_zone: 'asia/seoul' is not", id="zone case"),
    pytest.param('time_zone = "../etc/passwd"\n' + BASE, "time_zone: '../etc/passwd'", id="zone path"),
    pytest.param('time_zone = "localtime"\n' + BASE, "time_zone: 'localtime' is not", id="machine zone"),
    pytest.param('time_zone = "posix/Asia/Seoul"\n' + BASE, "time_zone: 'posix/", id="posix copy"),
    pytest.param("time_zone = 9\n" + BASE, "time_zone: must be a non-empty string", id="zone as offset"),
]


@pytest.mark.parametrize(("text", "message"), MALFORMED)
def test_malformed_agreements_are_refused(text: str, message: str) -> None:
    with pytest.raises(AgreementFormatError) as caught:
        load_agreement(text)
    assert message in str(caught.value)


def test_base_is_valid() -> None:
    agreement = load_agreement(BASE)
    assert agreement.id == "JPN-KOR-TEST"


def test_relay_topics_must_be_within_scope() -> None:
    three = replaced(
        KOR_PARTY,
        KOR_PARTY + '\n[[parties]]\ncode = "USA"\nname = "US"\ncompetent_authority = "DoD"\nscheme = "USA"\n',
    )
    relay = (
        '[[relays]]\nvia = "USA"\nbetween = ["JPN", "KOR"]\n'
        'requires_originator_consent = true\ntopics = ["CHN"]\n'
    )
    with pytest.raises(AgreementFormatError, match=r"relays\[0\]\.topics: CHN is outside"):
        load_agreement(three + '[scope]\ntopics = ["DPRK-MISSILE"]\n' + relay)
    agreement = load_agreement(three + relay)
    assert agreement.relays[0].topic_scope == frozenset({"CHN"})


def test_label_error_is_translated_with_cause() -> None:
    with pytest.raises(AgreementFormatError) as caught:
        load_agreement(replaced('KOR = ["군사Ⅲ급비밀"]', 'KOR = ["nope"]'))
    assert caught.value.__cause__ is not None


def test_japan_rok_example(jpn_kor: Agreement) -> None:
    assert jpn_kor.id == "JPN-KOR-GSOMIA-2016"
    assert jpn_kor.signed_on == dt.date(2016, 11, 23)
    assert [p.competent_authority for p in jpn_kor.parties] == [
        "Ministry of Defense",
        "Ministry of National Defense",
    ]
    assert (jpn_kor.term_years, jpn_kor.automatic_renewal, jpn_kor.notice_period_days) == (1, True, 90)
    assert jpn_kor.protection_survives_termination
    assert not jpn_kor.demonstration
    assert jpn_kor.source
    jpn, kor = scheme("JPN"), scheme("KOR")
    assert [dict(row.levels) for row in jpn_kor.equivalence] == [
        {"JPN": (jpn.level("極秘"), jpn.level("特定秘密")), "KOR": (kor.level("군사Ⅱ급비밀"),)},
        {"JPN": (jpn.level("秘"),), "KOR": (kor.level("군사Ⅲ급비밀"),)},
    ]
    assert jpn_kor.topic_scope is None
    assert jpn_kor.relays == ()


def test_tisa_example(tisa: Agreement) -> None:
    assert tisa.party_codes == ("USA", "JPN", "KOR")
    assert tisa.topic_scope == frozenset({"DPRK-MISSILE", "DPRK-NUCLEAR"})
    assert tisa.relays == (
        RelayRule(
            via="USA", between=frozenset({"JPN", "KOR"}), requires_originator_consent=True, topic_scope=None
        ),
    )
    assert tisa.demonstration
    assert all(set(row.levels) == {"USA", "JPN", "KOR"} for row in tisa.equivalence)


@pytest.mark.parametrize(
    ("name", "agreement_id", "signed_on", "demonstration"),
    [
        ("jpn-kor-gsomia-2016.toml", "JPN-KOR-GSOMIA-2016", dt.date(2016, 11, 23), False),
        ("usa-jpn-gsomia-2007.toml", "USA-JPN-GSOMIA-2007", dt.date(2007, 8, 10), True),
        ("usa-kor-1987.toml", "USA-KOR-1987", dt.date(1987, 9, 24), True),
        ("tisa-2014.toml", "TISA-2014", dt.date(2014, 12, 29), True),
    ],
)
def test_every_example_loads(
    example_text: Callable[[str], str], name: str, agreement_id: str, signed_on: dt.date, demonstration: bool
) -> None:
    agreement = load_agreement(example_text(name))
    assert (agreement.id, agreement.signed_on, agreement.demonstration) == (
        agreement_id,
        signed_on,
        demonstration,
    )


@pytest.mark.parametrize(
    ("name", "zone"),
    [
        ("jpn-kor-gsomia-2016.toml", "Asia/Seoul"),
        ("usa-jpn-gsomia-2007.toml", "Asia/Tokyo"),
        ("usa-kor-1987.toml", "Asia/Seoul"),
        ("tisa-2014.toml", "America/New_York"),
    ],
)
def test_every_example_names_its_time_zone(example_text: Callable[[str], str], name: str, zone: str) -> None:
    text = example_text(name)
    assert f'\ntime_zone = "{zone}"\n' in text
    assert load_agreement(text).time_zone == zone


def test_a_file_without_time_zone_counts_in_utc_and_keeps_its_digest() -> None:
    # Files signed before time_zone existed: same bytes, same digest, same (UTC) days.
    agreement = load_agreement(BASE)
    assert agreement.time_zone == "UTC"
    assert agreement_digest(BASE) == hashlib.sha384(BASE.encode("utf-8")).hexdigest()
    assert load_agreement('time_zone = "Asia/Seoul"\n' + BASE).time_zone == "Asia/Seoul"


def test_agreement_digest_is_sha384_of_utf8(example_text: Callable[[str], str]) -> None:
    text = example_text("jpn-kor-gsomia-2016.toml")
    assert agreement_digest(text) == hashlib.sha384(text.encode("utf-8")).hexdigest()
    assert len(agreement_digest(text)) == 96
    assert agreement_digest(text + " ") != agreement_digest(text)

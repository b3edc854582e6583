"""Load an agreement from its TOML text.

The caller reads the file; this module only parses text (no I/O). The format, one file per
agreement (see ``docs/agreements.md``)::

    id = "JPN-KOR-GSOMIA-2016"             # letters, digits, '.', '_', '-'
    title = "Agreement between ..."
    signed_on = 2016-11-23                 # a TOML local date
    term_years = 1                         # Art. 21: remains in force for one year
    automatic_renewal = true               # Art. 21: extended automatically every term
    notice_period_days = 90                # Art. 21: written notice 90 days in advance
    protection_survives_termination = true # Art. 21
    demonstration = false                  # true when parts are illustrative
    source = "MOFA Japan, treaty text (English authentic)"

    exchange_suite = "cnsa-2.0"            # optional: "default" (ML-KEM-768+X25519) or "cnsa-2.0"
    time_zone = "Asia/Seoul"               # optional: IANA zone the dates are counted in (UTC)

    [[parties]]                            # at least two, distinct codes
    code = "JPN"
    name = "Japan"
    competent_authority = "Ministry of Defense"
    scheme = "JPN"                         # a built-in classification scheme

    [[equivalence]]                        # Art. 4: one table per row of equivalent levels
    JPN = ["極秘", "特定秘密"]              # first listed = primary when translating into JPN
    KOR = ["군사Ⅱ급비밀"]                   # native, romanised or English spellings

    [scope]                                # optional: limit exchanges to these topics
    topics = ["DPRK-MISSILE", "DPRK-NUCLEAR"]

    [[relays]]                             # optional: exchange through a third party (TISA)
    via = "USA"
    between = ["JPN", "KOR"]
    requires_originator_consent = true     # required: never defaulted
    topics = ["DPRK-MISSILE"]              # optional, within [scope]

Every key is required unless marked optional, and unknown keys are rejected. Every error
is an :class:`~accord.errors.AgreementFormatError` whose message starts with the key path
(``parties[1].scheme: ...``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import tomllib
import zoneinfo
from collections.abc import Mapping
from typing import Any, NoReturn

from accord.agreements._model import DEFAULT_TIME_ZONE, Agreement, EquivalenceRow, Party, RelayRule
from accord.errors import AgreementFormatError, LabelError
from accord.markings import Level, is_party_code, scheme

__all__ = ["agreement_digest", "load_agreement"]

_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}")
_TOPIC = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
_MAX_TERM_YEARS = 100

_TOP_KEYS = {
    "id",
    "title",
    "signed_on",
    "term_years",
    "automatic_renewal",
    "notice_period_days",
    "protection_survives_termination",
    "demonstration",
    "source",
    "parties",
    "equivalence",
    "scope",
    "relays",
    "exchange_suite",
    "time_zone",
}
_TOP_OPTIONAL = {"scope", "relays", "exchange_suite", "time_zone"}
# The HPKE suites a node offers (accord.crypto.Suite): the default post-quantum hybrid, or the
# CNSA 2.0 suite (ML-KEM-1024 + P-384, HKDF-SHA384, AES-256-GCM) an agreement can require.
EXCHANGE_SUITES = ("default", "cnsa-2.0")
_MACHINE_ZONES = {"localtime", "posixrules", "Factory"}
_PARTY_KEYS = {"code", "name", "competent_authority", "scheme"}
_SCOPE_KEYS = {"topics"}
_RELAY_KEYS = {"via", "between", "requires_originator_consent", "topics"}
_RELAY_OPTIONAL = {"topics"}


def agreement_digest(text: str) -> str:
    """The SHA-384 digest of an agreement file, as lowercase hex.

    Parties consent to an amendment by this digest (Art. 21: amendment by mutual written
    consent), so it covers the exact text, not its parsed meaning.

    Args:
        text: The TOML text of the agreement.

    Returns:
        96 hexadecimal digits.
    """
    return hashlib.sha384(text.encode("utf-8")).hexdigest()


def _fail(path: str, problem: str) -> NoReturn:
    raise AgreementFormatError(f"{path}: {problem}" if path else problem)


def _keys(table: Mapping[str, Any], path: str, allowed: set[str], optional: set[str]) -> None:
    unknown = sorted(set(table) - allowed)
    if unknown:
        _fail(f"{path}.{unknown[0]}" if path else unknown[0], "unknown key")
    missing = sorted(allowed - optional - set(table))
    if missing:
        _fail(f"{path}.{missing[0]}" if path else missing[0], "missing key")


def _table(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        _fail(path, "must be a table")
    return value


def _array_of_tables(value: object, path: str) -> list[dict[str, Any]]:
    if not isinstance(value, list) or not all(isinstance(v, dict) for v in value):
        _fail(path, "must be an array of tables ([[...]])")
    return value


def _str(value: object, path: str) -> str:
    if not isinstance(value, str) or not value.strip():
        _fail(path, "must be a non-empty string")
    return value


def _bool(value: object, path: str) -> bool:
    if not isinstance(value, bool):
        _fail(path, "must be true or false")
    return value


def _int(value: object, path: str) -> int:
    # bool is an int in Python; `term_years = true` is not a number of years.
    if isinstance(value, bool) or not isinstance(value, int):
        _fail(path, "must be an integer")
    return value


def _date(value: object, path: str) -> dt.date:
    if isinstance(value, dt.datetime) or not isinstance(value, dt.date):
        _fail(path, "must be a TOML local date (YYYY-MM-DD)")
    return value


def _time_zone(value: object, path: str) -> str:
    key = _str(value, path)
    problem = f"{key!r} is not a time zone of the IANA tz database (for example Asia/Seoul)"
    # "localtime" and "posixrules" are the machine's own zone: the agreement's days must
    # not depend on which node reads it.
    if key in _MACHINE_ZONES or key.startswith(("posix/", "right/")):
        _fail(path, problem)
    try:
        zoneinfo.ZoneInfo(key)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise AgreementFormatError(f"{path}: {problem}") from exc
    return key


def _str_list(value: object, path: str) -> list[str]:
    if not isinstance(value, list) or not value:
        _fail(path, "must be a non-empty array of strings")
    out = [_str(v, f"{path}[{i}]") for i, v in enumerate(value)]
    for i, v in enumerate(out):
        if v in out[:i]:
            _fail(f"{path}[{i}]", f"{v} is listed twice")
    return out


def _topics(value: object, path: str) -> frozenset[str]:
    topics = _str_list(value, path)
    for i, topic in enumerate(topics):
        if not _TOPIC.fullmatch(topic):
            _fail(f"{path}[{i}]", f"{topic!r} is not a topic (letters, digits, '-', '.', ':', '/')")
    return frozenset(topics)


def _party(raw: object, path: str) -> Party:
    table = _table(raw, path)
    _keys(table, path, _PARTY_KEYS, set())
    code = _str(table["code"], f"{path}.code")
    if not is_party_code(code):
        _fail(f"{path}.code", f"{code!r} is not a party code")
    scheme_code = _str(table["scheme"], f"{path}.scheme")
    try:
        scheme(scheme_code)
    except LabelError as exc:
        raise AgreementFormatError(f"{path}.scheme: unknown classification scheme {scheme_code!r}") from exc
    return Party(
        code=code,
        name=_str(table["name"], f"{path}.name"),
        competent_authority=_str(table["competent_authority"], f"{path}.competent_authority"),
        scheme=scheme_code,
    )


def _parties(value: object) -> tuple[Party, ...]:
    tables = _array_of_tables(value, "parties")
    parties = tuple(_party(raw, f"parties[{i}]") for i, raw in enumerate(tables))
    seen: set[str] = set()
    for i, party in enumerate(parties):
        if party.code in seen:
            _fail(f"parties[{i}].code", f"party {party.code} is listed twice")
        seen.add(party.code)
    if len(parties) < 2:
        # An agreement is between governments: one party cannot exchange with itself.
        _fail("parties", "an agreement needs at least two parties")
    return parties


def _row(raw: object, path: str, schemes: frozenset[str]) -> EquivalenceRow:
    table = _table(raw, path)
    levels: dict[str, tuple[Level, ...]] = {}
    for code, spellings in table.items():
        key = f"{path}.{code}"
        if code not in schemes:
            _fail(key, f"scheme {code} is not used by any party")
        found: list[Level] = []
        for i, text in enumerate(_str_list(spellings, key)):
            try:
                level = scheme(code).level(text)
            except LabelError as exc:
                raise AgreementFormatError(f"{key}[{i}]: {text!r} is not a level of scheme {code}") from exc
            if level in found:
                _fail(f"{key}[{i}]", f"{text} is listed twice (as {level.native})")
            found.append(level)
        if found[0].designation and any(not lv.designation for lv in found):
            # The first level is the one a receiver marks with (Art. 4); a designation such
            # as 特定秘密 is applied by a decision, never by translation.
            _fail(f"{key}[0]", f"{found[0].native} is a designation and cannot be the primary level")
        levels[code] = tuple(found)
    if len(levels) < 2:
        _fail(path, "a row must give equivalent levels in at least two schemes")
    return EquivalenceRow(levels=levels)


def _equivalence(value: object, schemes: frozenset[str]) -> tuple[EquivalenceRow, ...]:
    tables = _array_of_tables(value, "equivalence")
    if not tables:
        _fail("equivalence", "the equivalence table (Art. 4) needs at least one row")
    rows: list[EquivalenceRow] = []
    where: dict[Level, int] = {}
    for i, raw in enumerate(tables):
        row = _row(raw, f"equivalence[{i}]", schemes)
        for code, levels in row.levels.items():
            for level in levels:
                if level in where:
                    _fail(
                        f"equivalence[{i}].{code}",
                        f"{level.native} already appears in equivalence[{where[level]}]: "
                        "the table maps one level to two",
                    )
                where[level] = i
        rows.append(row)
    return tuple(rows)


def _relay(raw: object, path: str, parties: frozenset[str], scope: frozenset[str] | None) -> RelayRule:
    table = _table(raw, path)
    _keys(table, path, _RELAY_KEYS, _RELAY_OPTIONAL)
    via = _str(table["via"], f"{path}.via")
    if via not in parties:
        _fail(f"{path}.via", f"{via} is not a party to the agreement")
    between = _str_list(table["between"], f"{path}.between")
    for i, code in enumerate(between):
        if code not in parties:
            _fail(f"{path}.between[{i}]", f"{code} is not a party to the agreement")
        if code == via:
            _fail(f"{path}.between[{i}]", f"{code} cannot relay to itself")
    if len(between) < 2:
        _fail(f"{path}.between", "a relay is between at least two parties")
    topics: frozenset[str] | None = None
    if "topics" in table:
        topics = _topics(table["topics"], f"{path}.topics")
        if scope is not None and not topics <= scope:
            outside = sorted(topics - scope)[0]
            _fail(f"{path}.topics", f"{outside} is outside the agreement's [scope]")
    return RelayRule(
        via=via,
        between=frozenset(between),
        requires_originator_consent=_bool(
            table["requires_originator_consent"], f"{path}.requires_originator_consent"
        ),
        topic_scope=topics,
    )


def load_agreement(text: str) -> Agreement:
    """Parse and check an agreement file.

    Args:
        text: The TOML text (the caller reads the file).

    Returns:
        The agreement, with every invariant of :class:`Agreement` checked.

    Raises:
        AgreementFormatError: If the text is not TOML, a key is unknown or missing or of
            the wrong type, a party code or scheme or level is unknown, a party is listed
            twice or there are fewer than two, the equivalence table maps one level to two
            or names a scheme no party uses, the term and notice period make no sense, or
            the time zone is not one of the tz database.
    """
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise AgreementFormatError(f"not valid TOML: {exc}") from exc
    _keys(doc, "", _TOP_KEYS, _TOP_OPTIONAL)

    agreement_id = _str(doc["id"], "id")
    if not _ID.fullmatch(agreement_id):
        _fail("id", f"{agreement_id!r} is not an agreement id (letters, digits, '.', '_', '-')")
    term_years = _int(doc["term_years"], "term_years")
    if not 1 <= term_years <= _MAX_TERM_YEARS:
        _fail("term_years", f"must be between 1 and {_MAX_TERM_YEARS}")
    notice = _int(doc["notice_period_days"], "notice_period_days")
    # Art. 21: the notice must fit inside one term, or no notice could ever be in time.
    if not 0 <= notice < 365 * term_years:
        _fail("notice_period_days", f"must be between 0 and {365 * term_years - 1} (shorter than a term)")

    parties = _parties(doc["parties"])
    schemes = frozenset(p.scheme for p in parties)
    codes = frozenset(p.code for p in parties)

    scope: frozenset[str] | None = None
    if "scope" in doc:
        scope_table = _table(doc["scope"], "scope")
        _keys(scope_table, "scope", _SCOPE_KEYS, set())
        scope = _topics(scope_table["topics"], "scope.topics")

    relays: tuple[RelayRule, ...] = ()
    if "relays" in doc:
        tables = _array_of_tables(doc["relays"], "relays")
        relays = tuple(_relay(raw, f"relays[{i}]", codes, scope) for i, raw in enumerate(tables))

    suite = _str(doc.get("exchange_suite", "default"), "exchange_suite")
    if suite not in EXCHANGE_SUITES:
        _fail("exchange_suite", f"must be one of {', '.join(EXCHANGE_SUITES)}")

    # Absent in files written before the field existed: they keep their UTC days, and
    # their exact text (hence every signature over its digest) is unchanged.
    time_zone = _time_zone(doc.get("time_zone", DEFAULT_TIME_ZONE), "time_zone")

    return Agreement(
        id=agreement_id,
        title=_str(doc["title"], "title"),
        parties=parties,
        equivalence=_equivalence(doc["equivalence"], schemes),
        topic_scope=scope,
        relays=relays,
        signed_on=_date(doc["signed_on"], "signed_on"),
        term_years=term_years,
        automatic_renewal=_bool(doc["automatic_renewal"], "automatic_renewal"),
        notice_period_days=notice,
        protection_survives_termination=_bool(
            doc["protection_survives_termination"], "protection_survives_termination"
        ),
        demonstration=_bool(doc["demonstration"], "demonstration"),
        source=_str(doc["source"], "source"),
        exchange_suite=suite,
        time_zone=time_zone,
    )

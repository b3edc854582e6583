"""The agreement model: parties, the equivalence table, topic scope and relays.

An :class:`Agreement` is what a GSOMIA says in terms Accord can enforce. It is built by
:func:`accord.agreements.load_agreement`, which checks every invariant below, so code
that holds an ``Agreement`` can rely on them:

* at least two parties, each with a distinct code and a built-in classification scheme
  (Japan–ROK GSOMIA Art. 2: each party names its competent authority);
* every level in the equivalence table belongs to a scheme some party uses, appears in
  exactly one row, and the first level listed for a scheme in a row is never a
  designation (such as 特定秘密) while a plain level is listed beside it — it is the
  one used when translating *into* that scheme (Art. 4);
* a level that appears in no row is out of scope: it may not be exchanged or translated
  (Art. 4: only agreed markings);
* relays name parties of the agreement and narrow, never widen, the topic scope
  (TISA 2014: Japan and the ROK exchange through the United States);
* ``time_zone`` is an IANA time zone the tz database knows: the agreement's dates are
  calendar dates there (Art. 21 counts in the parties' days, not in UTC's).
"""

from __future__ import annotations

import datetime as dt
import types
import zoneinfo
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from accord.errors import InvalidInput, NotFound, TranslationRefused
from accord.markings import ConfidentialityLabel, Level

__all__ = ["DEFAULT_TIME_ZONE", "Agreement", "EquivalenceRow", "Party", "RelayRule"]

DEFAULT_TIME_ZONE = "UTC"
"""The zone of an agreement file that names none (files written before ``time_zone``
existed): their dates keep the meaning they had when they were signed, UTC days."""


@dataclass(frozen=True)
class Party:
    """One government party to an agreement.

    Attributes:
        code: The party code (``JPN``, ``KOR``, ``USA``), as accepted by
            :func:`accord.markings.is_party_code`.
        name: The party's name as written in the agreement (``Japan``).
        competent_authority: The authority responsible for implementing the agreement
            (Japan–ROK GSOMIA Art. 2), for example ``Ministry of Defense``.
        scheme: The code of the national classification scheme the party marks with.
    """

    code: str
    name: str
    competent_authority: str
    scheme: str


@dataclass(frozen=True)
class EquivalenceRow:
    """One row of the equivalence table (Japan–ROK GSOMIA Art. 4).

    Attributes:
        levels: Scheme code -> the levels of that scheme that are equivalent to the levels
            of the other schemes in the row. The first level of each scheme is the
            primary one, used when translating into that scheme.
    """

    levels: Mapping[str, tuple[Level, ...]]

    def __post_init__(self) -> None:
        # Freeze the mapping so that a row cannot change after the agreement is loaded.
        object.__setattr__(self, "levels", types.MappingProxyType(dict(self.levels)))

    def __hash__(self) -> int:
        # A mapping is not hashable; hash the items in scheme order so rows (and therefore
        # agreements) can be used as dictionary keys.
        return hash(tuple((code, self.levels[code]) for code in sorted(self.levels)))

    def contains(self, level: Level) -> bool:
        """Whether ``level`` is one of the levels of this row."""
        return level in self.levels.get(level.scheme, ())

    def primary(self, scheme_code: str) -> Level | None:
        """The level used when translating into ``scheme_code``, or None if the row has none."""
        levels = self.levels.get(scheme_code, ())
        return levels[0] if levels else None


@dataclass(frozen=True)
class RelayRule:
    """A party that forwards CMI between two other parties (TISA 2014).

    Attributes:
        via: The code of the relaying party (``USA`` under TISA).
        between: The codes of the parties whose exchanges it relays.
        requires_originator_consent: Whether the relay forwards only with the originating
            party's prior written approval (Japan–ROK GSOMIA Art. 6; TISA).
        topic_scope: The topics the relay carries, or None for every topic the agreement
            allows.
    """

    via: str
    between: frozenset[str]
    requires_originator_consent: bool
    topic_scope: frozenset[str] | None


@dataclass(frozen=True)
class Agreement:
    """A security agreement between governments, as loaded from its TOML file.

    Attributes:
        id: The agreement identifier, for example ``JPN-KOR-GSOMIA-2016``.
        title: The agreement's title.
        parties: The parties, in the order of the file.
        equivalence: The equivalence table (Art. 4), one row per equivalent set of levels.
        topic_scope: The topics exchanges are limited to, or None for no topic limit.
        relays: Relay rules, if the agreement provides for exchange through a third party.
        signed_on: The date of signature.
        term_years: The length of one term (Art. 21: one year).
        automatic_renewal: Whether each term is extended automatically (Art. 21).
        notice_period_days: How many days before the end of a term a termination notice
            must be given (Art. 21: 90 days).
        protection_survives_termination: Whether CMI exchanged stays protected after the
            agreement ends (Art. 21).
        demonstration: True when parts of the file (such as the equivalence table) are
            illustrative rather than taken from a published text.
        source: A short citation of where the terms come from.
        exchange_suite: The HPKE suite envelopes under this agreement use: ``default``
            (ML-KEM-768 + X25519) or ``cnsa-2.0`` (ML-KEM-1024 + P-384, SHA-384).
        time_zone: The IANA time zone whose calendar the agreement's dates are counted
            in (``Asia/Seoul``); for parties in different zones, the one the agreement
            names as governing. :data:`DEFAULT_TIME_ZONE` when the file names none.
    """

    id: str
    title: str
    parties: tuple[Party, ...]
    equivalence: tuple[EquivalenceRow, ...]
    topic_scope: frozenset[str] | None
    relays: tuple[RelayRule, ...]
    signed_on: dt.date
    term_years: int
    automatic_renewal: bool
    notice_period_days: int
    protection_survives_termination: bool
    demonstration: bool
    source: str
    exchange_suite: str = "default"
    time_zone: str = DEFAULT_TIME_ZONE

    @property
    def zone(self) -> dt.tzinfo:
        """The agreement's time zone (the loader checked that the tz database knows it)."""
        return zoneinfo.ZoneInfo(self.time_zone)

    def local_date(self, at: dt.datetime) -> dt.date:
        """The parties' calendar date at the instant ``at`` (Art. 21 counts in their days).

        Args:
            at: An aware instant (the caller's clock).

        Returns:
            The date in the agreement's time zone: 2019-11-22 16:05 UTC is 2019-11-23 in
            Asia/Seoul.

        Raises:
            InvalidInput: If ``at`` is naive (its zone unknown, its date ambiguous).
        """
        if at.tzinfo is None or at.utcoffset() is None:
            raise InvalidInput(f"{at.isoformat()} has no time zone: the agreement's day cannot be known")
        return at.astimezone(self.zone).date()

    def day_starts(self, day: dt.date) -> dt.datetime:
        """The instant a calendar date of the agreement begins (00:00 in its time zone).

        Args:
            day: A date of the agreement (entry into force, a term end).

        Returns:
            An aware datetime in the agreement's zone.
        """
        return dt.datetime.combine(day, dt.time(0), tzinfo=self.zone)

    @property
    def party_codes(self) -> tuple[str, ...]:
        """The party codes, in the order of the file."""
        return tuple(p.code for p in self.parties)

    @property
    def schemes(self) -> frozenset[str]:
        """The classification schemes the parties use."""
        return frozenset(p.scheme for p in self.parties)

    def party(self, code: str) -> Party:
        """The party with the given code.

        Args:
            code: A party code such as ``KOR``.

        Returns:
            The party.

        Raises:
            NotFound: If no party of this agreement has that code.
        """
        for p in self.parties:
            if p.code == code:
                return p
        raise NotFound(f"party {code} is not a party to agreement {self.id}")

    def _row_of(self, level: Level) -> EquivalenceRow | None:
        for row in self.equivalence:
            if row.contains(level):
                return row
        return None

    def level_in_scope(self, level: Level) -> bool:
        """Whether a level appears in the equivalence table (Art. 4: only agreed markings).

        Args:
            level: A level of any scheme.

        Returns:
            True if some row of the table lists the level.
        """
        return self._row_of(level) is not None

    def topics_in_scope(self, topics: Iterable[str]) -> bool:
        """Whether an item about ``topics`` may be exchanged under this agreement.

        Args:
            topics: The topics of an item (for example ``DPRK-MISSILE``).

        Returns:
            True when the agreement has no topic scope; otherwise True only when at least
            one topic is given and every topic is in scope (TISA: DPRK nuclear and
            missile threats only).
        """
        if self.topic_scope is None:
            return True
        given = frozenset(topics)
        return bool(given) and given <= self.topic_scope

    def translate(self, label: ConfidentialityLabel, to_scheme: str) -> Level:
        """The equivalent of a label's classification in another party's scheme (Art. 4).

        The receiving party marks what it receives with its own equivalent classification;
        the result is the primary level of ``to_scheme`` in the row that lists the label's
        level.

        Args:
            label: The originator's label.
            to_scheme: The code of the scheme to translate into.

        Returns:
            The equivalent level in ``to_scheme``; the label's own level when ``to_scheme``
            is the label's scheme and the level is in scope.

        Raises:
            TranslationRefused: If either scheme is not used by this agreement, or the
                level is outside the agreement's scope or has no equivalent in
                ``to_scheme``.
        """
        for code in (label.policy, to_scheme):
            if code not in self.schemes:
                raise TranslationRefused(f"scheme {code} is not used by agreement {self.id} (Art. 4)")
        level = label.level
        row = self._row_of(level)
        described = f"{level.native} ({level.family.value})"
        if row is None:
            # Art. 4: only the markings the table lists may be exchanged at all, so a level
            # outside it is refused even when no translation is needed. Every refusal names
            # the article, like the decision point's reasons.
            where = (
                f"no equivalent in {to_scheme}"
                if level.scheme != to_scheme
                else "not in its equivalence table"
            )
            raise TranslationRefused(f"{described} is outside the scope of {self.id}: {where} (Art. 4)")
        if level.scheme == to_scheme:
            return level
        target = row.primary(to_scheme)
        if target is None:
            raise TranslationRefused(
                f"{described} is outside the scope of {self.id}: no equivalent in {to_scheme} (Art. 4)"
            )
        return target

"""National classification schemes and party names (DESIGN.md §1).

A *scheme* is one national (or NATO) policy's ordered list of classification levels.
Every level belongs to an English *family* (TOP SECRET … RESTRICTED) and carries a rank
so that levels of the same scheme can be compared. Comparing levels *across* schemes is
not done here: that is what an agreement's equivalence table is for (GSOMIA Art. 4).

Invariants:
    * a scheme's levels are listed highest first and their ranks never increase;
    * every spelling a level is looked up by (native, romanised, and the English family
      where one plain level has it) names exactly one level of its scheme once normalised
      (NFKC, case, spacing, Roman numerals as digits: :func:`_spelling_key`);
    * Japan's 特定秘密 is a *designation* treated at SECRET under the Japan–ROK text, so it
      shares rank 3 with 極秘 and is never chosen by the bare family name "SECRET".
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from accord.errors import LabelError

__all__ = [
    "SCHEMES",
    "Family",
    "Level",
    "Scheme",
    "is_party_code",
    "parse_level",
    "party_name",
    "scheme",
]


class Family(enum.Enum):
    """The English family a national level belongs to."""

    TOP_SECRET = "TOP SECRET"  # noqa: S105 -- a classification, not a password
    SECRET = "SECRET"  # noqa: S105 -- a classification, not a password
    CONFIDENTIAL = "CONFIDENTIAL"
    RESTRICTED = "RESTRICTED"


_RANKS: Mapping[Family, int] = MappingProxyType(
    {Family.TOP_SECRET: 4, Family.SECRET: 3, Family.CONFIDENTIAL: 2, Family.RESTRICTED: 1}
)


# Roman numerals written with Latin letters (군사II급비밀: the agreement's published text writes
# the Korean levels with ASCII "II"; ｇｏｋｕｈｉ-style full-width letters become ASCII under NFKC)
# are numerals only where they stand alone or between non-Latin letters; "hi" stays "hi".
_LATIN_NUMERAL = re.compile(r"(?<![a-z])(i{1,3})(?![a-z])")
_SEPARATORS = re.compile(r"[\s\-_\u00b7\u30fb]+")


def _unicode_numeral(ch: str) -> str:
    # Ⅰ Ⅱ Ⅲ … ⅰ ⅱ ⅲ (U+2160–U+2188) are numerals wherever they stand: their value in digits.
    return str(int(unicodedata.numeric(ch))) if "\u2160" <= ch <= "\u2188" else ch


def _spelling_key(text: str) -> str:
    """The key two spellings of one level share: the comparison the lookup makes.

    Unicode Roman numerals as Arabic digits, then NFKC (full-width letters and digits),
    case folded, the Latin-letter Roman numerals I, II and III standing alone as digits, and
    every space, hyphen, underscore and middle dot removed. ``군사Ⅱ급비밀``, ``군사II급비밀``,
    ``군사 2급 비밀`` and ``gunsa ii-geup bimil`` differ only in what this key removes.
    """
    text = "".join(_unicode_numeral(ch) for ch in text)
    text = unicodedata.normalize("NFKC", text).casefold()
    text = _SEPARATORS.sub(" ", text)
    text = _LATIN_NUMERAL.sub(lambda m: str(len(m.group(1))), text)
    return text.replace(" ", "")


@dataclass(frozen=True)
class Level:
    """One classification level of one scheme.

    Attributes:
        scheme: The scheme code, e.g. ``"KOR"``.
        native: The spelling in the scheme's own script, e.g. ``"군사Ⅲ급비밀"``.
        romanised: A Latin-script spelling, e.g. ``"gunsa 3-geup bimil"``.
        family: The English family.
        rank: 4 for TOP SECRET down to 1 for RESTRICTED.
        designation: True only for a designation treated at a level (JPN 特定秘密).
    """

    scheme: str
    native: str
    romanised: str
    family: Family
    rank: int
    designation: bool = False

    @property
    def code(self) -> str:
        """The level's unique code, ``"<scheme>:<native>"``."""
        return f"{self.scheme}:{self.native}"


@dataclass(frozen=True)
class Scheme:
    """A national classification scheme: its code, name and levels, highest first.

    Attributes:
        code: ``"KOR"``, ``"JPN"``, ``"USA"`` or ``"NATO"``.
        name: A human-readable name.
        levels: The levels, highest first.
    """

    code: str
    name: str
    levels: tuple[Level, ...]
    _by_key: Mapping[str, Level] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        ranks = [lvl.rank for lvl in self.levels]
        if ranks != sorted(ranks, reverse=True):
            raise LabelError(f"levels of scheme {self.code} are not listed highest first")
        if any(lvl.scheme != self.code for lvl in self.levels):
            raise LabelError(f"a level of scheme {self.code} names another scheme")
        by_key: dict[str, Level] = {}
        for lvl in self.levels:
            for spelling in (lvl.native, lvl.romanised):
                if by_key.setdefault(_spelling_key(spelling), lvl) != lvl:
                    raise LabelError(f"scheme {self.code} spells two levels the same way")
        for family in Family:
            plain = [lvl for lvl in self.levels if lvl.family is family and not lvl.designation]
            if len(plain) == 1 and by_key.setdefault(_spelling_key(family.value), plain[0]) != plain[0]:
                raise LabelError(f"scheme {self.code} spells two levels the same way")
        object.__setattr__(self, "_by_key", MappingProxyType(by_key))

    def level(self, text: str) -> Level:
        """Finds a level by any unambiguous spelling of it.

        The text is compared after NFKC normalisation (so full-width letters and digits and
        the Unicode Roman numerals Ⅰ Ⅱ Ⅲ are their plain forms), ignoring case, spaces,
        hyphens, underscores and middle dots, with the Roman numerals I, II and III read as
        the digits 1, 2 and 3: ``군사Ⅱ급비밀``, ``군사II급비밀`` (as the Japan–ROK text writes it),
        ``군사 2급 비밀``, ``gunsa II-geup bimil`` and ``ｇｏｋｕｈｉ`` are all accepted. It may be
        the native spelling, the romanisation, or an English family name where exactly one
        non-designation level has that family. Every accepted spelling names one level;
        labels store and show only its native spelling (:attr:`Level.native`).

        Args:
            text: The spelling to look up.

        Returns:
            The level.

        Raises:
            LabelError: No level of this scheme is spelled that way; the message lists
                each level's native spelling and its romanisation.
        """
        found = self._by_key.get(_spelling_key(text)) if isinstance(text, str) else None
        if found is not None:
            return found
        known = ", ".join(
            lvl.native if lvl.native == lvl.romanised else f"{lvl.native} ({lvl.romanised})"
            for lvl in self.levels
        )
        raise LabelError(f"unknown level {text!r} in scheme {self.code}; known: {known}")

    def dominates(self, a: Level, b: Level) -> bool:
        """Tells whether level ``a`` is at least as high as level ``b``.

        Args:
            a: A level of this scheme.
            b: A level of this scheme.

        Returns:
            ``a.rank >= b.rank``.

        Raises:
            LabelError: Either level belongs to another scheme; levels of different schemes
                are compared only through an agreement's equivalence table (GSOMIA Art. 4).
        """
        for lvl in (a, b):
            if lvl.scheme != self.code or lvl not in self.levels:
                raise LabelError(f"level {lvl.code} is not a level of scheme {self.code}")
        return a.rank >= b.rank


def _lvl(code: str, native: str, romanised: str, family: Family, designation: bool = False) -> Level:
    return Level(code, native, romanised, family, _RANKS[family], designation)


_ALL = (
    Scheme(
        "KOR",
        "Republic of Korea military classification",
        (
            _lvl("KOR", "군사Ⅰ급비밀", "gunsa 1-geup bimil", Family.TOP_SECRET),
            _lvl("KOR", "군사Ⅱ급비밀", "gunsa 2-geup bimil", Family.SECRET),
            _lvl("KOR", "군사Ⅲ급비밀", "gunsa 3-geup bimil", Family.CONFIDENTIAL),
            _lvl("KOR", "대외비", "daeoebi", Family.RESTRICTED),
        ),
    ),
    Scheme(
        "JPN",
        "Japan defence classification",
        (
            _lvl("JPN", "機密", "kimitsu", Family.TOP_SECRET),
            _lvl("JPN", "特定秘密", "tokutei himitsu", Family.SECRET, designation=True),
            _lvl("JPN", "極秘", "gokuhi", Family.SECRET),
            _lvl("JPN", "秘", "hi", Family.CONFIDENTIAL),
        ),
    ),
    Scheme(
        "USA",
        "United States national security information",
        (
            _lvl("USA", "TOP SECRET", "TOP SECRET", Family.TOP_SECRET),
            _lvl("USA", "SECRET", "SECRET", Family.SECRET),
            _lvl("USA", "CONFIDENTIAL", "CONFIDENTIAL", Family.CONFIDENTIAL),
        ),
    ),
    Scheme(
        "NATO",
        "NATO security classification",
        (
            _lvl("NATO", "COSMIC TOP SECRET", "COSMIC TOP SECRET", Family.TOP_SECRET),
            _lvl("NATO", "NATO SECRET", "NATO SECRET", Family.SECRET),
            _lvl("NATO", "NATO CONFIDENTIAL", "NATO CONFIDENTIAL", Family.CONFIDENTIAL),
            _lvl("NATO", "NATO RESTRICTED", "NATO RESTRICTED", Family.RESTRICTED),
        ),
    ),
)

SCHEMES: Mapping[str, Scheme] = MappingProxyType({s.code: s for s in _ALL})
"""The built-in schemes by code: KOR, JPN, USA and NATO."""


def scheme(code: str) -> Scheme:
    """Returns the built-in scheme with this code.

    Args:
        code: ``"KOR"``, ``"JPN"``, ``"USA"`` or ``"NATO"``.

    Returns:
        The scheme.

    Raises:
        LabelError: No scheme has this code.
    """
    found = SCHEMES.get(code) if isinstance(code, str) else None
    if found is None:
        raise LabelError(f"unknown classification scheme {code!r}")
    return found


def parse_level(text: str) -> Level:
    """Parses a qualified level such as ``"JPN:秘"`` or ``"JPN:hi"``.

    Args:
        text: ``"<scheme>:<spelling>"``, the spelling as accepted by :meth:`Scheme.level`.

    Returns:
        The level.

    Raises:
        LabelError: The text has no scheme prefix, or the scheme or level is unknown.
    """
    if not isinstance(text, str) or ":" not in text:
        raise LabelError(f"a level is written '<scheme>:<level>', got {text!r}")
    code, _, spelling = text.partition(":")
    return scheme(code.strip()).level(spelling)


_PARTY_CODE = re.compile(r"[A-Z]{3}")

# Country names as each scheme's language writes them (GSOMIA Art. 4: the receiver marks
# what it receives with the originating party's *name*). USA and NATO schemes use English.
_NAMES: Mapping[str, Mapping[str, str]] = MappingProxyType(
    {
        "KOR": MappingProxyType(
            {
                "KOR": "대한민국",
                "JPN": "일본",
                "USA": "미국",
                "GBR": "영국",
                "AUS": "호주",
                "CAN": "캐나다",
                "NATO": "북대서양조약기구",
            }
        ),
        "JPN": MappingProxyType(
            {
                "KOR": "韓国",
                "JPN": "日本",
                "USA": "米国",
                "GBR": "英国",
                "AUS": "豪州",
                "CAN": "カナダ",
                "NATO": "北大西洋条約機構",
            }
        ),
        "ENG": MappingProxyType(
            {
                "KOR": "Republic of Korea",
                "JPN": "Japan",
                "USA": "United States",
                "GBR": "United Kingdom",
                "AUS": "Australia",
                "CAN": "Canada",
                "NATO": "NATO",
            }
        ),
    }
)


def party_name(code: str, language_scheme: str) -> str:
    """Names a party in the language of a scheme.

    Args:
        code: An ISO 3166 alpha-3 party code (or ``"NATO"``).
        language_scheme: The scheme whose language to use; KOR writes Korean, JPN
            Japanese, USA and NATO English.

    Returns:
        The party's name, e.g. ``party_name("JPN", "KOR") == "일본"``; the code itself when
        the party is not known.

    Raises:
        LabelError: The language scheme is unknown.
    """
    scheme(language_scheme)
    language = language_scheme if language_scheme in _NAMES else "ENG"
    return _NAMES[language].get(code, code)


def is_party_code(code: str) -> bool:
    """Tells whether a string has the form of a party code.

    Args:
        code: The candidate.

    Returns:
        True for three upper-case ASCII letters (ISO 3166 alpha-3 form) or ``"NATO"``.
    """
    return isinstance(code, str) and (code == "NATO" or _PARTY_CODE.fullmatch(code) is not None)

"""National classification schemes and party names (DESIGN.md §1).

A *scheme* is one national (or NATO) policy's ordered list of classification levels.
Every level belongs to an English *family* (TOP SECRET … RESTRICTED) and carries a rank
so that levels of the same scheme can be compared. Comparing levels *across* schemes is
not done here: that is what an agreement's equivalence table is for (GSOMIA Art. 4).

Invariants:
    * a scheme's levels are listed highest first and their ranks never increase;
    * the native spelling of a level is unique within its scheme, and so is its
      romanised spelling once normalised;
    * Japan's 特定秘密 is a *designation* treated at SECRET under the Japan–ROK text, so it
      shares rank 3 with 極秘 and is never chosen by the bare family name "SECRET".
"""

from __future__ import annotations

import enum
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
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


def _fold(text: str) -> str:
    """Folds a spelling for lenient comparison: NFC, case, hyphens and runs of spaces."""
    text = unicodedata.normalize("NFC", text).casefold()
    text = text.replace("-", " ").replace("_", " ")
    return " ".join(text.split())


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

    def __post_init__(self) -> None:
        ranks = [lvl.rank for lvl in self.levels]
        if ranks != sorted(ranks, reverse=True):
            raise LabelError(f"levels of scheme {self.code} are not listed highest first")
        if any(lvl.scheme != self.code for lvl in self.levels):
            raise LabelError(f"a level of scheme {self.code} names another scheme")
        natives = [lvl.native for lvl in self.levels]
        romanised = [_fold(lvl.romanised) for lvl in self.levels]
        if len(set(natives)) != len(natives) or len(set(romanised)) != len(romanised):
            raise LabelError(f"scheme {self.code} spells two levels the same way")

    def level(self, text: str) -> Level:
        """Finds a level by its native or romanised spelling, or its English family.

        The native spelling must match exactly (after NFC normalisation); the romanised
        spelling is compared ignoring case, hyphens and repeated spaces. An English family
        name is accepted only when exactly one non-designation level has that family.

        Args:
            text: The spelling to look up.

        Returns:
            The level.

        Raises:
            LabelError: No level of this scheme is spelled that way.
        """
        if isinstance(text, str):
            nfc = unicodedata.normalize("NFC", text).strip()
            for lvl in self.levels:
                if lvl.native == nfc:
                    return lvl
            folded = _fold(nfc)
            for lvl in self.levels:
                if _fold(lvl.romanised) == folded:
                    return lvl
            by_family = [
                lvl for lvl in self.levels if not lvl.designation and _fold(lvl.family.value) == folded
            ]
            if len(by_family) == 1:
                return by_family[0]
        known = ", ".join(lvl.native for lvl in self.levels)
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

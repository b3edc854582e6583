"""Precedence: speed of service, independent of classification (ACP 121 / STANAG 4406)."""

from __future__ import annotations

import enum
from datetime import timedelta

from accord.errors import ItemError

__all__ = ["Precedence"]


class Precedence(enum.Enum):
    """Message precedence, highest first.

    The objective is the handling time ACP 121 gives each precedence: FLASH as fast as
    possible and under 10 minutes, IMMEDIATE 30 minutes, PRIORITY 3 hours, ROUTINE 6 hours.
    """

    FLASH = "FLASH"
    IMMEDIATE = "IMMEDIATE"
    PRIORITY = "PRIORITY"
    ROUTINE = "ROUTINE"

    @property
    def prosign(self) -> str:
        """The one-letter prosign: Z, O, P or R."""
        return _PROSIGNS[self]

    @property
    def objective(self) -> timedelta:
        """The delivery objective for this precedence."""
        return _OBJECTIVES[self]

    @property
    def rank(self) -> int:
        """Higher is more urgent: FLASH 4 … ROUTINE 1."""
        return _RANKS[self]

    @classmethod
    def parse(cls, text: str) -> Precedence:
        """Parse a precedence by name (any case) or prosign (Z, O, P, R).

        Raises:
            ItemError: the text names no precedence.
        """
        key = text.strip().upper()
        for member in cls:
            if key in (member.value, member.prosign):
                return member
        names = ", ".join(m.value for m in cls)
        raise ItemError(f"unknown precedence {text!r}; use one of {names}")


_PROSIGNS = {
    Precedence.FLASH: "Z",
    Precedence.IMMEDIATE: "O",
    Precedence.PRIORITY: "P",
    Precedence.ROUTINE: "R",
}
_OBJECTIVES = {
    Precedence.FLASH: timedelta(minutes=10),
    Precedence.IMMEDIATE: timedelta(minutes=30),
    Precedence.PRIORITY: timedelta(hours=3),
    Precedence.ROUTINE: timedelta(hours=6),
}
_RANKS = {Precedence.FLASH: 4, Precedence.IMMEDIATE: 3, Precedence.PRIORITY: 2, Precedence.ROUTINE: 1}

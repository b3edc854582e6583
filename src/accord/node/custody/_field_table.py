"""A stored row's JSON view written as a table: each key, in order, and the attribute it reads.

The dissemination record and the exposure answer (GSOMIA Arts. 6, 17) show the rows they
rest on (envelopes sent, consents, receipts, copies, translations) as JSON objects. Each
view is one :class:`FieldTable` line instead of a dictionary written out key by key; the
keys keep the order the table gives them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["FieldTable"]


@dataclass(frozen=True)
class FieldTable:
    """The keys of a JSON view, in order, each with the attribute of the row it reads."""

    columns: tuple[tuple[str, str], ...]

    @classmethod
    def of(cls, fields: str) -> FieldTable:
        """The table of ``fields``, separated by white space.

        ``name`` is the key ``name`` reading the attribute ``name``; ``key=attribute`` the key
        ``key`` reading the attribute ``attribute``.
        """
        pairs = (field.partition("=") for field in fields.split())
        return cls(tuple((key, attribute or key) for key, _, attribute in pairs))

    def row(self, row: object) -> dict[str, object]:
        """The view of one row."""
        return {key: getattr(row, attribute) for key, attribute in self.columns}

    def rows(self, rows: Iterable[object]) -> list[dict[str, object]]:
        """The views of ``rows``, in their order."""
        return [self.row(row) for row in rows]

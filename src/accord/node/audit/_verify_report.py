"""What a verification of the ledger found: its findings, in words an officer can act on (Arts. 8, 18).

A :class:`VerifyReport` lists each difference between the journal and the ledger as a
:class:`Finding` at the first leaf index it concerns, of one of the :data:`KINDS`
(:mod:`accord.node.audit._ledger_verify` says how each kind of tampering shows).
``accord ledger verify`` prints it; :meth:`VerifyReport.check` raises on the first finding.
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.errors import IntegrityError
from accord.json_view import JsonView

__all__ = ["KINDS", "Finding", "VerifyReport"]

KINDS = ("altered", "deleted", "inserted", "reordered", "node", "checkpoint")
"""The kinds of :class:`Finding`, in the order they are listed at the same leaf index."""


@dataclass(frozen=True)
class Finding(JsonView):
    """One difference between the journal and the ledger.

    Attributes:
        index: The first leaf index it concerns.
        kind: One of :data:`KINDS`.
        message: What differs, in words an officer can act on.
    """

    index: int
    kind: str
    message: str


@dataclass(frozen=True)
class VerifyReport:
    """What :func:`~accord.node.audit._ledger_verify.verify_ledger` found.

    Attributes:
        leaves: Leaf indices checked.
        checkpoints: Checkpoints checked.
        unsealed: Journal rows not sealed yet (the next seal takes them).
        findings: The differences, by leaf index (at most 1,000: the first ones).
        count: How many findings there were in all.
        consequences: The sizes of later checkpoints whose signed root the journal no longer
            gives *because of* an earlier leaf-level finding: not causes of their own.
    """

    leaves: int
    checkpoints: int
    unsealed: int
    findings: tuple[Finding, ...]
    count: int
    consequences: tuple[int, ...] = ()

    @property
    def consequence(self) -> str | None:
        """What follows from the findings for later checkpoints, in words, or None."""
        if not self.consequences:
            return None
        sizes = self.consequences
        which = f"of {sizes[0]} leaves" if len(sizes) == 1 else f"of {sizes[0]} to {sizes[-1]} leaves"
        return (
            f"as a consequence, the signed root of {len(sizes)} later checkpoint(s) ({which}) no longer "
            "matches the journal; repair the findings above and verify again"
        )

    @property
    def ok(self) -> bool:
        """Whether nothing differs."""
        return not self.findings

    @property
    def first(self) -> Finding | None:
        """The finding at the lowest leaf index, or None."""
        return self.findings[0] if self.findings else None

    def check(self) -> None:
        """Return if the ledger is intact.

        Raises:
            IntegrityError: something differs; the message names the first leaf index and why.
        """
        first = self.first
        if first is not None:
            more = f" (and {self.count - 1} more)" if self.count > 1 else ""
            raise IntegrityError(
                f"ledger: first bad leaf {first.index} ({first.kind}): {first.message}{more}"
            )

    def to_dict(self) -> dict[str, object]:
        """The report as JSON-ready data."""
        return {
            "ok": self.ok,
            "leaves": self.leaves,
            "checkpoints": self.checkpoints,
            "unsealed": self.unsealed,
            "first": None if self.first is None else self.first.to_dict(),
            "findings": [f.to_dict() for f in self.findings],
            "count": self.count,
            "consequences": list(self.consequences),
        }

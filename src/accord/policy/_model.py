"""The inputs and the output of the policy decision point.

Every input is a frozen dataclass the caller builds from what it already holds (the
user, the item's marking, the agreement and its status on ``now``), so a decision needs
no I/O and reads no clock.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from accord.agreements import Agreement, Status
from accord.markings import Level, Marking

__all__ = ["Action", "ConsentTerms", "Context", "Decision", "Duty", "Resource", "Subject"]


class Action(enum.Enum):
    """What a subject asks to do with an item (DESIGN.md §2)."""

    READ = "read"
    CREATE = "create"
    RELEASE = "release"
    COPY = "copy"
    TRANSLATE = "translate"
    DESTROY = "destroy"
    DOWNGRADE = "downgrade"
    EXPORT = "export"


class Duty(enum.Enum):
    """What a subject asks to do with the node's own records, not with an item (DESIGN.md §2).

    Decided by the role alone (:func:`~accord.policy.decide_duty`): no item is involved, so
    no clearance, nationality or need to know applies.
    """

    READ_JOURNAL = "read-journal"
    """Read the journal: who did what, when, to which item, with what outcome and why."""
    ACKNOWLEDGE_ALARM = "acknowledge-alarm"
    """Acknowledge a ledger alarm (a partner's fork or rollback) with a finding."""
    REPORT_TO_OVERSIGHT = "report-to-oversight"
    """Make an oversight report: the agreement's monthly figures, signed, for a legislature."""
    ADMINISTER = "administer"
    """See and manage the node's people and their clearances, partners, agreements and keys."""


@dataclass(frozen=True)
class Subject:
    """The person asking, as the node knows them.

    Attributes:
        name: The user name.
        role: ``"analyst"``, ``"officer"``, ``"authority"`` or ``"auditor"``; any other
            value is permitted nothing.
        nationality: The person's party code, e.g. ``"KOR"``.
        clearance: The personnel security clearance, a level of the node's own scheme
            (the reader's scheme, GSOMIA Art. 7).
        need_to_know: The topics the person has an official need for (Art. 7).
        purposes: The purposes of provision the person works for. Empty means *none*, not
            *any*: such a person is refused every PURPOSE-LIMITED item (Art. 6).
    """

    name: str
    role: str
    nationality: str
    clearance: Level
    need_to_know: frozenset[str]
    purposes: frozenset[str] = frozenset()


@dataclass(frozen=True)
class ConsentTerms:
    """The originator's written approval of a release to a third party, as the decision point reads it.

    Built by the enforcement point from a consent token whose signature it verified
    (Art. 6: prior written approval); the decision point trusts no bare flag, only these
    terms, and applies the conditions that bind the third party.

    Attributes:
        token_id: The consent token's id (cited in reasons).
        originator_party: The party that consented (the item's originator).
        third_party: The party the release is approved to.
        purpose: The purpose the release was approved for.
        purpose_only: The third party may use the item for ``purpose`` only: its readers
            must work for it.
        onward_release: Whether the third party may pass the item on (to anyone but the
            originator); False when the consent forbids onward release.
    """

    token_id: str
    originator_party: str
    third_party: str
    purpose: str
    purpose_only: bool = False
    onward_release: bool = True


@dataclass(frozen=True, slots=True)
class Resource:
    """The item the action is about.

    Attributes:
        item_id: The item's id.
        marking: The originator's label plus the alternatives (Art. 4).
        purpose: The purpose of provision the item was provided for (Art. 6).
        originator_party: The originating party's code (Art. 2).
        held_party: The party of the node that holds the item (and decides).
        consents: The originator's verified, unrevoked consents the holding arrived with
            (Art. 6): the consented party's nationals count as in *Releasable To*, and their
            conditions bind this holding (purpose only, no onward release). Empty for every
            item that arrived without one.
    """

    item_id: str
    marking: Marking
    purpose: str
    originator_party: str
    held_party: str
    consents: tuple[ConsentTerms, ...] = ()

    @property
    def consented(self) -> frozenset[str]:
        """The parties the originator consented to, by the consents this holding arrived with."""
        return frozenset(c.third_party for c in self.consents)


@dataclass(frozen=True)
class Context:
    """What the decision depends on besides subject and item.

    Attributes:
        now: The time of the request (passed in; the policy reads no clock).
        agreement: The agreement that translates the item's level into the reader's scheme
            and, for RELEASE and EXPORT, governs the release to ``target_party``.
        agreement_status: The agreement's status on ``now`` (Art. 21), or None if unknown.
        target_party: The receiving party for RELEASE and EXPORT.
        consent: The terms of a verified originator consent to this release, when the
            enforcement point found one (Art. 6: the originator's prior written approval);
            it counts only for the party it names (``third_party == target_party``).
    """

    now: datetime
    agreement: Agreement | None
    agreement_status: Status | None
    target_party: str | None = None
    consent: ConsentTerms | None = None


@dataclass(frozen=True)
class Decision:
    """The answer: permit or deny, why, and what the enforcement point must do.

    Attributes:
        permit: True only when no rule denies.
        reasons: One sentence per failing rule, citing the article; empty on permit.
        obligations: What the enforcement point must do on permit, e.g. ``"show-banner"``;
            empty on deny.
        rule_ids: The ids of the failing rules, in the order of ``reasons``.
    """

    permit: bool
    reasons: tuple[str, ...]
    obligations: tuple[str, ...]
    rule_ids: tuple[str, ...]

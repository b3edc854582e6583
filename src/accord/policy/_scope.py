"""May this label be marked, or travel, under this agreement — one pure answer (Arts. 4, 6, 21).

Every place that provides or accepts CMI under an agreement asks here, and nowhere else:
creating an item under an agreement (:func:`may_mark`), sending it, passing it on under
the originator's consent and receiving it (:func:`may_travel`). The answer is a
:class:`~accord.policy.Decision` whose reasons cite the article; the enforcement point
(:func:`accord.node.holdings._access.require_scope`) raises. Pure: the caller passes the
agreement's :class:`~accord.agreements.Status` at the moment that matters.

The rules, each with its id:

==============  ======================================================================
``in-force``    Art. 21 — new CMI is provided only while the agreement is in force.
``parties``     Art. 6 — only parties to the agreement receive, or are named releasable.
``equivalent``  Art. 4 — the level has an agreed equivalent in the receiver's scheme.
``topics``      Art. 4 (scope of a topic-limited arrangement, e.g. TISA: DPRK only).
``releasable``  Art. 6 — the originator provides only to a party in Releasable To.
==============  ======================================================================
"""

from __future__ import annotations

from dataclasses import dataclass

from accord.agreements import Agreement, Status
from accord.errors import PolicyDenied
from accord.markings import ConfidentialityLabel
from accord.policy._model import Decision

__all__ = ["SCOPE_RULES", "Passage", "may_mark", "may_travel"]

SCOPE_RULES = ("in-force", "parties", "equivalent", "topics", "releasable")
"""The rule ids a scope decision may name, in the order they are checked."""


def may_mark(label: ConfidentialityLabel, agreement: Agreement, status: Status) -> Decision:
    """May a new item carry ``label`` under ``agreement`` (at its creation)?

    Every party of the agreement must be able to hold it: an equivalent in each party's
    scheme (Art. 4), Releasable To naming only parties (Art. 6), topics within the
    agreement's scope, and the agreement in force (Art. 21).
    """
    failed: list[tuple[str, str]] = []
    _in_force(agreement, status, failed, "no new CMI may be provided under it")
    outside = sorted(label.releasable_to - set(agreement.party_codes))
    if outside:
        failed.append(
            ("parties", f"releasable to {', '.join(outside)}, who are not parties to {agreement.id} (Art. 6)")
        )
    for party in agreement.parties:
        if party.scheme != label.policy:
            _equivalent(agreement, label, party.scheme, failed)
    _topics(agreement, label, failed)
    return _decision(failed)


@dataclass(frozen=True)
class Passage:
    """Where an item goes and on whose authority: one hop of its travel.

    Attributes:
        to: The receiving party.
        direct: True when the originator provides the item (its Releasable To applies);
            False for a release passed on under the originator's consent (Art. 6), whose
            consent is checked by the caller.
        source: The label to translate from when the agreement does not know the
            originator's scheme (a holder passing the item on translates from the label it
            holds the item under); the originator's label when None.
        translate_under: The agreement whose equivalence table applies when it is not the
            one the envelope travels under (a third party translating an item passed on to
            it under its own agreement with the originator); that agreement when None.
    """

    to: str
    direct: bool
    source: ConfidentialityLabel | None = None
    translate_under: Agreement | None = None


def may_travel(
    label: ConfidentialityLabel, agreement: Agreement, status: Status, passage: Passage
) -> Decision:
    """May the item labelled ``label`` make ``passage`` under ``agreement`` now?

    Args:
        label: The originator's label (it never changes hands: Art. 4).
        agreement: The agreement the envelope travels under.
        status: The agreement's status at the moment of sending or receiving.
        passage: To whom the item goes, whether directly from its originator, and which
            label and table translate it.
    """
    to, direct = passage.to, passage.direct
    failed: list[tuple[str, str]] = []
    _in_force(agreement, status, failed, "nothing new may be provided under it")
    if to in agreement.party_codes:
        table = passage.translate_under or agreement
        _equivalent(table, passage.source or label, table.party(to).scheme, failed)
    else:
        failed.append(("parties", f"{to} is not a party to {agreement.id} (Art. 6)"))
    _topics(agreement, label, failed)
    if direct and to not in label.releasable_to:
        rel = ", ".join(sorted(label.releasable_to))
        failed.append(("releasable", f"the item is not releasable to {to} (REL TO {rel}) (Art. 6)"))
    return _decision(failed)


def _in_force(agreement: Agreement, status: Status, failed: list[tuple[str, str]], what: str) -> None:
    # Art. 21: after termination (or before entry into force) nothing new is provided under
    # the agreement; what is already held stays protected.
    if not status.new_exchange_allowed:
        state = f"{agreement.id} is {status.state.value} on {status.day}"
        failed.append(("in-force", f"{state}: {what} (Art. 21)"))


def _equivalent(
    agreement: Agreement, label: ConfidentialityLabel, scheme: str, failed: list[tuple[str, str]]
) -> None:
    # Art. 4: only levels with an agreed equivalent may be provided under the agreement.
    try:
        agreement.translate(label, scheme)
    except PolicyDenied as refused:
        failed.append(("equivalent", str(refused)))


def _topics(agreement: Agreement, label: ConfidentialityLabel, failed: list[tuple[str, str]]) -> None:
    if agreement.topic_scope is not None and not agreement.topics_in_scope(label.need_to_know):
        scope = ", ".join(sorted(agreement.topic_scope))
        reason = f"{agreement.id} covers only the topics {scope}; the item's are outside it (Art. 4)"
        failed.append(("topics", reason))


def _decision(failed: list[tuple[str, str]]) -> Decision:
    return Decision(
        permit=not failed,
        reasons=tuple(reason for _, reason in failed),
        obligations=(),
        rule_ids=tuple(rule for rule, _ in failed),
    )

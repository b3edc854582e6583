"""Differential test: Accord's decide() against the same rules written in Cedar (cedarpy).

Cedar knows no national classification schemes, so the harness precomputes only what
the agreement's equivalence table gives (Art. 4): the item's rank in the reader's scheme
(or that it has none) and which alternative label is in the reader's scheme
(``reference_policy.py``). Every rule -- the ordering of ranks, Releasable To membership,
Need To Know containment, the originator controls, the role table, the target party,
consent and the agreement in force -- is encoded independently in ``accord.cedar``.
Requests come from ``strategies_policy.cases``.
"""

from __future__ import annotations

from typing import Any

import cedarpy
import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st
from reference_policy import CEDAR_POLICY, cedar_duty_inputs, cedar_inputs
from strategies_policy import ROLES, Case, cases, subjects

from accord.policy import Decision, Duty, decide, decide_duty

POLICY = cedarpy.PolicySet.from_str(CEDAR_POLICY.read_text(encoding="utf-8"))

BATCH = 20
BATCHES = 520  # 10,400 cases in all
SHARDS = 4  # run apart, so the pytest-xdist workers share them; each with its own seed


def _cedar(batch: list[Case]) -> list[bool]:
    requests: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    for n, case in enumerate(batch):
        request, ents = cedar_inputs(case.subject, case.action, case.resource, case.context, n)
        requests.append(request)
        entities.extend(ents)
    results = cedarpy.is_authorized_batch(requests, POLICY, entities)
    for result in results:
        assert not result.diagnostics.errors, result.diagnostics.errors
    return [result.allowed for result in results]


def _explained(case: Case, ours: Decision, theirs: bool) -> str:
    return f"accord={ours.permit} cedar={theirs} rules={ours.rule_ids} reasons={ours.reasons} case={case}"


@pytest.mark.slow
@pytest.mark.usefixtures("untraced")  # 10,400 cases; coverage tracing doubled their CPU
@pytest.mark.parametrize("shard", range(SHARDS))
def test_accord_agrees_with_cedar_on_10000_generated_requests(shard: int) -> None:
    seen: list[Decision] = []

    @seed(shard)
    @settings(
        max_examples=BATCHES // SHARDS,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(st.lists(cases(), min_size=BATCH, max_size=BATCH))
    def check(batch: list[Case]) -> None:
        ours = [decide(c.subject, c.action, c.resource, c.context) for c in batch]
        theirs = _cedar(batch)
        for case, mine, reference in zip(batch, ours, theirs, strict=True):
            assert mine.permit == reference, _explained(case, mine, reference)
            # A permit has no reasons; a denial says why, rule by rule.
            assert mine.permit == (not mine.reasons)
            assert len(mine.reasons) == len(mine.rule_ids)
        seen.extend(ours)

    check()
    assert len(seen) >= 10_000 // SHARDS  # 10,400 over the four shards
    permits = sum(d.permit for d in seen)
    # Both outcomes are well represented, so agreement is not agreement on "deny".
    assert permits >= len(seen) // 50, permits
    assert len(seen) - permits >= len(seen) // 2


def test_accord_agrees_with_cedar_on_every_role_and_duty() -> None:
    """The duties about the node's records (journal, alarms): every role, every duty."""
    people = [subject for role in sorted(set(ROLES)) for subject in subjects(role)]
    asked = [(person, duty) for person in people for duty in Duty]
    requests: list[dict[str, Any]] = []
    entities: list[dict[str, Any]] = []
    for n, (person, duty) in enumerate(asked):
        request, ents = cedar_duty_inputs(person, duty, n)
        requests.append(request)
        entities.extend(e for e in ents if e not in entities)
    results = cedarpy.is_authorized_batch(requests, POLICY, entities)
    for (person, duty), result in zip(asked, results, strict=True):
        assert not result.diagnostics.errors, result.diagnostics.errors
        ours = decide_duty(person, duty)
        assert ours.permit == result.allowed, (
            f"{person.role} {duty.value}: accord={ours} cedar={result.allowed}"
        )
        assert ours.permit == (not ours.reasons)
    assert {duty for person, duty in asked if decide_duty(person, duty).permit} == set(Duty)

"""Differential test: Accord's decide() against the same rules written in Rego (regopy).

``accord.rego`` mirrors ``accord.cedar`` rule for rule and gives, besides ``allow``, the
set of failing rule ids (``deny``), so the comparison covers *which* rules deny, not just
the permit. The inputs are the attributes Cedar gets (``reference_policy.py``: only the
Art. 4 translation is precomputed); the policy runs as a compiled bundle, as in
``bench/policy.py``.

regopy is an extra of the benchmarks (``pip install -e '.[bench]'``), not a test
dependency: without it this module is skipped.
"""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from reference_policy import REGO_POLICY, rego_duty_input, rego_input
from strategies_policy import ROLES, Case, cases, subjects

from accord.policy import RULES, Decision, Duty, decide, decide_duty

regopy = pytest.importorskip(
    "regopy", reason="regopy is a bench extra (pip install -e '.[bench]'), not a test dependency"
)

CASES = 400


@pytest.fixture(scope="module")
def rego() -> tuple[Any, Any]:
    """An interpreter and the compiled bundle of ``accord.rego``."""
    builder = regopy.Interpreter()
    builder.add_module("accord.rego", REGO_POLICY.read_text(encoding="utf-8"))
    bundle = builder.build("allow := data.accord.allow; deny := data.accord.deny")
    assert bundle.ok()
    return regopy.Interpreter(), bundle


def _rego(rego: tuple[Any, Any], case: Case) -> tuple[bool, frozenset[str]]:
    interpreter, bundle = rego
    interpreter.set_input(regopy.Input(rego_input(case.subject, case.action, case.resource, case.context)))
    output = interpreter.query_bundle(bundle)
    assert output.ok(), str(output)
    result = output[0]
    return result["allow"], frozenset(result["deny"])


def test_accord_agrees_with_rego_on_generated_requests(rego: tuple[Any, Any]) -> None:
    seen: list[Decision] = []

    @settings(
        max_examples=CASES,
        derandomize=True,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(cases())
    def check(case: Case) -> None:
        ours = decide(case.subject, case.action, case.resource, case.context)
        allow, deny = _rego(rego, case)
        explained = f"accord={ours.rule_ids} rego={sorted(deny)} reasons={ours.reasons} case={case}"
        assert ours.permit == allow, explained
        assert frozenset(ours.rule_ids) == deny, explained
        seen.append(ours)

    check()
    assert len(seen) == CASES
    permits = sum(d.permit for d in seen)
    # Both outcomes are well represented, so agreement is not agreement on "deny".
    assert permits >= CASES // 50, permits
    assert CASES - permits >= CASES // 2
    # Every rule denies somewhere, so each is compared, not only the common ones.
    assert {rule for d in seen for rule in d.rule_ids} >= {
        "role",
        "equivalence",
        "clearance",
        "nationality",
        "need-to-know",
        "purpose",
        "originator-only",
        "release-target",
        "third-party",
        "agreement-in-force",
    }


def test_accord_agrees_with_rego_on_every_role_and_duty(rego: tuple[Any, Any]) -> None:
    """The duties about the node's records (journal, alarms): every role, every duty."""
    interpreter, bundle = rego
    permitted = set()
    for person in (subject for role in sorted(set(ROLES)) for subject in subjects(role)):
        for duty in Duty:
            interpreter.set_input(regopy.Input(rego_duty_input(person, duty)))
            output = interpreter.query_bundle(bundle)
            assert output.ok(), str(output)
            allow, deny = output[0]["allow"], frozenset(output[0]["deny"])
            ours = decide_duty(person, duty)
            explained = f"{person.role} {duty.value}: accord={ours.rule_ids} rego={sorted(deny)}"
            assert ours.permit == allow, explained
            assert frozenset(ours.rule_ids) == deny, explained
            if ours.permit:
                permitted.add(duty)
    assert permitted == set(Duty)


def test_rego_policy_is_written_for_every_rule() -> None:
    text = REGO_POLICY.read_text(encoding="utf-8")
    for rule in RULES:
        assert f'deny contains "{rule}"' in text, rule

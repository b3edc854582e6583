"""Batched decisions: ``decide_many`` and ``Decider`` give exactly what ``decide`` gives.

The batch path remembers answers by marking object and by the marking's content (see
``accord.policy._batch``); these tests hold it to the single path on generated batches
that mix repeated marking objects, equal copies with new label objects and creation
times, and distinct markings under several purposes and holding parties, for every
action, reasons and rule ids included.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import overload

import pytest
from hypothesis import HealthCheck, given, settings
from strategies_policy import AGREEMENTS, CREATED, NOW, Batch, Tags, batches, label, relabelled

from accord.markings import SCHEMES, Marking
from accord.policy import Action, Context, Decider, Resource, Subject, decide, decide_many

SETTINGS = settings(
    max_examples=600,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def _one_by_one(batch: Batch) -> list[object]:
    return [decide(batch.subject, batch.action, r, batch.context) for r in batch.resources]


@pytest.mark.slow
@pytest.mark.usefixtures("untraced")  # 600 batches each; the lines are covered elsewhere
@SETTINGS
@given(batches())
def test_decide_many_is_decide_for_each(batch: Batch) -> None:
    assert decide_many(batch.subject, batch.action, batch.resources, batch.context) == _one_by_one(batch)


@pytest.mark.slow
@pytest.mark.usefixtures("untraced")  # 600 batches each; the lines are covered elsewhere
@SETTINGS
@given(batches())
def test_a_decider_reused_across_calls_and_orders_is_decide_for_each(batch: Batch) -> None:
    expected = _one_by_one(batch)
    decider = Decider(batch.subject, batch.action, batch.context)
    assert [decider.decide(r) for r in batch.resources] == expected
    assert decider.decide_many(reversed(batch.resources)) == expected[::-1]
    assert decider.decide_many(batch.resources) == expected


KOR_ANALYST = Subject(
    name="kim",
    role="analyst",
    nationality="KOR",
    clearance=SCHEMES["KOR"].level("군사Ⅱ급비밀"),
    need_to_know=frozenset({"DPRK-MISSILE"}),
    purposes=frozenset({"BMD"}),
)
JPN_KOR = next(a for a in AGREEMENTS if a[0].id == "JPN-KOR-GSOMIA-2016")
READ_CONTEXT = Context(NOW, JPN_KOR[0], JPN_KOR[1])


def _marking(releasable: frozenset[str], created: dt.datetime = CREATED) -> Marking:
    return Marking(label("JPN", "秘", Tags(releasable, frozenset({"DPRK-MISSILE"})), created=created))


def test_an_inbox_of_equal_labels_asks_each_question_once() -> None:
    # 300 items, each with its own label objects and creation time, two distinct labels in
    # substance: the batch path answers twice and shares the (immutable) decisions.
    resources = [
        Resource(
            f"i{n}",
            _marking(frozenset({"KOR"}) if n % 3 else frozenset(), CREATED + dt.timedelta(seconds=n)),
            "BMD",
            "JPN",
            "KOR",
        )
        for n in range(300)
    ]
    decisions = decide_many(KOR_ANALYST, Action.READ, resources, READ_CONTEXT)
    assert decisions == [decide(KOR_ANALYST, Action.READ, r, READ_CONTEXT) for r in resources]
    assert len({id(d) for d in decisions}) == 2
    assert sum(d.permit for d in decisions) == 200
    denied = next(d for d in decisions if not d.permit)
    assert denied.rule_ids == ("nationality",)
    assert "not releasable to KOR nationals" in denied.reasons[0]


def test_the_same_marking_under_another_purpose_or_party_is_asked_again() -> None:
    limited = Marking(label("JPN", "秘", Tags(frozenset({"KOR"}), ctl=frozenset({"PURPOSE-LIMITED"}))))
    resources = [
        Resource("a", limited, "BMD", "JPN", "KOR"),
        Resource("b", limited, "ASW", "JPN", "KOR"),
        Resource("c", limited, "BMD", "KOR", "KOR"),
        Resource("d", limited, "BMD", "JPN", "KOR"),
    ]
    decisions = decide_many(KOR_ANALYST, Action.CREATE, resources, READ_CONTEXT)
    assert decisions == [decide(KOR_ANALYST, Action.CREATE, r, READ_CONTEXT) for r in resources]
    assert [d.rule_ids for d in decisions] == [
        ("originator-only",),
        ("purpose", "originator-only"),
        (),
        ("originator-only",),
    ]
    assert decisions[0] is decisions[3]


class _Fresh(Sequence[Resource]):
    """Builds a new marking on every access, alternating two contents.

    Each marking is garbage as soon as the caller drops it, so CPython is free to give the
    next one the same address (``id``): a memo keyed on ``id`` that did not hold the
    marking would then answer for the wrong label.
    """

    def __init__(self, count: int) -> None:
        self._count = count

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> Resource: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[Resource]: ...
    def __getitem__(self, index: int | slice) -> Resource | Sequence[Resource]:
        if isinstance(index, slice):
            return [self[i] for i in range(*index.indices(self._count))]
        if not 0 <= index < self._count:
            raise IndexError(index)
        releasable = frozenset({"KOR"}) if index % 2 else frozenset({"USA"})
        return Resource(f"i{index}", _marking(releasable), "BMD", "JPN", "KOR")


def test_a_freed_marking_whose_id_is_reused_is_not_confused() -> None:
    fresh = _Fresh(200)
    decisions = decide_many(KOR_ANALYST, Action.READ, fresh, READ_CONTEXT)
    assert [d.permit for d in decisions] == [n % 2 == 1 for n in range(200)]
    decider = Decider(KOR_ANALYST, Action.READ, READ_CONTEXT)
    assert [decider.decide(fresh[n]).permit for n in range(200)] == [n % 2 == 1 for n in range(200)]


def test_relabelled_copies_are_equal_in_substance_only() -> None:
    original = _marking(frozenset({"KOR"}))
    copy = relabelled(original, CREATED + dt.timedelta(days=1))
    assert copy != original
    assert copy.originator.categories == original.originator.categories


def test_a_decider_states_its_question() -> None:
    decider = Decider(KOR_ANALYST, Action.READ, READ_CONTEXT)
    assert (decider.subject, decider.action, decider.context) == (KOR_ANALYST, Action.READ, READ_CONTEXT)
    assert decider.decide_many([]) == []

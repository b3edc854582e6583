"""ItemKind and Precedence: parsing by name and prosign, objectives and ordering."""

from __future__ import annotations

from datetime import timedelta

import pytest

from accord.errors import InvalidInput, ItemError
from accord.items import KINDS, FieldType, ItemKind, Precedence


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("report", ItemKind.REPORT),
        ("missile-launch", ItemKind.MISSILE_LAUNCH),
        ("imagery", ItemKind.IMAGERY),
        ("sigint-summary", ItemKind.SIGINT_SUMMARY),
        ("  Missile-Launch ", ItemKind.MISSILE_LAUNCH),
        ("IMAGERY", ItemKind.IMAGERY),
    ],
)
def test_item_kind_parses_every_kind_by_name(text: str, kind: ItemKind) -> None:
    assert ItemKind.parse(text) is kind


def test_every_kind_has_a_field_table() -> None:
    assert set(KINDS) == set(ItemKind)


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("missile_launch", id="underscore-not-hyphen"),
        pytest.param("MISSILE_LAUNCH", id="enum-name-not-value"),
        pytest.param("missile", id="prefix"),
        pytest.param("humint", id="unknown-kind"),
    ],
)
def test_item_kind_refuses_unknown_names(text: str) -> None:
    with pytest.raises(ItemError, match="unknown item kind") as info:
        ItemKind.parse(text)
    # The message lists what is allowed.
    for kind in ItemKind:
        assert kind.value in str(info.value)


def test_item_error_is_invalid_input() -> None:
    assert issubclass(ItemError, InvalidInput)


def test_required_fields_of_each_kind() -> None:
    required = {kind: {s.name for s in specs if s.required} for kind, specs in KINDS.items()}
    assert required == {
        ItemKind.REPORT: set(),
        ItemKind.MISSILE_LAUNCH: {"detection_time", "launch_area", "count"},
        ItemKind.IMAGERY: {"acquisition_time", "sensor", "footprint"},
        ItemKind.SIGINT_SUMMARY: set(),
    }
    types = {s.name: s.type for specs in KINDS.values() for s in specs}
    assert types["launch_area"] is FieldType.POINT
    assert types["footprint"] is FieldType.POLYGON
    assert types["inside_japan_eez"] is FieldType.BOOL


PRECEDENCE_TABLE = [
    # precedence, prosign, objective (ACP 121), rank
    (Precedence.FLASH, "Z", timedelta(minutes=10), 4),
    (Precedence.IMMEDIATE, "O", timedelta(minutes=30), 3),
    (Precedence.PRIORITY, "P", timedelta(hours=3), 2),
    (Precedence.ROUTINE, "R", timedelta(hours=6), 1),
]


@pytest.mark.parametrize(("precedence", "prosign", "objective", "rank"), PRECEDENCE_TABLE)
def test_precedence_prosign_objective_and_rank(
    precedence: Precedence, prosign: str, objective: timedelta, rank: int
) -> None:
    assert precedence.prosign == prosign
    assert precedence.objective == objective
    assert precedence.rank == rank


@pytest.mark.parametrize(("precedence", "prosign", "objective", "rank"), PRECEDENCE_TABLE)
def test_precedence_parses_by_name_and_prosign_in_any_case(
    precedence: Precedence, prosign: str, objective: timedelta, rank: int
) -> None:
    del objective, rank
    name = precedence.value
    for text in (name, name.lower(), name.title(), f"  {name} ", prosign, prosign.lower()):
        assert Precedence.parse(text) is precedence


@pytest.mark.parametrize(
    "text",
    [
        pytest.param("", id="empty"),
        pytest.param("URGENT", id="unknown-word"),
        pytest.param("Y", id="unknown-prosign-Y"),
        pytest.param("W", id="unknown-prosign-W"),
        pytest.param("FLASH OVERRIDE", id="flash-override-not-supported"),
        pytest.param("ZZ", id="doubled-prosign"),
    ],
)
def test_precedence_refuses_unknown_text(text: str) -> None:
    with pytest.raises(ItemError, match="unknown precedence"):
        Precedence.parse(text)


def test_precedences_are_declared_highest_first() -> None:
    ordered = list(Precedence)
    assert ordered == [Precedence.FLASH, Precedence.IMMEDIATE, Precedence.PRIORITY, Precedence.ROUTINE]
    assert [p.rank for p in ordered] == sorted((p.rank for p in ordered), reverse=True)
    # The more urgent, the shorter the handling objective.
    assert [p.objective for p in ordered] == sorted(p.objective for p in ordered)
    assert sorted(Precedence, key=lambda p: p.rank, reverse=True) == ordered


def test_prosigns_and_ranks_are_unique() -> None:
    assert len({p.prosign for p in Precedence}) == len(Precedence)
    assert len({p.rank for p in Precedence}) == len(Precedence)

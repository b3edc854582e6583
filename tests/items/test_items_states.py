"""The state machines' values are the words stored in the status columns and sent to peers."""

from __future__ import annotations

from accord.exchange import HOLDING_STATUSES
from accord.items import (
    FINAL_HOLDING_STATES,
    CaseState,
    ConsentState,
    DestructionDirection,
    Direction,
    HoldingState,
    OutboxState,
)


def test_holding_states_are_the_statuses_a_holdings_summary_names() -> None:
    assert {s.value for s in HoldingState} == set(HOLDING_STATUSES)


def test_a_member_compares_and_serialises_as_its_stored_word() -> None:
    assert HoldingState.CONSENT_REVOKED == "consent-revoked"
    assert f"{OutboxState.RECEIPTED}" == "receipted"
    assert ConsentState("approved") is ConsentState.APPROVED
    assert [c.value for c in CaseState] == ["open", "closed"]


def test_final_states_are_destroyed_and_returned() -> None:
    assert {HoldingState.DESTROYED, HoldingState.RETURNED} == FINAL_HOLDING_STATES


def test_the_sides_of_an_exchange_are_the_stored_directions() -> None:
    assert [d.value for d in Direction] == ["out", "in", "held"]
    assert [d.value for d in DestructionDirection] == ["issued", "received"]

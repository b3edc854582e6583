"""Alarms a node raises about itself, kept once (``witness_alarms``, origin: this node)."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from accord.store._tables_witness import WitnessAlarmRow

__all__ = ["add_alarm_once"]


def add_alarm_once(session: Session, row: WitnessAlarmRow) -> bool:
    """Add ``row`` unless an alarm of the same origin, kind and reason is kept already; whether it was added.

    What raises the alarm may meet the same damage again and again (``serve`` seals every
    second, every reader may list the same damaged item): one alarm stands for all of them.
    """
    known = session.scalar(
        select(func.count())
        .select_from(WitnessAlarmRow)
        .where(
            WitnessAlarmRow.origin == row.origin,
            WitnessAlarmRow.kind == row.kind,
            WitnessAlarmRow.reason == row.reason,
        )
    )
    if known:
        return False
    session.add(row)
    return True

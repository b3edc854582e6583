"""Tables of compromise and loss (GSOMIA Art. 17): cases, their items, the originators told.

A case is opened where the loss or compromise is found (``direction`` ``"out"``) and
recorded at each originator the notice reached (``direction`` ``"in"``), under the same
case id. Per originator node, ``compromise_parties`` keeps the signed notice and, once the
case is closed, the signed report: at the reporting node one row per originator it told, at
an originator one row, its own (the notice and report it received).
"""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from accord.store._tables import TIME, Base

__all__ = ["CompromiseCaseRow", "CompromiseItemRow", "CompromisePartyRow"]


class CompromiseCaseRow(Base):
    """A loss or compromise, actual or possible, and its investigation (Art. 17).

    ``status`` is ``open`` until the investigation's findings and measures close it
    (``closed``). At an originator (``direction`` ``"in"``) ``reporting_node`` is the
    holder that told it.
    """

    __tablename__ = "compromise_cases"
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    direction: Mapped[str] = mapped_column(String(8))
    reporting_node: Mapped[str] = mapped_column(String(64))
    reporting_party: Mapped[str] = mapped_column(String(8))
    actual: Mapped[bool] = mapped_column(Boolean)
    circumstances: Mapped[str] = mapped_column(Text)
    opened_by: Mapped[str] = mapped_column(String(64))
    opened_at: Mapped[str] = mapped_column(TIME, index=True)
    received_at: Mapped[str | None] = mapped_column(TIME, default=None)
    status: Mapped[str] = mapped_column(String(16), index=True)
    findings: Mapped[str | None] = mapped_column(Text, default=None)
    measures: Mapped[str | None] = mapped_column(Text, default=None)
    closed_by: Mapped[str | None] = mapped_column(String(64), default=None)
    closed_at: Mapped[str | None] = mapped_column(TIME, default=None)


class CompromiseItemRow(Base):
    """One item of a case, with its content digest and originator as held when reported."""

    __tablename__ = "compromise_items"
    case_id: Mapped[str] = mapped_column(ForeignKey("compromise_cases.id"), primary_key=True)
    item_id: Mapped[str] = mapped_column(String(64), primary_key=True, index=True)
    position: Mapped[int] = mapped_column(Integer)
    content_sha384: Mapped[str] = mapped_column(String(96))
    originator_node: Mapped[str] = mapped_column(String(64))
    originator_party: Mapped[str] = mapped_column(String(8))


class CompromisePartyRow(Base):
    """One originator node told of a case: the signed notice and report, and their envelopes."""

    __tablename__ = "compromise_parties"
    case_id: Mapped[str] = mapped_column(ForeignKey("compromise_cases.id"), primary_key=True)
    originator_node: Mapped[str] = mapped_column(String(64), primary_key=True)
    originator_party: Mapped[str] = mapped_column(String(8))
    notice_json: Mapped[str] = mapped_column(Text)
    notice_message_id: Mapped[str | None] = mapped_column(String(64), default=None)
    report_json: Mapped[str | None] = mapped_column(Text, default=None)
    report_message_id: Mapped[str | None] = mapped_column(String(64), default=None)

"""Ledger alarms acknowledged: who, when, with what finding (issue 10, item 20).

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "witness_alarm_acks",
        sa.Column("alarm_id", sa.Integer(), nullable=False),
        sa.Column("acknowledged_by", sa.String(length=64), nullable=False),
        sa.Column("acknowledged_at", sa.String(length=32), nullable=False),
        sa.Column("finding", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["alarm_id"],
            ["witness_alarms.id"],
            name=op.f("fk_witness_alarm_acks_alarm_id_witness_alarms"),
        ),
        sa.PrimaryKeyConstraint("alarm_id", name=op.f("pk_witness_alarm_acks")),
    )


def downgrade() -> None:
    op.drop_table("witness_alarm_acks")

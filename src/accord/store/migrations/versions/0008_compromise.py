"""Compromise and loss (Art. 17): cases, their items, the originators told.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compromise_cases",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("reporting_node", sa.String(length=64), nullable=False),
        sa.Column("reporting_party", sa.String(length=8), nullable=False),
        sa.Column("actual", sa.Boolean(), nullable=False),
        sa.Column("circumstances", sa.Text(), nullable=False),
        sa.Column("opened_by", sa.String(length=64), nullable=False),
        sa.Column("opened_at", sa.String(length=32), nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("findings", sa.Text(), nullable=True),
        sa.Column("measures", sa.Text(), nullable=True),
        sa.Column("closed_by", sa.String(length=64), nullable=True),
        sa.Column("closed_at", sa.String(length=32), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_compromise_cases")),
    )
    with op.batch_alter_table("compromise_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_compromise_cases_opened_at"), ["opened_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_compromise_cases_status"), ["status"], unique=False)
    op.create_table(
        "compromise_items",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("content_sha384", sa.String(length=96), nullable=False),
        sa.Column("originator_node", sa.String(length=64), nullable=False),
        sa.Column("originator_party", sa.String(length=8), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["compromise_cases.id"],
            name=op.f("fk_compromise_items_case_id_compromise_cases"),
        ),
        sa.PrimaryKeyConstraint("case_id", "item_id", name=op.f("pk_compromise_items")),
    )
    with op.batch_alter_table("compromise_items", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_compromise_items_item_id"), ["item_id"], unique=False)
    op.create_table(
        "compromise_parties",
        sa.Column("case_id", sa.String(length=64), nullable=False),
        sa.Column("originator_node", sa.String(length=64), nullable=False),
        sa.Column("originator_party", sa.String(length=8), nullable=False),
        sa.Column("notice_json", sa.Text(), nullable=False),
        sa.Column("notice_message_id", sa.String(length=64), nullable=True),
        sa.Column("report_json", sa.Text(), nullable=True),
        sa.Column("report_message_id", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["compromise_cases.id"],
            name=op.f("fk_compromise_parties_case_id_compromise_cases"),
        ),
        sa.PrimaryKeyConstraint("case_id", "originator_node", name=op.f("pk_compromise_parties")),
    )


def downgrade() -> None:
    op.drop_table("compromise_parties")
    with op.batch_alter_table("compromise_items", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compromise_items_item_id"))
    op.drop_table("compromise_items")
    with op.batch_alter_table("compromise_cases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_compromise_cases_status"))
        batch_op.drop_index(batch_op.f("ix_compromise_cases_opened_at"))
    op.drop_table("compromise_cases")

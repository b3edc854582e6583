"""Receipt batches stored once, receipts refer to them.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "receipt_batches",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("peer", sa.String(length=64), nullable=False),
        sa.Column("transmission_id", sa.String(length=64), nullable=False),
        sa.Column("batch_json", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_receipt_batches")),
    )
    # Receipts stored by 0002 kept a copy of their batch each; no node holds such rows yet
    # outside development, and their batch cannot be split off without parsing, so the
    # table is recreated empty with the new shape.
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipts_item_id"))
    op.drop_table("receipts")
    op.create_table(
        "receipts",
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("peer", sa.String(length=64), nullable=False),
        sa.Column("receipt_json", sa.Text(), nullable=False),
        sa.Column("batch_id", sa.String(length=64), nullable=False),
        sa.Column("stored_at", sa.String(length=32), nullable=False),
        sa.ForeignKeyConstraint(
            ["batch_id"], ["receipt_batches.id"], name=op.f("fk_receipts_batch_id_receipt_batches")
        ),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_receipts")),
    )
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipts_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_receipts_batch_id"), ["batch_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_receipts_batch_id"))
        batch_op.drop_index(batch_op.f("ix_receipts_item_id"))
    op.drop_table("receipts")
    op.drop_table("receipt_batches")
    op.create_table(
        "receipts",
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("peer", sa.String(length=64), nullable=False),
        sa.Column("receipt_json", sa.Text(), nullable=False),
        sa.Column("batch_json", sa.Text(), nullable=False),
        sa.Column("stored_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("message_id", name=op.f("pk_receipts")),
    )
    with op.batch_alter_table("receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_receipts_item_id"), ["item_id"], unique=False)

"""Ledger witnessing: partners' checkpoints seen, countersignatures received, fork alarms.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "witness_seen",
        sa.Column("origin", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("time", sa.String(length=32), nullable=False),
        sa.Column("signed_json", sa.Text(), nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("origin", name=op.f("pk_witness_seen")),
    )
    op.create_table(
        "witness_published",
        sa.Column("peer", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("published_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("peer", name=op.f("pk_witness_published")),
    )
    op.create_table(
        "witness_countersignatures",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("witness", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("root", sa.String(length=64), nullable=False),
        sa.Column("signed_at", sa.String(length=32), nullable=False),
        sa.Column("countersignature_json", sa.Text(), nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_witness_countersignatures")),
        sa.UniqueConstraint("witness", "size", name=op.f("uq_witness_countersignatures_witness")),
    )
    with op.batch_alter_table("witness_countersignatures", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_witness_countersignatures_witness"), ["witness"], unique=False)
    op.create_table(
        "witness_alarms",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("origin", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("held_json", sa.Text(), nullable=False),
        sa.Column("presented_json", sa.Text(), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("detected_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_witness_alarms")),
    )
    with op.batch_alter_table("witness_alarms", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_witness_alarms_detected_at"), ["detected_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_witness_alarms_origin"), ["origin"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("witness_alarms", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_witness_alarms_origin"))
        batch_op.drop_index(batch_op.f("ix_witness_alarms_detected_at"))
    op.drop_table("witness_alarms")
    with op.batch_alter_table("witness_countersignatures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_witness_countersignatures_witness"))
    op.drop_table("witness_countersignatures")
    op.drop_table("witness_published")
    op.drop_table("witness_seen")

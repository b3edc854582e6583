"""Witnessing: consistency proofs demanded, gossip between witnesses, back-off of refused background messages.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "witness_demands",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("origin", sa.String(length=64), nullable=False),
        sa.Column("from_size", sa.BigInteger(), nullable=False),
        sa.Column("to_size", sa.BigInteger(), nullable=False),
        sa.Column("from_json", sa.Text(), nullable=False),
        sa.Column("to_json", sa.Text(), nullable=False),
        sa.Column("source", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("demanded_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_witness_demands")),
    )
    with op.batch_alter_table("witness_demands", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_witness_demands_origin"), ["origin"], unique=False)
    op.create_table(
        "witness_gossip",
        sa.Column("peer", sa.String(length=64), nullable=False),
        sa.Column("origin", sa.String(length=64), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("peer", "origin", name=op.f("pk_witness_gossip")),
    )
    op.create_table(
        "background_backoff",
        sa.Column("peer", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("refused", sa.Integer(), nullable=False),
        sa.Column("first_at", sa.String(length=32), nullable=False),
        sa.Column("last_at", sa.String(length=32), nullable=False),
        sa.Column("until", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("peer", "kind", name=op.f("pk_background_backoff")),
    )


def downgrade() -> None:
    op.drop_table("background_backoff")
    op.drop_table("witness_gossip")
    with op.batch_alter_table("witness_demands", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_witness_demands_origin"))
    op.drop_table("witness_demands")

"""Consent receipts: what third parties received under the originator's consent (issue 10, item 20).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-26
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "consent_receipts",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("token_id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("content_sha384", sa.String(length=96), nullable=False),
        sa.Column("holder_party", sa.String(length=3), nullable=False),
        sa.Column("holder_node", sa.String(length=64), nullable=False),
        sa.Column("third_party", sa.String(length=3), nullable=False),
        sa.Column("third_party_node", sa.String(length=64), nullable=False),
        sa.Column("message_id", sa.String(length=64), nullable=False),
        sa.Column("agreement_id", sa.String(length=64), nullable=False),
        sa.Column("received_at", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.String(length=32), nullable=False),
        sa.Column("receipt_json", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consent_receipts")),
        sa.UniqueConstraint(
            "third_party_node",
            "holder_node",
            "message_id",
            name=op.f("uq_consent_receipts_third_party_node"),
        ),
    )
    with op.batch_alter_table("consent_receipts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consent_receipts_item_id"), ["item_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_consent_receipts_third_party_node"), ["third_party_node"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_consent_receipts_token_id"), ["token_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("consent_receipts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consent_receipts_token_id"))
        batch_op.drop_index(batch_op.f("ix_consent_receipts_third_party_node"))
        batch_op.drop_index(batch_op.f("ix_consent_receipts_item_id"))
    op.drop_table("consent_receipts")

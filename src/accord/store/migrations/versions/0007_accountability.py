"""Accountability: numbered copies, translations, destruction certificates (GSOMIA Arts. 6, 9–16).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_copies",
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("of", sa.Integer(), nullable=False),
        sa.Column("made_by", sa.String(length=64), nullable=False),
        sa.Column("made_at", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(["item_id"], ["items.id"], name=op.f("fk_item_copies_item_id_items")),
        sa.PrimaryKeyConstraint("item_id", "number", name=op.f("pk_item_copies")),
    )
    op.create_table(
        "item_translations",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("lang", sa.String(length=35), nullable=False),
        sa.Column("marking_json", sa.Text(), nullable=False),
        sa.Column("content_sealed", sa.LargeBinary(), nullable=False),
        sa.Column("wrapped_key", sa.LargeBinary(), nullable=False),
        sa.Column("content_sha384", sa.String(length=96), nullable=False),
        sa.Column("signature_json", sa.Text(), nullable=False),
        sa.Column("made_by", sa.String(length=64), nullable=False),
        sa.Column("made_at", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.ForeignKeyConstraint(
            ["source_id"], ["items.id"], name=op.f("fk_item_translations_source_id_items")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_translations")),
    )
    with op.batch_alter_table("item_translations", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_translations_source_id"), ["source_id"], unique=False)
    op.create_table(
        "destructions",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("holder_node", sa.String(length=64), nullable=False),
        sa.Column("certificate_json", sa.Text(), nullable=False),
        sa.Column("destroyed_at", sa.String(length=32), nullable=False),
        sa.Column("recorded_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_destructions")),
    )
    with op.batch_alter_table("destructions", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_destructions_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("destructions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_destructions_item_id"))
    op.drop_table("destructions")
    with op.batch_alter_table("item_translations", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_translations_source_id"))
    op.drop_table("item_translations")
    op.drop_table("item_copies")

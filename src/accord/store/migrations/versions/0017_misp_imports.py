"""Where imported items came from: a MISP event imported twice is refused (issue 13).

``item_imports`` maps (source, ref) — ``misp`` and a MISP event's uuid — to the item the
import created, so that a second import of the same event finds it.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "item_imports",
        sa.Column("source", sa.String(length=16), nullable=False),
        sa.Column("ref", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), sa.ForeignKey("items.id"), nullable=False),
        sa.Column("imported_by", sa.String(length=64), nullable=False),
        sa.Column("imported_at", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("source", "ref", name=op.f("pk_item_imports")),
    )
    op.create_index(op.f("ix_item_imports_item_id"), "item_imports", ["item_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_item_imports_item_id"), table_name="item_imports")
    op.drop_table("item_imports")

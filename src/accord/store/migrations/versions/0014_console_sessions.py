"""The web console's server-side sessions and per-person preferences (issue 11, ADR 0006).

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "console_sessions",
        sa.Column("id_sha256", sa.String(length=64), primary_key=True),
        sa.Column("user_name", sa.String(length=64), sa.ForeignKey("users.name"), nullable=False),
        sa.Column("created_at", sa.String(length=32), nullable=False),
        sa.Column("last_seen_at", sa.String(length=32), nullable=False),
        sa.Column("csrf_token", sa.String(length=64), nullable=False),
    )
    op.create_index("ix_console_sessions_user_name", "console_sessions", ["user_name"])
    op.create_table(
        "console_preferences",
        sa.Column("user_name", sa.String(length=64), sa.ForeignKey("users.name"), primary_key=True),
        sa.Column("language", sa.String(length=16), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("console_preferences")
    op.drop_index("ix_console_sessions_user_name", table_name="console_sessions")
    op.drop_table("console_sessions")

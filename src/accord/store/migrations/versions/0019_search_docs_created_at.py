"""Each search index row holds its item's created time (issue 12).

A one-token page is sought among the newest items, and the text index read from the lowest
rowid of their chunks up (``store._search_ids``). That floor was found by one seek in
``ix_search_docs_item_id`` per item of the window (8-20 ms for a window of ≈ 5,000 items at
200,000 holdings); with the item's ``created_at`` in its chunk rows and the index
``ix_search_docs_created_at`` (``created_at``, ``id``) it is one index range. The time is
the item's, which ``items`` already holds in the clear: the index learns nothing new.

Existing rows are filled from ``items``; a row whose item is not held (which ``accord search
check`` reports) is given ``''``, older than every window.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("search_docs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("created_at", sa.String(length=32), nullable=True))
    op.execute(
        "UPDATE search_docs SET created_at = "
        "coalesce((SELECT i.created_at FROM items i WHERE i.id = search_docs.item_id), '')"
    )
    with op.batch_alter_table("search_docs", schema=None) as batch_op:
        batch_op.alter_column("created_at", existing_type=sa.String(length=32), nullable=False)
    op.create_index("ix_search_docs_created_at", "search_docs", ["created_at", "id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_search_docs_created_at", table_name="search_docs")
    with op.batch_alter_table("search_docs", schema=None) as batch_op:
        batch_op.drop_column("created_at")

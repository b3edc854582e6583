"""The blind search index (issue 12): chunk rows, and the backend's text index of keyed tokens.

SQLite keeps the tokens in an FTS5 table (``unicode61 remove_diacritics 0``: the tokens are
base32 hashes, folded by nobody); PostgreSQL in a ``tsvector`` column with a GIN index. The
index starts empty: ``accord search reindex`` fills it for the items held before.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-02
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_docs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("chunk", sa.Integer(), nullable=False),
        sa.Column("classification", sa.String(length=64), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_search_docs")),
    )
    op.create_index(op.f("ix_search_docs_item_id"), "search_docs", ["item_id"], unique=False)
    # What a search filters, orders and decides on, without reading the sealed rows.
    op.create_index(
        "ix_items_search",
        "items",
        ["id", "status", "created_at", "access_key", "originator_party", "precedence", "kind"],
        unique=False,
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute("ALTER TABLE search_docs ADD COLUMN tokens tsvector NOT NULL DEFAULT ''::tsvector")
        op.execute("CREATE INDEX ix_search_docs_tokens ON search_docs USING gin (tokens)")
    else:
        op.execute(
            "CREATE VIRTUAL TABLE search_fts USING fts5(tokens, tokenize = 'unicode61 remove_diacritics 0', "
            "columnsize = 0)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        op.execute("DROP TABLE search_fts")
    op.drop_index("ix_items_search", table_name="items")
    op.drop_index(op.f("ix_search_docs_item_id"), table_name="search_docs")
    op.drop_table("search_docs")

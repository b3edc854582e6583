"""Access control: purposes of users, originator consent, the originator's classification notices.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Existing users work for no purpose of provision: PURPOSE-LIMITED items stay closed to
    # them until an authority names their purposes (Art. 6).
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.add_column(sa.Column("purposes_json", sa.Text(), server_default="[]", nullable=False))
    # What the decision point reads of an item's marking, for listings that filter many
    # holdings without parsing every full label. Empty for existing rows: they are read
    # from their full marking until rewritten.
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.add_column(sa.Column("access_key", sa.String(length=64), nullable=True))
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.create_index(
            "ix_items_access_shape",
            ["access_key", "originator_party", "received_from", "status"],
            unique=False,
        )
        batch_op.create_index(
            "ix_items_listing_order",
            ["precedence", "created_at", "id", "access_key", "originator_party", "received_from", "status"],
            unique=False,
        )
    op.create_table(
        "access_keys",
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("digest", name=op.f("pk_access_keys")),
    )
    op.create_table(
        "consents",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("direction", sa.String(length=8), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("content_sha384", sa.String(length=96), nullable=False),
        sa.Column("originator_node", sa.String(length=64), nullable=False),
        sa.Column("holder_party", sa.String(length=8), nullable=False),
        sa.Column("holder_node", sa.String(length=64), nullable=False),
        sa.Column("third_party", sa.String(length=8), nullable=False),
        sa.Column("purpose", sa.Text(), nullable=False),
        sa.Column("request_json", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(length=64), nullable=False),
        sa.Column("requested_at", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", sa.String(length=32), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("token_id", sa.String(length=64), nullable=True),
        sa.Column("token_json", sa.Text(), nullable=True),
        sa.Column("expires_at", sa.String(length=32), nullable=True),
        sa.Column("revoked_at", sa.String(length=32), nullable=True),
        sa.Column("revocation_json", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_consents")),
    )
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_consents_item_id"), ["item_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_consents_token_id"), ["token_id"], unique=True)
    op.create_table(
        "item_notices",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("item_id", sa.String(length=64), nullable=False),
        sa.Column("notice_json", sa.Text(), nullable=False),
        sa.Column("issued_at", sa.String(length=32), nullable=False),
        sa.Column("applied_at", sa.String(length=32), nullable=False),
        sa.Column("received_from", sa.String(length=64), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_item_notices")),
    )
    with op.batch_alter_table("item_notices", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_item_notices_item_id"), ["item_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("item_notices", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_item_notices_item_id"))
    op.drop_table("item_notices")
    with op.batch_alter_table("consents", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_consents_token_id"))
        batch_op.drop_index(batch_op.f("ix_consents_item_id"))
    op.drop_table("consents")
    op.drop_table("access_keys")
    with op.batch_alter_table("items", schema=None) as batch_op:
        batch_op.drop_index("ix_items_listing_order")
        batch_op.drop_index("ix_items_access_shape")
        batch_op.drop_column("access_key")
    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("purposes_json")

"""Indexes for the console's dashboard (issue 11): the exchange counted by day in a window.

The dashboard counts items received and sent per partner per day, the receipt latency of
what was sent, refusals of what partners sent and refusals journalled, over the last days.
Without these indexes each figure would read the whole ``items``, ``outbox``, ``quarantine``
or ``journal`` table; with them it reads the window (``store._figures`` says which
statement uses which).

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from __future__ import annotations

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_items_received",
        "items",
        ["received_at", "received_from", "access_key", "originator_party", "id"],
        unique=False,
    )
    op.create_index(
        "ix_outbox_exchange",
        "outbox",
        ["kind", "created_at", "item_id", "peer_party", "precedence", "receipted_at"],
        unique=False,
    )
    op.create_index(op.f("ix_quarantine_at"), "quarantine", ["at"], unique=False)
    op.create_index("ix_journal_refusals", "journal", ["outcome", "at", "action"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_journal_refusals", table_name="journal")
    op.drop_index(op.f("ix_quarantine_at"), table_name="quarantine")
    op.drop_index("ix_outbox_exchange", table_name="outbox")
    op.drop_index("ix_items_received", table_name="items")

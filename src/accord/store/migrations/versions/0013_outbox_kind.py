"""The outbox names each envelope's type (issue 9, item 4).

Until now the type of a queued or sent envelope was only in its stored header, and six
places parsed headers to learn it. Existing rows are filled from their header; a header
that cannot be read (which Accord never wrote) is given the kind ``unreadable``, which no
query for a type matches.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from __future__ import annotations

import json

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

UNREADABLE = "unreadable"

_outbox = sa.table(
    "outbox",
    sa.column("message_id", sa.String()),
    sa.column("header", sa.LargeBinary()),
    sa.column("kind", sa.String()),
)


def _kind_of(header: bytes) -> str:
    """The ``type`` of a stored envelope header (canonical JSON), or :data:`UNREADABLE`."""
    try:
        kind = json.loads(bytes(header).decode("utf-8")).get("type")
    except (ValueError, AttributeError):
        return UNREADABLE
    return kind if isinstance(kind, str) and 0 < len(kind) <= 32 else UNREADABLE


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=32), nullable=True))
    connection = op.get_bind()
    rows = connection.execute(sa.select(_outbox.c.message_id, _outbox.c.header)).all()
    for message_id, header in rows:
        connection.execute(
            _outbox.update().where(_outbox.c.message_id == message_id).values(kind=_kind_of(header))
        )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.alter_column("kind", existing_type=sa.String(length=32), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_column("kind")

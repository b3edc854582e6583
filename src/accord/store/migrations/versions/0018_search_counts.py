"""Counts of indexed items per keyed token and read-condition class (issue 12).

``search_counts`` holds, per keyed token, how many indexed items of each (stored access
key, originating party) hold it, so that the exact total of a one-token search is a sum
over the classes a person may read (``store._search_counts``). It is filled here from the
index rows already present (the tokens read back from the text index), so an index built
before this revision needs no rebuild.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections import Counter

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "search_counts",
        sa.Column("token", sa.String(length=16), nullable=False),
        sa.Column("access_key", sa.String(length=64), nullable=False),
        sa.Column("party", sa.String(length=8), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("token", "access_key", "party", name=op.f("pk_search_counts")),
    )
    rows = [{"t": t, "k": k, "p": p, "n": n} for (t, k, p), n in _counted().items()]
    insert = sa.text("INSERT INTO search_counts (token, access_key, party, items) VALUES (:t, :k, :p, :n)")
    for start in range(0, len(rows), 10_000):
        op.get_bind().execute(insert, rows[start : start + 10_000])


def _counted() -> Counter[tuple[str, str, str]]:
    """(token, key, party) → items holding it, from the index rows (one item's tokens at a time)."""
    if op.get_bind().dialect.name == "postgresql":
        query = (
            "SELECT d.item_id, coalesce(i.access_key, ''), i.originator_party, tsvector_to_array(d.tokens) "
            "FROM search_docs d JOIN items i ON i.id = d.item_id ORDER BY d.item_id"
        )
    else:
        query = (
            "SELECT d.item_id, coalesce(i.access_key, ''), i.originator_party, f.tokens FROM search_docs d "
            "JOIN items i ON i.id = d.item_id JOIN search_fts f ON f.rowid = d.id ORDER BY d.item_id"
        )
    out: Counter[tuple[str, str, str]] = Counter()
    current = None
    held: set[str] = set()
    shape = ("", "")
    for item_id, key, party, tokens in op.get_bind().execute(sa.text(query)):
        if item_id != current:
            out.update((token, *shape) for token in held - {"0"})
            current, held, shape = item_id, set(), (str(key), str(party))
        held.update(tokens if isinstance(tokens, list) else str(tokens).split(" "))
        held.add("")  # every indexed item: how many each class holds
    out.update((token, *shape) for token in held - {"0"})
    return out


def downgrade() -> None:
    op.drop_table("search_counts")

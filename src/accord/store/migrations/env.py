"""Alembic environment: runs on the connection Accord hands over (see Database.migrate)."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine

from accord.store._tables import Base

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    """Run migrations on the given connection, or on ACCORD_DATABASE_URL for developers."""
    connection = config.attributes.get("connection")
    if connection is not None:
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = create_engine(os.environ["ACCORD_DATABASE_URL"])
    with engine.begin() as conn:
        context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()


run_migrations_online()

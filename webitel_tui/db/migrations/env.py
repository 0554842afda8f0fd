"""Alembic environment: runs on the connection the program hands over (see db/migrate.py)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

from webitel_tui.db.tables import Base

connection: Connection | None = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("run migrations through `webitel-tui db upgrade`, not the alembic CLI")

context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()

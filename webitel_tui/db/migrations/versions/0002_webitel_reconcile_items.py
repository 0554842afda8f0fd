"""Webitel reconcile items: CRM/Webitel disagreements left for the admin

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "WebitelReconcileItem",
        sa.Column("Id", sa.Uuid(), nullable=False),
        sa.Column("CreatedOn", sa.DateTime(timezone=True), nullable=False),
        sa.Column("CreatedById", sa.Uuid(), nullable=True),
        sa.Column("WebitelId", sa.BigInteger(), nullable=True),
        sa.Column("Name", sa.String(length=250), nullable=False),
        sa.Column("Problem", sa.Text(), nullable=False),
        sa.Column("ResolvedOn", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("Id", name=op.f("PK_WebitelReconcileItem")),
    )
    op.create_index(
        op.f("IX_WebitelReconcileItem_ResolvedOn_CreatedOn"),
        "WebitelReconcileItem",
        ["ResolvedOn", "CreatedOn"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_table("WebitelReconcileItem")

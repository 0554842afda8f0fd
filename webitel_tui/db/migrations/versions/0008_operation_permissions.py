"""Operation permissions, as Creatio's: SysAdminOperation and SysAdminOperationGrantee

- SysAdminOperation: an operation that needs a permission, by its unique Code
  ("CanManageWebitelUsers", "CanRunGetWebitelUsers").
- SysAdminOperationGrantee: the roles (or users, both SysAdminUnit rows) that may run it; one
  row per operation and unit, removed with either. Indexed by the unit: a user's operations
  are looked up by the user and the user's roles.

The operations and their grants to System administrators are seed data
(processes/setup.py): the next start, or `webitel-tui db upgrade`, adds them.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-08
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _audit_columns() -> list[sa.Column[object]]:
    return [
        sa.Column("CreatedOn", sa.DateTime(timezone=True), nullable=False),
        sa.Column("CreatedById", sa.Uuid(), nullable=True),
        sa.Column("ModifiedOn", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ModifiedById", sa.Uuid(), nullable=True),
        sa.Column("Version", sa.Integer(), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "SysAdminOperation",
        sa.Column("Id", sa.Uuid(), nullable=False),
        sa.Column("Name", sa.String(length=250), nullable=False),
        sa.Column("Code", sa.String(length=250), nullable=False),
        sa.Column("Description", sa.String(length=500), nullable=False),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("Id", name=op.f("PK_SysAdminOperation")),
        sa.UniqueConstraint("Code", name=op.f("UQ_SysAdminOperation_Code")),
    )
    op.create_table(
        "SysAdminOperationGrantee",
        sa.Column("Id", sa.Uuid(), nullable=False),
        sa.Column("SysAdminOperationId", sa.Uuid(), nullable=False),
        sa.Column("SysAdminUnitId", sa.Uuid(), nullable=False),
        *_audit_columns(),
        sa.ForeignKeyConstraint(
            ["SysAdminOperationId"],
            ["SysAdminOperation.Id"],
            name=op.f("FK_SysAdminOperationGrantee_SysAdminOperationId"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["SysAdminUnitId"],
            ["SysAdminUnit.Id"],
            name=op.f("FK_SysAdminOperationGrantee_SysAdminUnitId"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("Id", name=op.f("PK_SysAdminOperationGrantee")),
        sa.UniqueConstraint(
            "SysAdminOperationId",
            "SysAdminUnitId",
            name=op.f("UQ_SysAdminOperationGrantee_SysAdminOperationId_SysAdminUnitId"),
        ),
    )
    op.create_index(
        op.f("IX_SysAdminOperationGrantee_SysAdminUnitId"),
        "SysAdminOperationGrantee",
        ["SysAdminUnitId"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("IX_SysAdminOperationGrantee_SysAdminUnitId"), table_name="SysAdminOperationGrantee"
    )
    op.drop_table("SysAdminOperationGrantee")
    op.drop_table("SysAdminOperation")

"""Per-user profile data (the columns a user chose to show in each grid); extensions sorted
as numbers

- SysProfileData, as Creatio's: one row per user and key, the choice as JSON.
- The Webitel users section sorts by extension in numeric order (12, 1199, 1200): by the
  digits without leading zeros after their count, then the text (db/tables.py
  `numeric_text`), read from an index on that expression, Extension and Id, as every other
  sort reads its (column, Id) index. The expression is written as the query writes it:
  SQLite and PostgreSQL use an expression index only for the very same expression.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

DIGITS = """ltrim("Extension", '0')"""
NUMBER = f"(CAST(length({DIGITS}) + 10 AS TEXT) || {DIGITS})"
"""db/tables.py `numeric_text`, as SQLAlchemy writes it (the same text, or no index use)."""


def upgrade() -> None:
    op.create_table(
        "SysProfileData",
        sa.Column("Id", sa.Uuid(), nullable=False),
        sa.Column("SysAdminUnitId", sa.Uuid(), nullable=False),
        sa.Column("Key", sa.String(length=250), nullable=False),
        sa.Column("ObjectData", sa.JSON(), nullable=False),
        sa.Column("CreatedOn", sa.DateTime(timezone=True), nullable=False),
        sa.Column("CreatedById", sa.Uuid(), nullable=True),
        sa.Column("ModifiedOn", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ModifiedById", sa.Uuid(), nullable=True),
        sa.Column("Version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["SysAdminUnitId"],
            ["SysAdminUnit.Id"],
            name=op.f("FK_SysProfileData_SysAdminUnitId"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("Id", name=op.f("PK_SysProfileData")),
        sa.UniqueConstraint(
            "SysAdminUnitId", "Key", name=op.f("UQ_SysProfileData_SysAdminUnitId_Key")
        ),
    )
    op.create_index(
        "IX_WebitelUser_ExtensionNumber_Id",
        "WebitelUser",
        [sa.text(NUMBER), "Extension", "Id"],
    )


def downgrade() -> None:
    op.drop_index("IX_WebitelUser_ExtensionNumber_Id", table_name="WebitelUser")
    op.drop_table("SysProfileData")

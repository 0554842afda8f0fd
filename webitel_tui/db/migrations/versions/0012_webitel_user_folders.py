"""Folders of the Webitel users section: WebitelUserFolder and WebitelUserInFolder

- WebitelUserFolder: a folder by name; Kind Static (chosen records) or Dynamic (Conditions,
  a JSON list of domain/folders.py FolderCondition); Position orders the folder panel.
- WebitelUserInFolder: the records of a static folder, one row per folder and record, removed
  with either; indexed by the record too (a record's folders, its delete).
- WebitelUserLicense gets (WebitelUserId, Product): "Has license <product>" probes it.

The seeded dynamic folders are seed data (processes/setup.py).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
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
        "WebitelUserFolder",
        sa.Column("Id", sa.Uuid(), nullable=False),
        sa.Column("Name", sa.String(length=250), nullable=False),
        sa.Column("Kind", sa.String(length=20), nullable=False),
        sa.Column("Conditions", sa.JSON(), nullable=False),
        sa.Column("Position", sa.Integer(), nullable=False),
        *_audit_columns(),
        sa.PrimaryKeyConstraint("Id", name=op.f("PK_WebitelUserFolder")),
    )
    op.create_table(
        "WebitelUserInFolder",
        sa.Column("Id", sa.Uuid(), nullable=False),
        sa.Column("FolderId", sa.Uuid(), nullable=False),
        sa.Column("WebitelUserId", sa.Uuid(), nullable=False),
        *_audit_columns(),
        sa.ForeignKeyConstraint(
            ["FolderId"],
            ["WebitelUserFolder.Id"],
            name=op.f("FK_WebitelUserInFolder_FolderId"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["WebitelUserId"],
            ["WebitelUser.Id"],
            name=op.f("FK_WebitelUserInFolder_WebitelUserId"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("Id", name=op.f("PK_WebitelUserInFolder")),
        sa.UniqueConstraint(
            "FolderId", "WebitelUserId", name=op.f("UQ_WebitelUserInFolder_FolderId_WebitelUserId")
        ),
    )
    op.create_index(
        op.f("IX_WebitelUserInFolder_WebitelUserId"),
        "WebitelUserInFolder",
        ["WebitelUserId"],
        unique=False,
    )
    op.create_index(
        op.f("IX_WebitelUserLicense_WebitelUserId_Product"),
        "WebitelUserLicense",
        ["WebitelUserId", "Product"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("IX_WebitelUserLicense_WebitelUserId_Product"), table_name="WebitelUserLicense"
    )
    op.drop_index(op.f("IX_WebitelUserInFolder_WebitelUserId"), table_name="WebitelUserInFolder")
    op.drop_table("WebitelUserInFolder")
    op.drop_table("WebitelUserFolder")

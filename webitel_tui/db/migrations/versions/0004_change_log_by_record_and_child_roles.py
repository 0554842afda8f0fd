"""Index the change log by record, and roles by their parent role

- SysChangeLog: the index began with EntitySchemaName, but a record's history is asked for by
  RecordId alone, so SQLite read the whole log. It is now
  (RecordId, CreatedOn): a record's entries, newest first, from the index. Same number of
  indexes, so an import writes no more.
- SysAdminUnit.ParentRoleId: deleting a user or role makes the database look for units whose
  parent it is (the foreign key's ON DELETE SET NULL); with no index that read every unit.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index(
        op.f("IX_SysChangeLog_EntitySchemaName_RecordId_CreatedOn"), table_name="SysChangeLog"
    )
    op.create_index(
        op.f("IX_SysChangeLog_RecordId_CreatedOn"), "SysChangeLog", ["RecordId", "CreatedOn"]
    )
    op.create_index(op.f("IX_SysAdminUnit_ParentRoleId"), "SysAdminUnit", ["ParentRoleId"])


def downgrade() -> None:
    op.drop_index(op.f("IX_SysAdminUnit_ParentRoleId"), table_name="SysAdminUnit")
    op.drop_index(op.f("IX_SysChangeLog_RecordId_CreatedOn"), table_name="SysChangeLog")
    op.create_index(
        op.f("IX_SysChangeLog_EntitySchemaName_RecordId_CreatedOn"),
        "SysChangeLog",
        ["EntitySchemaName", "RecordId", "CreatedOn"],
    )

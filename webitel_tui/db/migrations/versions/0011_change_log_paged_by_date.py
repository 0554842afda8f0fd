"""Change log paged by date: an index on CreatedOn

- SysChangeLog: the Change log section shows every entry, newest first, a keyset page at a
  time: (CreatedOn, Id) < (?, ?) ordered by both, read from an index on (CreatedOn, Id)
  rather than by sorting the whole log. One record's history keeps its (RecordId,
  CreatedOn) index.
- SysProcessLog: the Process log section pages runs the same way, by (StartedOn, Id); the
  index on StartedOn alone becomes that one (it serves whatever the old one did).

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(op.f("IX_SysChangeLog_CreatedOn_Id"), "SysChangeLog", ["CreatedOn", "Id"])
    op.drop_index(op.f("IX_SysProcessLog_StartedOn"), table_name="SysProcessLog")
    op.create_index(op.f("IX_SysProcessLog_StartedOn_Id"), "SysProcessLog", ["StartedOn", "Id"])


def downgrade() -> None:
    op.drop_index(op.f("IX_SysProcessLog_StartedOn_Id"), table_name="SysProcessLog")
    op.create_index(op.f("IX_SysProcessLog_StartedOn"), "SysProcessLog", ["StartedOn"])
    op.drop_index(op.f("IX_SysChangeLog_CreatedOn_Id"), table_name="SysChangeLog")

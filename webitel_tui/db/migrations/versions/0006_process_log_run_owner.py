"""Record which process carries a process-log run out

- SysProcessLog.Host, SysProcessLog.Pid: the host and process id of the run's process, so
  that a start can tell a run left "Running" by a killed process (it becomes "Interrupted")
  from one still going. Empty on runs logged before.
- SysProcessLog.Status is indexed: each start looks for the rows still "Running", a few
  among a log that a cron job grows by thousands a month.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("SysProcessLog", sa.Column("Host", sa.String(length=255), nullable=True))
    op.add_column("SysProcessLog", sa.Column("Pid", sa.Integer(), nullable=True))
    op.create_index(op.f("IX_SysProcessLog_Status"), "SysProcessLog", ["Status"])


def downgrade() -> None:
    op.drop_index(op.f("IX_SysProcessLog_Status"), table_name="SysProcessLog")
    with op.batch_alter_table("SysProcessLog") as table:  # SQLite drops columns by copy
        table.drop_column("Pid")
        table.drop_column("Host")

"""Journal every change made on the Webitel server before it is made

WebitelReconcileItem becomes the journal of server changes: a row is written before the call,
in the transaction that checks the record, and settled after it. An unsettled row is a
reconcile item. Operation, RecordId and Intent say what the server should look like
afterwards; Pending is true while the call is under way, Host and Pid name the process making
it (a start can tell a killed one). At most one unsettled row per record (a partial unique
index): two admins changing one user at once cannot both go ahead.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "WebitelReconcileItem"
UNSETTLED = sa.text('"ResolvedOn" IS NULL')


def upgrade() -> None:
    op.add_column(TABLE, sa.Column("Operation", sa.String(50), nullable=False, server_default=""))
    op.add_column(TABLE, sa.Column("RecordId", sa.Uuid(), nullable=True))
    op.add_column(TABLE, sa.Column("Intent", sa.JSON(), nullable=True))
    op.add_column(
        TABLE, sa.Column("Pending", sa.Boolean(), nullable=False, server_default=sa.false())
    )
    op.add_column(TABLE, sa.Column("Host", sa.String(255), nullable=True))
    op.add_column(TABLE, sa.Column("Pid", sa.Integer(), nullable=True))
    op.create_index(
        op.f("IX_WebitelReconcileItem_RecordId"),
        TABLE,
        ["RecordId"],
        unique=True,
        sqlite_where=UNSETTLED,
        postgresql_where=UNSETTLED,
    )


def downgrade() -> None:
    op.drop_index(op.f("IX_WebitelReconcileItem_RecordId"), table_name=TABLE)
    with op.batch_alter_table(TABLE) as batch:
        for column in ("Pid", "Host", "Pending", "Intent", "RecordId", "Operation"):
            batch.drop_column(column)

"""SysAdminUnit: index the CRM users of a contact by (ContactId, SysAdminUnitTypeValue)

With an index on ContactId alone, SQLite (no statistics) answered "the users of this contact"
(`ContactId = ? AND SysAdminUnitTypeValue = 4`) from the index on SysAdminUnitTypeValue, i.e.
by reading every user: the name matching of GetWebitelUsers became quadratic. An index with
both columns is the one it picks.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-27
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index(op.f("IX_SysAdminUnit_ContactId"), table_name="SysAdminUnit")
    op.create_index(
        op.f("IX_SysAdminUnit_ContactId_SysAdminUnitTypeValue"),
        "SysAdminUnit",
        ["ContactId", "SysAdminUnitTypeValue"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index(
        op.f("IX_SysAdminUnit_ContactId_SysAdminUnitTypeValue"), table_name="SysAdminUnit"
    )
    op.create_index(op.f("IX_SysAdminUnit_ContactId"), "SysAdminUnit", ["ContactId"], unique=False)

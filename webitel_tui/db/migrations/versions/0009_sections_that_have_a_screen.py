"""Sections that have a screen: Activities removed, Change log added

A section with nothing behind it is not offered (issue 15): "Activities" has no table and no
screen, so it leaves the Sections lookup and every workplace. "Change log" is seed data
(processes/setup.py writes it on the next start), not written here.

Downgrade removes "Change log" the same way: the program of 0008 has no screen for it. It
does not bring "Activities" back: the seed of that program re-adds the section on its next
start, and the workplaces that held it are the admin's now (the seed never re-adds a
workplace's sections).

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _remove_section(code: str) -> None:
    # Explicitly, not through ON DELETE CASCADE: SQLite enforces it only with foreign keys on.
    op.execute(
        sa.text(
            'DELETE FROM "SysModuleInWorkplace" WHERE "SysModuleId" IN'
            ' (SELECT "Id" FROM "SysModule" WHERE "Code" = :code)'
        ).bindparams(code=code)
    )
    op.execute(sa.text('DELETE FROM "SysModule" WHERE "Code" = :code').bindparams(code=code))


def upgrade() -> None:
    _remove_section("Activities")


def downgrade() -> None:
    _remove_section("ChangeLog")

"""'' for no extension and 0 for no Webitel id; the copy sort columns go

- WebitelUser.Extension and WebitelUser.WebitelId become NOT NULL: '' and 0 stand for
  "none" (the model's types read them back as None). Keyset paging seeks (column, Id) with a
  row-value comparison, which NULLs break; that is why ExtensionSort and WebitelIdSort were
  kept beside them, by hand, on every write. They are dropped, and (Extension, Id) and
  (WebitelId, Id) are indexed instead.
- Uniqueness leaves "none" out: the unique constraints become partial unique indexes
  (WHERE "Extension" <> '' / "WebitelId" <> 0).

SQLite changes NOT NULL and drops a table constraint by copying the table, which
`upgrade` in db/migrate.py runs with foreign keys off, as SQLite's own procedure says: the
copy drops the old table, which must not delete the licences and roles that refer to it.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLE = "WebitelUser"
NONE = {"Extension": "''", "WebitelId": "0"}
TYPES: dict[str, sa.types.TypeEngine[Any]] = {
    "Extension": sa.String(length=50),
    "WebitelId": sa.BigInteger(),
}
SORT_COPIES = {"Extension": "ExtensionSort", "WebitelId": "WebitelIdSort"}


def _where(column: str) -> dict[str, Any]:
    condition = sa.text(f'"{column}" <> {NONE[column]}')
    return {"sqlite_where": condition, "postgresql_where": condition}


def upgrade() -> None:
    for column, none in NONE.items():
        op.execute(f'UPDATE "{TABLE}" SET "{column}" = {none} WHERE "{column}" IS NULL')
        op.drop_index(op.f(f"IX_{TABLE}_{SORT_COPIES[column]}_Id"), table_name=TABLE)
    with op.batch_alter_table(TABLE) as table:
        for column, copy in SORT_COPIES.items():
            table.drop_constraint(op.f(f"UQ_{TABLE}_{column}"), type_="unique")
            table.alter_column(column, existing_type=TYPES[column], nullable=False)
            table.drop_column(copy)
    for column in NONE:
        op.create_index(op.f(f"IX_{TABLE}_{column}_Id"), TABLE, [column, "Id"])
        op.create_index(
            op.f(f"UX_{TABLE}_{column}"), TABLE, [column], unique=True, **_where(column)
        )


def downgrade() -> None:
    for column in NONE:
        op.drop_index(op.f(f"UX_{TABLE}_{column}"), table_name=TABLE)
        op.drop_index(op.f(f"IX_{TABLE}_{column}_Id"), table_name=TABLE)
    with op.batch_alter_table(TABLE) as table:
        for column, copy in SORT_COPIES.items():
            table.alter_column(column, existing_type=TYPES[column], nullable=True)
            table.add_column(
                sa.Column(copy, TYPES[column], nullable=False, server_default=sa.text(NONE[column]))
            )
    # The copies said "none" with '' and -1, the columns with NULL.
    op.execute(
        f'UPDATE "{TABLE}" SET "ExtensionSort" = "Extension", '
        '"WebitelIdSort" = CASE WHEN "WebitelId" = 0 THEN -1 ELSE "WebitelId" END'
    )
    for column, none in NONE.items():
        op.execute(f'UPDATE "{TABLE}" SET "{column}" = NULL WHERE "{column}" = {none}')
    with op.batch_alter_table(TABLE) as table:
        for column in NONE:
            table.create_unique_constraint(op.f(f"UQ_{TABLE}_{column}"), [column])
    for copy in SORT_COPIES.values():
        op.create_index(op.f(f"IX_{TABLE}_{copy}_Id"), TABLE, [copy, "Id"])

"""initial CRM schema

Revision ID: 0001
Revises:
Create Date: 2026-11-27
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SEARCHABLE_TABLES = ("Account", "Contact", "SysAdminUnit", "WebitelUser")


def _audited(name: str, *items: sa.Column[object] | sa.Constraint) -> None:
    """A BaseEntity table as autogenerate wrote it: Id, its own columns, the audit columns,
    its foreign keys, its primary key, its other constraints."""
    columns = [item for item in items if isinstance(item, sa.Column)]
    foreign = [item for item in items if isinstance(item, sa.ForeignKeyConstraint)]
    others = [item for item in items if isinstance(item, sa.Constraint) and item not in foreign]
    op.create_table(
        name,
        sa.Column("Id", sa.Uuid(), nullable=False),
        *columns,
        sa.Column("CreatedOn", sa.DateTime(timezone=True), nullable=False),
        sa.Column("CreatedById", sa.Uuid(), nullable=True),
        sa.Column("ModifiedOn", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ModifiedById", sa.Uuid(), nullable=True),
        sa.Column("Version", sa.Integer(), nullable=False),
        *foreign,
        sa.PrimaryKeyConstraint("Id", name=op.f(f"PK_{name}")),
        *others,
    )


def upgrade() -> None:
    _audited(
        "Account",
        sa.Column("Name", sa.String(length=250), nullable=False),
        sa.Column("Phone", sa.String(length=250), nullable=False),
        sa.Column("Web", sa.String(length=250), nullable=False),
        sa.Column("SearchText", sa.Text(), nullable=False),
    )
    op.create_index(op.f("IX_Account_Name_Id"), "Account", ["Name", "Id"], unique=False)

    op.create_table(
        "SysChangeLog",
        sa.Column("Id", sa.Uuid(), nullable=False),
        sa.Column("CreatedOn", sa.DateTime(timezone=True), nullable=False),
        sa.Column("CreatedById", sa.Uuid(), nullable=True),
        sa.Column("EntitySchemaName", sa.String(length=100), nullable=False),
        sa.Column("RecordId", sa.Uuid(), nullable=False),
        sa.Column("Operation", sa.String(length=20), nullable=False),
        sa.Column("OldValues", sa.JSON(), nullable=False),
        sa.Column("NewValues", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("Id", name=op.f("PK_SysChangeLog")),
    )
    op.create_index(
        op.f("IX_SysChangeLog_EntitySchemaName_RecordId_CreatedOn"),
        "SysChangeLog",
        ["EntitySchemaName", "RecordId", "CreatedOn"],
        unique=False,
    )

    _audited(
        "SysModule",
        sa.Column("Caption", sa.String(length=250), nullable=False),
        sa.Column("Code", sa.String(length=250), nullable=False),
        sa.UniqueConstraint("Code", name=op.f("UQ_SysModule_Code")),
    )
    _audited(
        "SysProcess",
        sa.Column("Caption", sa.String(length=250), nullable=False),
        sa.Column("Code", sa.String(length=250), nullable=False),
        sa.Column("Description", sa.String(length=500), nullable=False),
        sa.Column("Enabled", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("Code", name=op.f("UQ_SysProcess_Code")),
    )
    _audited(
        "SysSettings",
        sa.Column("Code", sa.String(length=250), nullable=False),
        sa.Column("Name", sa.String(length=250), nullable=False),
        sa.Column("ValueTypeName", sa.String(length=50), nullable=False),
        sa.Column("Value", sa.Text(), nullable=False),
        sa.Column("IsSecret", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("Code", name=op.f("UQ_SysSettings_Code")),
    )
    _audited(
        "SysWorkplace",
        sa.Column("Name", sa.String(length=250), nullable=False),
        sa.Column("Position", sa.Integer(), nullable=False),
        sa.Column("IsPersonal", sa.Boolean(), nullable=False),
        sa.UniqueConstraint("Name", name=op.f("UQ_SysWorkplace_Name")),
    )
    _audited(
        "Contact",
        sa.Column("Name", sa.String(length=250), nullable=False),
        sa.Column("Surname", sa.String(length=250), nullable=False),
        sa.Column("GivenName", sa.String(length=250), nullable=False),
        sa.Column("MiddleName", sa.String(length=250), nullable=False),
        sa.Column("AccountId", sa.Uuid(), nullable=True),
        sa.Column("JobTitle", sa.String(length=250), nullable=False),
        sa.Column("Phone", sa.String(length=250), nullable=False),
        sa.Column("MobilePhone", sa.String(length=250), nullable=False),
        sa.Column("Email", sa.String(length=250), nullable=False),
        sa.Column("NameKey", sa.String(length=250), nullable=False),
        sa.Column("SearchText", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["AccountId"], ["Account.Id"], name=op.f("FK_Contact_AccountId"), ondelete="SET NULL"
        ),
    )
    op.create_index(op.f("IX_Contact_NameKey"), "Contact", ["NameKey"], unique=False)
    op.create_index(op.f("IX_Contact_Name_Id"), "Contact", ["Name", "Id"], unique=False)

    _audited(
        "SysModuleInWorkplace",
        sa.Column("SysWorkplaceId", sa.Uuid(), nullable=False),
        sa.Column("SysModuleId", sa.Uuid(), nullable=False),
        sa.Column("Position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["SysModuleId"],
            ["SysModule.Id"],
            name=op.f("FK_SysModuleInWorkplace_SysModuleId"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["SysWorkplaceId"],
            ["SysWorkplace.Id"],
            name=op.f("FK_SysModuleInWorkplace_SysWorkplaceId"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "SysWorkplaceId",
            "SysModuleId",
            name=op.f("UQ_SysModuleInWorkplace_SysWorkplaceId_SysModuleId"),
        ),
    )
    _audited(
        "SysProcessLog",
        sa.Column("SysProcessId", sa.Uuid(), nullable=False),
        sa.Column("StartedOn", sa.DateTime(timezone=True), nullable=False),
        sa.Column("CompletedOn", sa.DateTime(timezone=True), nullable=True),
        sa.Column("Status", sa.String(length=50), nullable=False),
        sa.Column("Counts", sa.JSON(), nullable=False),
        sa.Column("Message", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["SysProcessId"],
            ["SysProcess.Id"],
            name=op.f("FK_SysProcessLog_SysProcessId"),
            ondelete="CASCADE",
        ),
    )
    op.create_index(
        op.f("IX_SysProcessLog_StartedOn"), "SysProcessLog", ["StartedOn"], unique=False
    )

    _audited(
        "SysAdminUnit",
        sa.Column("Name", sa.String(length=250), nullable=False),
        sa.Column("NameKey", sa.String(length=250), nullable=False),
        sa.Column("Description", sa.String(length=250), nullable=False),
        sa.Column("SysAdminUnitTypeValue", sa.Integer(), nullable=False),
        sa.Column("ParentRoleId", sa.Uuid(), nullable=True),
        sa.Column("ContactId", sa.Uuid(), nullable=True),
        sa.Column("AccountId", sa.Uuid(), nullable=True),
        sa.Column("ConnectionType", sa.Integer(), nullable=False),
        sa.Column("Active", sa.Boolean(), nullable=False),
        sa.Column("UserPassword", sa.String(length=250), nullable=False),
        sa.Column("PasswordExpireDate", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ForceChangePassword", sa.Boolean(), nullable=False),
        sa.Column("LoginAttemptCount", sa.Integer(), nullable=False),
        sa.Column("UnblockTime", sa.DateTime(timezone=True), nullable=True),
        sa.Column("Email", sa.String(length=250), nullable=False),
        sa.Column("ContactName", sa.String(length=250), nullable=False),
        sa.Column("SearchText", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["AccountId"],
            ["Account.Id"],
            name=op.f("FK_SysAdminUnit_AccountId"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["ContactId"],
            ["Contact.Id"],
            name=op.f("FK_SysAdminUnit_ContactId"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["ParentRoleId"],
            ["SysAdminUnit.Id"],
            name=op.f("FK_SysAdminUnit_ParentRoleId"),
            ondelete="SET NULL",
        ),
        sa.UniqueConstraint("NameKey", name=op.f("UQ_SysAdminUnit_NameKey")),
    )
    op.create_index(op.f("IX_SysAdminUnit_ContactId"), "SysAdminUnit", ["ContactId"], unique=False)
    op.create_index(
        op.f("IX_SysAdminUnit_SysAdminUnitTypeValue_Active_Id"),
        "SysAdminUnit",
        ["SysAdminUnitTypeValue", "Active", "Id"],
        unique=False,
    )
    op.create_index(
        op.f("IX_SysAdminUnit_SysAdminUnitTypeValue_ConnectionType_Id"),
        "SysAdminUnit",
        ["SysAdminUnitTypeValue", "ConnectionType", "Id"],
        unique=False,
    )
    op.create_index(
        op.f("IX_SysAdminUnit_SysAdminUnitTypeValue_ContactName_Id"),
        "SysAdminUnit",
        ["SysAdminUnitTypeValue", "ContactName", "Id"],
        unique=False,
    )
    op.create_index(
        op.f("IX_SysAdminUnit_SysAdminUnitTypeValue_Name_Id"),
        "SysAdminUnit",
        ["SysAdminUnitTypeValue", "Name", "Id"],
        unique=False,
    )

    _audited(
        "SysAdminUnitInWorkplace",
        sa.Column("SysWorkplaceId", sa.Uuid(), nullable=False),
        sa.Column("SysAdminUnitId", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["SysAdminUnitId"],
            ["SysAdminUnit.Id"],
            name=op.f("FK_SysAdminUnitInWorkplace_SysAdminUnitId"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["SysWorkplaceId"],
            ["SysWorkplace.Id"],
            name=op.f("FK_SysAdminUnitInWorkplace_SysWorkplaceId"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "SysWorkplaceId",
            "SysAdminUnitId",
            name=op.f("UQ_SysAdminUnitInWorkplace_SysWorkplaceId_SysAdminUnitId"),
        ),
    )
    _audited(
        "SysUserInRole",
        sa.Column("SysUserId", sa.Uuid(), nullable=False),
        sa.Column("SysRoleId", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["SysRoleId"],
            ["SysAdminUnit.Id"],
            name=op.f("FK_SysUserInRole_SysRoleId"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["SysUserId"],
            ["SysAdminUnit.Id"],
            name=op.f("FK_SysUserInRole_SysUserId"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "SysUserId", "SysRoleId", name=op.f("UQ_SysUserInRole_SysUserId_SysRoleId")
        ),
    )
    op.create_index(
        op.f("IX_SysUserInRole_SysRoleId"), "SysUserInRole", ["SysRoleId"], unique=False
    )

    _audited(
        "WebitelUser",
        sa.Column("SysAdminUnitId", sa.Uuid(), nullable=True),
        sa.Column("ContactId", sa.Uuid(), nullable=True),
        sa.Column("Name", sa.String(length=250), nullable=False),
        sa.Column("Extension", sa.String(length=50), nullable=True),
        sa.Column("WebitelId", sa.BigInteger(), nullable=True),
        sa.Column("DefaultDeviceId", sa.BigInteger(), nullable=True),
        sa.Column("DefaultDeviceName", sa.String(length=250), nullable=False),
        sa.Column("EnableStun", sa.Boolean(), nullable=False),
        sa.Column("ContactName", sa.String(length=250), nullable=False),
        sa.Column("LicensesText", sa.String(length=500), nullable=False),
        sa.Column("ExtensionSort", sa.String(length=50), nullable=False),
        sa.Column("WebitelIdSort", sa.BigInteger(), nullable=False),
        sa.Column("SearchText", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ContactId"],
            ["Contact.Id"],
            name=op.f("FK_WebitelUser_ContactId"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["SysAdminUnitId"],
            ["SysAdminUnit.Id"],
            name=op.f("FK_WebitelUser_SysAdminUnitId"),
            ondelete="RESTRICT",
        ),
        sa.UniqueConstraint("Extension", name=op.f("UQ_WebitelUser_Extension")),
        sa.UniqueConstraint("Name", name=op.f("UQ_WebitelUser_Name")),
        sa.UniqueConstraint("SysAdminUnitId", name=op.f("UQ_WebitelUser_SysAdminUnitId")),
        sa.UniqueConstraint("WebitelId", name=op.f("UQ_WebitelUser_WebitelId")),
    )
    op.create_index(op.f("IX_WebitelUser_ContactId"), "WebitelUser", ["ContactId"], unique=False)
    op.create_index(
        op.f("IX_WebitelUser_ContactName_Id"), "WebitelUser", ["ContactName", "Id"], unique=False
    )
    op.create_index(
        op.f("IX_WebitelUser_DefaultDeviceName_Id"),
        "WebitelUser",
        ["DefaultDeviceName", "Id"],
        unique=False,
    )
    op.create_index(
        op.f("IX_WebitelUser_EnableStun_Id"), "WebitelUser", ["EnableStun", "Id"], unique=False
    )
    op.create_index(
        op.f("IX_WebitelUser_LicensesText_Id"), "WebitelUser", ["LicensesText", "Id"], unique=False
    )
    op.create_index(
        op.f("IX_WebitelUser_Name_Id_SearchText"),
        "WebitelUser",
        ["Name", "Id", "SearchText"],
        unique=False,
    )
    op.create_index(
        op.f("IX_WebitelUser_ExtensionSort_Id"),
        "WebitelUser",
        ["ExtensionSort", "Id"],
        unique=False,
    )
    op.create_index(
        op.f("IX_WebitelUser_WebitelIdSort_Id"),
        "WebitelUser",
        ["WebitelIdSort", "Id"],
        unique=False,
    )

    _audited(
        "WebitelUserLicense",
        sa.Column("WebitelUserId", sa.Uuid(), nullable=False),
        sa.Column("LicenseId", sa.String(length=100), nullable=False),
        sa.Column("Product", sa.String(length=250), nullable=False),
        sa.Column("Name", sa.String(length=250), nullable=False),
        sa.Column("ExpiresOn", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["WebitelUserId"],
            ["WebitelUser.Id"],
            name=op.f("FK_WebitelUserLicense_WebitelUserId"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "WebitelUserId", "LicenseId", name=op.f("UQ_WebitelUserLicense_WebitelUserId_LicenseId")
        ),
    )
    _audited(
        "WebitelUserRole",
        sa.Column("WebitelUserId", sa.Uuid(), nullable=False),
        sa.Column("RoleId", sa.BigInteger(), nullable=False),
        sa.Column("Name", sa.String(length=250), nullable=False),
        sa.ForeignKeyConstraint(
            ["WebitelUserId"],
            ["WebitelUser.Id"],
            name=op.f("FK_WebitelUserRole_WebitelUserId"),
            ondelete="CASCADE",
        ),
        sa.UniqueConstraint(
            "WebitelUserId", "RoleId", name=op.f("UQ_WebitelUserRole_WebitelUserId_RoleId")
        ),
    )

    if op.get_bind().dialect.name == "postgresql":
        # Quick search is "contains"; trigram indexes serve it on PostgreSQL.
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        for table in SEARCHABLE_TABLES:
            op.create_index(
                f"IX_{table}_SearchTrgm",
                table,
                ["SearchText"],
                postgresql_using="gin",
                postgresql_ops={"SearchText": "gin_trgm_ops"},
            )


def downgrade() -> None:
    # Dropping a table drops its indexes.
    op.drop_table("WebitelUserRole")
    op.drop_table("WebitelUserLicense")
    op.drop_table("WebitelUser")
    op.drop_table("SysUserInRole")
    op.drop_table("SysAdminUnitInWorkplace")
    op.drop_table("SysAdminUnit")
    op.drop_table("SysProcessLog")
    op.drop_table("SysModuleInWorkplace")
    op.drop_table("Contact")
    op.drop_table("SysWorkplace")
    op.drop_table("SysSettings")
    op.drop_table("SysProcess")
    op.drop_table("SysModule")
    op.drop_table("SysChangeLog")
    op.drop_table("Account")

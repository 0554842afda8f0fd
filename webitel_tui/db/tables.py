"""The CRM tables, named as Creatio names them so that a Creatio admin recognises them.

Lookup columns are stored as `<Name>Id`. Every editable row carries `Version` for optimistic
locking; repositories bump it on each update and refuse a stale one.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    ColumnElement,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    Uuid,
    cast,
    false,
    func,
    literal_column,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, declared_attr, mapped_column

from webitel_tui.db.ids import new_id

NAMING_CONVENTION = {
    "ix": "IX_%(table_name)s_%(column_0_N_name)s",
    "uq": "UQ_%(table_name)s_%(column_0_N_name)s",
    "ck": "CK_%(table_name)s_%(constraint_name)s",
    "fk": "FK_%(table_name)s_%(column_0_name)s",
    "pk": "PK_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Timestamps stored in UTC and always read back timezone-aware (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | str | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if isinstance(value, str):  # a keyset cursor carries its sort value as text
            value = datetime.fromisoformat(value)
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class EmptyIsNone(TypeDecorator[str]):
    """A string column where '' stands for "none": NOT NULL, so that keyset paging can seek
    an index on (column, Id) with a row-value comparison, which NULLs would break. None in
    Python, '' in the database. A query that means "none" compares with None's stand-in
    (`column == ""`): SQLAlchemy renders `== None` as IS NULL, which matches nothing."""

    impl = String
    cache_ok = True

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str:
        return "" if value is None else value

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        return value or None


class ZeroIsNone(TypeDecorator[int]):
    """A bigint id column where 0 stands for "none" (Webitel's ids start at 1): as
    EmptyIsNone, for ids."""

    impl = BigInteger
    cache_ok = True

    def process_bind_param(self, value: int | None, dialect: Dialect) -> int:
        return 0 if value is None else value

    def process_result_value(self, value: int | None, dialect: Dialect) -> int | None:
        return value or None


def unique_unless_none(table: str, column: str, none: str) -> Index:
    """A unique index on a column that stands for "none" with `none` (SQL), which may repeat."""
    where = text(f'"{column}" <> {none}')
    return Index(
        f"UX_{table}_{column}", column, unique=True, sqlite_where=where, postgresql_where=where
    )


def utcnow() -> datetime:
    return datetime.now(UTC)


def numeric_text(column: Any) -> tuple[ColumnElement[Any], ...]:
    """The sort key of digits stored as text, in numeric order (12 < 1199 < 1200) whatever
    their length (more than an int64 holds): the digits without leading zeros after their
    count (10 + count, two characters), then the text itself (012 and 12 keep an order).

    One expression first, then the column: SQLite seeks an expression index on a range of its
    first expression, never on a row value holding an expression (repositories/paging.py).
    '0' and 10 are literals, not parameters: an expression index serves a query only when
    the query's expression is the index's own (EXTENSION_NUMBER_INDEX)."""
    digits = func.ltrim(column, literal_column("'0'"), type_=String)
    count = cast(func.length(digits) + literal_column("10"), Text)
    return (count.concat(digits), column)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class BaseEntity:
    """Creatio's BaseEntity columns plus the optimistic-lock version."""

    Id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id, sort_order=-1)
    CreatedOn: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    CreatedById: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    ModifiedOn: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    ModifiedById: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    Version: Mapped[int] = mapped_column(Integer, default=1)

    @declared_attr.directive
    def __mapper_args__(cls) -> dict[str, Any]:
        # SQLAlchemy then updates with "WHERE Version = :seen" and bumps it (optimistic lock).
        return {"version_id_col": cls.__table__.c.Version}  # type: ignore[attr-defined]


class Account(BaseEntity, Base):
    __tablename__ = "Account"

    Name: Mapped[str] = mapped_column(String(250))
    Phone: Mapped[str] = mapped_column(String(250), default="")
    Web: Mapped[str] = mapped_column(String(250), default="")
    # Casefolded text the quick search runs over (contains, case-insensitive, any alphabet).
    SearchText: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index(None, "Name", "Id"),)


class Contact(BaseEntity, Base):
    __tablename__ = "Contact"

    Name: Mapped[str] = mapped_column(String(250))
    Surname: Mapped[str] = mapped_column(String(250), default="")
    GivenName: Mapped[str] = mapped_column(String(250), default="")
    MiddleName: Mapped[str] = mapped_column(String(250), default="")
    AccountId: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("Account.Id", ondelete="SET NULL")
    )
    JobTitle: Mapped[str] = mapped_column(String(250), default="")
    Phone: Mapped[str] = mapped_column(String(250), default="")
    MobilePhone: Mapped[str] = mapped_column(String(250), default="")
    Email: Mapped[str] = mapped_column(String(250), default="")
    # Normalised full name (casefolded, single spaces) used by the import's name matching.
    NameKey: Mapped[str] = mapped_column(String(250), default="")
    SearchText: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (Index(None, "Name", "Id"), Index(None, "NameKey"))


class SysAdminUnit(BaseEntity, Base):
    """Users and roles in one table, as in Creatio (`SysAdminUnitTypeValue` tells which)."""

    __tablename__ = "SysAdminUnit"

    Name: Mapped[str] = mapped_column(String(250))
    # Lower-cased Name: user names are unique regardless of case, as Creatio enforces.
    NameKey: Mapped[str] = mapped_column(String(250), unique=True)
    Description: Mapped[str] = mapped_column(String(250), default="")
    SysAdminUnitTypeValue: Mapped[int] = mapped_column(Integer)
    ParentRoleId: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("SysAdminUnit.Id", ondelete="SET NULL")
    )
    ContactId: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("Contact.Id", ondelete="RESTRICT")
    )
    AccountId: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("Account.Id", ondelete="SET NULL")
    )
    ConnectionType: Mapped[int] = mapped_column(Integer, default=0)
    Active: Mapped[bool] = mapped_column(Boolean, default=True)
    UserPassword: Mapped[str] = mapped_column(String(250), default="")
    PasswordExpireDate: Mapped[datetime | None] = mapped_column(UtcDateTime)
    ForceChangePassword: Mapped[bool] = mapped_column(Boolean, default=False)
    LoginAttemptCount: Mapped[int] = mapped_column(Integer, default=0)
    UnblockTime: Mapped[datetime | None] = mapped_column(UtcDateTime)
    Email: Mapped[str] = mapped_column(String(250), default="")
    # Denormalised contact name, kept by the repository, so the grid sorts without a join.
    ContactName: Mapped[str] = mapped_column(String(250), default="")
    SearchText: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        Index(None, "SysAdminUnitTypeValue", "Name", "Id"),
        Index(None, "SysAdminUnitTypeValue", "ContactName", "Id"),
        Index(None, "SysAdminUnitTypeValue", "ConnectionType", "Id"),
        Index(None, "SysAdminUnitTypeValue", "Active", "Id"),
        # Both columns: with ContactId alone, SQLite chose a SysAdminUnitTypeValue index for
        # "the users of this contact" and read every user (migration 0003).
        Index(None, "ContactId", "SysAdminUnitTypeValue"),
        # Deleting a unit looks for the units it is the parent of (migration 0004).
        Index(None, "ParentRoleId"),
    )


class SysUserInRole(BaseEntity, Base):
    __tablename__ = "SysUserInRole"

    SysUserId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("SysAdminUnit.Id", ondelete="CASCADE")
    )
    SysRoleId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("SysAdminUnit.Id", ondelete="CASCADE")
    )

    __table_args__ = (UniqueConstraint("SysUserId", "SysRoleId"), Index(None, "SysRoleId"))


class SysModule(BaseEntity, Base):
    """A section."""

    __tablename__ = "SysModule"

    Caption: Mapped[str] = mapped_column(String(250))
    Code: Mapped[str] = mapped_column(String(250), unique=True)


class SysWorkplace(BaseEntity, Base):
    __tablename__ = "SysWorkplace"

    Name: Mapped[str] = mapped_column(String(250), unique=True)
    Position: Mapped[int] = mapped_column(Integer, default=0)
    IsPersonal: Mapped[bool] = mapped_column(Boolean, default=False)


class SysModuleInWorkplace(BaseEntity, Base):
    __tablename__ = "SysModuleInWorkplace"

    SysWorkplaceId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("SysWorkplace.Id", ondelete="CASCADE")
    )
    SysModuleId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("SysModule.Id", ondelete="CASCADE")
    )
    Position: Mapped[int] = mapped_column(Integer, default=0)

    __table_args__ = (UniqueConstraint("SysWorkplaceId", "SysModuleId"),)


class SysAdminUnitInWorkplace(BaseEntity, Base):
    """The workplace's "User groups": roles (or users) that see the workplace."""

    __tablename__ = "SysAdminUnitInWorkplace"

    SysWorkplaceId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("SysWorkplace.Id", ondelete="CASCADE")
    )
    SysAdminUnitId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("SysAdminUnit.Id", ondelete="CASCADE")
    )

    __table_args__ = (UniqueConstraint("SysWorkplaceId", "SysAdminUnitId"),)


class WebitelUser(BaseEntity, Base):
    """A CRM user who also has a Webitel telephony account (the "Webitel users" section)."""

    __tablename__ = "WebitelUser"

    SysAdminUnitId: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("SysAdminUnit.Id", ondelete="RESTRICT"), unique=True
    )
    ContactId: Mapped[uuid.UUID | None] = mapped_column(
        Uuid, ForeignKey("Contact.Id", ondelete="SET NULL")
    )
    # The Webitel login ("Webitel user name").
    Name: Mapped[str] = mapped_column(String(250), unique=True)
    # '' when empty: many users may have no extension, but two may never share one (the
    # unique index leaves '' out).
    Extension: Mapped[str | None] = mapped_column(EmptyIsNone(50), nullable=False, default="")
    # Webitel's own ids are int64; 0 until the server has accepted the user.
    WebitelId: Mapped[int | None] = mapped_column(ZeroIsNone, nullable=False, default=0)
    DefaultDeviceId: Mapped[int | None] = mapped_column(BigInteger)
    DefaultDeviceName: Mapped[str] = mapped_column(String(250), default="")
    EnableStun: Mapped[bool] = mapped_column(Boolean, default=False)
    # Denormalised for the grid: the contact's name and the licence products, kept by the
    # repository so that sorting and searching them needs no join.
    ContactName: Mapped[str] = mapped_column(String(250), default="")
    LicensesText: Mapped[str] = mapped_column(String(500), default="")
    SearchText: Mapped[str] = mapped_column(Text, default="")

    __table_args__ = (
        # SearchText rides along so that a name-sorted quick search reads only the index.
        Index(None, "Name", "Id", "SearchText"),
        Index(None, "Extension", "Id"),
        Index(None, "WebitelId", "Id"),
        unique_unless_none("WebitelUser", "Extension", "''"),
        unique_unless_none("WebitelUser", "WebitelId", "0"),
        Index(None, "ContactName", "Id"),
        Index(None, "DefaultDeviceName", "Id"),
        Index(None, "LicensesText", "Id"),
        Index(None, "EnableStun", "Id"),
        Index(None, "ContactId"),
    )


EXTENSION_NUMBER_INDEX = Index(
    "IX_WebitelUser_ExtensionNumber_Id", *numeric_text(WebitelUser.Extension), WebitelUser.Id
)
"""The Webitel users section sorted by extension, in numeric order (migration 0010)."""


class WebitelUserLicense(BaseEntity, Base):
    """The "User licenses" detail: a Webitel licence (by serial) granted to the user."""

    __tablename__ = "WebitelUserLicense"

    WebitelUserId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("WebitelUser.Id", ondelete="CASCADE")
    )
    LicenseId: Mapped[str] = mapped_column(String(100))
    Product: Mapped[str] = mapped_column(String(250), default="")
    Name: Mapped[str] = mapped_column(String(250), default="")
    ExpiresOn: Mapped[datetime | None] = mapped_column(UtcDateTime)

    __table_args__ = (
        UniqueConstraint("WebitelUserId", "LicenseId"),
        # "Has license <product>": a record's licenses of a product, probed per record.
        Index(None, "WebitelUserId", "Product"),
    )


class WebitelUserRole(BaseEntity, Base):
    """The "User roles" detail: a Webitel role (roles are defined on Webitel only)."""

    __tablename__ = "WebitelUserRole"

    WebitelUserId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("WebitelUser.Id", ondelete="CASCADE")
    )
    RoleId: Mapped[int] = mapped_column(BigInteger)
    Name: Mapped[str] = mapped_column(String(250), default="")

    __table_args__ = (UniqueConstraint("WebitelUserId", "RoleId"),)


class WebitelUserFolder(BaseEntity, Base):
    """A folder of the Webitel users section (domain/folders.py): static, holding chosen
    records, or dynamic, by its conditions."""

    __tablename__ = "WebitelUserFolder"

    Name: Mapped[str] = mapped_column(String(250))
    Kind: Mapped[str] = mapped_column(String(20))
    Conditions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    Position: Mapped[int] = mapped_column(Integer, default=0)


class WebitelUserInFolder(BaseEntity, Base):
    """A record in a static folder."""

    __tablename__ = "WebitelUserInFolder"

    FolderId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("WebitelUserFolder.Id", ondelete="CASCADE")
    )
    WebitelUserId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("WebitelUser.Id", ondelete="CASCADE")
    )

    # The folder's records are probed by (folder, record) as the grid pages in its own order.
    __table_args__ = (
        UniqueConstraint("FolderId", "WebitelUserId"),
        Index(None, "WebitelUserId"),
    )


class SysProcess(BaseEntity, Base):
    """The business-process catalogue the "Run process" launcher offers (VwSysProcess-like)."""

    __tablename__ = "SysProcess"

    Caption: Mapped[str] = mapped_column(String(250))
    Code: Mapped[str] = mapped_column(String(250), unique=True)
    Description: Mapped[str] = mapped_column(String(500), default="")
    Enabled: Mapped[bool] = mapped_column(Boolean, default=True)


class SysProcessLog(BaseEntity, Base):
    """One run of a business process: when, who, counts and outcome."""

    __tablename__ = "SysProcessLog"

    SysProcessId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("SysProcess.Id", ondelete="CASCADE")
    )
    StartedOn: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    CompletedOn: Mapped[datetime | None] = mapped_column(UtcDateTime)
    Status: Mapped[str] = mapped_column(String(50), default="Running")
    Counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    Message: Mapped[str] = mapped_column(Text, default="")
    Host: Mapped[str | None] = mapped_column(String(255))
    """The host of the process carrying the run out (with `Pid`): whether it still runs."""
    Pid: Mapped[int | None] = mapped_column(Integer)

    # The log paged by start, (StartedOn, Id) the keyset (migration 0011).
    __table_args__ = (Index(None, "StartedOn", "Id"), Index(None, "Status"))


class SysSettings(BaseEntity, Base):
    """System settings (key/value), e.g. the STUN/TURN server list."""

    __tablename__ = "SysSettings"

    Code: Mapped[str] = mapped_column(String(250), unique=True)
    Name: Mapped[str] = mapped_column(String(250))
    ValueTypeName: Mapped[str] = mapped_column(String(50), default="Text")
    Value: Mapped[str] = mapped_column(Text, default="")
    IsSecret: Mapped[bool] = mapped_column(Boolean, default=False)


class SysProfileData(BaseEntity, Base):
    """What a user chose for themself, by key, as Creatio's SysProfileData (e.g. the columns
    of a grid): JSON the UI reads and writes."""

    __tablename__ = "SysProfileData"

    SysAdminUnitId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("SysAdminUnit.Id", ondelete="CASCADE")
    )
    Key: Mapped[str] = mapped_column(String(250))
    ObjectData: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    __table_args__ = (UniqueConstraint("SysAdminUnitId", "Key"),)


class SysAdminOperation(BaseEntity, Base):
    """An operation that needs a permission (Creatio's operation permissions), by its code."""

    __tablename__ = "SysAdminOperation"

    Name: Mapped[str] = mapped_column(String(250))
    Code: Mapped[str] = mapped_column(String(250), unique=True)
    Description: Mapped[str] = mapped_column(String(500), default="")


class SysAdminOperationGrantee(BaseEntity, Base):
    """A role (or user) that may run the operation (migration 0008)."""

    __tablename__ = "SysAdminOperationGrantee"

    SysAdminOperationId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("SysAdminOperation.Id", ondelete="CASCADE")
    )
    SysAdminUnitId: Mapped[uuid.UUID] = mapped_column(
        Uuid, ForeignKey("SysAdminUnit.Id", ondelete="CASCADE")
    )

    # A user's operations are looked up by the user and the user's roles.
    __table_args__ = (
        UniqueConstraint("SysAdminOperationId", "SysAdminUnitId"),
        Index(None, "SysAdminUnitId"),
    )


class SysChangeLog(Base):
    """Who changed which record when, with the old and new values of the changed columns."""

    __tablename__ = "SysChangeLog"

    Id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    CreatedOn: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    CreatedById: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    EntitySchemaName: Mapped[str] = mapped_column(String(100))
    RecordId: Mapped[uuid.UUID] = mapped_column(Uuid)
    Operation: Mapped[str] = mapped_column(String(20))
    OldValues: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    NewValues: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    # A record's history, newest first (migration 0004); the whole log paged by time
    # (migration 0011).
    __table_args__ = (Index(None, "RecordId", "CreatedOn"), Index(None, "CreatedOn", "Id"))


# Quick search is "contains": on PostgreSQL a trigram index serves it; SQLite scans.
for _table in (Account, Contact, SysAdminUnit, WebitelUser):
    Index(
        f"IX_{_table.__tablename__}_SearchTrgm",
        _table.SearchText,
        postgresql_using="gin",
        postgresql_ops={"SearchText": "gin_trgm_ops"},
    ).ddl_if(dialect="postgresql")


class WebitelReconcileItem(Base):
    """The journal of changes made on the Webitel server (processes/provisioning.py).

    A row is written before the server is called, in the transaction that checks the
    record, and settled (ResolvedOn) in the transaction that takes the server's answer. A row
    left unsettled is a reconcile item: the CRM and the server may disagree until Reconcile
    reads the server and brings the CRM in line. Pending is true while the call is under way.
    One unsettled row per record at most: a second admin's change waits for the first."""

    __tablename__ = "WebitelReconcileItem"

    Id: Mapped[uuid.UUID] = mapped_column(Uuid, primary_key=True, default=new_id)
    CreatedOn: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    CreatedById: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    WebitelId: Mapped[int | None] = mapped_column(BigInteger)
    Name: Mapped[str] = mapped_column(String(250), default="")
    Problem: Mapped[str] = mapped_column(Text, default="")
    ResolvedOn: Mapped[datetime | None] = mapped_column(UtcDateTime)
    Operation: Mapped[str] = mapped_column(String(50), default="", server_default="")
    # The WebitelUser record (no foreign key: the journal outlives a deleted record).
    RecordId: Mapped[uuid.UUID | None] = mapped_column(Uuid)
    # What the server should look like afterwards, and what Reconcile needs to finish it.
    Intent: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    Pending: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The process making the change (with Pid): a start can tell one that was killed.
    Host: Mapped[str | None] = mapped_column(String(255))
    Pid: Mapped[int | None] = mapped_column(Integer)

    __table_args__ = (
        Index(None, "ResolvedOn", "CreatedOn"),
        Index(
            None,
            "RecordId",
            unique=True,
            sqlite_where=text('"ResolvedOn" IS NULL'),
            postgresql_where=text('"ResolvedOn" IS NULL'),
        ),
    )

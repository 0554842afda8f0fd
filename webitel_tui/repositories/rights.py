"""Operation permissions (SysAdminOperation, SysAdminOperationGrantee), as Creatio keeps them.

A user may run an operation granted to the user or to one of the roles the user is a direct
member of (SysUserInRole), as the workplaces' user groups are read.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sqlalchemy import or_, select

from webitel_tui.db.tables import (
    SysAdminOperation,
    SysAdminOperationGrantee,
    SysAdminUnit,
    SysUserInRole,
)
from webitel_tui.domain.changelog import Operation
from webitel_tui.domain.rights import AdminOperation, KnownOperation, OperationGrantee
from webitel_tui.repositories.base import Repository, audit_fields, column_values

if TYPE_CHECKING:
    from webitel_tui.repositories import UnitOfWork

_OPERATION = "operation"
_GRANTEE = "operation permission"


def _operation(row: SysAdminOperation) -> AdminOperation:
    return AdminOperation(
        **audit_fields(row), code=row.Code, name=row.Name, description=row.Description
    )


class OperationRepository(Repository):
    async def all(self) -> list[AdminOperation]:
        """Every operation, by name (a handful: no paging)."""
        rows = await self.session.scalars(
            select(SysAdminOperation).order_by(SysAdminOperation.Name)
        )
        return [_operation(row) for row in rows]

    async def get(self, operation_id: uuid.UUID) -> AdminOperation:
        return _operation(await self.get_or_missing(SysAdminOperation, operation_id, _OPERATION))

    async def by_code(self, code: str) -> AdminOperation | None:
        row = await self.session.scalar(
            select(SysAdminOperation).where(SysAdminOperation.Code == code)
        )
        return None if row is None else _operation(row)

    async def ensure(self, seeded: Sequence[KnownOperation], grant_to: uuid.UUID) -> None:
        """Seed data: each missing operation is created and granted to `grant_to`; an
        existing one is left as the admins made it. One query when nothing is missing."""
        codes = [operation.code for operation in seeded]
        present = set(
            await self.session.scalars(
                select(SysAdminOperation.Code).where(SysAdminOperation.Code.in_(codes))
            )
        )
        for operation in seeded:
            if operation.code in present:
                continue
            row = SysAdminOperation(
                Code=operation.code, Name=operation.name, Description=operation.description
            )
            self.stamp_new(row)
            self.session.add(row)
            await self.flush(_OPERATION)
            await self.grant(row.Id, grant_to)

    async def grantees(self, operation_id: uuid.UUID) -> list[OperationGrantee]:
        """The roles and users the operation is granted to, by name."""
        rows = await self.session.execute(
            select(SysAdminOperationGrantee, SysAdminUnit.Name)
            .join(SysAdminUnit, SysAdminUnit.Id == SysAdminOperationGrantee.SysAdminUnitId)
            .where(SysAdminOperationGrantee.SysAdminOperationId == operation_id)
            .order_by(SysAdminUnit.Name)
        )
        return [
            OperationGrantee(
                **audit_fields(grant),
                operation_id=grant.SysAdminOperationId,
                admin_unit_id=grant.SysAdminUnitId,
                admin_unit_name=name,
            )
            for grant, name in rows
        ]

    async def _grant_row(
        self, operation_id: uuid.UUID, unit_id: uuid.UUID
    ) -> SysAdminOperationGrantee | None:
        return await self.session.scalar(
            select(SysAdminOperationGrantee).where(
                SysAdminOperationGrantee.SysAdminOperationId == operation_id,
                SysAdminOperationGrantee.SysAdminUnitId == unit_id,
            )
        )

    async def grant(self, operation_id: uuid.UUID, unit_id: uuid.UUID) -> None:
        """Grant the operation to a role or user; granted already: nothing changes."""
        await self.get_or_missing(SysAdminOperation, operation_id, _OPERATION)
        await self.get_or_missing(SysAdminUnit, unit_id, "role")
        if await self._grant_row(operation_id, unit_id) is not None:
            return
        row = SysAdminOperationGrantee(SysAdminOperationId=operation_id, SysAdminUnitId=unit_id)
        self.stamp_new(row)
        self.session.add(row)
        await self.flush(_GRANTEE)
        self.log_change(
            "SysAdminOperationGrantee", row.Id, Operation.INSERT, None, column_values(row)
        )

    async def revoke(self, operation_id: uuid.UUID, unit_id: uuid.UUID) -> None:
        row = await self._grant_row(operation_id, unit_id)
        if row is None:
            return
        old = column_values(row)
        await self.session.delete(row)
        await self.flush(_GRANTEE)
        self.log_change("SysAdminOperationGrantee", row.Id, Operation.DELETE, old, None)

    async def codes_of(self, user_id: uuid.UUID) -> frozenset[str]:
        """The codes of the operations the user may run: granted to the user or to one of
        the user's roles."""
        roles = select(SysUserInRole.SysRoleId).where(SysUserInRole.SysUserId == user_id)
        codes = await self.session.scalars(
            select(SysAdminOperation.Code)
            .join(
                SysAdminOperationGrantee,
                SysAdminOperationGrantee.SysAdminOperationId == SysAdminOperation.Id,
            )
            .where(
                or_(
                    SysAdminOperationGrantee.SysAdminUnitId == user_id,
                    SysAdminOperationGrantee.SysAdminUnitId.in_(roles),
                )
            )
            .distinct()
        )
        return frozenset(codes)


def operations(uow: UnitOfWork) -> OperationRepository:
    """The unit of work's operation permissions (on its session, by its actor)."""
    return OperationRepository(uow.session, uow.actor)

"""Operation permissions, as Creatio's SysAdminOperation: an operation has a code, and the
roles (or users) it is granted to may run it.

"System administrators" hold every operation from the start (the seed grants it); an admin
grants an operation to other roles in System users. A user may run an operation granted to
the user or to one of the user's roles. The processes check it (`processes/auth.py`); the
screens only hide what would be refused.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from webitel_tui.domain import known
from webitel_tui.domain.errors import DomainError
from webitel_tui.domain.records import AuditedRecord
from webitel_tui.i18n import N_, _, tr

MANAGE_WEBITEL_USERS = "CanManageWebitelUsers"
"""Change Webitel users: the card, delete, licenses, roles, STUN, Refresh and Reconcile."""
RUN_GET_WEBITEL_USERS = "CanRunGetWebitelUsers"
"""Run the GetWebitelUsers process (Load Webitel users)."""


@dataclass(frozen=True)
class KnownOperation:
    code: str
    name: str
    """English, marked for translation (the seed stores it; screens show `_()` of it)."""
    description: str


OPERATIONS = (
    KnownOperation(
        MANAGE_WEBITEL_USERS,
        N_("Manage Webitel users"),
        N_(
            "Create, change and delete Webitel users: the card, licenses, roles, STUN, "
            "Refresh from Webitel and Reconcile."
        ),
    ),
    KnownOperation(
        RUN_GET_WEBITEL_USERS,
        N_("Run GetWebitelUsers"),
        N_("Load the users of the Webitel server into the CRM (the GetWebitelUsers process)."),
    ),
)
"""The operations every CRM has; the seed grants each to System administrators."""

PROCESS_OPERATIONS = {
    known.GET_WEBITEL_USERS_PROCESS_CODE: RUN_GET_WEBITEL_USERS,
    known.CSV_IMPORT_PROCESS_CODE: MANAGE_WEBITEL_USERS,
}
"""The operation a business process needs, by the process's code ("Run process" offers a
process only to those who may run it)."""

ALWAYS_GRANTED_TO = known.SYSTEM_ADMINISTRATORS
"""The role that keeps every operation: its grants cannot be removed (no lock-out)."""


def operation_name(code: str) -> str:
    """The operation's name in the admin's language (the code itself if it is not known)."""
    for operation in OPERATIONS:
        if operation.code == code:
            return _(operation.name)
    return code


class AdminOperation(AuditedRecord):
    """`SysAdminOperation`: an operation that needs a permission."""

    code: str
    name: str
    description: str = ""


class OperationGrantee(AuditedRecord):
    """`SysAdminOperationGrantee`: a role (or user) that may run the operation."""

    operation_id: uuid.UUID
    admin_unit_id: uuid.UUID
    admin_unit_name: str = ""


class NoPermissionError(DomainError):
    """The acting user may not run the operation; `str()` names it."""

    def __init__(self, code: str) -> None:
        super().__init__(
            tr('You do not have permission to run the operation "{0}".', operation_name(code))
        )
        self.code = code


class AlwaysGrantedError(DomainError):
    def __init__(self) -> None:
        super().__init__(
            _('"System administrators" keep every operation permission: it cannot be removed.')
        )

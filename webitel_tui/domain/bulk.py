"""The bulk actions of the Webitel users section, by name (processes/bulk.py runs them; the
command line offers them without loading the database layers)."""

from __future__ import annotations

from enum import StrEnum

from webitel_tui.i18n import N_


class BulkKind(StrEnum):
    GRANT_LICENSE = "grant-license"
    REVOKE_LICENSE = "revoke-license"
    ADD_ROLE = "add-role"
    REMOVE_ROLE = "remove-role"
    STUN_ON = "stun-on"
    STUN_OFF = "stun-off"
    REFRESH = "refresh"
    DELETE = "delete"


CAPTIONS = {
    BulkKind.GRANT_LICENSE: N_("Grant a license"),
    BulkKind.REVOKE_LICENSE: N_("Revoke a license"),
    BulkKind.ADD_ROLE: N_("Add a role"),
    BulkKind.REMOVE_ROLE: N_("Remove a role"),
    BulkKind.STUN_ON: N_("Enable STUN"),
    BulkKind.STUN_OFF: N_("Disable STUN"),
    BulkKind.REFRESH: N_("Refresh from Webitel"),
    BulkKind.DELETE: N_("Delete"),
}
NEEDS_ITEM = frozenset(
    {BulkKind.GRANT_LICENSE, BulkKind.REVOKE_LICENSE, BulkKind.ADD_ROLE, BulkKind.REMOVE_ROLE}
)

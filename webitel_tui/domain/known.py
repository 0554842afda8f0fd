"""Well-known record ids, the same in every database (roles use Creatio's own ids)."""

from __future__ import annotations

import uuid

SYSTEM_ADMINISTRATORS = uuid.UUID("83a43ebc-f36b-1410-298d-001e8c82bcad")
ALL_EMPLOYEES = uuid.UUID("a29a3ba5-4b0d-de11-9a51-005056c00008")
PORTAL_USERS = uuid.UUID("720b771c-e7a7-4f31-9cfb-52cd21c3739f")

WEBITEL_USERS_SECTION_CODE = "WebitelUsers"
CONTACT_CENTER_WORKPLACE = "Contact center"
GET_WEBITEL_USERS_PROCESS_CODE = "GetWebitelUsers"
CSV_IMPORT_PROCESS_CODE = "ImportWebitelUsersFromCsv"

STUN_SERVERS_SETTING = "WebitelStunServers"

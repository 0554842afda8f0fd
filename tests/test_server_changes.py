"""What "Refresh from Webitel" says it changed: pure comparisons, no database, no server."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from webitel_tui.domain.server_changes import (
    DetailChange,
    FieldChange,
    RecordChange,
    describe_changes,
    record_changes,
)
from webitel_tui.domain.webitel_users import UserLicense, UserRole, WebitelUser
from webitel_tui.i18n import set_language

RECORD = uuid.UUID(int=1)
NOW = datetime(2026, 1, 1, tzinfo=UTC)


def record(**values: Any) -> WebitelUser:
    fields: dict[str, Any] = {
        "id": RECORD,
        "name": "okovalenko",
        "extension": "1002",
        "webitel_id": 7,
        "default_device_id": 70,
        "default_device_name": "okovalenko",
    }
    return WebitelUser(**{**fields, **values})


def grant(license_id: str, name: str, expires_on: datetime | None = None) -> UserLicense:
    return UserLicense(
        id=uuid.uuid4(), webitel_user_id=RECORD, license_id=license_id, name=name,
        product=name.upper(), expires_on=expires_on,
    )  # fmt: skip


def role(role_id: int, name: str) -> UserRole:
    return UserRole(id=uuid.uuid4(), webitel_user_id=RECORD, role_id=role_id, name=name)


def test_nothing_changed_is_said() -> None:
    same = record()
    changes = record_changes(same, same, licenses=([], []), roles=([role(2, "agents")],) * 2)
    assert changes == []
    assert describe_changes(changes) == ["Nothing changed: the record agrees with Webitel."]


def test_each_changed_field_is_a_line_with_both_values() -> None:
    changes = record_changes(
        record(),
        record(extension="1999", name="olena", default_device_name=""),
        licenses=([], []),
        roles=([], []),
    )
    assert changes == [
        FieldChange("Webitel user name", "okovalenko", "olena"),
        FieldChange("Extension", "1002", "1999"),
        FieldChange("Default device", "okovalenko", "70"),
    ]
    assert describe_changes(changes)[:2] == [
        "Webitel user name okovalenko -> olena from the server",
        "Extension 1002 -> 1999 from the server",
    ]
    gone = record_changes(record(), record(extension=None), licenses=([], []), roles=([], []))
    assert describe_changes(gone) == ["Extension 1002 -> (not set) from the server"]


def test_another_device_of_the_same_name_is_told_by_its_id() -> None:
    changes = record_changes(
        record(), record(default_device_id=71), licenses=([], []), roles=([], [])
    )
    assert changes == [FieldChange("Default device", "okovalenko (70)", "okovalenko (71)")]


def test_details_say_what_was_added_removed_or_changed_by_name() -> None:
    later = datetime(2031, 1, 1, tzinfo=UTC)
    changes = record_changes(
        record(),
        record(),
        licenses=(
            [grant("L1", "Operator", NOW), grant("L2", "Chat")],
            [grant("L1", "Operator", later), grant("L3", "Manager")],
        ),
        roles=([role(2, "agents")], [role(3, "supervisors")]),
    )
    assert changes == [
        DetailChange("User licenses", added=("Manager",), removed=("Chat",), changed=("Operator",)),
        DetailChange("User roles", added=("supervisors",), removed=("agents",)),
    ]
    assert describe_changes(changes) == [
        "User licenses: Manager added on the server",
        "User licenses: Chat removed on the server",
        "User licenses: Operator changed on the server",
        "User roles: supervisors added on the server",
        "User roles: agents removed on the server",
    ]


def test_the_lines_are_in_ukrainian() -> None:
    changes: list[RecordChange] = [
        FieldChange("Extension", "1002", "1999"),
        DetailChange("User roles", ("agents",)),
    ]
    try:
        set_language("uk")
        lines = describe_changes(changes)
        nothing = describe_changes([])
    finally:
        set_language("en")
    assert lines[0].startswith("Внутрішній номер 1002 -> 1999")
    assert lines[1].startswith("Ролі користувача: agents")
    assert nothing != ["Nothing changed: the record agrees with Webitel."]

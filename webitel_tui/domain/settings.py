"""System settings (key/value), as Creatio's SysSettings."""

from __future__ import annotations

from webitel_tui.domain.records import AuditedRecord

MASK = "********"


class SystemSetting(AuditedRecord):
    code: str
    name: str
    value_type: str = "Text"
    value: str = ""
    is_secret: bool = False

    @property
    def display_value(self) -> str:
        """What a screen may show: secrets masked, never the value itself."""
        return MASK if self.is_secret and self.value else self.value

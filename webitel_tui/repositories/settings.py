"""System settings (SysSettings): small key/value table, read whole."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import select

from webitel_tui.db.tables import SysSettings
from webitel_tui.domain.changelog import Operation
from webitel_tui.domain.errors import RecordNotFoundError
from webitel_tui.domain.passwords import POLICY_SETTINGS, PasswordPolicy
from webitel_tui.domain.settings import SystemSetting
from webitel_tui.repositories.base import Repository, audit_fields, column_values


def _setting(row: SysSettings) -> SystemSetting:
    return SystemSetting(
        **audit_fields(row),
        code=row.Code,
        name=row.Name,
        value_type=row.ValueTypeName,
        value=row.Value,
        is_secret=row.IsSecret,
    )


class SettingsRepository(Repository):
    async def list(self) -> list[SystemSetting]:
        rows = await self.session.scalars(select(SysSettings).order_by(SysSettings.Name))
        return [_setting(row) for row in rows]

    async def _row(self, code: str) -> SysSettings | None:
        return await self.session.scalar(select(SysSettings).where(SysSettings.Code == code))

    async def get(self, code: str) -> SystemSetting:
        row = await self._row(code)
        if row is None:
            raise RecordNotFoundError("system setting", code)
        return _setting(row)

    async def value(self, code: str, default: str = "") -> str:
        row = await self._row(code)
        return default if row is None else row.Value

    async def values(self, codes: Collection[str]) -> dict[str, str]:
        """The values of the settings named by `codes` that exist, in one query."""
        rows = await self.session.execute(
            select(SysSettings.Code, SysSettings.Value).where(SysSettings.Code.in_(codes))
        )
        return {code: value for code, value in rows}

    async def password_policy(self) -> PasswordPolicy:
        """The password policy of the System settings (a missing one keeps its default)."""
        return PasswordPolicy.from_settings(await self.values(POLICY_SETTINGS.values()))

    async def ensure_many(self, settings: Sequence[tuple[str, str, str, str]]) -> None:
        """Seed data, (code, name, value, value type) each: `ensure` for every one, in one
        query when none is missing."""
        present = await self.values([code for code, *_rest in settings])
        for code, name, value, value_type in settings:
            if code not in present:
                await self.ensure(code, name, value, value_type=value_type)

    async def ensure(
        self,
        code: str,
        name: str,
        value: str = "",
        *,
        value_type: str = "Text",
        secret: bool = False,
    ) -> SystemSetting:
        """Create the setting with its default if missing; an existing value is kept."""
        row = await self._row(code)
        if row is None:
            row = SysSettings(
                Code=code, Name=name, Value=value, ValueTypeName=value_type, IsSecret=secret
            )
            self.stamp_new(row)
            self.session.add(row)
            await self.flush("system setting")
        return _setting(row)

    async def set_value(self, setting: SystemSetting, value: str) -> SystemSetting:
        row = await self.load_for_update(SysSettings, setting.id, setting.version, "system setting")
        secret = ("Value",) if row.IsSecret else ()
        old = column_values(row, secret_columns=secret)
        changed = secret if row.Value != value else ()
        row.Value = value
        self.stamp_modified(row)
        await self.flush("system setting", row.Id)
        self.log_change(
            "SysSettings",
            row.Id,
            Operation.UPDATE,
            old,
            column_values(row, secret_columns=secret),
            secrets_changed=changed,
        )
        return _setting(row)

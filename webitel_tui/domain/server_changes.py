"""What "Refresh from Webitel" changed on a CRM record: pure comparisons of the record and
its details before and after, and the admin's words for them."""

from __future__ import annotations

from collections.abc import Hashable, Sequence
from dataclasses import dataclass

from webitel_tui.domain.webitel_users import UserLicense, UserRole, WebitelUser
from webitel_tui.i18n import N_, _, tr

NOTHING_CHANGED = N_("Nothing changed: the record agrees with Webitel.")


@dataclass(frozen=True)
class FieldChange:
    """A field the server's value changed; `caption` is the field's English caption
    (translated when shown), `old` and `new` its values as shown ("" for none)."""

    caption: str
    old: str
    new: str


@dataclass(frozen=True)
class DetailChange:
    """Rows of a detail (User licenses, User roles) the server's list added, removed or
    changed (a license renewed, a role renamed), by the names shown."""

    caption: str
    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()


RecordChange = FieldChange | DetailChange


def _device(record: WebitelUser, *, with_id: bool = False) -> str:
    """The default device as shown: its name (with its id, to tell two of one name apart)."""
    name, device_id = record.default_device_name, record.default_device_id
    if not device_id:
        return name
    if not name:
        return str(device_id)
    return f"{name} ({device_id})" if with_id else name


def _field_changes(before: WebitelUser, after: WebitelUser) -> list[RecordChange]:
    devices = (_device(before), _device(after))
    if devices[0] == devices[1]:
        devices = (_device(before, with_id=True), _device(after, with_id=True))
    shown = (
        (N_("Webitel user name"), before.name, after.name),
        (N_("Extension"), before.extension or "", after.extension or ""),
        (N_("User id"), str(before.webitel_id or ""), str(after.webitel_id or "")),
        (N_("Default device"), *devices),
    )
    return [FieldChange(caption, old, new) for caption, old, new in shown if old != new]


def _detail_change(
    caption: str,
    before: dict[Hashable, tuple[str, object]],
    after: dict[Hashable, tuple[str, object]],
) -> DetailChange | None:
    """`before` and `after` map each row's key to (its name as shown, what a change of it
    is compared by)."""
    added = tuple(after[key][0] for key in after if key not in before)
    removed = tuple(before[key][0] for key in before if key not in after)
    changed = tuple(
        after[key][0] for key in after if key in before and before[key][1] != after[key][1]
    )
    if not (added or removed or changed):
        return None
    return DetailChange(caption, added, removed, changed)


def _licenses(items: Sequence[UserLicense]) -> dict[Hashable, tuple[str, object]]:
    return {
        i.license_id: (i.name or i.product or i.license_id, (i.product, i.name, i.expires_on))
        for i in items
    }


def _roles(items: Sequence[UserRole]) -> dict[Hashable, tuple[str, object]]:
    return {i.role_id: (i.name or str(i.role_id), i.name) for i in items}


def record_changes(
    before: WebitelUser,
    after: WebitelUser,
    *,
    licenses: tuple[Sequence[UserLicense], Sequence[UserLicense]],
    roles: tuple[Sequence[UserRole], Sequence[UserRole]],
) -> list[RecordChange]:
    """What differs between the record (and its details) before and after, in the card's
    order: fields, then User licenses, then User roles. `licenses` and `roles` are each
    (before, after)."""
    changes = _field_changes(before, after)
    for caption, old, new in (
        (N_("User licenses"), _licenses(licenses[0]), _licenses(licenses[1])),
        (N_("User roles"), _roles(roles[0]), _roles(roles[1])),
    ):
        detail = _detail_change(caption, old, new)
        if detail is not None:
            changes.append(detail)
    return changes


def describe_changes(changes: Sequence[RecordChange]) -> list[str]:
    """One line per change, e.g. "Extension 1002 -> 1999 from the server"; "Nothing changed:
    ..." when there is none. The values are data: shown through `display.visible`."""
    if not changes:
        return [_(NOTHING_CHANGED)]
    none = _("(not set)")
    lines: list[str] = []
    for change in changes:
        caption = _(change.caption)
        if isinstance(change, FieldChange):
            lines.append(
                tr(
                    "{0} {1} -> {2} from the server",
                    caption,
                    change.old or none,
                    change.new or none,
                )
            )
            continue
        for names, words in (
            (change.added, N_("{0}: {1} added on the server")),
            (change.removed, N_("{0}: {1} removed on the server")),
            (change.changed, N_("{0}: {1} changed on the server")),
        ):
            if names:
                lines.append(tr(words, caption, ", ".join(names)))
    return lines

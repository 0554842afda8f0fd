"""The limits of every stored text field, in one place, and the one check of them.

A record declares each text field's limit on the field itself, as annotation metadata:
`name: Annotated[str, FULL_NAME]`. The limit is not enforced when a record is made (records
are also made from rows already stored, and copied with `model_copy`); `check_limits` checks
a record, and `check_text` one value, before anything is written or sent to the Webitel
server. Both databases then get the same values: PostgreSQL refuses what breaks a column's
length or holds a NUL, where SQLite would have kept it.

The column sizes in `db/tables.py` agree with these (tests/test_limits.py compares them).
"""

from __future__ import annotations

import dataclasses
import re
import sys
import typing
from collections.abc import Iterable
from dataclasses import dataclass

from pydantic import BaseModel

from webitel_tui.domain.errors import ValidationError
from webitel_tui.i18n import N_, _, tr

TEXT_LENGTH = 250
"""Creatio's "Text (250 characters)": names, emails, captions."""
EXTENSION_LENGTH = 50
LICENSE_ID_LENGTH = 100
LICENSES_TEXT_LENGTH = 500
INT64_MAX = 2**63 - 1
"""Webitel's ids are int64, and so are the CRM's columns that keep them."""


@dataclass(frozen=True)
class Limit:
    """What a stored text field may hold. `caption` is the field's caption (translated when
    shown); `digits`: ASCII digits only; `keyed`: its case-folded form is stored too (a
    NameKey column) and must fit the same length."""

    caption: str
    length: int = TEXT_LENGTH
    digits: bool = False
    keyed: bool = False


# Contacts and accounts.
FULL_NAME = Limit(N_("Full name"), keyed=True)
LAST_NAME = Limit(N_("Last name"))
FIRST_NAME = Limit(N_("First name"))
MIDDLE_NAME = Limit(N_("Middle name"))
JOB_TITLE = Limit(N_("Job title"))
BUSINESS_PHONE = Limit(N_("Business phone"))
MOBILE_PHONE = Limit(N_("Mobile phone"))
EMAIL = Limit(N_("Email"))
ACCOUNT_NAME = Limit(N_("Name"))
PRIMARY_PHONE = Limit(N_("Primary phone"))
WEB = Limit(N_("Web"))
CONTACT = Limit(N_("Contact"))
"""A contact's name kept on another record (denormalised for the grid)."""

# System users and roles (SysAdminUnit).
USER_NAME = Limit(N_("User name"), keyed=True)
ROLE_NAME = Limit(N_("Name"), keyed=True)
DESCRIPTION = Limit(N_("Description"))

# Webitel users and their details.
WEBITEL_USER_NAME = Limit(N_("Webitel user name"))
EXTENSION = Limit(N_("Extension"), EXTENSION_LENGTH, digits=True)
DEFAULT_DEVICE = Limit(N_("Default device"))
LICENSES = Limit(N_("Licenses"), LICENSES_TEXT_LENGTH)
LICENSE = Limit(N_("License"), LICENSE_ID_LENGTH)
PRODUCT = Limit(N_("Product"))
LICENSE_NAME = Limit(N_("License name"))
ROLE = Limit(N_("Role"))

# Workplaces (SysWorkplace).
WORKPLACE_NAME = Limit(N_("Name"))
FOLDER_NAME = Limit(N_("Name"))

UNBOUNDED = sys.maxsize
"""The length of a value kept in an unbounded column (Text), or not kept as text: only what
cannot be stored (a NUL, a lone surrogate) is refused."""
# Passwords: kept as a hash of their UTF-8 bytes (a lone surrogate has none).
PASSWORD = Limit(N_("Password"), UNBOUNDED)


_UNSTORABLE = re.compile(r"[\x00\ud800-\udfff]")
"""What no database keeps in text: NUL, and lone surrogates (no character of UTF-8)."""


def _unstorable(value: str) -> str | None:
    """The first character of `value` no database can keep, as U+XXXX."""
    found = _UNSTORABLE.search(value)
    return None if found is None else f"U+{ord(found.group()):04X}"


def check_text(value: str | None, limit: Limit) -> None:
    """Refuse `value` if it breaks `limit`, naming the field. None and "" always fit."""
    if not value:
        return
    caption = _(limit.caption)
    bad = _unstorable(value)
    if bad is not None:
        raise ValidationError(
            tr('The "{0}" field contains a character that cannot be saved ({1}).', caption, bad),
            limit.caption,
        )
    if limit.digits and not (value.isascii() and value.isdigit()):
        raise ValidationError(
            tr('The "{0}" field can contain digits only.', caption), limit.caption
        )
    if len(value) > limit.length or (limit.keyed and len(value.casefold()) > limit.length):
        raise ValidationError(
            tr(
                'The value of the "{0}" field is too long: at most {1} characters.',
                caption,
                limit.length,
            ),
            limit.caption,
        )


def fits(value: str | None, limit: Limit) -> bool:
    try:
        check_text(value, limit)
    except ValidationError:
        return False
    return True


def parse_id(value: str, caption: str) -> int:
    """A Webitel id (int64, sent as a string of digits) as the CRM keeps it."""
    if not (value.isascii() and value.isdigit()):
        raise ValidationError(tr('The "{0}" field can contain digits only.', _(caption)), caption)
    number = int(value)
    if number > INT64_MAX:
        raise ValidationError(
            tr('The value of the "{0}" field is too large: at most {1}.', _(caption), INT64_MAX),
            caption,
        )
    return number


def _limit_in(metadata: Iterable[object]) -> Limit | None:
    return next((item for item in metadata if isinstance(item, Limit)), None)


_declared: dict[type, dict[str, Limit]] = {}


def limits_of(kind: type) -> dict[str, Limit]:
    """The limits a record class declares, by field name (a Pydantic model or a dataclass)."""
    if kind not in _declared:
        _declared[kind] = _read_limits(kind)
    return _declared[kind]


def _read_limits(kind: type) -> dict[str, Limit]:
    if issubclass(kind, BaseModel):
        found = {name: _limit_in(info.metadata) for name, info in kind.model_fields.items()}
    elif dataclasses.is_dataclass(kind):
        hints = typing.get_type_hints(kind, include_extras=True)
        found = {
            field.name: _limit_in(getattr(hints[field.name], "__metadata__", ()))
            for field in dataclasses.fields(kind)
        }
    else:
        raise TypeError(f"{kind.__name__} is not a record")
    return {name: limit for name, limit in found.items() if limit is not None}


def check_limits(record: object) -> None:
    """Refuse `record` if one of its fields breaks its declared limit (the first, in the
    order the fields are declared), naming the field."""
    for name, limit in limits_of(type(record)).items():
        check_text(getattr(record, name), limit)

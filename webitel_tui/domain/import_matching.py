"""What GetWebitelUsers makes of a server user: pure decisions over the CRM as read for a
page (the repository reads it, the process writes what is decided), tested without a
database.

A page is decided in the server's order against the CRM as read at the page's start plus
what the page itself has decided so far, so two namesakes on one page are handled as if
they came in two runs.
"""

from __future__ import annotations

import enum
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Annotated

from webitel_tui.domain.contacts import NewContact
from webitel_tui.domain.errors import DuplicateValueError, ValidationError
from webitel_tui.domain.holders import Holder, Holders, duplicate_among
from webitel_tui.domain.limits import (
    DEFAULT_DEVICE,
    EXTENSION,
    FULL_NAME,
    WEBITEL_USER_NAME,
    check_limits,
    check_text,
    fits,
)
from webitel_tui.domain.rules import check_can_be_webitel_user
from webitel_tui.domain.text import fold
from webitel_tui.domain.users import DUPLICATE_NAME, NewSystemUser, SystemUser, UserType
from webitel_tui.domain.webitel_users import (
    LicenseGrant,
    NewWebitelUser,
    RoleGrant,
    UserLicense,
    UserRole,
    check_licenses,
)
from webitel_tui.i18n import _, tr

LicenseKey = tuple[str, str, str, datetime | None]
RoleKey = tuple[int, str]


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def license_keys(items: Iterable[UserLicense | LicenseGrant]) -> frozenset[LicenseKey]:
    """Licenses as compared: two databases may keep the same expiry with or without a zone."""
    return frozenset((i.license_id, i.product, i.name, _utc(i.expires_on)) for i in items)


def role_keys(items: Iterable[UserRole | RoleGrant]) -> frozenset[RoleKey]:
    return frozenset((i.role_id, i.name) for i in items)


@dataclass(frozen=True)
class LinkedRecord:
    """A CRM record already linked to a Webitel id, as the import compares it."""

    id: uuid.UUID
    user_id: uuid.UUID | None
    name: str
    extension: str | None
    default_device_id: int | None
    default_device_name: str
    licenses: frozenset[LicenseKey]
    roles: frozenset[RoleKey]


@dataclass
class NamedContact:
    """A contact the import may link by name: one with no CRM user yet, or with CRM users
    (company or portal) not linked to a Webitel user; `users` are those."""

    id: uuid.UUID
    name: str
    users: list[SystemUser] = field(default_factory=list)
    had_users: bool = False
    """It had CRM users when read, all of them linked (so none is in `users`)."""
    webitel_users: list[str] = field(default_factory=list)
    """With `had_users`: the Webitel user names those CRM users are linked to (what a
    conflict names: the contact belongs to them)."""

    @property
    def has_users(self) -> bool:
        return self.had_users or bool(self.users)


@dataclass
class MatchState:
    """The CRM as the page's matching sees it."""

    contacts: dict[str, list[NamedContact]]
    """By folded name, each list in contact id order."""
    users: dict[str, SystemUser]
    """CRM users by lower-cased user name."""
    names_taken: set[str]
    """Lower-cased names of every SysAdminUnit found (users and roles share the namespace)."""
    holders: list[Holder]


@dataclass(frozen=True)
class Wanted:
    """A server user as its CRM record should look."""

    login: Annotated[str, WEBITEL_USER_NAME]
    extension: Annotated[str | None, EXTENSION]
    device_id: int | None
    device_name: Annotated[str, DEFAULT_DEVICE]
    licenses: list[LicenseGrant]
    roles: list[RoleGrant]

    def check(self) -> None:
        """Refuse values the CRM cannot keep (domain/limits.py), naming the field."""
        check_limits(self)
        check_licenses(self.licenses)
        for role in self.roles:
            check_limits(role)


@dataclass(frozen=True)
class ServerEntry:
    """A server user as the decisions need it; `label` names it in the report."""

    webitel_id: int
    label: str
    display: str
    """Its display name, spaces collapsed."""
    email: str
    wanted: Wanted | None
    """None when the server user cannot be a CRM record: `problem` says why."""
    problem: ValidationError | None = None

    def checked(self) -> Wanted:
        if self.wanted is None:
            raise self.problem or ValidationError(self.label)
        self.wanted.check()
        return self.wanted

    @property
    def contact_key(self) -> str:
        """Its display name as contacts are looked up by ("" when it has none, or one no
        contact could have: that user is not linked by name, see `link_or_create`)."""
        return fold(self.display) if fits(self.display, FULL_NAME) else ""


class Kept(enum.Enum):
    UNCHANGED = "unchanged"
    SKIPPED = "skipped"
    """The connection's own account."""


@dataclass(frozen=True)
class Update:
    """A linked record brought in line with its server user; `fields` are the record's
    fields that differ."""

    record: LinkedRecord
    wanted: Wanted
    fields: dict[str, object]
    licenses_changed: bool
    roles_changed: bool


@dataclass(frozen=True)
class NewLink:
    """A new Webitel user record, with the contact and CRM user made for it if none matched
    (their ids are those of `record`)."""

    record_id: uuid.UUID
    record: NewWebitelUser
    contact_name: str
    wanted: Wanted
    new_contact: NewContact | None
    new_user: NewSystemUser | None

    @property
    def created(self) -> bool:
        return self.new_user is not None


Decision = Kept | Update | NewLink


def _belongs_to_others(display: str, taken: list[tuple[NamedContact, list[str]]]) -> str:
    """The conflict of a server user whose only namesake contacts belong to other Webitel
    users; `taken` pairs each contact with the Webitel user names it belongs to."""
    if len(taken) == 1:
        contact, owners = taken[0]
        return tr(
            'The contact "{0}" already belongs to the Webitel user "{1}": link this user by hand.',
            contact.name,
            ", ".join(sorted(owners, key=str.casefold)) or "?",
        )
    first = min((o for _contact, owners in taken for o in owners), key=str.casefold, default="?")
    return tr(
        '{0} CRM contacts named "{1}" already belong to other Webitel users ("{2}" among '
        "them): link this user by hand.",
        len(taken),
        display,
        first,
    )


class PageDecisions:
    """Decides a page's users one at a time; `decide` raises a `ValidationError` for a user
    that is not linked (a conflict, reported, not guessed)."""

    def __init__(
        self,
        linked: dict[int, LinkedRecord],
        state: MatchState,
        own_id: int | None,
        new_id: Callable[[], uuid.UUID],
    ) -> None:
        self.linked = linked
        self.state = state
        self.own_id = own_id
        self.new_id = new_id
        self.holders = Holders(state.holders)

    def decide(self, entry: ServerEntry) -> Decision:
        record = self.linked.get(entry.webitel_id)
        if record is not None:
            return self.refresh(entry, record)
        if entry.webitel_id == self.own_id:
            return Kept.SKIPPED
        return self.link_or_create(entry)

    def refresh(self, entry: ServerEntry, record: LinkedRecord) -> Decision:
        wanted = entry.checked()
        fields: dict[str, object] = {
            "name": wanted.login,
            "extension": wanted.extension,
            "default_device_id": wanted.device_id,
            "default_device_name": wanted.device_name,
        }
        current = {
            "name": record.name,
            "extension": record.extension,
            "default_device_id": record.default_device_id,
            "default_device_name": record.default_device_name,
        }
        changed = {key: value for key, value in fields.items() if current[key] != value}
        licenses_changed = record.licenses != license_keys(wanted.licenses)
        roles_changed = record.roles != role_keys(wanted.roles)
        if not (changed or licenses_changed or roles_changed):
            return Kept.UNCHANGED
        if "name" in changed or "extension" in changed:
            self.check_free(wanted, None, record.id)
            self.holders.add(Holder(wanted.login, wanted.extension, "", record.user_id, record.id))
        return Update(record, wanted, changed, licenses_changed, roles_changed)

    def check_free(self, wanted: Wanted, user_id: uuid.UUID | None, own: uuid.UUID | None) -> None:
        holders = self.holders.of(wanted.login, wanted.extension, user_id, own)
        duplicate = duplicate_among(wanted.login, wanted.extension, user_id, holders)
        if duplicate is not None:
            raise duplicate

    def match(self, display: str, login: str) -> tuple[SystemUser | None, NamedContact | None]:
        """The CRM user to link (None: create one) and the contact matched by name.

        By the display name first: the one free contact of that name (no CRM user yet, or one
        not linked). A contact whose CRM users are all Webitel users belongs to another Webitel
        user: it is no candidate, nor an ambiguity beside a free namesake. Then by the user
        name. Neither matching, a contact made now would be a second one of a name that
        belongs to another Webitel user: that is a conflict, never a silent namesake."""
        user = self.state.users.get(login.casefold())
        if not display:
            return user, None
        free: list[tuple[NamedContact, list[SystemUser]]] = []
        taken: list[tuple[NamedContact, list[str]]] = []
        for contact in self.state.contacts.get(fold(display), []):
            unlinked = [u for u in contact.users if not self.holders.hold_user(u.id)]
            if unlinked or not contact.has_users:
                free.append((contact, unlinked))
                continue
            owners = self.webitel_users_of(contact)
            # Linked to a record of this very user name (its Webitel id not known yet): not
            # another user's; the name check says what is wrong (see `check_free`).
            if not owners or any(o.casefold() != login.casefold() for o in owners):
                taken.append((contact, owners))
        if len(free) > 1:
            raise ValidationError(
                tr(
                    '{0} CRM contacts are named "{1}": link the right one by hand.',
                    len(free),
                    display,
                )
            )
        if free:
            contact, users = free[0]
            if len(users) > 1:
                raise ValidationError(
                    tr(
                        'The contact "{0}" has {1} CRM users: link the right one by hand.',
                        display,
                        len(users),
                    )
                )
            return (users[0] if users else None), contact
        if user is None and taken:
            raise ValidationError(_belongs_to_others(display, taken))
        return user, None

    def webitel_users_of(self, contact: NamedContact) -> list[str]:
        """The Webitel user names a contact's CRM users are linked to: as read, and as this
        page has linked them."""
        owners = list(contact.webitel_users)
        for user in contact.users:
            holder = self.holders.by_user.get(user.id)
            if holder is not None:
                owners.append(holder.name)
        return owners

    def link_or_create(self, entry: ServerEntry) -> NewLink:
        wanted = entry.checked()
        # The display name names the contact found or made: one the CRM cannot keep is a
        # conflict, whatever it would have matched.
        check_text(entry.display, FULL_NAME)
        login = wanted.login
        crm_user, contact = self.match(entry.display, login)
        new_contact: NewContact | None = None
        new_user: NewSystemUser | None = None
        if crm_user is not None:
            contact_id, contact_name = crm_user.contact_id, crm_user.contact_name
            if contact is not None:
                contact_id, contact_name = contact.id, contact.name
        else:
            if contact is None:
                new_contact = NewContact(name=entry.display or login, email=entry.email)
                check_limits(new_contact)
                contact = NamedContact(self.new_id(), new_contact.name)
            if login.casefold() in self.state.names_taken:
                raise DuplicateValueError(_(DUPLICATE_NAME), "User name")
            contact_id, contact_name = contact.id, contact.name
            new_user = NewSystemUser(
                name=login,
                contact_id=contact_id,
                user_type=UserType.EMPLOYEE,
                email=entry.email,
                force_change_password=True,
            )
            check_limits(new_user)
            # Made from a validated NewSystemUser: not validated again (10,000 a run).
            crm_user = SystemUser.model_construct(
                id=self.new_id(), contact_name=contact_name, **dict(new_user)
            )
        check_can_be_webitel_user(crm_user)
        self.check_free(wanted, crm_user.id, None)
        link = NewLink(
            record_id=self.new_id(),
            record=NewWebitelUser(
                user_id=crm_user.id,
                contact_id=contact_id,
                name=login,
                extension=wanted.extension,
                webitel_id=entry.webitel_id,
                default_device_id=wanted.device_id,
                default_device_name=wanted.device_name,
            ),
            contact_name=contact_name,
            wanted=wanted,
            new_contact=new_contact,
            new_user=new_user,
        )
        check_limits(link.record)
        # Decided: what the rest of the page sees from here on.
        if new_contact is not None and contact is not None:
            self.state.contacts.setdefault(fold(contact.name), []).append(contact)
        self.holders.add(Holder(login, wanted.extension, contact_name, crm_user.id, link.record_id))
        if new_user is not None:
            self.state.names_taken.add(login.casefold())
            self.state.users[login.casefold()] = crm_user
            if contact is not None:
                contact.users.append(crm_user)
        return link

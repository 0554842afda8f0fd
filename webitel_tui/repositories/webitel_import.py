"""What GetWebitelUsers reads and writes, a page of server users at a time.

Reading: everything the import needs to decide a page is fetched in a handful of queries
(records already linked to the page's Webitel ids with their details; contacts and CRM users
the page's names may match; the Webitel users holding the names and extensions involved).
Writing: the new rows of a whole page go in one executemany per table, built from the same
column functions the one-record repositories use, each table's followed by their change-log
entries (made by `inserted_entries`, as `log_change` makes a record's).
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from webitel_tui.db.tables import (
    Base,
    Contact,
    SysAdminUnit,
    SysChangeLog,
    SysUserInRole,
    WebitelUser,
    WebitelUserLicense,
    WebitelUserRole,
)
from webitel_tui.domain import known, passwords
from webitel_tui.domain.errors import DuplicateValueError
from webitel_tui.domain.holders import Holder
from webitel_tui.domain.import_matching import (
    LicenseKey,
    LinkedRecord,
    MatchState,
    NamedContact,
    NewLink,
    RoleKey,
)
from webitel_tui.domain.users import AdminUnitType, SystemUser
from webitel_tui.domain.webitel_users import licenses_text
from webitel_tui.i18n import _
from webitel_tui.repositories.base import Repository
from webitel_tui.repositories.contacts import contact_values
from webitel_tui.repositories.users import new_user_values, system_user, system_user_query
from webitel_tui.repositories.webitel_users import HOLDER_COLUMNS, new_webitel_user_values

IMPORTED: tuple[type[Base], ...] = (
    Contact,
    SysAdminUnit,
    SysUserInRole,
    WebitelUser,
    WebitelUserLicense,
    WebitelUserRole,
)
"""The tables an import writes, in the order foreign keys need (as `NewRows` lists them)."""


class LinkedId(NamedTuple):
    webitel_id: int
    id: uuid.UUID
    version: int
    name: str


@dataclass
class NewRows:
    """The rows a page inserts, in the order foreign keys need."""

    contacts: list[dict[str, Any]] = field(default_factory=list)
    users: list[dict[str, Any]] = field(default_factory=list)
    memberships: list[dict[str, Any]] = field(default_factory=list)
    webitel_users: list[dict[str, Any]] = field(default_factory=list)
    licenses: list[dict[str, Any]] = field(default_factory=list)
    roles: list[dict[str, Any]] = field(default_factory=list)

    def in_order(self) -> tuple[list[dict[str, Any]], ...]:
        """The lists in the order of `IMPORTED`."""
        return (
            self.contacts,
            self.users,
            self.memberships,
            self.webitel_users,
            self.licenses,
            self.roles,
        )

    def extend(self, other: NewRows) -> None:
        # Spelled out: once per user (dataclasses.fields() was most of the cost).
        self.contacts += other.contacts
        self.users += other.users
        self.memberships += other.memberships
        self.webitel_users += other.webitel_users
        self.licenses += other.licenses
        self.roles += other.roles


class WebitelImportRepository(Repository):
    async def linked(self, webitel_ids: Collection[int]) -> dict[int, LinkedRecord]:
        """The records linked to these Webitel ids, with their details, in one query and, if
        any is linked, two more."""
        if not webitel_ids:
            return {}
        wanted = list(webitel_ids)
        found = (
            await self.session.execute(
                select(
                    WebitelUser.Id,
                    WebitelUser.WebitelId,
                    WebitelUser.SysAdminUnitId,
                    WebitelUser.Name,
                    WebitelUser.Extension,
                    WebitelUser.DefaultDeviceId,
                    WebitelUser.DefaultDeviceName,
                ).where(WebitelUser.WebitelId.in_(wanted))
            )
        ).all()
        if not found:  # a first run: nothing to compare
            return {}
        licenses: dict[uuid.UUID, set[LicenseKey]] = {}
        for lic in await self.session.execute(
            select(
                WebitelUserLicense.WebitelUserId,
                WebitelUserLicense.LicenseId,
                WebitelUserLicense.Product,
                WebitelUserLicense.Name,
                WebitelUserLicense.ExpiresOn,
            )
            .join(WebitelUser, WebitelUser.Id == WebitelUserLicense.WebitelUserId)
            .where(WebitelUser.WebitelId.in_(wanted))
        ):
            licenses.setdefault(lic[0], set()).add((lic[1], lic[2], lic[3], lic[4]))
        roles: dict[uuid.UUID, set[RoleKey]] = {}
        for record_id, role_id, role_name in await self.session.execute(
            select(WebitelUserRole.WebitelUserId, WebitelUserRole.RoleId, WebitelUserRole.Name)
            .join(WebitelUser, WebitelUser.Id == WebitelUserRole.WebitelUserId)
            .where(WebitelUser.WebitelId.in_(wanted))
        ):
            roles.setdefault(record_id, set()).add((role_id, role_name))
        return {
            webitel_id: LinkedRecord(
                id=record_id,
                user_id=user_id,
                name=name,
                extension=extension,
                default_device_id=device_id,
                default_device_name=device,
                licenses=frozenset(licenses.get(record_id, ())),
                roles=frozenset(roles.get(record_id, ())),
            )
            for record_id, webitel_id, user_id, name, extension, device_id, device in found
            if webitel_id is not None  # filtered by it: never None
        }

    async def linked_after(self, webitel_id: int | None, limit: int) -> list[LinkedId]:
        """Records with a Webitel id, in Webitel id order, after `webitel_id` (keyset): what
        telling the users deleted on the server needs, not whole records."""
        query = select(
            WebitelUser.WebitelId, WebitelUser.Id, WebitelUser.Version, WebitelUser.Name
        ).where(WebitelUser.WebitelId > (webitel_id or 0))  # 0: no Webitel id
        rows = await self.session.execute(query.order_by(WebitelUser.WebitelId).limit(limit))
        return [LinkedId(wid, rid, ver, name) for wid, rid, ver, name in rows if wid is not None]

    async def match_state(
        self,
        contact_keys: Collection[str],
        user_keys: Collection[str],
        names: Collection[str],
        extensions: Collection[str],
    ) -> MatchState:
        """What matching needs: contacts by folded name with their free CRM users (or, for a
        contact whose CRM users are all Webitel users, those Webitel users' names), CRM users
        by name, and the Webitel users that hold any of the names, extensions or CRM users."""
        contacts: dict[str, list[NamedContact]] = {}
        by_id: dict[uuid.UUID, NamedContact] = {}
        linked_user = select(WebitelUser.Id).where(WebitelUser.SysAdminUnitId == SysAdminUnit.Id)
        if contact_keys:
            user_of_contact = select(SysAdminUnit.Id).where(
                SysAdminUnit.ContactId == Contact.Id,
                SysAdminUnit.SysAdminUnitTypeValue == AdminUnitType.USER,
            )
            unlinked = user_of_contact.where(
                ~select(WebitelUser.Id)
                .where(WebitelUser.SysAdminUnitId == SysAdminUnit.Id)
                .exists()
            )
            free = or_(~user_of_contact.exists(), unlinked.exists()).label("free")
            taken: dict[uuid.UUID, NamedContact] = {}
            for contact_id, key, name, is_free in await self.session.execute(
                select(Contact.Id, Contact.NameKey, Contact.Name, free)
                .where(Contact.NameKey.in_(list(contact_keys)))
                .order_by(Contact.Id)
            ):
                found = NamedContact(contact_id, name, had_users=not is_free)
                contacts.setdefault(key, []).append(found)
                (by_id if is_free else taken)[contact_id] = found
            if taken:
                # A namesake whose CRM users are all Webitel users belongs to them: no
                # candidate, but a conflict rather than a second contact of that name.
                for owner_of, webitel_name in await self.session.execute(
                    select(SysAdminUnit.ContactId, WebitelUser.Name)
                    .join(WebitelUser, WebitelUser.SysAdminUnitId == SysAdminUnit.Id)
                    .where(SysAdminUnit.ContactId.in_(list(taken)))
                    .where(SysAdminUnit.SysAdminUnitTypeValue == AdminUnitType.USER)
                    .order_by(WebitelUser.Name)
                ):
                    if owner_of is not None:
                        taken[owner_of].webitel_users.append(webitel_name)
        if by_id:
            # Sorted here, not by ORDER BY Name: with it, SQLite (no statistics) walks the
            # type-and-name index through every user instead of seeking (ContactId, type).
            free_users = await self.session.execute(
                system_user_query()
                .where(SysAdminUnit.ContactId.in_(list(by_id)))
                .where(SysAdminUnit.SysAdminUnitTypeValue == AdminUnitType.USER)
                .where(~linked_user.exists())
            )
            for row in sorted(free_users, key=lambda row: row.Name):
                by_id[row.ContactId].users.append(system_user(row))
        users: dict[str, SystemUser] = {}
        names_taken: set[str] = set()
        if user_keys:
            for row in await self.session.execute(
                system_user_query("NameKey", "SysAdminUnitTypeValue").where(
                    SysAdminUnit.NameKey.in_(list(user_keys))
                )
            ):
                names_taken.add(row.NameKey)
                if row.SysAdminUnitTypeValue == AdminUnitType.USER:
                    users[row.NameKey] = system_user(row)
        user_ids = {u.id for u in users.values()}
        user_ids.update(u.id for found in by_id.values() for u in found.users)
        clash = []
        if names:
            clash.append(WebitelUser.Name.in_(list(names)))
        if extensions:
            clash.append(WebitelUser.Extension.in_(list(extensions)))
        if user_ids:
            clash.append(WebitelUser.SysAdminUnitId.in_(list(user_ids)))
        holders: list[Holder] = []
        if clash:
            rows = await self.session.execute(select(*HOLDER_COLUMNS).where(or_(*clash)))
            holders = [Holder(*row) for row in rows]
        return MatchState(contacts, users, names_taken, holders)

    def rows_of(self, now: datetime, links: Sequence[NewLink]) -> NewRows:
        """The rows of decided new links (the ids chosen by the decisions), as the
        one-record repositories would save them."""
        rows = NewRows()
        for link in links:
            record = link.record
            if link.new_contact is not None:
                values = contact_values(link.new_contact)
                rows.contacts.append(self.new_row(now, **values, Id=record.contact_id))
            if link.new_user is not None:
                # A random password the user must change: nobody knows it.
                hashed = passwords.hash_random_password(passwords.random_password())
                values = new_user_values(
                    link.new_user.name, link.new_user, hashed, link.contact_name
                )
                rows.users.append(self.new_row(now, **values, Id=record.user_id))
                rows.memberships.append(
                    self.new_row(now, SysUserId=record.user_id, SysRoleId=known.ALL_EMPLOYEES)
                )
            licenses, roles = link.wanted.licenses, link.wanted.roles
            values = new_webitel_user_values(
                record, record.name, record.extension, link.contact_name, licenses_text(licenses)
            )
            rows.webitel_users.append(self.new_row(now, **values, Id=link.record_id))
            for grant in licenses:
                rows.licenses.append(
                    self.new_row(
                        now,
                        WebitelUserId=link.record_id,
                        LicenseId=grant.license_id,
                        Product=grant.product,
                        Name=grant.name,
                        ExpiresOn=grant.expires_on,
                    )
                )
            for role in roles:
                rows.roles.append(
                    self.new_row(
                        now, WebitelUserId=link.record_id, RoleId=role.role_id, Name=role.name
                    )
                )
        return rows

    async def add(self, now: datetime, links: Sequence[NewLink]) -> None:
        """Write decided new links (see `insert`)."""
        await self.insert(self.rows_of(now, links))

    async def insert(self, rows: NewRows) -> None:
        """Insert a page's new rows, a table at a time in foreign-key order, each table's
        followed by their change-log entries. A unique key refusing one (someone saved the
        same name or extension since the page was read) is a duplicate: the caller redoes the
        page a user at a time to tell whose."""
        try:
            for entity, new in zip(IMPORTED, rows.in_order(), strict=True):
                await self.insert_many(entity, new)
                # A table's entries, not the page's at once: the TUI's event loop, which runs
                # the import, serves keys between two inserts, and the entries of one table
                # at a time are held.
                await self.insert_many(SysChangeLog, self.inserted_entries(entity, new))
        except IntegrityError as exc:
            raise DuplicateValueError(
                _("A Webitel user with this name, extension or user id already exists.")
            ) from exc

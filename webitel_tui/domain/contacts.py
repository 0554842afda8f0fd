"""Contacts and accounts."""

from __future__ import annotations

import uuid

from webitel_tui.domain.records import AuditedRecord, Record


class NewAccount(Record):
    name: str
    phone: str = ""
    web: str = ""


class Account(AuditedRecord, NewAccount):
    pass


class NewContact(Record):
    name: str
    surname: str = ""
    given_name: str = ""
    middle_name: str = ""
    account_id: uuid.UUID | None = None
    job_title: str = ""
    phone: str = ""
    mobile_phone: str = ""
    email: str = ""


class Contact(AuditedRecord, NewContact):
    pass

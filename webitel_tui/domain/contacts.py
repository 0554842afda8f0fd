"""Contacts and accounts."""

from __future__ import annotations

import uuid

from webitel_tui.domain.records import AuditedRecord, Record


class Account(AuditedRecord):
    name: str
    phone: str = ""
    web: str = ""


class NewAccount(Record):
    name: str
    phone: str = ""
    web: str = ""


class Contact(AuditedRecord):
    name: str
    surname: str = ""
    given_name: str = ""
    middle_name: str = ""
    account_id: uuid.UUID | None = None
    job_title: str = ""
    phone: str = ""
    mobile_phone: str = ""
    email: str = ""


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

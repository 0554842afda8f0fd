"""Contacts and accounts."""

from __future__ import annotations

import uuid
from typing import Annotated

from webitel_tui.domain.limits import (
    ACCOUNT_NAME,
    BUSINESS_PHONE,
    EMAIL,
    FIRST_NAME,
    FULL_NAME,
    JOB_TITLE,
    LAST_NAME,
    MIDDLE_NAME,
    MOBILE_PHONE,
    PRIMARY_PHONE,
    WEB,
)
from webitel_tui.domain.records import AuditedRecord, Record


class NewAccount(Record):
    name: Annotated[str, ACCOUNT_NAME]
    phone: Annotated[str, PRIMARY_PHONE] = ""
    web: Annotated[str, WEB] = ""


class Account(AuditedRecord, NewAccount):
    pass


class NewContact(Record):
    name: Annotated[str, FULL_NAME]
    surname: Annotated[str, LAST_NAME] = ""
    given_name: Annotated[str, FIRST_NAME] = ""
    middle_name: Annotated[str, MIDDLE_NAME] = ""
    account_id: uuid.UUID | None = None
    job_title: Annotated[str, JOB_TITLE] = ""
    phone: Annotated[str, BUSINESS_PHONE] = ""
    mobile_phone: Annotated[str, MOBILE_PHONE] = ""
    email: Annotated[str, EMAIL] = ""


class Contact(AuditedRecord, NewContact):
    pass

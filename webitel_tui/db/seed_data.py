"""Seed data: what every CRM starts with, and the demo data of `webitel-tui demo`.

`processes/setup.py` writes it, idempotently.
"""

from __future__ import annotations

from dataclasses import dataclass

from webitel_tui.domain import known, passwords, rights
from webitel_tui.domain.passwords import PasswordPolicy
from webitel_tui.domain.users import AdminUnitType, UserType
from webitel_tui.i18n import N_

# Names are stored in English and shown in the admin's language while an admin has not
# renamed them (ui/seeded.py): marked for translation here.
ROLES = (
    (known.SYSTEM_ADMINISTRATORS, N_("System administrators"), AdminUnitType.FUNCTIONAL_ROLE),
    (known.ALL_EMPLOYEES, N_("All employees"), AdminUnitType.ORGANIZATION),
    (known.PORTAL_USERS, N_("Portal users"), AdminUnitType.ORGANIZATION),
)

# (code, caption): the sections a Creatio admin expects to find. Each has a screen
# (ui/sections.py, checked by a test): a section with nothing behind it is not offered.
SECTIONS = (
    ("Contacts", N_("Contacts")),
    ("Accounts", N_("Accounts")),
    ("SystemUsers", N_("System users")),
    (known.WEBITEL_USERS_SECTION_CODE, N_("Webitel users")),
    ("ProcessLog", N_("Process log")),
    ("ChangeLog", N_("Change log")),
)

# Workplaces and their sections. "Contact center" deliberately lacks "Webitel users": adding
# it is the admin's first step (M1).
WORKPLACES = (
    (N_("General"), ("Contacts", "Accounts")),
    (N_(known.CONTACT_CENTER_WORKPLACE), ("Contacts", "Accounts", "ProcessLog")),
)

CSV_IMPORT_CAPTION = N_("Import Webitel users from CSV")
CSV_IMPORT_DESCRIPTION = (
    "Create and update Webitel users from a CSV file (Webitel users > Actions)."
)
PROCESSES = (
    (
        known.GET_WEBITEL_USERS_PROCESS_CODE,
        "GetWebitelUsers",
        "Load Webitel users: import the users of the Webitel server into the CRM.",
    ),
    (known.CSV_IMPORT_PROCESS_CODE, CSV_IMPORT_CAPTION, CSV_IMPORT_DESCRIPTION),
)

_POLICY = PasswordPolicy()

# (code, name, value, value type)
SETTINGS = (
    (
        known.STUN_SERVERS_SETTING,
        "Webitel STUN/TURN servers",
        "stun:stun.l.google.com:19302",
        "Text",
    ),
    # The password policy, with Creatio's codes (and one of ours for letters of any case).
    (
        passwords.MIN_LENGTH_SETTING,
        "Minimum password length",
        str(_POLICY.min_length),
        "Integer",
    ),
    (
        passwords.MIN_LETTERS_SETTING,
        "Minimum number of letters in password",
        str(_POLICY.min_letters),
        "Integer",
    ),
    (
        passwords.MIN_DIGITS_SETTING,
        "Minimum number of numeric characters in password",
        str(_POLICY.min_digits),
        "Integer",
    ),
    (
        passwords.MIN_LOWERCASE_SETTING,
        "Minimum number of lowercase characters in password",
        str(_POLICY.min_lowercase),
        "Integer",
    ),
    (
        passwords.MIN_UPPERCASE_SETTING,
        "Minimum number of uppercase characters in password",
        str(_POLICY.min_uppercase),
        "Integer",
    ),
    (
        passwords.MIN_SPECIAL_SETTING,
        "Minimum number of special characters in password",
        str(_POLICY.min_special),
        "Integer",
    ),
)

OPERATIONS = rights.OPERATIONS
"""Operation permissions; each new one is granted to System administrators."""


@dataclass(frozen=True)
class DemoPerson:
    login: str
    full_name: str
    user_type: UserType | None  # None: a contact without a CRM user
    job_title: str = ""


DEMO_ADMIN_LOGIN = "Supervisor"
"""The demo's administrator; its password is its name, as for every demo user. Demo users
are seeded, not set by a person: the password policy does not apply to them."""
DEMO_PASSWORD_COST = 2**14
# Names chosen to meet the simulator's users: matches, an ambiguous pair, a portal user.
DEMO_PEOPLE = (
    DemoPerson("okovalenko", "Olena Kovalenko", UserType.EMPLOYEE, "Contact center operator"),
    DemoPerson("amelnyk", "Andrii Melnyk", UserType.EMPLOYEE, "Contact center operator"),
    DemoPerson("ibondarenko", "Iryna Bondarenko", UserType.EMPLOYEE, "Team lead"),
    DemoPerson("oshevchenko", "Oleksandr Shevchenko", UserType.EMPLOYEE, "Sales manager"),
    DemoPerson("", "Oleksandr Shevchenko", None, "Supplier contact"),
    DemoPerson("jsmith", "John Smith", UserType.EMPLOYEE, "Support engineer"),
    DemoPerson("mtkachenko", "Maria Tkachenko", UserType.PORTAL, "Customer"),
    DemoPerson("psavchenko", "Petro Savchenko", UserType.PORTAL, "Customer"),
)

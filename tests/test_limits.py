"""The limits of the stored text fields (domain/limits.py): pure rules, their messages, and
their agreement with the column sizes of db/tables.py."""

from __future__ import annotations

import itertools
import typing
import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel
from sqlalchemy import String, Table

from webitel_tui.db import tables
from webitel_tui.domain import limits
from webitel_tui.domain.contacts import Account, Contact, NewAccount, NewContact
from webitel_tui.domain.errors import RequiredFieldError, ValidationError
from webitel_tui.domain.import_matching import (
    Kept,
    LinkedRecord,
    MatchState,
    PageDecisions,
    ServerEntry,
    Wanted,
)
from webitel_tui.domain.limits import (
    EXTENSION,
    FULL_NAME,
    Limit,
    check_limits,
    check_text,
    limits_of,
    parse_id,
)
from webitel_tui.domain.rules import check_webitel_login, normalize_extension, require
from webitel_tui.domain.users import NewSystemUser, Role, SystemUser
from webitel_tui.domain.webitel_users import (
    LicenseGrant,
    NewWebitelUser,
    ReconcileItem,
    RoleGrant,
    UserLicense,
    UserRole,
    WebitelUser,
    check_licenses,
)
from webitel_tui.domain.workplaces import Workplace
from webitel_tui.i18n import set_language

# The messages ----------------------------------------------------------------------------------


def refusal(value: str | None, limit: Limit) -> ValidationError:
    with pytest.raises(ValidationError) as caught:
        check_text(value, limit)
    return caught.value


def test_a_value_over_the_length_is_refused_naming_the_field() -> None:
    check_text("x" * 250, FULL_NAME)
    problem = refusal("x" * 251, FULL_NAME)
    assert str(problem) == 'The value of the "Full name" field is too long: at most 250 characters.'
    assert problem.field == "Full name"


def test_length_counts_characters_not_bytes() -> None:
    check_text("Ї" * 250, FULL_NAME)  # 500 bytes of UTF-8: PostgreSQL's varchar counts characters
    check_text("😀" * 250, FULL_NAME)


def test_a_keyed_value_whose_folded_form_is_longer_is_refused() -> None:
    """A name is kept with its case-folded key (NameKey): "ß" folds to "ss"."""
    check_text("ß" * 125, FULL_NAME)
    assert "too long" in str(refusal("ß" * 126, FULL_NAME))
    check_text("ß" * 250, limits.WEBITEL_USER_NAME)  # not keyed


@pytest.mark.parametrize("bad", ["a\x00b", "\x00", "a\ud800b"])
def test_nul_and_lone_surrogates_are_refused_on_every_database(bad: str) -> None:
    problem = refusal(bad, limits.EMAIL)
    assert problem.field == "Email"
    assert str(problem).startswith('The "Email" field contains a character that cannot be saved')


def test_the_nul_is_named() -> None:
    assert str(refusal("a\x00", FULL_NAME)) == (
        'The "Full name" field contains a character that cannot be saved (U+0000).'
    )


@pytest.mark.parametrize("bad", ["12a", "１２３", "٣", "+380", "1 2", "1\x00"])
def test_digits_only_fields_take_ascii_digits(bad: str) -> None:
    problem = refusal(bad, EXTENSION)
    assert problem.field == "Extension"
    assert "Extension" in str(problem)


def test_an_extension_over_50_digits_is_refused() -> None:
    assert normalize_extension("1" * 50) == "1" * 50
    with pytest.raises(ValidationError) as caught:
        normalize_extension("1" * 51)
    assert str(caught.value) == (
        'The value of the "Extension" field is too long: at most 50 characters.'
    )
    assert caught.value.field == "Extension"
    with pytest.raises(ValidationError, match=r'The "Extension" field can contain digits only\.'):
        normalize_extension("12a")


def test_the_webitel_user_name_is_checked_for_length_before_its_characters() -> None:
    assert check_webitel_login(" " + "a" * 250 + " ") == "a" * 250
    with pytest.raises(ValidationError) as caught:
        check_webitel_login("a" * 251)
    assert caught.value.field == "Webitel user name"
    assert "at most 250 characters" in str(caught.value)
    with pytest.raises(ValidationError, match="U\\+0000"):
        check_webitel_login("a\x00b")


def test_require_takes_a_caption_or_a_limit() -> None:
    assert require("  Olena  ", "Full name") == "Olena"
    assert require("  Olena  ", FULL_NAME) == "Olena"
    with pytest.raises(RequiredFieldError, match="Full name"):
        require("  ", FULL_NAME)
    with pytest.raises(ValidationError, match="too long"):
        require("x" * 251, FULL_NAME)


def test_empty_values_always_fit() -> None:
    for limit in (FULL_NAME, EXTENSION, limits.LICENSE):
        check_text(None, limit)
        check_text("", limit)


def test_ids_are_int64() -> None:
    assert parse_id("9223372036854775807", "User id") == 2**63 - 1
    with pytest.raises(ValidationError, match="too large"):
        parse_id("9223372036854775808", "User id")
    with pytest.raises(ValidationError, match="digits only"):
        parse_id("٣", "User id")


def test_messages_are_translated_with_the_caption() -> None:
    try:
        set_language("uk")
        problem = refusal("1" * 51, EXTENSION)
    finally:
        set_language("en")
    assert problem.field == "Extension"  # the caption as the screens know it
    assert "Extension" not in str(problem) and "50" in str(problem)


@given(st.text(max_size=300))
def test_what_passes_can_be_stored_anywhere(value: str) -> None:
    try:
        check_text(value, FULL_NAME)
    except ValidationError as exc:
        assert exc.field == "Full name"
        return
    assert len(value) <= 250 and len(value.casefold()) <= 250
    assert "\x00" not in value
    value.encode("utf-8")  # no lone surrogate


@given(st.text(alphabet=st.characters(), max_size=60))
def test_an_extension_that_passes_is_ascii_digits(value: str) -> None:
    try:
        extension = normalize_extension(value)
    except ValidationError:
        return
    assert extension is None or (extension.isascii() and extension.isdigit())
    assert extension is None or len(extension) <= 50


# Records ----------------------------------------------------------------------------------------


def test_a_record_is_refused_at_its_first_field_over_the_limit() -> None:
    check_limits(NewContact(name="Olena Kovalenko", email="o@example.com"))
    with pytest.raises(ValidationError) as caught:
        check_limits(NewContact(name="Olena", job_title="x" * 251, email="a\x00"))
    assert caught.value.field == "Job title"
    with pytest.raises(ValidationError) as caught:
        check_limits(NewSystemUser(name="u" * 251))
    assert caught.value.field == "User name"
    with pytest.raises(ValidationError) as caught:
        check_limits(NewWebitelUser(name="ivan", extension="1" * 60))
    assert caught.value.field == "Extension"


def test_a_server_user_as_wanted_is_checked_with_its_details() -> None:
    fine = Wanted("ivan", "7001", 5, "ivan-phone", [LicenseGrant(license_id="L1")], [])
    fine.check()
    too_long_device = Wanted("ivan", "7001", 5, "d" * 251, [], [])
    with pytest.raises(ValidationError, match="Default device"):
        too_long_device.check()
    bad_role = Wanted("ivan", None, None, "", [], [RoleGrant(role_id=1, name="r\x00")])
    with pytest.raises(ValidationError, match='"Role"'):
        bad_role.check()
    bad_license = Wanted("ivan", None, None, "", [LicenseGrant(license_id="L" * 101)], [])
    with pytest.raises(ValidationError, match='"License"'):
        bad_license.check()


def test_the_licenses_text_of_a_user_must_fit_its_column() -> None:
    grants = [LicenseGrant(license_id=str(n), product=f"{n}" * 200) for n in range(3)]
    for grant in grants:
        check_limits(grant)  # each fits
    with pytest.raises(ValidationError) as caught:
        check_licenses(grants)  # "000..., 111..., 222..." does not
    assert caught.value.field == "Licenses"
    assert "at most 500 characters" in str(caught.value)


# The columns agree with the limits --------------------------------------------------------------

FieldRef = tuple[type, str]
STORED: dict[tuple[str, str], list[FieldRef]] = {
    ("Account", "Name"): [(NewAccount, "name"), (Account, "name")],
    ("Account", "Phone"): [(NewAccount, "phone"), (Account, "phone")],
    ("Account", "Web"): [(NewAccount, "web"), (Account, "web")],
    ("Contact", "Name"): [(NewContact, "name"), (Contact, "name")],
    ("Contact", "NameKey"): [(NewContact, "name")],
    ("Contact", "Surname"): [(NewContact, "surname"), (Contact, "surname")],
    ("Contact", "GivenName"): [(NewContact, "given_name"), (Contact, "given_name")],
    ("Contact", "MiddleName"): [(NewContact, "middle_name"), (Contact, "middle_name")],
    ("Contact", "JobTitle"): [(NewContact, "job_title"), (Contact, "job_title")],
    ("Contact", "Phone"): [(NewContact, "phone"), (Contact, "phone")],
    ("Contact", "MobilePhone"): [(NewContact, "mobile_phone"), (Contact, "mobile_phone")],
    ("Contact", "Email"): [(NewContact, "email"), (Contact, "email")],
    ("SysAdminUnit", "Name"): [(NewSystemUser, "name"), (SystemUser, "name"), (Role, "name")],
    ("SysAdminUnit", "NameKey"): [(NewSystemUser, "name"), (SystemUser, "name"), (Role, "name")],
    ("SysAdminUnit", "Description"): [(Role, "description")],
    ("SysAdminUnit", "Email"): [(NewSystemUser, "email"), (SystemUser, "email")],
    ("SysAdminUnit", "ContactName"): [(SystemUser, "contact_name"), (NewContact, "name")],
    ("WebitelUser", "Name"): [(NewWebitelUser, "name"), (WebitelUser, "name"), (Wanted, "login")],
    ("WebitelUser", "Extension"): [
        (NewWebitelUser, "extension"),
        (WebitelUser, "extension"),
        (Wanted, "extension"),
    ],
    ("WebitelUser", "DefaultDeviceName"): [
        (NewWebitelUser, "default_device_name"),
        (WebitelUser, "default_device_name"),
        (Wanted, "device_name"),
    ],
    ("WebitelUser", "ContactName"): [(WebitelUser, "contact_name"), (NewContact, "name")],
    ("WebitelUser", "LicensesText"): [(WebitelUser, "licenses_text")],
    ("WebitelUserLicense", "LicenseId"): [
        (LicenseGrant, "license_id"),
        (UserLicense, "license_id"),
    ],
    ("WebitelUserLicense", "Product"): [(LicenseGrant, "product"), (UserLicense, "product")],
    ("WebitelUserLicense", "Name"): [(LicenseGrant, "name"), (UserLicense, "name")],
    ("WebitelUserRole", "Name"): [(RoleGrant, "name"), (UserRole, "name")],
    ("WebitelReconcileItem", "Name"): [(ReconcileItem, "name"), (NewWebitelUser, "name")],
    ("SysWorkplace", "Name"): [(Workplace, "name")],
}
"""Every sized text column of the tables that keep contacts, system users and Webitel users,
with the domain fields stored in it (and the workplaces' names)."""
NOT_DOMAIN_FIELDS = {
    ("SysAdminUnit", "UserPassword"),
    ("WebitelReconcileItem", "Operation"),
    ("WebitelReconcileItem", "Host"),
}
"""Sized text columns that keep no domain field: a password hash, the journal's own words
("create", "update", ...) and the host name of the process making a change."""
KEYED = {("Contact", "NameKey"), ("SysAdminUnit", "NameKey")}
"""Columns that keep a field's case-folded form: the field's limit says `keyed`."""
DOMAIN_TABLES = sorted({table for table, _ in STORED})


def sized_text_columns(table: Table) -> dict[str, int]:
    """The table's String(n) columns (EmptyIsNone's too) and their n; unbounded Text is not."""
    found: dict[str, int] = {}
    for column in table.columns:
        kind = getattr(column.type, "impl", column.type)
        if isinstance(kind, String) and kind.length is not None:
            found[column.name] = kind.length
    return found


@pytest.mark.parametrize("table_name", DOMAIN_TABLES)
def test_every_sized_column_has_the_length_of_its_domain_limit(table_name: str) -> None:
    table = tables.Base.metadata.tables[table_name]
    for column, length in sized_text_columns(table).items():
        key = (table_name, column)
        if key in NOT_DOMAIN_FIELDS:
            continue
        assert key in STORED, f"{table_name}.{column}: which domain field does it keep?"
        for kind, field in STORED[key]:
            limit = limits_of(kind).get(field)
            assert limit is not None, f"{kind.__name__}.{field} declares no limit"
            assert limit.length == length, f"{table_name}.{column} is {length}, {limit}"
            if key in KEYED:
                assert limit.keyed, f"{kind.__name__}.{field} is kept case-folded in {column}"


def test_the_map_names_only_columns_that_exist() -> None:
    for table_name, column in STORED:
        table = tables.Base.metadata.tables[table_name]
        assert column in sized_text_columns(table), f"{table_name}.{column}"


def test_the_extension_column_is_as_long_as_an_extension_may_be() -> None:
    table = tables.Base.metadata.tables["WebitelUser"]
    column = table.c.Extension
    assert isinstance(column.type, tables.EmptyIsNone)
    assert sized_text_columns(table)["Extension"] == 50
    assert limits.EXTENSION_LENGTH == EXTENSION.length == 50


RECORDS: list[type] = [
    NewAccount,
    Account,
    NewContact,
    Contact,
    NewSystemUser,
    SystemUser,
    Role,
    NewWebitelUser,
    WebitelUser,
    LicenseGrant,
    UserLicense,
    RoleGrant,
    UserRole,
    ReconcileItem,
    Workplace,
]
UNSTORED_TEXT = {(ReconcileItem, "problem"), (ReconcileItem, "operation")}
"""Text fields kept in unbounded columns (Text) or holding the product's own words."""


def _is_text(annotation: object) -> bool:
    """str, or str | None, annotated or not."""
    if typing.get_origin(annotation) is typing.Annotated:
        annotation = typing.get_args(annotation)[0]
    return annotation is str or annotation == (str | None)


@pytest.mark.parametrize("kind", RECORDS, ids=lambda kind: kind.__name__)
def test_every_text_field_of_a_stored_record_declares_its_limit(kind: type[BaseModel]) -> None:
    hints = typing.get_type_hints(kind, include_extras=True)
    text_fields = {
        name
        for name in kind.model_fields
        if _is_text(hints[name]) and (kind, name) not in UNSTORED_TEXT
    }
    assert text_fields and text_fields <= set(limits_of(kind))


# The import's decisions (domain/import_matching.py) -------------------------------------------


def page(*, linked: dict[int, LinkedRecord] | None = None) -> PageDecisions:
    ids = (uuid.UUID(int=n) for n in itertools.count(1000))
    return PageDecisions(linked or {}, MatchState({}, {}, set(), []), 1, lambda: next(ids))


def server_entry(display: str, *, email: str = "", extension: str | None = None) -> ServerEntry:
    wanted = Wanted("ivan.p", extension, None, "", [], [])
    return ServerEntry(7, "ivan.p", display, email, wanted)


@pytest.mark.parametrize(
    ("display", "email", "field"),
    [
        ("N" * 251, "", "Full name"),
        ("Nul\x00Name", "", "Full name"),
        ("Ivan Petrenko", "ivan\x00@example.com", "Email"),
        ("Ivan Petrenko", "e" * 251, "Email"),
    ],
)
def test_a_new_server_user_the_crm_cannot_keep_is_a_conflict(
    display: str, email: str, field: str
) -> None:
    decisions = page()
    with pytest.raises(ValidationError) as caught:
        decisions.decide(server_entry(display, email=email))
    assert caught.value.field == field
    # Nothing of it is seen by the rest of the page.
    assert decisions.state.contacts == {} and decisions.state.names_taken == set()
    assert decisions.state.users == {}


def test_an_entry_whose_values_break_a_limit_is_refused_even_if_made_by_hand() -> None:
    with pytest.raises(ValidationError, match='"Extension"'):
        page().decide(server_entry("Ivan Petrenko", extension="1" * 51))


def test_a_display_name_no_contact_could_have_is_not_looked_up() -> None:
    assert server_entry("  Ivan   PETRENKO ").contact_key == "ivan petrenko"
    assert server_entry("N" * 251).contact_key == ""
    assert server_entry("Nul\x00Name").contact_key == ""


def test_a_linked_user_is_refreshed_whatever_its_display_name() -> None:
    """The display name of a linked user is stored nowhere: it is no conflict."""
    empty: frozenset[tuple[int, str]] = frozenset()
    record = LinkedRecord(uuid.UUID(int=5), None, "ivan.p", None, None, "", frozenset(), empty)
    assert page(linked={7: record}).decide(server_entry("N" * 300)) is Kept.UNCHANGED

"""Password hashes (each carries its own scrypt parameters, whatever cost made it) and the
password policy (Creatio's defaults, kept in System settings)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from pydantic import SecretStr

from tests.conftest import TEST_PASSWORD_COST
from webitel_tui.db.engine import Database
from webitel_tui.domain import passwords
from webitel_tui.domain.errors import ValidationError
from webitel_tui.domain.paging import PageRequest
from webitel_tui.domain.records import Actor
from webitel_tui.processes.auth import log_in
from webitel_tui.processes.setup import create_first_admin
from webitel_tui.processes.system_users import UserForm, save_user
from webitel_tui.repositories import unit_of_work


def test_without_the_test_ceiling_a_hash_costs_the_production_default(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(passwords.COST_CEILING_ENV)
    assert passwords.cost_ceiling() is None
    stored = passwords.hash_password("Str0ng-one")
    assert stored.startswith(f"scrypt${passwords.DEFAULT_COST}$8$1$")
    assert passwords.DEFAULT_COST >= 2**17  # OWASP's minimum for scrypt
    assert passwords.verify_password("Str0ng-one", stored)


def test_the_ceiling_caps_the_cost_and_its_hashes_verify_without_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    stored = passwords.hash_password("Str0ng-one")
    assert stored.startswith(f"scrypt${TEST_PASSWORD_COST}$")
    assert passwords.hash_password("x", n=2).startswith("scrypt$2$")  # below it: as asked
    monkeypatch.delenv(passwords.COST_CEILING_ENV)
    assert passwords.verify_password("Str0ng-one", stored)
    assert not passwords.verify_password("Str0ng-two", stored)


def test_a_hash_made_at_a_higher_cost_verifies_under_the_ceiling(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(passwords.COST_CEILING_ENV)
    stored = passwords.hash_password("Str0ng-one", n=2**10)
    monkeypatch.setenv(passwords.COST_CEILING_ENV, str(TEST_PASSWORD_COST))
    assert stored.startswith("scrypt$1024$")
    assert passwords.verify_password("Str0ng-one", stored)
    assert not passwords.verify_password("Str0ng-two", stored)


@pytest.mark.parametrize("value", ["1", "24", "0", "-16", "2**4"])
def test_a_ceiling_that_is_not_a_power_of_two_is_refused(
    monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv(passwords.COST_CEILING_ENV, value)
    with pytest.raises(ValueError, match=passwords.COST_CEILING_ENV):
        passwords.hash_password("Str0ng-one")


# The password policy (System settings) -------------------------------------------------------

POLICY_MESSAGE = (
    "The password must be at least 8 characters long and contain at least one letter and one digit."
)


@pytest.mark.parametrize("password", ["abc", "abcdefgh", "12345678", "abc1234", "        "])
def test_the_default_policy_refuses_short_passwords_and_those_without_a_letter_or_digit(
    password: str,
) -> None:
    with pytest.raises(ValidationError) as caught:
        passwords.check_password_policy(password, passwords.PasswordPolicy())
    assert (str(caught.value), caught.value.field) == (POLICY_MESSAGE, "Password")
    assert password.strip() == "" or password not in str(caught.value)


@pytest.mark.parametrize("password", ["abcdefg1", "Str0ng-one", "Пароль12", "1234567a"])
def test_the_default_policy_takes_eight_characters_with_a_letter_and_a_digit(
    password: str,
) -> None:
    passwords.check_password_policy(password, passwords.PasswordPolicy())


def test_the_policy_comes_from_the_system_settings() -> None:
    policy = passwords.PasswordPolicy.from_settings(
        {
            "MinPasswordLength": "12",
            "MinPasswordLetterCharCount": "0",
            "MinPasswordNumericCharCount": "2",
            "MinPasswordUppercaseCharCount": "1",
            "MinPasswordSpecialCharCount": "3",
            "MinPasswordLowercaseCharCount": " 1 ",
        }
    )
    assert policy == passwords.PasswordPolicy(12, 0, 2, 1, 1, 3)
    assert policy.message() == (
        "The password must be at least 12 characters long and contain at least 2 digits, "
        "one lowercase letter, one uppercase letter and 3 special characters."
    )
    assert policy.problem("Aa12!!xxxxxx") == policy.message()  # two specials only
    assert policy.problem("Aa12!!!#xxxx") is None


@pytest.mark.parametrize("value", ["", "eight", "-1", "8.5", "８"])
def test_a_setting_that_is_not_a_whole_number_keeps_its_default(value: str) -> None:
    assert passwords.PasswordPolicy.from_settings({"MinPasswordLength": value}).min_length == 8
    assert passwords.PasswordPolicy.from_settings({}) == passwords.PasswordPolicy()


def test_the_policy_message_for_fewer_rules() -> None:
    assert passwords.PasswordPolicy(6, 0, 0).message() == (
        "The password must be at least 6 characters long."
    )
    assert passwords.PasswordPolicy(0, 1, 0).message() == (
        "The password must contain at least one letter."
    )
    none = passwords.PasswordPolicy(0, 0, 0)
    assert none.problem("") is None and none.problem("x") is None


@pytest.fixture
async def seeded(seeded_database_url: str) -> AsyncIterator[Database]:
    database = Database(seeded_database_url)
    try:
        yield database
    finally:
        await database.dispose()


def user_form(password: str, confirmation: str | None = None) -> UserForm:
    return UserForm(
        name="npetrenko",
        new_contact_name="Nadiia Petrenko",
        password=SecretStr(password),
        confirmation=SecretStr(password if confirmation is None else confirmation),
    )


async def test_system_users_refuse_a_weak_password_and_write_nothing(seeded: Database) -> None:
    with pytest.raises(ValidationError) as caught:
        await save_user(seeded, Actor(), user_form("abc"))
    assert (str(caught.value), caught.value.field) == (POLICY_MESSAGE, "Password")
    async with unit_of_work(seeded) as uow:
        assert await uow.users.get_by_name("npetrenko") is None
        assert (await uow.contacts.page_contacts(PageRequest())).items == []
    user = await save_user(seeded, Actor(), user_form("Str0ng-one"))
    # A new password for an existing user: the same policy.
    change = user_form("short1").model_copy(update={"user_id": user.id, "version": user.version})
    with pytest.raises(ValidationError, match="at least 8 characters"):
        await save_user(seeded, Actor(), change)
    # Saved without a new password: the password is kept, no policy to meet.
    unchanged = user_form("").model_copy(update={"user_id": user.id, "version": user.version})
    await save_user(seeded, Actor(), unchanged)


async def test_the_policy_follows_its_system_settings(seeded: Database) -> None:
    async with unit_of_work(seeded) as uow:
        setting = await uow.settings.get("MinPasswordLength")
        assert (setting.value, setting.value_type) == ("8", "Integer")
        await uow.settings.set_value(setting, "4")
        assert await uow.settings.password_policy() == passwords.PasswordPolicy(min_length=4)
    await save_user(seeded, Actor(), user_form("ab12"))


async def test_init_refuses_a_weak_first_password(seeded: Database) -> None:
    """`webitel-tui init` and the first start's questions (setup.create_first_admin)."""
    with pytest.raises(ValidationError, match="at least 8 characters"):
        await create_first_admin(seeded, "boss", "boss", "Big Boss")
    async with unit_of_work(seeded) as uow:
        assert await uow.users.get_by_name("boss") is None
    await create_first_admin(seeded, "boss", "Str0ng pass", "Big Boss")


async def test_the_demo_users_keep_their_seeded_passwords(demo_database_url: str) -> None:
    """The policy is for passwords a person sets: the demo's seeded ones still log in."""
    db = Database(demo_database_url)
    try:
        for login in ("Supervisor", "okovalenko"):
            session = await log_in(db, login, login)
            assert session.user.name == login
    finally:
        await db.dispose()

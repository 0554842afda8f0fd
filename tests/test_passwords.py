"""Password hashes: each carries its own scrypt parameters, whatever cost made it."""

from __future__ import annotations

import pytest

from tests.conftest import TEST_PASSWORD_COST
from webitel_tui.domain import passwords


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

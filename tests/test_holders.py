"""The uniqueness rules over the holders read: pure, no database."""

from __future__ import annotations

import uuid

from webitel_tui.domain.holders import Holder, Holders, duplicate_among

ANN, BOB = uuid.UUID(int=1), uuid.UUID(int=2)
RECORD = uuid.UUID(int=10)


def test_the_crm_user_is_named_first_then_the_extension_then_the_login() -> None:
    holders = [
        Holder("jsmith", None, "", None, RECORD),
        Holder("ann", "7001", "Ann Lee", ANN, uuid.UUID(int=11)),
    ]
    found = duplicate_among("jsmith", "7001", ANN, holders)
    assert found is not None and found.field == "User" and '"ann"' in str(found)
    found = duplicate_among("jsmith", "7001", BOB, holders)
    assert found is not None and found.field == "Extension" and '"Ann Lee"' in str(found)
    found = duplicate_among("jsmith", None, BOB, holders)
    assert found is not None and found.field == "Webitel user name"
    assert duplicate_among("new", None, None, holders) is None


def test_a_record_that_changes_its_values_no_longer_holds_the_old_ones() -> None:
    holders = Holders([Holder("jsmith", "7001", "", ANN, RECORD)])
    holders.add(Holder("jsmith2", "7002", "", BOB, RECORD))
    assert holders.of("jsmith", "7001", ANN, None) == []
    assert not holders.hold_user(ANN) and holders.hold_user(BOB)
    assert [h.name for h in holders.of("x", "7002", None, None)] == ["jsmith2"]
    assert holders.of("jsmith2", "7002", BOB, RECORD) == []  # its own values

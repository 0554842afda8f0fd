"""GetWebitelUsers' decisions over the CRM as read: pure, no database, no server."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta, timezone

import pytest

from webitel_tui.domain.errors import DuplicateValueError, ValidationError
from webitel_tui.domain.holders import Holder
from webitel_tui.domain.import_matching import (
    Kept,
    LinkedRecord,
    MatchState,
    NamedContact,
    NewLink,
    PageDecisions,
    ServerEntry,
    Update,
    Wanted,
    license_keys,
)
from webitel_tui.domain.users import SystemUser, UserType
from webitel_tui.domain.webitel_users import LicenseGrant, RoleGrant

OWN_ID = 1
RECORD = uuid.UUID(int=100)


def crm_user(name: str, n: int, **values: object) -> SystemUser:
    return SystemUser(id=uuid.UUID(int=n), name=name, contact_name=name.title(), **values)


def entry(
    webitel_id: int, login: str, display: str = "", extension: str | None = None
) -> ServerEntry:
    wanted = Wanted(login, extension, None, "", [], [])
    return ServerEntry(webitel_id, login, display, f"{login}@example.com", wanted)


def decisions(
    *,
    contacts: Sequence[NamedContact] = (),
    users: Sequence[SystemUser] = (),
    taken: Collection[str] = (),
    holders: Sequence[Holder] = (),
    linked: dict[int, LinkedRecord] | None = None,
) -> PageDecisions:
    by_name: dict[str, list[NamedContact]] = {}
    for contact in contacts:
        by_name.setdefault(" ".join(contact.name.casefold().split()), []).append(contact)
    state = MatchState(
        by_name,
        {u.name.casefold(): u for u in users},
        {*taken, *(u.name.casefold() for u in users)},
        list(holders),
    )
    ids = (uuid.UUID(int=n) for n in itertools.count(1000))
    return PageDecisions(linked or {}, state, OWN_ID, lambda: next(ids))


def linked_record(**values: object) -> LinkedRecord:
    fields: dict[str, object] = {
        "id": RECORD,
        "user_id": uuid.UUID(int=5),
        "name": "ivan.p",
        "extension": "7001",
        "default_device_id": None,
        "default_device_name": "",
        "licenses": frozenset(),
        "roles": frozenset(),
    }
    return LinkedRecord(**{**fields, **values})  # type: ignore[arg-type]


def test_a_linked_record_as_the_server_has_it_is_unchanged() -> None:
    page = decisions(linked={7: linked_record()})
    assert page.decide(entry(7, "ivan.p", extension="7001")) is Kept.UNCHANGED


def test_a_linked_record_gets_only_what_differs() -> None:
    page = decisions(linked={7: linked_record()})
    grant = LicenseGrant(license_id="L1", product="OPERATOR", name="Operator")
    wanted = Wanted("ivan.p", "7002", None, "", [grant], [RoleGrant(role_id=3, name="Agents")])
    decision = page.decide(ServerEntry(7, "ivan.p", "", "", wanted))
    assert isinstance(decision, Update)
    assert decision.fields == {"extension": "7002"}
    assert decision.licenses_changed and decision.roles_changed


def test_an_expiry_is_the_same_moment_in_any_zone() -> None:
    moment = datetime(2027, 1, 1, 12, tzinfo=UTC)
    kyiv = moment.astimezone(timezone(timedelta(hours=2)))
    assert license_keys([LicenseGrant(license_id="L", expires_on=kyiv)]) == license_keys(
        [LicenseGrant(license_id="L", expires_on=moment.replace(tzinfo=None))]
    )


def test_a_new_extension_held_by_another_record_is_a_conflict() -> None:
    other = Holder("olena", "7002", "Olena Kovalenko", uuid.UUID(int=6), uuid.UUID(int=101))
    page = decisions(linked={7: linked_record()}, holders=[other])
    with pytest.raises(DuplicateValueError, match="Olena Kovalenko"):
        page.decide(entry(7, "ivan.p", extension="7002"))


def test_the_connections_own_account_is_skipped() -> None:
    assert decisions().decide(entry(OWN_ID, "admin")) is Kept.SKIPPED


def test_a_contact_named_alike_with_one_free_user_is_linked() -> None:
    user = crm_user("ivan", 5)
    contact = NamedContact(uuid.UUID(int=50), "Ivan  Petrenko", [user])
    decision = decisions(contacts=[contact]).decide(entry(7, "ivan.p", "ivan petrenko"))
    assert isinstance(decision, NewLink) and not decision.created
    assert decision.new_contact is None and decision.new_user is None
    assert decision.record.user_id == user.id and decision.record.contact_id == contact.id
    assert decision.contact_name == "Ivan  Petrenko"


def test_two_contacts_of_one_name_or_a_contact_with_two_users_are_conflicts() -> None:
    twins = [NamedContact(uuid.UUID(int=n), "Ivan Petrenko") for n in (50, 51)]
    with pytest.raises(ValidationError, match="2 CRM contacts"):
        decisions(contacts=twins).decide(entry(7, "ivan.p", "Ivan Petrenko"))
    busy = NamedContact(uuid.UUID(int=50), "Ivan Petrenko", [crm_user("a", 5), crm_user("b", 6)])
    with pytest.raises(ValidationError, match="has 2 CRM users"):
        decisions(contacts=[busy]).decide(entry(7, "ivan.p", "Ivan Petrenko"))


def test_a_contact_whose_users_are_all_linked_is_a_conflict_not_a_second_contact() -> None:
    user = crm_user("ivan", 5)
    contact = NamedContact(uuid.UUID(int=50), "Ivan Petrenko", [user])
    holder = Holder("other", None, "Ivan Petrenko", user.id, uuid.UUID(int=101))
    page = decisions(contacts=[contact], holders=[holder])
    with pytest.raises(
        ValidationError,
        match='The contact "Ivan Petrenko" already belongs to the Webitel user "other"',
    ):
        page.decide(entry(7, "ivan.p", "Ivan Petrenko"))


def taken_contact(n: int, name: str, *webitel_users: str) -> NamedContact:
    """A contact as read whose CRM users are all Webitel users (none of them in `users`)."""
    return NamedContact(uuid.UUID(int=n), name, had_users=True, webitel_users=list(webitel_users))


def test_a_contact_that_belongs_to_another_webitel_user_is_a_conflict() -> None:
    page = decisions(contacts=[taken_contact(50, "Olena  Kovalenko", "agent1")])
    with pytest.raises(ValidationError) as caught:
        page.decide(entry(7, "olena.kovalenko", "Olena Kovalenko"))
    assert str(caught.value) == (
        'The contact "Olena  Kovalenko" already belongs to the Webitel user "agent1": '
        "link this user by hand."
    )
    # Nothing was decided: a later namesake on the page meets the same contact.
    with pytest.raises(ValidationError, match="agent1"):
        page.decide(entry(8, "olena.k2", "olena kovalenko"))


def test_several_contacts_that_belong_to_others_are_one_conflict_naming_one() -> None:
    taken = [
        taken_contact(50, "Olena Kovalenko", "zed"),
        taken_contact(51, "Olena Kovalenko", "ag"),
    ]
    with pytest.raises(ValidationError) as caught:
        decisions(contacts=taken).decide(entry(7, "olena.kovalenko", "Olena Kovalenko"))
    assert str(caught.value) == (
        '2 CRM contacts named "Olena Kovalenko" already belong to other Webitel users ("ag" '
        "among them): link this user by hand."
    )


def test_a_free_namesake_is_the_match_beside_one_that_belongs_to_another_user() -> None:
    """The contact already taken is no candidate: the free one is the only one left."""
    free = NamedContact(uuid.UUID(int=51), "Olena Kovalenko")
    page = decisions(contacts=[taken_contact(50, "Olena Kovalenko", "agent1"), free])
    decision = page.decide(entry(7, "olena.kovalenko", "Olena Kovalenko"))
    assert isinstance(decision, NewLink) and decision.created
    assert decision.new_contact is None and decision.record.contact_id == free.id
    twins = [NamedContact(uuid.UUID(int=n), "Olena Kovalenko") for n in (51, 52)]
    page = decisions(contacts=[taken_contact(50, "Olena Kovalenko", "agent1"), *twins])
    with pytest.raises(ValidationError, match='2 CRM contacts are named "Olena Kovalenko"'):
        page.decide(entry(7, "olena.kovalenko", "Olena Kovalenko"))


def test_a_crm_user_of_the_user_name_is_linked_though_the_namesake_is_taken() -> None:
    """By contact name first, then by user name: the CRM user found is linked with its own
    contact, and no contact is made."""
    user = crm_user("olena.kovalenko", 5, contact_id=uuid.UUID(int=55))
    page = decisions(contacts=[taken_contact(50, "Olena Kovalenko", "agent1")], users=[user])
    decision = page.decide(entry(7, "olena.kovalenko", "Olena Kovalenko"))
    assert isinstance(decision, NewLink) and not decision.created
    assert decision.new_contact is None and decision.record.contact_id == uuid.UUID(int=55)


def test_a_contact_of_a_record_of_this_user_name_is_the_name_conflict() -> None:
    """The namesake belongs to a CRM record of this very user name (whose Webitel id is not
    known yet): not another user's contact; the user name is what clashes."""
    holder = Holder("olena.kovalenko", None, "Olena Kovalenko", uuid.UUID(int=6), RECORD)
    page = decisions(
        contacts=[taken_contact(50, "Olena Kovalenko", "olena.kovalenko")], holders=[holder]
    )
    with pytest.raises(DuplicateValueError, match="already used by another Webitel user"):
        page.decide(entry(7, "olena.kovalenko", "Olena Kovalenko"))


def test_a_crm_user_of_the_same_name_is_linked() -> None:
    user = crm_user("ivan.p", 5, contact_id=uuid.UUID(int=55))
    decision = decisions(users=[user]).decide(entry(7, "Ivan.P"))
    assert isinstance(decision, NewLink) and not decision.created
    assert decision.record.user_id == user.id and decision.record.contact_id == uuid.UUID(int=55)


def test_a_portal_user_is_never_linked() -> None:
    user = crm_user("ivan.p", 5, user_type=UserType.PORTAL)
    with pytest.raises(ValidationError, match="portal user"):
        decisions(users=[user]).decide(entry(7, "ivan.p"))


def test_no_match_creates_a_contact_and_a_user_who_must_change_the_password() -> None:
    decision = decisions().decide(entry(7, "ivan.p", "Ivan Petrenko", "7001"))
    assert isinstance(decision, NewLink) and decision.created
    assert decision.new_contact is not None and decision.new_contact.name == "Ivan Petrenko"
    assert decision.new_user is not None and decision.new_user.force_change_password
    assert decision.new_user.contact_id == decision.record.contact_id
    assert decision.record.extension == "7001" and decision.record.webitel_id == 7
    assert len({decision.record_id, decision.record.user_id, decision.record.contact_id}) == 3


def test_a_name_taken_by_a_role_is_a_conflict() -> None:
    with pytest.raises(DuplicateValueError):
        decisions(taken={"agents"}).decide(entry(7, "Agents"))


def test_a_namesake_of_a_user_linked_on_the_page_is_a_conflict() -> None:
    """The first gets a contact; the second meets it as one that belongs to the first, as it
    would in a later run."""
    page = decisions()
    first = page.decide(entry(7, "ivan.p1", "Ivan Petrenko"))
    assert isinstance(first, NewLink) and first.created
    with pytest.raises(ValidationError, match=r'belongs to the Webitel user "ivan\.p1"'):
        page.decide(entry(8, "ivan.p2", "ivan  petrenko"))
    other = page.decide(entry(9, "ivan.k", "Ivan Koval"))
    assert isinstance(other, NewLink) and other.created


def test_the_page_sees_what_it_has_decided() -> None:
    page = decisions()
    page.decide(entry(7, "ivan.p", "Ivan Petrenko", "7001"))
    with pytest.raises(DuplicateValueError, match="7001"):
        page.decide(entry(8, "olena.k", "Olena Kovalenko", "7001"))
    with pytest.raises(DuplicateValueError):
        page.decide(entry(9, "IVAN.P", "Someone Else"))  # the user name, any case


def test_a_server_user_that_breaks_a_rule_is_refused_with_its_reason() -> None:
    problem = ValidationError("The Webitel user name is not valid.", "Webitel user name")
    with pytest.raises(ValidationError, match="not valid"):
        decisions().decide(ServerEntry(7, "x y", "", "", None, problem))

"""Every user, role, license and device operation against the simulator over loopback."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable

import httpx
import pytest
from pydantic import SecretStr

from tests.webitel.conftest import SIM_USERS, fast_options, inject
from webitel_tui.simulator import CURRENT_GENERATION, FaultRule, RunningSimulator
from webitel_tui.webitel import (
    BadRequestError,
    ConflictError,
    CreatedUser,
    DeviceProvisioningError,
    InputDevice,
    InputUser,
    LicenseError,
    NotFoundError,
    ObjectRef,
    PermissionDeniedError,
    WebitelClient,
    in_doubt,
)
from webitel_tui.webitel import client as client_module


def new_user(username: str = "jdoe", extension: str = "5001", **extra: object) -> InputUser:
    return InputUser(
        username=username,
        name="John Doe",
        extension=extension,
        password="S3cret!",
        **extra,
    )


# -- search and paging ----------------------------------------------------------------------


async def test_paging_walks_every_page_until_next_is_false(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    users = await client.list_users(page_size=7)
    assert len(users) == SIM_USERS
    assert [u.id for u in users] == [str(i) for i in sorted(sim.state.users)]
    # 60 users by 7 is 9 pages: the last one says next=false (the field is left out).
    assert sim.state.requests >= 9


async def test_exact_page_multiple_ends_on_an_empty_page(client: WebitelClient) -> None:
    users = await client.list_users(page_size=SIM_USERS // 4)
    assert len(users) == SIM_USERS


async def test_search_pages_sort_and_filters(client: WebitelClient) -> None:
    page = await client.search_users(size=50, sort=["-name"])
    names = [u.name or "" for u in page.items]
    assert names == sorted(names, reverse=True) and page.next

    first = await client.search_users(size=5, page=2)
    assert [u.id for u in first.items] == ["6", "7", "8", "9", "10"] and first.next

    by_ext = await client.search_users(extension="1003")
    assert [u.name for u in by_ext.items] == ["Andrii Melnyk"]
    by_login = await client.search_users(username="maria.tkachenko")
    assert [u.name for u in by_login.items] == ["Maria Tkachenko"]
    assert (await client.search_users(username="nobody-like-this")).items == ()


async def test_seeded_colliding_names_are_present(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    names = [u.name for u in await client.list_users()]
    for name in ("Olena Kovalenko", "Andrii Melnyk", "Oleksandr Shevchenko", "Maria Tkachenko"):
        assert names.count(name) == 1, name
    andrii = await client.get_user(_id_of(sim, "Andrii Melnyk"))
    assert andrii.device is None  # a user without a default device


def _id_of(sim: RunningSimulator, name: str) -> int:
    return next(u.id for u in sim.state.users.values() if u.name == name)


async def test_get_user_and_not_found(client: WebitelClient) -> None:
    user = await client.get_user(2)
    assert user.name == "Olena Kovalenko" and user.default_device_id is not None
    assert user.default_device_id in user.device_ids
    with pytest.raises(NotFoundError) as caught:
        await client.get_user(999_999)
    assert caught.value.code == 404 and "not found" in caught.value.detail


async def test_find_user_by_username(client: WebitelClient) -> None:
    found = await client.find_user_by_username("OLENA.KOVALENKO")
    assert found is not None and found.id == "2"
    assert await client.find_user_by_username("no.such.user") is None


# -- create with a default device -------------------------------------------------------------


def older(sim: RunningSimulator) -> bool:
    """A server before ``generate_device`` (generation 23)."""
    return sim.state.generation < CURRENT_GENERATION


def assert_device_of(sim: RunningSimulator, created: CreatedUser, name: str) -> None:
    """The created user's default device: its own, named `name`, with the SIP password the
    client chose when it chose one (the older flow), else the server's."""
    user = created.user
    assert user.default_device_id is not None and user.device_ids == [user.default_device_id]
    device = sim.state.devices[int(user.default_device_id)]
    assert (device.name, device.user_id) == (name, int(user.id))
    assert device.password
    if created.sip_password is not None:
        assert device.password == created.sip_password.get_secret_value()


async def test_create_with_a_default_device(sim: RunningSimulator, client: WebitelClient) -> None:
    created = await client.create_user(new_user(roles=[ObjectRef(id="2")]))
    user = created.user
    assert user.username == "jdoe" and user.extension == "5001"
    assert user.role_ids == ["2"]
    assert_device_of(sim, created, "jdoe")
    device = await client.get_device(user.default_device_id or "")
    assert device.user is not None and device.user.id == user.id
    assert sim.state.users[int(user.id)].password == "S3cret!"
    if older(sim):  # no generate_device: the client made the device and its password
        assert client.device_mode == "legacy" and created.sip_password is not None
    else:
        assert client.device_mode == "query" and created.sip_password is None


async def test_the_older_flow_sends_a_generated_password_and_returns_it_once(
    sim: RunningSimulator,
    make_client: Callable[..., WebitelClient],
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with make_client(device_mode="legacy") as webitel:
        first = await webitel.create_user(new_user())
        second = await webitel.create_user(new_user("jdoe2", "5002"))
    assert first.sip_password is not None and second.sip_password is not None
    password = first.sip_password.get_secret_value()
    assert re.fullmatch(r"[A-Za-z0-9]{16}", password)
    assert password != second.sip_password.get_secret_value()
    assert_device_of(sim, first, "jdoe")
    assert sim.state.devices[int(first.user.default_device_id or 0)].account == "jdoe"
    # Handed over once: nowhere in a repr, the user's answer or the log.
    assert password not in repr(first) and password not in repr(first.user)
    assert password not in caplog.text


async def test_create_falls_back_when_the_server_rejects_generate_device(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    sim.state.legacy_devices = "reject"
    created = await client.create_user(new_user())
    assert client.device_mode == "legacy"
    assert_device_of(sim, created, "jdoe")
    assert created.sip_password is not None
    assert len([u for u in sim.state.users.values() if u.username == "jdoe"]) == 1
    second = await client.create_user(new_user("jdoe2", "5002"))
    assert_device_of(sim, second, "jdoe2")


async def test_create_falls_back_when_the_server_ignores_generate_device(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    sim.state.legacy_devices = "ignore"
    created = await client.create_user(new_user())
    assert client.device_mode == "legacy"
    assert_device_of(sim, created, "jdoe")
    assert created.sip_password is not None


class Recorder(httpx.AsyncHTTPTransport):
    """A real transport that notes each request's method, path and query."""

    def __init__(self) -> None:
        super().__init__()
        self.sent: list[tuple[str, str, str]] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.sent.append((request.method, request.url.path, request.url.query.decode()))
        return await super().handle_async_request(request)


POST_USERS = ("POST", "/api/users")


async def test_auto_learns_the_generation_once_per_client(sim: RunningSimulator) -> None:
    recorder = Recorder()
    async with WebitelClient(fast_options(sim), transport=recorder) as webitel:
        assert webitel.device_mode == "auto"
        first = await webitel.create_user(new_user())
        learnt = webitel.device_mode
        second = await webitel.create_user(new_user("jdoe2", "5002"))
    assert webitel.device_mode == learnt == ("legacy" if older(sim) else "query")
    asked = [query for method, path, query in recorder.sent if (method, path) == POST_USERS]
    assert len(asked) == 2 and "generate_device=true" in asked[0]
    # The second create asks only what the first answer showed the server takes.
    assert ("generate_device" in asked[1]) == (not older(sim))
    devices = [path for method, path, _query in recorder.sent if method == "POST"]
    assert devices.count("/api/devices") == (2 if older(sim) else 0)
    assert_device_of(sim, first, "jdoe")
    assert_device_of(sim, second, "jdoe2")


async def test_none_mode_creates_users_without_a_device(sim: RunningSimulator) -> None:
    devices = set(sim.state.devices)
    recorder = Recorder()
    async with WebitelClient(fast_options(sim, device_mode="none"), transport=recorder) as webitel:
        created = await webitel.create_user(new_user())
        assert webitel.device_mode == "none"
    assert created.user.device is None and created.user.devices == ()
    assert created.sip_password is None
    assert set(sim.state.devices) == devices
    assert [(m, p, q) for m, p, q in recorder.sent if m != "GET" and p != "/api/login"] == [
        ("POST", "/api/users", "")
    ]


async def test_query_mode_on_an_old_server_is_an_error(
    sim: RunningSimulator, make_client: Callable[..., WebitelClient]
) -> None:
    sim.state.legacy_devices = "reject"
    async with make_client(device_mode="query") as webitel:
        with pytest.raises(BadRequestError, match="generate_device"):
            await webitel.create_user(new_user())
    assert sim.state.user_by_username("jdoe") is None


async def test_legacy_mode_creates_the_device_then_patches(
    sim: RunningSimulator, make_client: Callable[..., WebitelClient]
) -> None:
    async with make_client(device_mode="legacy") as webitel:
        created = await webitel.create_user(new_user(), device_name="jdoe-sip")
    user = created.user
    assert user.device is not None and user.device.name == "jdoe-sip"
    assert sim.state.devices[int(user.device.id or 0)].user_id == int(user.id)
    assert_device_of(sim, created, "jdoe-sip")


async def test_legacy_device_failure_names_the_created_user(
    sim: RunningSimulator,
    make_client: Callable[..., WebitelClient],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    password = SecretStr("Kn0wnSipPassw0rd")
    monkeypatch.setattr(client_module, "new_sip_password", lambda: password)
    async with make_client(device_mode="legacy") as webitel:
        # The seeded device "olena.kovalenko" takes that device name.
        with pytest.raises(DeviceProvisioningError) as caught:
            await webitel.create_user(new_user(), device_name="olena.kovalenko")
    created = sim.state.user_by_username("jdoe")
    assert created is not None and caught.value.user_id == str(created.id)
    assert caught.value.device_id is None  # refused: no device was made
    assert isinstance(caught.value.__cause__, ConflictError)
    secret = password.get_secret_value()
    assert secret not in str(caught.value) and secret not in repr(caught.value)


@pytest.mark.parametrize("apply", [True, False], ids=["applied", "not-applied"])
async def test_a_lost_device_answer_names_the_device_if_it_was_made(
    sim: RunningSimulator, make_client: Callable[..., WebitelClient], apply: bool
) -> None:
    """The POST /devices of the older flow loses its answer: the device is looked up by its
    name, so that the caller can remove it with the user."""
    async with make_client(device_mode="legacy", timeout=0.5) as webitel:
        await webitel.login()
        inject(sim, FaultRule(kind="drop", route="POST /api/devices", count=1, apply=apply))
        with pytest.raises(DeviceProvisioningError) as caught:
            await webitel.create_user(new_user())
    made = [d for d in sim.state.devices.values() if d.name == "jdoe"]
    if apply:
        (device,) = made
        assert caught.value.device_id == str(device.id)
    else:
        assert made == [] and caught.value.device_id is None
    assert in_doubt(caught.value.__cause__)  # type: ignore[arg-type]


async def test_create_without_device(client: WebitelClient) -> None:
    created = await client.create_user(new_user(), default_device=False)
    assert created.user.device is None and created.user.devices == ()
    assert created.sip_password is None


@pytest.mark.parametrize(
    ("username", "extension", "field"),
    [("olena.kovalenko", "5001", "username"), ("fresh.user", "1002", "extension")],
)
async def test_unique_username_and_extension(
    sim: RunningSimulator, client: WebitelClient, username: str, extension: str, field: str
) -> None:
    before = len(sim.state.users)
    with pytest.raises(ConflictError) as caught:
        await client.create_user(new_user(username, extension))
    assert caught.value.field == field and caught.value.code == 400
    assert "already exists" in caught.value.detail
    assert len(sim.state.users) == before


async def test_invalid_input_is_bad_request(client: WebitelClient) -> None:
    with pytest.raises(BadRequestError, match="digits only"):
        await client.create_user(new_user(extension="12a"))
    with pytest.raises(ValueError):
        await client.create_user(InputUser(name="No Login"))


# -- update and delete ------------------------------------------------------------------------


async def test_patch(client: WebitelClient) -> None:
    user = (await client.create_user(new_user(), default_device=False)).user
    updated = await client.patch_user(user.id, InputUser(name="John Q. Doe", email="j@x.io"))
    assert (updated.name, updated.email, updated.extension) == ("John Q. Doe", "j@x.io", "5001")
    patched = await client.patch_user(user.id, InputUser(extension="5009"))
    assert patched.extension == "5009" and patched.name == "John Q. Doe"
    with pytest.raises(ConflictError):
        await client.patch_user(user.id, InputUser(extension="1002"))


async def test_soft_delete_then_permanent(sim: RunningSimulator, client: WebitelClient) -> None:
    user = (await client.create_user(new_user())).user
    await client.delete_user(user.id, permanent=False)
    soft = await client.get_user(user.id)
    assert soft.is_deleted
    assert await client.find_user_by_username("jdoe") is None
    assert await client.find_user_by_username("jdoe", include_deleted=True) is not None
    every = await client.search_users(username="jdoe", include_deleted=True)
    assert [u.id for u in every.items] == [user.id]

    await client.delete_user(user.id, permanent=True)
    with pytest.raises(NotFoundError):
        await client.get_user(user.id)
    with pytest.raises(NotFoundError):
        await client.delete_user(user.id)
    await client.delete_user(user.id, missing_ok=True)
    assert int(user.id) not in sim.state.users


async def test_permanent_delete_returns_license_grants(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    operator = sim.state.license_by_product("OPERATOR")
    user = (await client.create_user(new_user(license=[ObjectRef(id=operator.id)]))).user
    remain = operator.remain
    await client.delete_user(user.id)
    assert operator.remain == remain + 1


# -- licenses and roles -----------------------------------------------------------------------


async def test_list_licenses_with_limit_remain_and_validity(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    licenses = {lic.product: lic for lic in await client.list_licenses()}
    assert set(licenses) == {"OPERATOR", "SUPERVISOR", "MANAGER", "CHAT", "DEVICE"}
    assert licenses["CHAT"].is_expired()
    assert licenses["SUPERVISOR"].is_exhausted
    assert licenses["OPERATOR"].limit is not None and licenses["OPERATOR"].remain is not None
    valid = {lic.product for lic in await client.list_licenses(valid=True)}
    assert "CHAT" not in valid and "SUPERVISOR" not in valid and "OPERATOR" in valid


async def test_grant_and_revoke_license(sim: RunningSimulator, client: WebitelClient) -> None:
    manager = sim.state.license_by_product("MANAGER")
    remain = manager.remain
    held = (await client.get_user(2)).license_ids
    user = await client.set_user_licenses(2, [*held, manager.id])
    assert manager.id in user.license_ids and manager.remain == remain - 1
    again = await client.set_user_licenses(2, [*held, manager.id])  # the same list again
    assert again.license_ids == user.license_ids and manager.remain == remain - 1
    revoked = await client.set_user_licenses(2, held)
    assert manager.id not in revoked.license_ids and manager.remain == remain
    # The other grants of the user were kept (full-list PATCH).
    assert set(revoked.license_ids) == set(user.license_ids) - {manager.id}


async def test_granting_beyond_the_limit_fails(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    supervisor = sim.state.license_by_product("SUPERVISOR")
    assert supervisor.remain == 0
    with pytest.raises(LicenseError) as caught:
        await client.set_user_licenses(2, [supervisor.id])
    assert caught.value.code == 400 and "SUPERVISOR" in caught.value.detail


async def test_granting_an_expired_license_fails(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    chat = sim.state.license_by_product("CHAT")
    holder = next(u for u in sim.state.users.values() if chat.id not in u.licenses)
    with pytest.raises(LicenseError, match="expired"):
        await client.set_user_licenses(holder.id, [chat.id])
    with pytest.raises(LicenseError):
        await client.set_user_licenses(holder.id, ["no-such-serial"])


async def test_roles_list_add_and_remove(client: WebitelClient) -> None:
    roles = await client.list_roles()
    names = {role.name for role in roles}
    assert {"admin", "agents", "supervisors", "managers"} <= names
    assert not any(role.user for role in roles)
    everything = await client.list_roles(include_user_roles=True)
    own = [role for role in everything if role.user]
    assert len(own) == SIM_USERS and any(role.name == "admin" and role.user for role in own)
    managers = next(role for role in roles if role.name == "managers")

    held = (await client.get_user(2)).role_ids
    user = await client.set_user_roles(2, [*held, managers.id])
    assert managers.id in user.role_ids and set(held) <= set(user.role_ids)
    user = await client.set_user_roles(2, held)
    assert managers.id not in user.role_ids
    with pytest.raises(BadRequestError, match="role"):
        await client.set_user_roles(2, ["999999"])


# -- devices ----------------------------------------------------------------------------------


async def test_device_create_list_get_delete(sim: RunningSimulator, client: WebitelClient) -> None:
    device = await client.create_device(
        InputDevice(name="desk-42", account="desk42", password="sip!")
    )
    assert device.name == "desk-42" and device.account == "desk42" and device.user is None
    assert (await client.get_device(device.id)).account == "desk42"
    assert int(device.id) in sim.state.devices
    with pytest.raises(ConflictError) as caught:
        await client.create_device(InputDevice(name="desk-42", password="sip!"))
    assert caught.value.field == "name"
    await client.delete_device(device.id)
    with pytest.raises(NotFoundError):
        await client.get_device(device.id)
    await client.delete_device(device.id, missing_ok=True)


async def test_set_default_device_and_user_devices(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    andrii = _id_of(sim, "Andrii Melnyk")
    device = await client.create_device(InputDevice(name="andrii-sip", password="sip!"))
    user = await client.set_default_device(andrii, device.id)
    assert user.default_device_id == device.id and device.id in user.device_ids
    assert sim.state.devices[int(device.id)].user_id == andrii


# -- permissions and settings ---------------------------------------------------------------


async def test_non_admin_cannot_write(
    sim: RunningSimulator, make_client: Callable[..., WebitelClient]
) -> None:
    async with make_client(username="olena.kovalenko", password="demo") as webitel:
        assert (await webitel.get_user(3)).name == "Andrii Melnyk"
        with pytest.raises(PermissionDeniedError) as caught:
            await webitel.create_user(new_user())
    assert caught.value.code == 403 and caught.value.id

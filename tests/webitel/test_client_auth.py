"""Authentication over real loopback HTTP: login forms, 2FA, 412, tokens, re-login, secrecy."""

from __future__ import annotations

import logging
from collections.abc import Callable

import pytest
from pydantic import SecretStr

from tests.webitel.conftest import fast_options
from webitel_tui.simulator import RunningSimulator
from webitel_tui.webitel import (
    AuthError,
    InvalidCredentialsError,
    PasswordExpiredError,
    TokenExpiredError,
    TwoFactorRequiredError,
    WebitelClient,
    WebitelOptions,
)


async def test_password_login_and_userinfo(client: WebitelClient) -> None:
    info = await client.userinfo()
    assert info.username == "admin" and info.domain == "demo" and info.user_id == "1"


async def test_user_at_domain_login(sim: RunningSimulator) -> None:
    options = fast_options(sim, username="admin@demo", domain="")
    async with WebitelClient(options) as webitel:
        await webitel.login()
        assert (await webitel.userinfo()).username == "admin"


async def test_wrong_password(make_client: Callable[..., WebitelClient]) -> None:
    async with make_client(password="wrong") as webitel:
        with pytest.raises(InvalidCredentialsError) as caught:
            await webitel.userinfo()
    assert caught.value.code == 401
    assert "wrong" not in str(caught.value)


async def test_wrong_domain(make_client: Callable[..., WebitelClient]) -> None:
    async with make_client(domain="elsewhere") as webitel:
        with pytest.raises(InvalidCredentialsError):
            await webitel.login()


async def test_missing_credentials(sim: RunningSimulator) -> None:
    async with WebitelClient(WebitelOptions(base_url=sim.base_url)) as webitel:
        with pytest.raises(AuthError, match="no Webitel credentials"):
            await webitel.userinfo()


async def test_password_expired_is_a_clear_error(
    sim: RunningSimulator, make_client: Callable[..., WebitelClient]
) -> None:
    target = sim.state.users[2]
    target.password_expired = True
    async with make_client(username=target.username, password="demo") as webitel:
        with pytest.raises(PasswordExpiredError) as caught:
            await webitel.login()
    assert caught.value.code == 412 and caught.value.id == "app.password.expired"
    assert not caught.value.must_change


async def test_force_password_change(
    sim: RunningSimulator, make_client: Callable[..., WebitelClient]
) -> None:
    target = sim.state.users[3]
    target.force_password_change = True
    async with make_client(username=target.username, password="demo") as webitel:
        with pytest.raises(PasswordExpiredError) as caught:
            await webitel.login()
    assert caught.value.must_change


async def test_two_factor_login(
    sim: RunningSimulator, make_client: Callable[..., WebitelClient]
) -> None:
    target = sim.state.users[4]
    target.tfa = True
    async with make_client(username=target.username, password="demo") as webitel:
        with pytest.raises(TwoFactorRequiredError) as caught:
            await webitel.login()
        session = caught.value.session_id
        assert session and session not in str(caught.value) and session not in repr(caught.value)
        with pytest.raises(InvalidCredentialsError):
            await webitel.login_2fa(session, "000000")
        await webitel.login_2fa(session, sim.state.totp_code)
        assert (await webitel.userinfo()).username == target.username


async def test_token_auth(sim: RunningSimulator) -> None:
    token = sim.state.issue_token("admin")
    async with WebitelClient(WebitelOptions(base_url=sim.base_url, token=token)) as webitel:
        assert (await webitel.userinfo()).username == "admin"


async def test_revoked_token_is_token_expired_error(sim: RunningSimulator) -> None:
    token = sim.state.issue_token("admin")
    async with WebitelClient(WebitelOptions(base_url=sim.root_url, token=token)) as webitel:
        await webitel.userinfo()
        sim.state.revoke_tokens()
        with pytest.raises(TokenExpiredError, match="expired or was revoked"):
            await webitel.userinfo()
        # The refused token is not sent again.
        requests = sim.state.requests
        with pytest.raises(TokenExpiredError):
            await webitel.userinfo()
        assert sim.state.requests == requests
        assert token not in str(webitel.options) and token not in repr(webitel.options)


async def test_relogin_once_on_401_with_password_auth(
    sim: RunningSimulator, client: WebitelClient
) -> None:
    sim.state.token_expiry_after = 2
    for _ in range(7):
        await client.get_user(1)
    # A token per two requests: the client logged in again each time its token expired.
    assert len(sim.state.tokens) == 4


async def test_relogin_is_attempted_only_once(sim: RunningSimulator, client: WebitelClient) -> None:
    await client.login()
    sim.state.token_expiry_after = 0  # every token fails at once, even a fresh one
    with pytest.raises(AuthError) as caught:
        await client.get_user(1)
    assert caught.value.code == 401 and not isinstance(caught.value, TokenExpiredError)
    assert len(sim.state.tokens) == 2


async def test_logout_revokes_the_token(sim: RunningSimulator, client: WebitelClient) -> None:
    await client.userinfo()
    await client.logout()
    assert all(token.revoked for token in sim.state.tokens.values())
    await client.userinfo()  # logs in again
    assert len(sim.state.tokens) == 2


async def test_secrets_stay_out_of_logs_repr_and_errors(
    sim: RunningSimulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    password = "Sup3r-S3cret-pw"
    sim.state.users[1].password = password
    options = fast_options(sim, password=SecretStr(password))
    async with WebitelClient(options) as webitel:
        await webitel.userinfo()
        (token,) = sim.state.tokens
        sim.state.token_expiry_after = 0  # every request now gets 401, re-login included
        with pytest.raises(AuthError) as caught:
            await webitel.userinfo()
    assert caplog.records  # the client did log its requests
    texts = [caplog.text, str(caught.value), repr(caught.value), repr(webitel), repr(options)]
    for text in texts:
        assert token not in text
        assert password not in text


def test_options_hide_plain_string_secrets() -> None:
    options = WebitelOptions(base_url="https://pbx.example", password="pa55word", token="t0ken")
    assert "pa55word" not in repr(options) and "t0ken" not in repr(options)
    assert options.password_value() == "pa55word" and options.token_value() == "t0ken"
    assert options.api_url == "https://pbx.example/api"
    assert WebitelOptions(base_url="http://h:1/api/").api_url == "http://h:1/api"


@pytest.mark.parametrize(
    "bad",
    [
        {"base_url": "pbx.example"},
        {"base_url": "http://h", "page_size": 0},
        {"base_url": "http://h", "retries": -1},
        {"base_url": "http://h", "timeout": 0},
        {"base_url": "http://h", "device_mode": "sometimes"},
    ],
)
def test_options_are_validated(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        WebitelOptions(**bad)  # type: ignore[arg-type]

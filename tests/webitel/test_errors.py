"""in_doubt(), retryable(), and error answers whose body is not JSON (a proxy's page)."""

from __future__ import annotations

import httpx
import pytest

from webitel_tui.webitel import (
    AuthError,
    BadRequestError,
    ConflictError,
    ConnectFailedError,
    InputUser,
    InvalidCredentialsError,
    LicenseError,
    MalformedResponseError,
    NetworkError,
    NotFoundError,
    PasswordExpiredError,
    PermissionDeniedError,
    ServerError,
    TokenExpiredError,
    TwoFactorRequiredError,
    WebitelClient,
    WebitelError,
    WebitelOptions,
    WebitelTimeoutError,
    in_doubt,
    retryable,
)
from webitel_tui.webitel.wire import body_text

NGINX_502 = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
    b"</body>\r\n</html>\r\n"
)


@pytest.mark.parametrize(
    "error",
    [
        NetworkError("the connection was dropped (RemoteProtocolError)"),
        WebitelTimeoutError("no answer within 2 s"),
        ServerError(code=500),
        ServerError(code=502),
        ServerError(code=503),
        ServerError(code=504),
        MalformedResponseError("the response is not valid JSON"),
        MalformedResponseError(code=302),
        AuthError(code=401),
        TokenExpiredError(code=401),
        InvalidCredentialsError(code=401),
    ],
    ids=repr,
)
def test_in_doubt_when_the_request_went_out_without_a_clear_answer(error: WebitelError) -> None:
    assert in_doubt(error)


@pytest.mark.parametrize(
    "error",
    [
        ConnectFailedError("cannot connect to Webitel (ConnectError)"),
        BadRequestError(code=400),
        ConflictError(code=400),
        ConflictError(code=409),
        LicenseError(code=400),
        PermissionDeniedError(code=403),
        NotFoundError(code=404),
        PasswordExpiredError(code=412),
        AuthError("no Webitel credentials"),  # raised before anything is sent
        TokenExpiredError(),  # a refused ready-made token, not sent again
        TwoFactorRequiredError("session"),
        WebitelError("generic"),
    ],
    ids=repr,
)
def test_not_in_doubt_when_nothing_was_sent_or_it_was_refused(error: WebitelError) -> None:
    assert not in_doubt(error)


@pytest.mark.parametrize(
    ("error", "again"),
    [
        (ConnectFailedError("cannot connect"), True),
        (NetworkError("the connection was dropped"), True),
        (WebitelTimeoutError("no answer within 2 s"), True),
        (ServerError(code=500), True),
        (ServerError(code=503), True),
        # The same unreadable answer would come again; a 4xx is a refusal.
        (MalformedResponseError("the response is not valid JSON"), False),
        (AuthError(code=401), False),
        (BadRequestError(code=400), False),
        (NotFoundError(code=404), False),
    ],
    ids=repr,
)
def test_retryable_when_no_answer_or_a_5xx_came(error: WebitelError, again: bool) -> None:
    assert retryable(error) is again


async def _answer(status: int, body: bytes, content_type: str = "text/plain") -> WebitelError:
    def reply(request: httpx.Request) -> httpx.Response:
        return httpx.Response(status, content=body, headers={"content-type": content_type})

    options = WebitelOptions(base_url="http://127.0.0.1:9", token="t", retries=0)
    async with WebitelClient(options, transport=httpx.MockTransport(reply)) as webitel:
        with pytest.raises(WebitelError) as caught:
            await webitel.patch_user(7, InputUser(username="jsmith"))
    return caught.value


async def test_a_plain_text_400_keeps_the_servers_words() -> None:
    error = await _answer(400, b"user name jsmith already exists\n")
    assert isinstance(error, ConflictError) and error.field == "username"
    assert error.detail == "user name jsmith already exists" and error.code == 400
    assert not in_doubt(error)


async def test_a_proxys_html_502_is_a_server_error_with_the_pages_text() -> None:
    error = await _answer(502, NGINX_502, "text/html")
    assert type(error) is ServerError and error.code == 502
    assert error.detail == "502 Bad Gateway 502 Bad Gateway nginx"
    assert in_doubt(error)


async def test_an_empty_error_body_keeps_the_generic_text() -> None:
    error = await _answer(500, b"", "application/json")
    assert type(error) is ServerError and error.detail == ServerError.default_detail


def test_body_text_is_one_short_line_without_markup() -> None:
    page = (
        b"<!DOCTYPE html><html><head><style>body{color:red}</style>"
        b"<script>var x = '<b>';</script></head><body><!-- hidden -->"
        b"<h1>Access&nbsp;denied</h1>\n\n<p>Request &amp; reply\tblocked.</p>"
        + b"<p>" + b"word " * 200 + b"</p></body></html>"
    )  # fmt: skip
    text = body_text(page)
    assert text.startswith("Access denied Request & reply blocked. word word")
    assert len(text) <= 200 and text.endswith("word…")
    assert "\n" not in text and "<" not in text and "color" not in text and "hidden" not in text
    assert body_text(b"\xff\xfeoops") == "\ufffd\ufffdoops"
    assert body_text(b"size must be < 100 and > 0\r\n") == "size must be < 100 and > 0"

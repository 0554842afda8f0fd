"""in_doubt(): whether a failed request may still have been carried out."""

from __future__ import annotations

import pytest

from webitel_tui.webitel import (
    AuthError,
    BadRequestError,
    ConflictError,
    ConnectFailedError,
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
    WebitelError,
    WebitelTimeoutError,
    in_doubt,
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

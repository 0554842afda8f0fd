"""What the admin is told after a failed call, and whether a retry is offered."""

from __future__ import annotations

from webitel_tui.processes.journal import read_failure, refusal
from webitel_tui.webitel import (
    BadRequestError,
    ConnectFailedError,
    MalformedResponseError,
    ServerError,
    WebitelTimeoutError,
)


def test_a_change_in_doubt_offers_a_retry_only_when_another_try_may_answer() -> None:
    unreadable = refusal(MalformedResponseError("the response is not valid JSON"))
    assert str(unreadable).startswith("Webitel did not take the change:")
    assert not unreadable.retryable  # the same answer would come again
    busy = refusal(ServerError(code=503))
    assert str(busy).startswith("Webitel did not take the change:") and busy.retryable
    down = refusal(ConnectFailedError("cannot connect"))
    assert str(down).startswith("Cannot reach the Webitel server:") and down.retryable
    refused = refusal(BadRequestError("extension is taken", code=400))
    assert str(refused).startswith("Webitel refused the change:") and not refused.retryable


def test_a_failed_read_offers_a_retry_only_when_another_try_may_answer() -> None:
    late = read_failure(WebitelTimeoutError("no answer within 2 s"))
    assert str(late).startswith("Webitel did not answer:") and late.retryable
    unreadable = read_failure(MalformedResponseError("the response is not valid JSON"))
    assert str(unreadable).startswith("Webitel did not answer:") and not unreadable.retryable

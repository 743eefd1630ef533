"""RetryPolicy arithmetic and the retry loop, without a network."""

from __future__ import annotations

import json

import pytest

from airflow_provider_realtimekit.api import retry
from airflow_provider_realtimekit.api.endpoints import ApiRequest
from airflow_provider_realtimekit.api.responses import ApiResponse
from airflow_provider_realtimekit.api.retry import RetryPolicy, run_async, run_sync
from airflow_provider_realtimekit.exceptions import (
    RealtimeKitAPIError,
    RealtimeKitAuthError,
    RealtimeKitConfigError,
    RealtimeKitInvalidResponseError,
    RealtimeKitNotFoundError,
    RealtimeKitRateLimitError,
    RealtimeKitTransportError,
)

GET = ApiRequest("GET", "/accounts/a/realtime/kit/b/livestreams/sessions/s1", what="livestream session 's1'")
POST = ApiRequest("POST", "/accounts/a/realtime/kit/b/meetings/m1/livestreams", idempotent=False)
SERVER_ERROR = RealtimeKitAPIError("boom", status=500)


def ok(data: object = None) -> ApiResponse:
    return ApiResponse(
        200, {"content-type": "application/json"}, json.dumps({"success": True, "data": data or {"id": "s1"}}).encode()
    )


def failed(status: int, headers: dict[str, str] | None = None) -> ApiResponse:
    body = {"success": False, "error": {"code": status, "message": "nope"}}
    return ApiResponse(status, headers or {}, json.dumps(body).encode())


# -- delay_before_retry ----------------------------------------------------------------------------------------


def test_backoff_doubles_from_the_initial_delay():
    policy = RetryPolicy(max_attempts=10, backoff_initial=0.5, backoff_max=100, jitter=0)

    delays = [policy.delay_before_retry(attempt, SERVER_ERROR, GET) for attempt in range(1, 6)]

    assert delays == [0.5, 1.0, 2.0, 4.0, 8.0]


def test_backoff_is_capped_at_backoff_max():
    policy = RetryPolicy(max_attempts=20, backoff_initial=1, backoff_max=8, jitter=0)

    assert policy.delay_before_retry(10, SERVER_ERROR, GET) == 8


def test_default_policy_matches_the_official_sdk_backoff():
    policy = RetryPolicy()

    assert (policy.max_attempts, policy.backoff_initial, policy.backoff_max, policy.retry_after_cap) == (
        4,
        0.5,
        8.0,
        60.0,
    )


@pytest.mark.parametrize(("random_value", "factor"), [(0.0, 1.0), (0.5, 0.875), (0.999999, 0.75)])
def test_jitter_shortens_the_backoff_by_at_most_the_jitter_fraction(monkeypatch, random_value, factor):
    monkeypatch.setattr(retry.random, "random", lambda: random_value)
    policy = RetryPolicy(backoff_initial=2, jitter=0.25)

    delay = policy.delay_before_retry(1, SERVER_ERROR, GET)

    assert delay == pytest.approx(2 * factor)


def test_jittered_delays_stay_within_bounds():
    policy = RetryPolicy(max_attempts=10, backoff_initial=1, backoff_max=8, jitter=0.25)

    delays = [policy.delay_before_retry(3, SERVER_ERROR, GET) for _ in range(500)]

    assert all(3.0 < delay <= 4.0 for delay in delays)
    assert len(set(delays)) > 1


def test_no_retry_once_attempts_are_used_up():
    policy = RetryPolicy(max_attempts=3)

    assert policy.delay_before_retry(2, SERVER_ERROR, GET) is not None
    assert policy.delay_before_retry(3, SERVER_ERROR, GET) is None


def test_non_idempotent_request_is_never_retried():
    policy = RetryPolicy(max_attempts=5)

    assert policy.delay_before_retry(1, SERVER_ERROR, POST) is None
    assert policy.delay_before_retry(1, RealtimeKitTransportError("refused"), POST) is None


@pytest.mark.parametrize(
    "error",
    [
        RealtimeKitAuthError("401"),
        RealtimeKitNotFoundError("404"),
        RealtimeKitConfigError("bad id"),
        RealtimeKitAPIError("400", status=400),
        RealtimeKitAPIError("422", status=422),
        RealtimeKitInvalidResponseError("html on a 404", status=404),
    ],
    ids=["auth", "not-found", "config", "400", "422", "invalid-4xx"],
)
def test_permanent_errors_are_not_retried(error):
    assert RetryPolicy().delay_before_retry(1, error, GET) is None


@pytest.mark.parametrize(
    "error",
    [
        RealtimeKitTransportError("refused"),
        RealtimeKitAPIError("408", status=408),
        RealtimeKitAPIError("409", status=409),
        RealtimeKitAPIError("503", status=503),
        RealtimeKitRateLimitError("429", status=429),
        RealtimeKitInvalidResponseError("html on a 502", status=502),
    ],
    ids=["transport", "408", "409", "503", "429-no-retry-after", "invalid-5xx"],
)
def test_transient_errors_are_retried_with_backoff(error):
    policy = RetryPolicy(backoff_initial=0.5, jitter=0)

    assert policy.delay_before_retry(1, error, GET) == 0.5


def test_retry_after_is_used_as_is_instead_of_backoff():
    error = RealtimeKitRateLimitError("429", status=429, retry_after=12.5)

    assert RetryPolicy(backoff_initial=0.5).delay_before_retry(1, error, GET) == 12.5


def test_retry_after_equal_to_the_cap_is_honoured():
    error = RealtimeKitRateLimitError("429", status=429, retry_after=60)

    assert RetryPolicy(retry_after_cap=60).delay_before_retry(1, error, GET) == 60


def test_retry_after_above_the_cap_gives_up():
    error = RealtimeKitRateLimitError("429", status=429, retry_after=300)

    assert RetryPolicy(retry_after_cap=60).delay_before_retry(1, error, GET) is None


@pytest.mark.parametrize(
    "kwargs",
    [
        {"max_attempts": 0},
        {"max_attempts": -1},
        {"max_attempts": 1.5},
        {"backoff_initial": -0.1},
        {"backoff_max": "8"},
        {"retry_after_cap": True},
        {"jitter": 1.5},
        {"jitter": -0.1},
    ],
    ids=repr,
)
def test_policy_refuses_nonsense(kwargs):
    with pytest.raises(RealtimeKitConfigError):
        RetryPolicy(**kwargs)


# -- the loop ---------------------------------------------------------------------------------------------------


class ScriptedServer:
    """A transport that answers from a script: ApiResponse objects, or transport errors to raise."""

    def __init__(self, *outcomes: ApiResponse | RealtimeKitTransportError) -> None:
        self.outcomes = list(outcomes)
        self.sent: list[ApiRequest] = []

    def __call__(self, request: ApiRequest) -> ApiResponse:
        self.sent.append(request)
        outcome = self.outcomes.pop(0)
        if isinstance(outcome, RealtimeKitTransportError):
            raise outcome
        return outcome


def test_run_sync_returns_the_body_of_the_first_success():
    server = ScriptedServer(ok())

    body = run_sync(GET, RetryPolicy(), server, sleep=pytest.fail)

    assert body == {"success": True, "data": {"id": "s1"}}
    assert server.sent == [GET]


def test_run_sync_retries_transient_failures_and_sleeps_between_attempts():
    server = ScriptedServer(failed(503), RealtimeKitTransportError("reset"), ok())
    slept: list[float] = []

    body = run_sync(GET, RetryPolicy(backoff_initial=1, jitter=0), server, sleep=slept.append)

    assert body["data"] == {"id": "s1"}
    assert slept == [1, 2]
    assert len(server.sent) == 3


def test_run_sync_raises_the_last_error_when_attempts_run_out():
    server = ScriptedServer(failed(500), failed(502), failed(503))

    with pytest.raises(RealtimeKitAPIError) as raised:
        run_sync(GET, RetryPolicy(max_attempts=3), server, sleep=lambda _: None)

    assert raised.value.status == 503


def test_run_sync_sends_a_non_idempotent_request_once():
    server = ScriptedServer(failed(503), ok())

    with pytest.raises(RealtimeKitAPIError):
        run_sync(POST, RetryPolicy(), server, sleep=pytest.fail)

    assert len(server.sent) == 1


def test_run_sync_raises_transport_error_after_retries():
    server = ScriptedServer(RealtimeKitTransportError("refused"), RealtimeKitTransportError("refused"))

    with pytest.raises(RealtimeKitTransportError):
        run_sync(GET, RetryPolicy(max_attempts=2), server, sleep=lambda _: None)

    assert len(server.sent) == 2


async def test_run_async_follows_the_same_policy():
    server = ScriptedServer(failed(429, {"Retry-After": "3"}), ok())
    slept: list[float] = []

    async def send(request: ApiRequest) -> ApiResponse:
        return server(request)

    async def sleep(delay: float) -> None:
        slept.append(delay)

    body = await run_async(GET, RetryPolicy(), send, sleep=sleep)

    assert body["data"] == {"id": "s1"}
    assert slept == [3.0]

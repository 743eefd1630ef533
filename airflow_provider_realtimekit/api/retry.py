"""The retry policy, and the request/retry loop written once for both transports.

:func:`exchange` is a generator that holds the whole loop without doing I/O: it yields an
:class:`ApiRequest` when it wants one sent and a ``float`` when it wants to sleep, and receives the
:class:`ApiResponse` (or the :class:`RealtimeKitTransportError`) back. :func:`run_sync` and
:func:`run_async` drive it with a blocking or an awaitable transport; they are the only difference
between the hook and the trigger. A later shared poller or per-token rate budget plugs in as a ``send``
wrapper, with no change here.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Generator
from dataclasses import dataclass
from typing import Any, TypeAlias

from airflow_provider_realtimekit.api.endpoints import ApiRequest
from airflow_provider_realtimekit.api.responses import ApiResponse, parse_response
from airflow_provider_realtimekit.exceptions import (
    RealtimeKitConfigError,
    RealtimeKitError,
    RealtimeKitRateLimitError,
    RealtimeKitTransportError,
)

log = logging.getLogger(__name__)

Outcome: TypeAlias = "ApiResponse | RealtimeKitTransportError"
Step: TypeAlias = "ApiRequest | float"
Exchange: TypeAlias = "Generator[Step, Outcome | None, dict[str, Any]]"


@dataclass(frozen=True)
class RetryPolicy:
    """
    When and how long to wait before trying a request again.

    Retried: connection errors, timeouts, 408, 409, 429, 5xx and non-JSON gateway pages, on idempotent
    requests only. Not retried: other 4xx, which need a person to fix something.

    :param max_attempts: attempts in all, the first included.
    :param backoff_initial: the first back-off delay in seconds; it doubles on each retry.
    :param backoff_max: the longest back-off delay in seconds.
    :param retry_after_cap: the longest ``Retry-After`` honoured, in seconds. A longer one (Cloudflare's
        five-minute lockout) ends the call at once with :class:`RealtimeKitRateLimitError`, which a
        waiting sensor treats as a transient failure.
    :param jitter: the fraction of each back-off delay that is randomised, to spread retries apart.
    """

    max_attempts: int = 4
    backoff_initial: float = 0.5
    backoff_max: float = 8.0
    retry_after_cap: float = 60.0
    jitter: float = 0.25

    def __post_init__(self) -> None:
        if not isinstance(self.max_attempts, int) or self.max_attempts < 1:
            raise RealtimeKitConfigError(f"max_attempts must be an integer >= 1, got {self.max_attempts!r}.")
        for name in ("backoff_initial", "backoff_max", "retry_after_cap"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or isinstance(value, bool) or value < 0:
                raise RealtimeKitConfigError(f"{name} must be a number >= 0, got {value!r}.")
        if not 0 <= self.jitter <= 1:
            raise RealtimeKitConfigError(f"jitter must be between 0 and 1, got {self.jitter!r}.")

    def delay_before_retry(self, attempt: int, error: RealtimeKitError, request: ApiRequest) -> float | None:
        """
        Seconds to wait before attempt ``attempt + 1``, or None to give up and raise ``error``.

        :param attempt: the number of the attempt that just failed, from 1.
        :param error: what went wrong.
        :param request: the request, for its idempotency.
        """
        if not error.transient or not request.idempotent or attempt >= self.max_attempts:
            return None
        if isinstance(error, RealtimeKitRateLimitError) and error.retry_after is not None:
            return error.retry_after if error.retry_after <= self.retry_after_cap else None
        backoff = min(self.backoff_initial * 2 ** (attempt - 1), self.backoff_max)
        return backoff * (1 - self.jitter * random.random())


def exchange(request: ApiRequest, policy: RetryPolicy) -> Exchange:
    """
    The request/retry loop as a generator (see the module docstring for the protocol).

    :param request: the request to send.
    :param policy: when to retry.
    """
    attempt = 0
    while True:
        attempt += 1
        outcome = yield request
        try:
            if isinstance(outcome, RealtimeKitTransportError):
                raise outcome
            assert outcome is not None
            return parse_response(request, outcome)
        except RealtimeKitError as error:
            delay = policy.delay_before_retry(attempt, error, request)
            if delay is None:
                raise
            log.warning(
                "RealtimeKit %s failed (%s); retry %d of %d in %.1f s",
                request.describe(),
                _short(error),
                attempt,
                policy.max_attempts - 1,
                delay,
            )
            yield delay


def run_sync(
    request: ApiRequest,
    policy: RetryPolicy,
    send: Callable[[ApiRequest], ApiResponse],
    sleep: Callable[[float], None] = time.sleep,
) -> dict[str, Any]:
    """
    Drive :func:`exchange` with a blocking transport; return the decoded body.

    :param request: the request to send.
    :param policy: when to retry.
    :param send: sends one request; raises :class:`RealtimeKitTransportError` when no answer came.
    :param sleep: waits between attempts.
    """
    steps = exchange(request, policy)
    step: Step = next(steps)
    while True:
        try:
            if isinstance(step, ApiRequest):
                step = steps.send(_send_once(send, step))
            else:
                sleep(step)
                step = steps.send(None)
        except StopIteration as done:
            return done.value


async def run_async(
    request: ApiRequest,
    policy: RetryPolicy,
    send: Callable[[ApiRequest], Awaitable[ApiResponse]],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> dict[str, Any]:
    """
    Drive :func:`exchange` with an awaitable transport; return the decoded body.

    :param request: the request to send.
    :param policy: when to retry.
    :param send: sends one request; raises :class:`RealtimeKitTransportError` when no answer came.
    :param sleep: waits between attempts.
    """
    steps = exchange(request, policy)
    step: Step = next(steps)
    while True:
        try:
            if isinstance(step, ApiRequest):
                try:
                    outcome: Outcome = await send(step)
                except RealtimeKitTransportError as error:
                    outcome = error
                step = steps.send(outcome)
            else:
                await sleep(step)
                step = steps.send(None)
        except StopIteration as done:
            return done.value


def _send_once(send: Callable[[ApiRequest], ApiResponse], request: ApiRequest) -> Outcome:
    try:
        return send(request)
    except RealtimeKitTransportError as error:
        return error


def _short(error: RealtimeKitError) -> str:
    status = getattr(error, "status", None)
    return f"HTTP {status}" if status is not None else type(error).__name__

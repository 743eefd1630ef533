"""The arithmetic of one token's rate budget: when the next request may go, and the circuit breaker.

No I/O and no clock of its own: every method takes ``now`` (monotonic seconds), so the rules can be tested
exactly. :mod:`~airflow_provider_realtimekit.waits.token_gates` wraps it with a lock and a sleep.

The rules:

1. **Never spend the reserve.** A request is sent only while the window still affords it after keeping back
   ``reserve`` of the quota for the token's other users.
2. **Spread, don't burst.** Requests leave at most one per ``seconds left in the window / requests still
   affordable``; a fresh window is paced at ``window / (quota - reserved)``.
3. **The server's count wins.** When an answer carries ``Ratelimit`` (remaining ``r``, reset in ``t``),
   that count replaces the local one until the reset: it is the only signal several processes on one token
   share. If each of N processes paces to ``(r - reserved) / t``, the remaining count shrinks as
   ``(t / t0) ** N`` of what was affordable and reaches the reserve only at the reset: together they stay
   inside the quota, overrunning into the reserve by at most N - 1 requests (those that read the same
   count at the same moment). Without the headers the budget counts its own requests in a sliding window
   (per process: split ``rate_limit_quota`` between processes yourself).
4. **One circuit breaker.** Any 429 holds every request of the token until its ``retry-after`` has passed,
   or :data:`~airflow_provider_realtimekit.api.rate_limits.DEFAULT_LOCKOUT` (Cloudflare's 5-minute block)
   when it gives none. The server's own ``Ratelimit-Policy`` replaces the configured quota and window.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass

from airflow_provider_realtimekit.api.rate_limits import (
    DEFAULT_LOCKOUT,
    BudgetLimits,
    QuotaPolicy,
    parse_policy,
    parse_remaining,
)
from airflow_provider_realtimekit.api.responses import ApiResponse, retry_after_seconds


@dataclass(frozen=True)
class _ServerCount:
    remaining: int
    reset_at: float


class RateBudget:
    """
    One token's budget, fed by every answer and asked before every request.

    :param limits: the configured quota, window and reserve.
    :param lockout: seconds a 429 without ``retry-after`` closes the token.
    :param pace: spread requests over the window (rule 2); False keeps only the hard rules.
    """

    def __init__(
        self, limits: BudgetLimits | None = None, lockout: float = DEFAULT_LOCKOUT, *, pace: bool = True
    ) -> None:
        self.limits = limits or BudgetLimits()
        self.lockout = lockout
        #: False skips rule 2 (spreading) and keeps the others; tests that are not about pacing use it.
        self.pace = pace
        #: Monotonic time before which no request may leave (the open circuit breaker); 0 when closed.
        self.closed_until = 0.0
        #: 429 answers seen; benchmarks and tests read it.
        self.refusals = 0
        self._policy: QuotaPolicy | None = None
        self._server: _ServerCount | None = None
        self._sent_since_count = 0
        self._in_flight = 0
        self._sent: deque[float] = deque()
        self._last_slot: float | None = None

    # -- asking -----------------------------------------------------------------------------------------

    @property
    def quota(self) -> int:
        """Requests per window: the server's policy when it stated one, else the configured quota."""
        return self._policy.quota if self._policy else self.limits.quota

    @property
    def window(self) -> float:
        """The window in seconds: the server's policy when it stated one, else the configured window."""
        return self._policy.window if self._policy else self.limits.window

    @property
    def recent_sends(self) -> list[float]:
        """When the requests of the last window left (monotonic seconds), oldest first."""
        return list(self._sent)

    def breaker_wait(self, now: float) -> float:
        """
        Seconds until the circuit breaker lets requests through again (0 when closed).

        :param now: monotonic seconds.
        """
        return max(self.closed_until - now, 0.0)

    def next_slot(self, now: float) -> float:
        """
        The earliest monotonic time the next request may leave, by every rule above. Asking books nothing.

        :param now: monotonic seconds.
        """
        if now < self.closed_until:
            return self.closed_until
        affordable, interval = self._affordable(now)
        if affordable < 1:
            return now + self._until_affordable(now)
        if not self.pace or self._last_slot is None:
            return now
        return max(now, self._last_slot + interval)

    def book(self, now: float) -> float:
        """
        Claim the next slot: return when this request may leave, counting it as sent from then on.

        The caller sleeps until the slot and then asks :meth:`still_open` (the breaker may have opened, or
        other processes spent the window, meanwhile).

        :param now: monotonic seconds.
        """
        slot = self.next_slot(now)
        self._last_slot = slot
        return slot

    def still_open(self, now: float) -> bool:
        """
        Whether a booked request may really leave now: the breaker is closed and the window affords it.

        :param now: monotonic seconds.
        """
        return now >= self.closed_until and self._affordable(now)[0] >= 1

    # -- telling ----------------------------------------------------------------------------------------

    def record_sent(self, now: float) -> None:
        """
        Count a request that is leaving now.

        :param now: monotonic seconds.
        """
        self._sent.append(now)
        self._sent_since_count += 1
        self._in_flight += 1
        self._last_slot = max(self._last_slot or now, now)

    def record_answer(self, now: float, status: int | None, headers: Mapping[str, str]) -> None:
        """
        Learn from an answer (or from a request that got none: ``status`` None).

        :param now: monotonic seconds.
        :param status: the HTTP status, or None when the request failed without an answer.
        :param headers: the response headers.
        """
        self._in_flight = max(self._in_flight - 1, 0)
        if status is None:
            return
        policy = parse_policy(headers)
        if policy is not None:
            self._policy = policy
        remaining = parse_remaining(headers)
        if remaining is not None:
            self._server = _ServerCount(remaining.remaining, now + remaining.reset)
            # Requests still out were perhaps not counted in this answer: keep them counted.
            self._sent_since_count = self._in_flight
        if status == 429:
            self.record_refusal(now, _retry_after(headers))

    def record_refusal(self, now: float, retry_after: float | None) -> None:
        """
        Open the circuit breaker after a 429: nothing leaves until ``retry_after`` (or the lockout) passed.

        :param now: monotonic seconds.
        :param retry_after: the answer's ``retry-after`` in seconds, None when it gave none.
        """
        self.refusals += 1
        hold = self.lockout if retry_after is None else retry_after
        self.closed_until = max(self.closed_until, now + hold)
        reset_at = self._server.reset_at if self._server else now
        self._server = _ServerCount(0, max(reset_at, self.closed_until))
        self._sent_since_count = 0

    # -- the rules --------------------------------------------------------------------------------------

    def _reserved(self) -> int:
        return self.limits.reserved(self.quota)

    def _affordable(self, now: float) -> tuple[int, float]:
        """Requests still affordable after the reserve, and the pacing interval between two of them."""
        self._forget_before(now - self.window)
        server = self._server
        if server is not None and now < server.reset_at:
            affordable = server.remaining - self._sent_since_count - self._reserved()
            return affordable, (server.reset_at - now) / max(affordable, 1)
        if server is not None:  # the server's window has reset: count afresh from here
            self._server = None
            self._sent_since_count = 0
            self._sent.clear()
        # Our own count, in a sliding window: an even pace of quota-after-reserve per window.
        spendable = self.quota - self._reserved()
        return spendable - len(self._sent), self.window / max(spendable, 1)

    def _until_affordable(self, now: float) -> float:
        server = self._server
        if server is not None and now < server.reset_at:
            return server.reset_at - now
        if self._sent:  # the sliding window is full: wait until its oldest request drops out
            return self._sent[0] + self.window - now
        return self.window  # a quota no larger than its reserve (refused by the settings): wait a window

    def _forget_before(self, cutoff: float) -> None:
        while self._sent and self._sent[0] <= cutoff:
            self._sent.popleft()


def _retry_after(headers: Mapping[str, str]) -> float | None:
    return retry_after_seconds(ApiResponse(429, headers))

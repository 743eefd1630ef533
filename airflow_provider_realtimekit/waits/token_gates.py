"""One gate per API token and process: "may this token send a request now?", for sync and async callers.

Every request of both hooks passes a :class:`TokenGate` first and reports its answer back to it, so that all
of a process's users of one token (tasks' threads, every trigger of the triggerer's event loop, a shared
poller) spend one :class:`~airflow_provider_realtimekit.waits.rate_budget.RateBudget` and trip one circuit
breaker. A gate is keyed by base URL, account and a digest of the token: the token itself is never a key,
so it cannot show up in a ``repr`` or a log line.

One gate serves threads and event loops alike: its lock is a plain ``threading.Lock`` held only for the
arithmetic (microseconds, never across a sleep or an ``await``), and waiting is ``time.sleep`` or
``asyncio.sleep``. So the triggerer's loop and a task in the same process share the budget. A forked
child starts with no gates (its parent's counts are the parent's).

For tests, :func:`reset_gates` forgets every gate and :func:`use_instant_gates` makes waiting take no real
time (a virtual clock jumps forward instead) and turns pacing off, keeping the reserve and the breaker.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from airflow_provider_realtimekit.api.rate_limits import BudgetLimits
from airflow_provider_realtimekit.exceptions import RealtimeKitRateLimitError
from airflow_provider_realtimekit.waits.rate_budget import RateBudget

if TYPE_CHECKING:
    from airflow_provider_realtimekit.api.settings import ClientSettings


@dataclass(frozen=True)
class GateKey:
    """
    Which token a gate belongs to.

    :param base_url: the API base URL.
    :param account_id: the Cloudflare account.
    :param token_digest: a short SHA-256 digest of the token, never the token.
    """

    base_url: str
    account_id: str
    token_digest: str

    @classmethod
    def of(cls, base_url: str, account_id: str, token: str) -> GateKey:
        """
        The key of a token at a base URL.

        :param base_url: the API base URL.
        :param account_id: the Cloudflare account.
        :param token: the API token; only its digest is kept.
        """
        return cls(base_url, account_id, hashlib.sha256(token.encode()).hexdigest()[:16])


class _Clock:
    """Real time, or (for tests) real time plus whatever instant sleeps skipped."""

    def __init__(self) -> None:
        self.instant = False
        self.skipped = 0.0

    def now(self) -> float:
        return time.monotonic() + self.skipped

    def sleep(self, seconds: float) -> None:
        if self.instant:
            self.skipped += seconds
        else:
            time.sleep(seconds)

    async def sleep_async(self, seconds: float) -> None:
        if self.instant:
            self.skipped += seconds
            await asyncio.sleep(0)
        else:
            await asyncio.sleep(seconds)


_clock = _Clock()


class TokenGate:
    """
    The gate of one token in this process.

    :param key: the token's key.
    :param limits: the budget to keep to when the server sends no rate-limit headers.
    """

    def __init__(self, key: GateKey, limits: BudgetLimits) -> None:
        self.key = key
        self.budget = RateBudget(limits, pace=not _clock.instant)
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TokenGate({self.key.base_url!r}, account {self.key.account_id!r}, token #{self.key.token_digest})"

    def acquire(self, max_wait: float, what: str) -> None:
        """
        Block until this token may send one request, and count it as sent.

        :param max_wait: the longest circuit-breaker pause to sit out; a longer one raises at once.
        :param what: the request and connection, for the error message.
        :raises RealtimeKitRateLimitError: the breaker is open for longer than ``max_wait``.
        """
        slot: float | None = None
        while (delay := self._try(slot, max_wait, what)) is not None:
            slot = _clock.now() + delay
            _clock.sleep(delay)

    async def acquire_async(self, max_wait: float, what: str) -> None:
        """
        Wait (without blocking the event loop) until this token may send one request, and count it as sent.

        :param max_wait: the longest circuit-breaker pause to sit out; a longer one raises at once.
        :param what: the request and connection, for the error message.
        :raises RealtimeKitRateLimitError: the breaker is open for longer than ``max_wait``.
        """
        slot: float | None = None
        while (delay := self._try(slot, max_wait, what)) is not None:
            slot = _clock.now() + delay
            await _clock.sleep_async(delay)

    def record_answer(self, status: int | None, headers: Mapping[str, str]) -> None:
        """
        Feed an answer's status and headers back (``status`` None: the request got no answer).

        :param status: the HTTP status, or None.
        :param headers: the response headers.
        """
        with self._lock:
            self.budget.record_answer(_clock.now(), status, headers)

    def _try(self, slot: float | None, max_wait: float, what: str) -> float | None:
        """None when the request may leave now (and is counted); else seconds to wait before asking again."""
        with self._lock:
            now = _clock.now()
            # A sleep may wake a hair early: 1 ms of slack keeps the booked slot from being booked again.
            if slot is not None and now >= slot - 0.001 and self.budget.still_open(now):
                self.budget.record_sent(now)
                return None
            paused = self.budget.breaker_wait(now)
            if paused > max_wait:
                raise RealtimeKitRateLimitError(
                    f"Not sending {what}: Cloudflare answered an earlier request of this API token with HTTP "
                    f"429, so every request of the token is held for another {paused:.0f} s, longer than "
                    f"retry_after_cap ({max_wait:g} s). Sending now would only prolong the block. Wait, make "
                    "fewer requests with this token, or give this work its own token.",
                    retry_after=paused,
                    status=429,
                )
            booked = self.budget.book(now)
            if booked <= now:
                self.budget.record_sent(now)
                return None
            return booked - now


_gates: dict[GateKey, TokenGate] = {}
_registry_lock = threading.Lock()


def gate_for(base_url: str, account_id: str, token: str, limits: BudgetLimits) -> TokenGate:
    """
    The gate of a token in this process, made on first use with ``limits``.

    :param base_url: the API base URL.
    :param account_id: the Cloudflare account.
    :param token: the API token (only its digest is kept).
    :param limits: the configured budget; the first connection to use the token sets it.
    """
    key = GateKey.of(base_url, account_id, token)
    with _registry_lock:
        gate = _gates.get(key)
        if gate is None:
            gate = _gates[key] = TokenGate(key, limits)
        return gate


def token_gate(settings: ClientSettings) -> TokenGate:
    """
    The gate of a connection's token: what both hooks' ``_send`` pass before every request.

    :param settings: the checked connection.
    """
    return gate_for(settings.base_url, settings.app.account_id, settings.token, settings.budget)


def reset_gates() -> None:
    """Forget every gate (tests start each case with fresh budgets), and go back to real time."""
    with _registry_lock:
        _gates.clear()
    _clock.instant = False
    _clock.skipped = 0.0


def use_instant_gates() -> None:
    """For tests: gates made from now on do not pace, and their waits take no real time."""
    _clock.instant = True


def pass_instant_time(seconds: float) -> None:
    """
    For tests that fake another sleep (a trigger's pause): instant gates see ``seconds`` pass too.

    :param seconds: how long the faked sleep was.
    """
    if _clock.instant:
        _clock.skipped += seconds


def _forget_after_fork() -> None:
    global _registry_lock
    _gates.clear()
    _registry_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_after_fork)

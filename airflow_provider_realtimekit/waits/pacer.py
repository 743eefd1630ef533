"""Spacing a shared poller's requests over time, so thousands of waits never burst against the token.

Cloudflare allows 1,200 requests per 5 minutes per token and locks the token out for 5 minutes when that is
exceeded. The shared poller therefore plans its own traffic at a steady rate below that (default: 90% of
1,200 per 300 s, leaving 10% to the token's other users), with a small burst so that a handful of waits
(tests, a quiet day) are never slowed down. The per-token rate budget and circuit breaker in the hooks'
transport (which also reads the server's ``Ratelimit`` headers) remains the last word; the pacer only
keeps the poller from asking for more than that budget would allow.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

#: Cloudflare's global API limit per token, and the share of it the poller leaves to the token's other users.
DEFAULT_QUOTA = 1200
DEFAULT_WINDOW = 300.0
DEFAULT_RESERVE = 0.10


@dataclass
class Pacer:
    """
    Hands out request slots at ``rate`` per second, first come first served, ``burst`` at once at most.

    :param rate: requests per second.
    :param burst: requests that may go out back to back after a quiet spell.
    """

    rate: float = DEFAULT_QUOTA / DEFAULT_WINDOW * (1 - DEFAULT_RESERVE)
    burst: float = 10.0

    def __post_init__(self) -> None:
        if not self.rate > 0 or not self.burst >= 1:
            raise ValueError("a pacer needs rate > 0 and burst >= 1")
        self._next_slot = time.monotonic() - self.burst / self.rate
        #: Requests that waited for a slot, and the seconds they waited in all (the benchmark reads them).
        self.delayed = 0
        self.delay_seconds = 0.0

    async def slot(self) -> None:
        """Wait for the next free slot (reserved at once, so concurrent callers queue in arrival order)."""
        now = time.monotonic()
        # A quiet spell earns back at most `burst` slots.
        slot = max(self._next_slot, now - (self.burst - 1) / self.rate)
        self._next_slot = slot + 1 / self.rate
        if slot > now:
            self.delayed += 1
            self.delay_seconds += slot - now
            await asyncio.sleep(slot - now)


@dataclass
class AuditAllowance:
    """
    How many direct "audit" fetches of waits that the listing says are live the poller may afford: a
    token bucket filled at ``rate`` per second, up to ``burst``.

    :param rate: audits per second (a share of the pacer's rate).
    :param burst: audits saved up at most.
    """

    rate: float
    burst: float = 5.0

    def __post_init__(self) -> None:
        self._tokens = self.burst
        self._filled_at = time.monotonic()

    def take(self) -> bool:
        """Spend one audit if one is available."""
        now = time.monotonic()
        self._tokens = min(self.burst, self._tokens + (now - self._filled_at) * self.rate)
        self._filled_at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True

"""Cloudflare-style rate limiting per token, on the emulator clock.

Each token gets a fixed window of ``window`` seconds that opens with its first request after the previous
window ended; up to ``quota`` requests pass in it. Requests without a valid token are not counted (they are
refused before the limiter). Every counted response carries
``Ratelimit: "default";r=<remaining>;t=<seconds until reset>`` and
``Ratelimit-Policy: "default";q=<quota>;w=<window>``. A refused request gets 429 with ``retry-after`` in
whole seconds, rounded up, and is not counted. With ``lockout=True`` the first refusal blocks every route
for ``lockout_seconds`` (default: the window), like Cloudflare's 5-minute block; a fresh window starts after
it. ``send_headers=False`` leaves out ``Ratelimit`` and ``Ratelimit-Policy`` (not ``retry-after``), so that
clients' headerless path can be tested too.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass


@dataclass(frozen=True)
class RateLimitPolicy:
    """A quota per window.

    :param quota: requests allowed per window (Cloudflare's global limit: 1,200).
    :param window: window length in seconds (Cloudflare: 300).
    :param lockout: once exceeded, refuse everything until ``lockout_seconds`` have passed.
    :param lockout_seconds: the block length; None means ``window``.
    :param send_headers: send ``Ratelimit`` and ``Ratelimit-Policy``; False tests a client's headerless path.
    """

    quota: int = 1200
    window: float = 300.0
    lockout: bool = False
    lockout_seconds: float | None = None
    send_headers: bool = True

    def __post_init__(self) -> None:
        if self.quota < 1 or self.window <= 0:
            raise ValueError("a rate limit needs quota >= 1 and window > 0")

    @property
    def block_seconds(self) -> float:
        """How long a lockout lasts."""
        return self.window if self.lockout_seconds is None else self.lockout_seconds

    def policy_header(self) -> bytes:
        """The ``Ratelimit-Policy`` header value."""
        window = int(self.window) if float(self.window).is_integer() else self.window
        return f'"default";q={self.quota};w={window}'.encode()


@dataclass(frozen=True)
class RateDecision:
    """The limiter's answer for one request.

    :param allowed: whether the request may proceed.
    :param remaining: requests left in the current window.
    :param reset_seconds: whole seconds until the window resets (or the lockout ends).
    :param policy: the policy that decided.
    """

    allowed: bool
    remaining: int
    reset_seconds: int
    policy: RateLimitPolicy

    def headers(self) -> list[tuple[bytes, bytes]]:
        """Return the rate-limit headers for this response (``retry-after`` on refusals only)."""
        headers: list[tuple[bytes, bytes]] = []
        if self.policy.send_headers:
            headers.append((b"ratelimit", f'"default";r={self.remaining};t={self.reset_seconds}'.encode()))
            headers.append((b"ratelimit-policy", self.policy.policy_header()))
        if not self.allowed:
            headers.append((b"retry-after", str(self.reset_seconds).encode()))
        return headers


@dataclass
class _Bucket:
    window_start: float
    count: int = 0
    locked_until: float | None = None


class RateLimiter:
    """Counts requests per token key.

    :param policy: the policy, or None for no limit (and no rate-limit headers).
    """

    def __init__(self, policy: RateLimitPolicy | None) -> None:
        self._policy = policy
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    @property
    def policy(self) -> RateLimitPolicy | None:
        """The active policy."""
        return self._policy

    @policy.setter
    def policy(self, policy: RateLimitPolicy | None) -> None:
        with self._lock:
            self._policy = policy
            self._buckets.clear()

    def consume(self, key: str, now: float) -> RateDecision | None:
        """Count one request of ``key`` at ``now``; return the decision, or None when unlimited.

        :param key: the token's key (a digest, never the token).
        :param now: emulator time.
        """
        with self._lock:
            policy = self._policy
            if policy is None:
                return None
            bucket = self._buckets.setdefault(key, _Bucket(window_start=now))
            return _decide(bucket, policy, now)


def _decide(bucket: _Bucket, policy: RateLimitPolicy, now: float) -> RateDecision:
    if bucket.locked_until is not None:
        if now < bucket.locked_until:
            return RateDecision(False, 0, _ceil(bucket.locked_until - now), policy)
        bucket.locked_until = None
        bucket.window_start, bucket.count = now, 0
    if now >= bucket.window_start + policy.window:
        bucket.window_start, bucket.count = now, 0
    if bucket.count >= policy.quota:
        if policy.lockout:
            bucket.locked_until = now + policy.block_seconds
            return RateDecision(False, 0, _ceil(policy.block_seconds), policy)
        return RateDecision(False, 0, _ceil(bucket.window_start + policy.window - now), policy)
    bucket.count += 1
    reset = _ceil(bucket.window_start + policy.window - now)
    return RateDecision(True, policy.quota - bucket.count, reset, policy)


def _ceil(seconds: float) -> int:
    return max(1, math.ceil(seconds))

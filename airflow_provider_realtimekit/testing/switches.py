"""The emulator's switches: its clock, its request log, injected faults, the rate limit and shape variants."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any

from airflow_provider_realtimekit.testing.ratelimit import RateLimitPolicy

if TYPE_CHECKING:
    from airflow_provider_realtimekit.testing.clock import EmulatorClock
    from airflow_provider_realtimekit.testing.faults import Fault, FaultBook, FaultRule
    from airflow_provider_realtimekit.testing.ratelimit import RateLimiter
    from airflow_provider_realtimekit.testing.requestlog import RequestCounts, RequestLog, RequestRecord
    from airflow_provider_realtimekit.testing.variants import ShapeVariants


class EmulatorSwitches:
    """Mixin of :class:`~.emulator.RealtimeKitEmulator`: time, observation and misbehaviour."""

    clock: EmulatorClock
    variants: ShapeVariants
    _limiter: RateLimiter
    _faults: FaultBook
    _log: RequestLog

    def now(self) -> datetime:
        """The emulator clock as an aware UTC datetime."""
        return datetime.fromtimestamp(self.clock.now(), tz=timezone.utc)

    def advance(self, seconds: float | timedelta) -> None:
        """Move the emulator clock forward (lifecycles and rate-limit windows follow it).

        :param seconds: seconds or a timedelta; not negative.
        """
        if isinstance(seconds, timedelta):
            seconds = seconds.total_seconds()
        self.clock.advance(seconds)

    # Observation and misbehaviour.

    @property
    def requests(self) -> list[RequestRecord]:
        """A copy of the request log, oldest first."""
        return self._log.snapshot()

    def request_counts(self) -> RequestCounts:
        """Count the logged requests: ``total``, ``by_route`` (route name) and ``by_status`` (HTTP status)."""
        return self._log.counts()

    def clear_requests(self) -> None:
        """Empty the request log."""
        self._log.clear()

    def inject_fault(
        self, route: str, fault: Fault, *, times: int | None = None, fraction: float | None = None
    ) -> FaultRule:
        """Make requests to ``route`` misbehave; return the rule (its ``fired`` counts the hits).

        :param route: a route name (``"livestream_session"``, ``"livestream"``, ``"active_livestream_session"``,
            ``"livestreams"``, ``"analytics_overall"``, ``"analytics_daywise"``, ``"apps"``,
            ``"token_verify"``) or ``"*"``.
        :param fault: what happens, e.g. ``Fault.status(503, envelope="cloudflare")``.
        :param times: only the next ``times`` matching requests.
        :param fraction: each matching request with this probability (seeded by ``rng_seed``).
        """
        return self._faults.add(route, fault, times=times, fraction=fraction)

    def clear_faults(self) -> None:
        """Remove every injected fault."""
        self._faults.clear()

    @property
    def rate_limit(self) -> RateLimitPolicy | None:
        """The active rate-limit policy, or None."""
        return self._limiter.policy

    def set_rate_limit(
        self,
        quota: int | None,
        window: float = 300.0,
        *,
        lockout: bool = False,
        lockout_seconds: float | None = None,
    ) -> None:
        """Replace the rate-limit policy and reset all counters.

        :param quota: requests per window; None disables the limit.
        :param window: window seconds.
        :param lockout: block every route after the first refusal, Cloudflare style.
        :param lockout_seconds: block length; default ``window``.
        """
        policy = None if quota is None else RateLimitPolicy(quota, window, lockout, lockout_seconds)
        self._limiter.policy = policy

    def set_variants(self, **changes: Any) -> None:
        """Switch response-shape variants (see :class:`ShapeVariants`).

        :param changes: variant names and values, e.g. ``paging_location="data"``.
        """
        self.variants.update(**changes)

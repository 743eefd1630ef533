"""Injected faults: error statuses, HTML error pages, broken JSON, delays, slow bodies, dropped connections.

Where a fault acts: after the token check and the rate limiter, before the account/app-id check and the
handler. A faulted request therefore needs a valid token and is counted by the rate limiter. Faults that
answer on their own (``status``, ``html``, ``success_false``, ``drop``) never run the handler, so such a GET
of the seed endpoint does not count as a poll for ``Polls``; ``delay``, ``slow_drip`` and
``truncated_json`` run it (the delay first, then the handler). The request log shows the status sent, and
0 for a dropped connection.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from enum import Enum
from typing import Literal

from airflow_provider_realtimekit.testing.envelopes import (
    Reply,
    cloudflare_error,
    realtimekit_error,
    reason_phrase,
)
from airflow_provider_realtimekit.testing.routes import ANY_ROUTE, ROUTE_NAMES

Envelope = Literal["realtimekit", "cloudflare"]

_HTML_PAGE = """<!DOCTYPE html>
<html lang="en-US">
<head><title>api.cloudflare.com | {status}: {phrase}</title></head>
<body>
<div id="cf-error-details">
  <h1>{phrase}</h1>
  <span class="cf-error-code">Error code {status}</span>
  <p>The web server reported an error. Please try again in a few minutes.</p>
  <p>Cloudflare Ray ID: <strong>8a1b2c3d4e5f6789</strong></p>
</div>
</body>
</html>
"""


class FaultKind(Enum):
    """What a fault does."""

    STATUS = "status"
    HTML = "html"
    TRUNCATED_JSON = "truncated_json"
    SUCCESS_FALSE = "success_false"
    DELAY = "delay"
    SLOW_DRIP = "slow_drip"
    DROP = "drop"


@dataclass(frozen=True)
class Fault:
    """One kind of misbehaviour; build it with the class methods.

    :param kind: what happens.
    :param code: HTTP status for ``STATUS`` and ``HTML``.
    :param envelope: error body shape for ``STATUS``.
    :param retry_after: ``retry-after`` header seconds for ``STATUS``, or None.
    :param seconds: the delay for ``DELAY``, the total body time for ``SLOW_DRIP``.
    """

    kind: FaultKind
    code: int = 200
    envelope: Envelope = "realtimekit"
    retry_after: float | None = None
    seconds: float = 0.0

    @classmethod
    def status(cls, code: int, envelope: Envelope = "realtimekit", retry_after: float | None = None) -> Fault:
        """Answer ``code`` with an error body instead of running the handler.

        :param code: HTTP status, for example 503.
        :param envelope: ``"realtimekit"`` (``{"success": false, "error": {...}}``) or ``"cloudflare"``
            (``{"success": false, "errors": [...], ...}``).
        :param retry_after: seconds for a ``retry-after`` header.
        """
        if envelope not in ("realtimekit", "cloudflare"):
            raise ValueError("envelope must be 'realtimekit' or 'cloudflare'")
        return cls(FaultKind.STATUS, code=code, envelope=envelope, retry_after=retry_after)

    @classmethod
    def html(cls, code: int = 502) -> Fault:
        """Answer a Cloudflare-style HTML error page (``text/html``).

        :param code: HTTP status.
        """
        return cls(FaultKind.HTML, code=code)

    @classmethod
    def truncated_json(cls) -> Fault:
        """Answer 200 with the normal JSON body cut in the middle (Content-Length matches the cut body)."""
        return cls(FaultKind.TRUNCATED_JSON)

    @classmethod
    def success_false(cls) -> Fault:
        """Answer 200 with ``{"success": false, "error": {"code": 500, ...}}``."""
        return cls(FaultKind.SUCCESS_FALSE)

    @classmethod
    def delay(cls, seconds: float) -> Fault:
        """Wait ``seconds`` (without blocking other requests), then answer normally.

        :param seconds: the delay.
        """
        return cls(FaultKind.DELAY, seconds=seconds)

    @classmethod
    def slow_drip(cls, total_seconds: float) -> Fault:
        """Send the normal body in small pieces spread over ``total_seconds``.

        :param total_seconds: time between the headers and the last byte.
        """
        return cls(FaultKind.SLOW_DRIP, seconds=total_seconds)

    @classmethod
    def drop(cls) -> Fault:
        """Close the connection without any response."""
        return cls(FaultKind.DROP)

    def runs_handler(self) -> bool:
        """Tell whether the normal handler still runs under this fault."""
        return self.kind in (FaultKind.DELAY, FaultKind.SLOW_DRIP, FaultKind.TRUNCATED_JSON)

    def standalone_reply(self) -> Reply:
        """Return the reply of a fault that replaces the handler (``STATUS``, ``HTML``, ``SUCCESS_FALSE``)."""
        if self.kind is FaultKind.HTML:
            page = _HTML_PAGE.format(status=self.code, phrase=reason_phrase(self.code))
            return Reply(self.code, page.encode(), content_type=b"text/html; charset=UTF-8")
        if self.kind is FaultKind.SUCCESS_FALSE:
            reply = realtimekit_error(500, "Something went wrong, please try again")
            reply.status = 200
            return reply
        if self.kind is not FaultKind.STATUS:
            raise ValueError(f"{self.kind} has no standalone reply")
        message = reason_phrase(self.code)
        if self.envelope == "cloudflare":
            reply = cloudflare_error(self.code, self.code, message)
        else:
            reply = realtimekit_error(self.code, message)
        if self.retry_after is not None:
            reply.headers.append((b"retry-after", f"{self.retry_after:g}".encode()))
        return reply


@dataclass
class FaultRule:
    """An injected fault and when it fires.

    :param route: a route name or ``"*"``.
    :param fault: what happens.
    :param times: fire on the next ``times`` matching requests, then retire; None for no count limit.
    :param fraction: fire on each matching request with this probability (seeded); None for always.
    :param fired: how often it has fired so far.
    """

    route: str
    fault: Fault
    times: int | None = None
    fraction: float | None = None
    fired: int = 0

    @property
    def exhausted(self) -> bool:
        """True once a ``times`` budget is spent."""
        return self.times is not None and self.fired >= self.times


class FaultBook:
    """The injected fault rules, consulted in injection order.

    :param rng_seed: seeds the generator behind ``fraction``.
    """

    def __init__(self, rng_seed: int = 0) -> None:
        self._rules: list[FaultRule] = []
        self._rng_seed = rng_seed
        self._rng = random.Random(rng_seed)
        self._lock = threading.Lock()

    def add(self, route: str, fault: Fault, times: int | None = None, fraction: float | None = None) -> FaultRule:
        """Inject a fault.

        :param route: a route name (see :mod:`.routes`) or ``"*"``.
        :param fault: what happens.
        :param times: fire on the next ``times`` matching requests only.
        :param fraction: fire with this probability on each matching request.
        """
        if route != ANY_ROUTE and route not in ROUTE_NAMES:
            raise ValueError(f"unknown route {route!r}; use one of {sorted(ROUTE_NAMES)} or '*'")
        if times is not None and times < 1:
            raise ValueError("times must be >= 1")
        if fraction is not None and not 0.0 <= fraction <= 1.0:
            raise ValueError("fraction must be within [0, 1]")
        rule = FaultRule(route, fault, times, fraction)
        with self._lock:
            self._rules.append(rule)
        return rule

    def clear(self) -> None:
        """Remove every rule and restart the generator behind ``fraction``."""
        with self._lock:
            self._rules.clear()
            self._rng = random.Random(self._rng_seed)

    def pick(self, route: str) -> Fault | None:
        """Return the fault for a request to ``route``, or None; counts the firing.

        :param route: the request's route name.
        """
        with self._lock:
            if not self._rules:
                return None
            for rule in self._rules:
                if rule.route not in (ANY_ROUTE, route) or rule.exhausted:
                    continue
                if rule.fraction is not None and self._rng.random() >= rule.fraction:
                    continue
                rule.fired += 1
                return rule.fault
            return None

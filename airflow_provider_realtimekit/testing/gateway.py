"""The Cloudflare gateway in front of the RealtimeKit routes: routing, authentication, rate limit, faults.

Steps 1-4 of the request pipeline (see :mod:`.app`):

1. routing: an unknown path answers 404 with Cloudflare code 7000; methods other than GET answer 405
   (code 7001);
2. authentication: a missing or wrong bearer token answers 401 (code 10000 "Authentication error"; code 1000
   "Invalid API Token" on token verify); an inactive token or one without the Realtime permission answers
   401/403 on RealtimeKit routes; the verify endpoint of the other token owner answers 401 code 1000;
3. the rate limiter (only requests that passed 2 are counted; see :mod:`.ratelimit`);
4. injected faults (see :mod:`.faults`).

Every answer here uses the Cloudflare envelope.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from airflow_provider_realtimekit.testing.auth import TokenCheck, TokenPolicy
from airflow_provider_realtimekit.testing.envelopes import Reply, cloudflare_error
from airflow_provider_realtimekit.testing.faults import FaultBook
from airflow_provider_realtimekit.testing.ratelimit import RateLimiter
from airflow_provider_realtimekit.testing.request import Admission, IncomingRequest
from airflow_provider_realtimekit.testing.routes import Route


@dataclass
class Gateway:
    """Admits requests to the RealtimeKit routes, or answers for them.

    :param tokens: the accepted token and its properties.
    :param limiter: the rate limiter.
    :param faults: the injected faults.
    """

    tokens: TokenPolicy
    limiter: RateLimiter
    faults: FaultBook

    def admit(self, request: IncomingRequest) -> Reply | Admission:
        """Run steps 1-4: return the gateway's own answer, or the admission with its fault and headers.

        :param request: the request (its ``token`` is downgraded when authentication refuses it).
        """
        route = request.route
        if route is None:
            return cloudflare_error(404, 7000, "No route for that URI")
        if request.method != "GET":
            return cloudflare_error(405, 7001, "Method not allowed for this route")
        refusal = self._authenticate(request, route)
        if refusal is not None:
            return refusal
        decision = self.limiter.consume(self.tokens.token_id, request.arrived)
        headers = decision.headers() if decision is not None else []
        if decision is not None and not decision.allowed:
            reply = cloudflare_error(429, 971, "Please wait and consider throttling your request speed")
            reply.headers.extend(headers)
            return reply
        return Admission(self.faults.pick(route.name), headers)

    def _authenticate(self, request: IncomingRequest, route: Route) -> Reply | None:
        if route.name == "token_verify":
            owner: Literal["account", "user"] = "account" if "account_id" in request.params else "user"
            if request.token is not TokenCheck.VALID or not self.tokens.verifies_at(owner):
                request.token = TokenCheck.MISSING_OR_WRONG
                return cloudflare_error(401, 1000, "Invalid API Token")
            return None
        if request.token is not TokenCheck.VALID or self.tokens.status != "active":
            request.token = TokenCheck.MISSING_OR_WRONG
            return cloudflare_error(401, 10000, "Authentication error")
        if not self.tokens.realtime_permission:
            request.token = TokenCheck.MISSING_OR_WRONG
            return cloudflare_error(403, 10000, "Authentication error")
        return None
